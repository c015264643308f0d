"""The rules of organizational life against their own cases (R-LIFE-1, R-LIFE-2, R-LIFE-5, R-ORG-3)."""

from datetime import date, datetime, time

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from dangjian.testing import MemberFactory
from orglife import services
from orglife.compliance import (
    MET,
    MISSED,
    NOT_APPLICABLE,
    PENDING,
    compliance,
    rollup,
    subtree_compliance,
)
from orglife.models import Activity, LifeRule
from orglife.periods import period_of
from orgs.models import Position, PositionKind, Term

TODAY = date(2026, 11, 25)


def at(day: date, hour=15):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def hold(org, kind, day, present=(), absent=(), **fields):
    attendance = [{"member_id": m.pk, "status": "present"} for m in present]
    attendance += [{"member_id": m.pk, "status": "absent"} for m in absent]
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=at(day),
        topic="测试",
        attendance=attendance,
        correction_reason="补录测试数据",
        **fields,
    )


def result_for(org, rule_code, period, today=TODAY):
    (item,) = compliance([org], period, today)
    return next(r for r in item.results if r.rule.code == rule_code)


def test_general_meeting_on_the_last_day_of_a_quarter_counts_for_that_quarter(city):
    hold(city.branch_a, "branch_general_meeting", date(2026, 3, 31))
    q1 = result_for(city.branch_a, "R-LIFE-1", period_of("quarter", date(2026, 3, 1)))
    q2 = result_for(city.branch_a, "R-LIFE-1", period_of("quarter", date(2026, 4, 1)))
    assert q1.status == MET
    assert q2.status == MISSED and q2.checks[0].done == 0


def test_a_missed_month_of_theme_days_shows_in_the_year(city):
    for month in range(1, 11):
        if month != 6:
            hold(city.branch_a, "theme_day", date(2026, month, 10))
    year = result_for(city.branch_a, "R-LIFE-5", period_of("year", date(2026, 1, 1)))
    by_month = {c.period.start.month: c.status for c in year.checks}
    assert by_month[6] == MISSED and by_month[5] == MET
    assert by_month[11] == PENDING and by_month[12] == PENDING
    assert (year.met, year.missed, year.pending) == (9, 1, 2)
    assert year.status == MISSED


def committee_of(branch, size):
    members = [MemberFactory(branch=branch) for _ in range(size)]
    kinds = [
        PositionKind.SECRETARY,
        PositionKind.ORGANIZATION_MEMBER,
        PositionKind.DISCIPLINE_MEMBER,
        PositionKind.PUBLICITY_MEMBER,
        PositionKind.COMMITTEE_MEMBER,
    ]
    Position.objects.filter(organization=branch).delete()
    for member, kind in zip(members, kinds, strict=False):
        Position.objects.create(
            organization=branch, member=member, kind=kind, started_on=date(2025, 1, 1)
        )
    return members


def test_committee_meeting_without_more_than_half_present_does_not_count(city):
    committee = committee_of(city.branch_a, 4)
    half = hold(
        city.branch_a,
        "branch_committee_meeting",
        date(2026, 9, 8),
        present=committee[:2],
        absent=committee[2:],
    )
    assert not half.counts and "未超过" in half.invalid_reason and "R-LIFE-2" in half.invalid_reason
    september = result_for(city.branch_a, "R-LIFE-2", period_of("month", date(2026, 9, 1)))
    assert september.status == MISSED
    quorum = hold(
        city.branch_a,
        "branch_committee_meeting",
        date(2026, 10, 8),
        present=committee[:3],
        absent=committee[3:],
    )
    assert quorum.counts
    assert (
        result_for(city.branch_a, "R-LIFE-2", period_of("month", date(2026, 10, 1))).status == MET
    )


def test_correcting_attendance_can_restore_the_quorum(city):
    committee = committee_of(city.branch_a, 3)
    meeting = hold(
        city.branch_a,
        "branch_committee_meeting",
        date(2026, 11, 3),
        present=committee[:1],
        absent=committee[1:],
    )
    assert not Activity.objects.get(pk=meeting.pk).counts
    services.attendance_correct(activity=meeting, member=committee[1], status="present")
    assert Activity.objects.get(pk=meeting.pk).counts
    assert (
        result_for(city.branch_a, "R-LIFE-2", period_of("month", date(2026, 11, 1))).status == MET
    )


def test_committee_rule_does_not_apply_to_a_branch_without_committee(city):
    november = result_for(city.branch_b, "R-LIFE-2", period_of("month", date(2026, 10, 1)))
    assert november.status == NOT_APPLICABLE


def test_a_rule_retired_mid_year_stops_judging_the_months_after(city):
    rule = LifeRule.objects.get(code="R-LIFE-5")
    rule.effective_to = date(2026, 6, 30)
    rule.save()
    year = result_for(city.branch_a, "R-LIFE-5", period_of("year", date(2026, 1, 1)))
    statuses = {c.period.start.month: c.status for c in year.checks}
    assert (
        statuses[6] == MISSED and statuses[7] == NOT_APPLICABLE and statuses[12] == NOT_APPLICABLE
    )


def test_terms_expiring_in_five_months_warn_and_overdue_terms_miss(city):
    Term.objects.create(
        organization=city.branch_b,
        started_on=TODAY - relativedelta(years=3),
        expires_on=TODAY + relativedelta(months=5),
    )
    Term.objects.filter(organization=city.branch_a).update(expires_on=TODAY - relativedelta(days=1))
    year = period_of("year", TODAY)
    soon = result_for(city.branch_b, "R-ORG-3", year).checks[0]
    overdue = result_for(city.branch_a, "R-ORG-3", year).checks[0]
    assert soon.status == MET and "届满" in soon.detail
    assert overdue.status == MISSED and "未按期换届" in overdue.detail


