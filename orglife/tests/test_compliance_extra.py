"""More rule cases: longer rules asked for a shorter period, state as it stood at each period's end,
secretary lessons, hearing bodies, staffing, and narrowing a year to its quarters and months."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from dangjian.testing import MemberFactory, make_org
from orglife import services
from orglife.compliance import MET, MISSED, NOT_APPLICABLE, PENDING, compliance, within
from orglife.models import LifeRule
from orglife.periods import period_of, sub_periods
from orgs.models import Organization, OrgKind, Position, PositionKind, Term

TODAY = date(2026, 11, 25)
YEAR = period_of("year", date(2026, 1, 1))


def hold(org, kind, day, **fields):
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=timezone.make_aware(datetime.combine(day, time(15))),
        topic="测试",
        correction_reason="补录测试数据",
        **fields,
    )


def result(org, code, period, today=TODAY):
    (item,) = compliance([org], period, today)
    return next(r for r in item.results if r.rule.code == code)


def test_a_yearly_rule_asked_for_one_month_counts_the_whole_year(city):
    hold(city.branch_a, "org_life_meeting", date(2026, 3, 5))
    july = result(city.branch_a, "R-LIFE-6", period_of("month", date(2026, 7, 1)))
    assert [(c.period, c.status, c.done) for c in july.checks] == [(YEAR, MET, 1)]


def test_a_quarterly_rule_asked_for_one_month_counts_its_quarter(city):
    hold(city.branch_a, "branch_general_meeting", date(2026, 9, 30))
    july = result(city.branch_a, "R-LIFE-1", period_of("month", date(2026, 7, 1)))
    assert (july.status, july.checks[0].period.key, july.checks[0].done) == (MET, "2026-Q3", 1)


def test_months_before_the_committee_was_formed_are_not_judged_on_the_committee_rule(city):
    members = [MemberFactory(branch=city.branch_b) for _ in range(3)]
    for member, kind in zip(
        members,
        [PositionKind.SECRETARY, PositionKind.ORGANIZATION_MEMBER, PositionKind.PUBLICITY_MEMBER],
        strict=True,
    ):
        Position.objects.create(
            organization=city.branch_b, member=member, kind=kind, started_on=date(2026, 5, 20)
        )
    statuses = result(city.branch_b, "R-LIFE-2", YEAR).statuses
    assert statuses[:4] == (NOT_APPLICABLE,) * 4  # January to April: no committee yet
    assert statuses[4] == MISSED and statuses[10] == PENDING  # May (formed within it) and November
    assert "未设支部委员会" in result(city.branch_b, "R-LIFE-2", YEAR).checks[0].detail


def test_a_past_year_is_judged_on_the_term_in_force_at_its_end(city):
    Term.objects.filter(organization=city.branch_a).delete()
    Term.objects.create(
        organization=city.branch_a, started_on=date(2021, 3, 1), expires_on=date(2024, 3, 1)
    )
    Term.objects.create(
        organization=city.branch_a, started_on=date(2025, 2, 1), expires_on=date(2028, 2, 1)
    )
    year_2024 = result(city.branch_a, "R-ORG-3", period_of("year", date(2024, 1, 1))).checks[0]
    year_2025 = result(city.branch_a, "R-ORG-3", period_of("year", date(2025, 1, 1))).checks[0]
    assert year_2024.status == MISSED and "2024-03-01" in year_2024.detail
    assert year_2025.status == MET
    earlier = result(city.branch_a, "R-ORG-3", period_of("year", date(2020, 1, 1))).checks[0]
    assert earlier.status == NOT_APPLICABLE and "无任期记录" in earlier.detail


def test_months_before_an_organization_was_established_are_not_judged(city):
    branch = make_org(
        "新设支部", OrgKind.BRANCH, city.committee_a, established_on=date(2026, 4, 10)
    )
    statuses = result(branch, "R-LIFE-5", YEAR).statuses
    assert statuses[:3] == (NOT_APPLICABLE,) * 3 and statuses[3] == MISSED


def test_only_lessons_given_by_the_secretary_count_for_the_secretarys_lesson(city):
    secretary = Position.objects.get(organization=city.branch_a, kind=PositionKind.SECRETARY).member
    hold(city.branch_a, "party_lesson", date(2026, 2, 3), speaker=city.member_a)
    assert result(city.branch_a, "R-LIFE-4S", YEAR).checks[0].done == 0
    assert (
        result(city.branch_a, "R-LIFE-4", YEAR).checks[0].status == MET
    )  # still the quarter's lesson
    hold(city.branch_a, "party_lesson", date(2026, 6, 3), speaker=secretary)
    assert result(city.branch_a, "R-LIFE-4S", YEAR).status == MET


def test_hearings_count_only_for_the_body_that_heard_the_report(city):
    for day in (date(2026, 3, 1), date(2026, 9, 1)):
        hold(city.work_committee, "work_report_hearing", day, hearing_body="standing_committee")
    assert result(city.work_committee, "R-RESP-1", YEAR).checks[0].done == 2
    leader = result(city.work_committee, "R-RESP-2", YEAR).checks[0]
    assert (leader.done, leader.required, leader.status) == (0, 2, PENDING)
    assert result(city.work_committee, "R-RESP-2", YEAR, today=date(2027, 1, 5)).status == MISSED


def test_a_unit_below_the_staffing_ratio_misses_with_its_figures(city):
    city.unit_b.full_time_party_workers = 1
    city.unit_b.save()
    check = result(city.dept_b, "R-RESP-5", YEAR).checks[0]
    assert check.status == MISSED and "1人/在编100人" in check.detail
    assert result(city.dept_a, "R-RESP-5", YEAR).status == MET  # 2 of 100: exactly 2%


def test_a_rule_not_yet_in_force_is_not_judged(city):
    LifeRule.objects.filter(code="R-LIFE-7").update(effective_from=date(2027, 1, 1))
    (item,) = compliance([city.branch_a], YEAR, TODAY)
    assert "R-LIFE-7" not in {r.rule.code for r in item.results}


@pytest.fixture
def busy_city(city):
    """Activities, a committee formed mid-year, a rule retired mid-year and terms."""
    committee = [MemberFactory(branch=city.branch_a) for _ in range(3)]
    for member, kind in zip(
        committee,
        [PositionKind.SECRETARY, PositionKind.ORGANIZATION_MEMBER, PositionKind.PUBLICITY_MEMBER],
        strict=True,
    ):
        Position.objects.create(
            organization=city.branch_a, member=member, kind=kind, started_on=date(2026, 3, 15)
        )
    for month in (1, 2, 4, 7, 8, 10):
        hold(city.branch_a, "theme_day", date(2026, month, 8))
        hold(
            city.branch_a,
            "branch_committee_meeting",
            date(2026, month, 9),
            attendance=[{"member_id": m.pk, "status": "present"} for m in committee],
        )
    hold(city.branch_a2, "branch_general_meeting", date(2026, 6, 30))
    hold(
        city.branch_b,
        "org_life_meeting",
        date(2026, 12, 1) if TODAY > date(2026, 12, 1) else date(2026, 2, 1),
    )
    LifeRule.objects.filter(code="R-LIFE-4").update(effective_to=date(2026, 8, 15))
    Term.objects.create(
        organization=city.branch_b, started_on=date(2023, 5, 1), expires_on=date(2026, 5, 1)
    )
    return city


def flat(results):
    return [
        (i.organization.pk, r.rule.pk, c.period, c.status, c.done, c.required, c.detail)
        for i in results
        for r in i.results
        for c in r.checks
    ]


def test_narrowing_a_year_equals_computing_each_quarter_and_month(busy_city):
    orgs = list(Organization.objects.order_by("path"))
    year = compliance(orgs, YEAR, TODAY)
    for period in sub_periods("quarter", YEAR) + sub_periods("month", YEAR):
        assert flat(within(year, period)) == flat(compliance(orgs, period, TODAY)), period.key