def test_subtree_figures_equal_the_sum_of_its_organizations(city):
    hold(city.branch_a, "theme_day", date(2026, 1, 5))
    hold(city.branch_a2, "branch_general_meeting", date(2026, 2, 5))
    year = period_of("year", date(2026, 1, 1))
    total, items = subtree_compliance(city.committee_a, year, TODAY)
    one_by_one = [
        compliance([org], year, TODAY)[0]
        for org in (city.committee_a, city.branch_a, city.branch_a2)
    ]
    assert (total.met, total.missed, total.pending) == (
        sum(i.met for i in one_by_one),
        sum(i.missed for i in one_by_one),
        sum(i.pending for i in one_by_one),
    )
    assert rollup(items).met == total.met and total.organizations == 3


def test_compliance_query_count_does_not_grow_with_organizations(
    city, django_assert_max_num_queries
):
    from dangjian.testing import make_org
    from orgs.models import Organization, OrgKind

    for i in range(15):
        make_org(f"新增支部{i}", OrgKind.BRANCH, city.committee_a)
    orgs = list(Organization.objects.all())
    with django_assert_max_num_queries(6):
        compliance(orgs, period_of("year", date(2026, 1, 1)), TODAY)


@pytest.mark.parametrize("kind", ["branch_general_meeting", "theme_day"])
def test_cancelling_a_held_activity_removes_it_from_the_count(city, kind):
    activity = hold(city.branch_a, kind, date(2026, 11, 2))
    services.activity_cancel(activity=activity, reason="录入错误")
    period = period_of("month", date(2026, 11, 1))
    (item,) = compliance([city.branch_a], period, TODAY)
    assert all(c.done == 0 for r in item.results for c in r.checks if r.rule.activity_kind == kind)


# Each activity-count rule: the required number in a finished period meets it, one fewer misses it,
# and organizations of other kinds are not judged by it.
RULE_CASES = [
    # code, org attribute (or "group"), kind, hearing body, period start, required
    ("R-LIFE-1", "branch_a", "branch_general_meeting", "", ("quarter", date(2025, 4, 1)), 1),
    ("R-LIFE-3", "group", "group_meeting", "", ("month", date(2025, 5, 1)), 1),
    ("R-LIFE-4", "branch_a", "party_lesson", "", ("quarter", date(2025, 7, 1)), 1),
    ("R-LIFE-5", "branch_a", "theme_day", "", ("month", date(2025, 8, 1)), 1),
    ("R-LIFE-6", "branch_a", "org_life_meeting", "", ("year", date(2025, 1, 1)), 1),
    ("R-LIFE-6R", "branch_a", "member_review", "", ("year", date(2025, 1, 1)), 1),
    ("R-LIFE-7", "branch_a", "heart_to_heart_talk", "", ("year", date(2025, 1, 1)), 1),
    ("R-LIFE-8", "committee_a", "organ_member_assembly", "", ("year", date(2025, 1, 1)), 1),
    (
        "R-RESP-1",
        "work_committee",
        "work_report_hearing",
        "standing_committee",
        ("year", date(2025, 1, 1)),
        1,
    ),
    (
        "R-RESP-2",
        "work_committee",
        "work_report_hearing",
        "leader_in_charge",
        ("year", date(2025, 1, 1)),
        2,
    ),
    ("R-RESP-3", "dept_a", "party_building_deliberation", "", ("year", date(2025, 1, 1)), 2),
]


def _org_for(city, attribute):
    if attribute == "group":
        from dangjian.testing import make_org
        from orgs.models import OrgKind

        return make_org("预算处第一党小组", OrgKind.GROUP, city.branch_a)
    return getattr(city, attribute)


@pytest.mark.parametrize(
    "code,attribute,kind,body,start,required", RULE_CASES, ids=[c[0] for c in RULE_CASES]
)
def test_each_activity_rule_is_met_by_its_required_count_and_missed_one_short(
    city, code, attribute, kind, body, start, required
):
    org = _org_for(city, attribute)
    period = period_of(*start)
    extra = {"hearing_body": body} if body else {}
    for i in range(required - 1):
        hold(org, kind, period.start + relativedelta(days=i + 1), **extra)
    assert result_for(org, code, period).status == MISSED
    hold(org, kind, period.end, **extra)
    result = result_for(org, code, period)
    assert result.status == MET and result.checks[-1].done == required
    other = city.branch_b if attribute != "branch_a" else city.dept_b
    (item,) = compliance([other], period, TODAY)
    assert code not in {r.rule.code for r in item.results}


def test_secretary_lesson_rule_counts_only_lessons_given_by_the_secretary(city):
    secretary = Position.objects.get(organization=city.branch_a, kind=PositionKind.SECRETARY).member
    year = period_of("year", date(2025, 1, 1))
    hold(city.branch_a, "party_lesson", date(2025, 3, 3), speaker=city.member_a)
    assert result_for(city.branch_a, "R-LIFE-4S", year).status == MISSED
    hold(city.branch_a, "party_lesson", date(2025, 9, 3), speaker=secretary)
    assert result_for(city.branch_a, "R-LIFE-4S", year).status == MET
