"""The flags against hand-computed cases, one criterion at a time, as of 15 November 2026."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.testing import make_org
from orgs.models import OrgKind, Position, PositionKind, Term
from weak_orgs import flags as flags_module
from weak_orgs import services
from weak_orgs.models import FlagResult, FlagRun
from weak_orgs.tests.conftest import AS_OF, committee, criterion, hits_of, meeting

pytestmark = pytest.mark.django_db


# --- 连续3个月未召开支委会 ---------------------------------------------------------------------------


def test_three_months_without_committee_meeting_is_flagged_with_the_months(city, flags):
    committee(city.branch_a)
    meeting(city.branch_a, date(2026, 7, 10))
    found = hits_of(flags(), city.branch_a)
    assert found["no_committee_meeting"] == "2026年8月至10月连续3个月未召开支委会"


def test_two_months_without_committee_meeting_is_not_flagged(city, flags):
    committee(city.branch_a)
    meeting(city.branch_a, date(2026, 8, 20))
    assert "no_committee_meeting" not in hits_of(flags(), city.branch_a)


def test_the_current_month_is_not_counted_before_it_ends(city, flags):
    committee(city.branch_a)
    meeting(city.branch_a, date(2026, 8, 20))
    # September and October missed; November is still open on 15 November.
    assert "no_committee_meeting" not in hits_of(flags(date(2026, 11, 30)), city.branch_a)
    found = hits_of(flags(date(2026, 12, 1)), city.branch_a)
    assert found["no_committee_meeting"] == "2026年9月至11月连续3个月未召开支委会"


def test_a_meeting_without_quorum_does_not_break_the_run(city, flags):
    committee(city.branch_a)
    meeting(city.branch_a, date(2026, 7, 10))
    meeting(city.branch_a, date(2026, 9, 10), counts=False)
    assert "no_committee_meeting" in hits_of(flags(), city.branch_a)


def test_months_without_a_committee_are_not_counted(city, flags):
    # branch_a2 has no 支委会 at all; branch_a's was formed on 1 September (two months).
    committee(city.branch_a, started_on=date(2026, 9, 1))
    run = flags()
    assert "no_committee_meeting" not in hits_of(run, city.branch_a)
    assert "no_committee_meeting" not in hits_of(run, city.branch_a2)


def test_a_run_across_the_new_year_names_both_years(city, flags):
    committee(city.branch_a)
    meeting(city.branch_a, date(2025, 11, 5))
    meeting(city.branch_a, date(2026, 3, 5))
    found = hits_of(flags(date(2026, 3, 2)), city.branch_a)
    assert found["no_committee_meeting"] == "2025年12月至2026年2月连续3个月未召开支委会"


# --- 书记空缺超过3个月 ------------------------------------------------------------------------------


def test_secretary_vacant_exactly_three_months_is_not_flagged_a_day_later_it_is(city, flags):
    Position.objects.create(
        organization=city.branch_a2,
        member=city.member_a2,
        kind=PositionKind.SECRETARY,
        started_on=date(2023, 1, 1),
        ended_on=date(2026, 8, 15),
    )
    assert "secretary_vacant" not in hits_of(flags(date(2026, 11, 15)), city.branch_a2)
    found = hits_of(flags(date(2026, 11, 16)), city.branch_a2)
    assert found["secretary_vacant"] == (
        "书记职务自2026年8月15日（上任书记离任）起空缺，至研判日已超过3个月"
    )


def test_a_sitting_secretary_is_not_flagged(city, flags):
    assert "secretary_vacant" not in hits_of(flags(), city.branch_a)


def test_a_branch_never_given_a_secretary_is_flagged_from_its_founding(city, flags):
    city.branch_b.established_on = date(2026, 6, 1)
    city.branch_b.save()
    assert "secretary_vacant" not in hits_of(flags(date(2026, 9, 1)), city.branch_b)
    found = hits_of(flags(date(2026, 9, 2)), city.branch_b)
    assert "自2026年6月1日（成立以来未登记书记，自成立之日）起空缺" in found["secretary_vacant"]
    # Without a founding date the vacancy's length is unknown: listed for 工委 to check.
    assert hits_of(flags(), city.branch_a2)["secretary_vacant"].startswith("未登记书记")


# --- 任期届满未按期换届 ------------------------------------------------------------------------------


def test_term_expiring_on_the_day_is_not_overdue_the_day_after_it_is(city, flags):
    Term.objects.create(
        organization=city.branch_a2, started_on=date(2023, 11, 15), expires_on=date(2026, 11, 15)
    )
    assert "term_overdue" not in hits_of(flags(date(2026, 11, 15)), city.branch_a2)
    found = hits_of(flags(date(2026, 11, 16)), city.branch_a2)
    assert found["term_overdue"] == "任期已于2026年11月15日届满，逾期1天未换届"


def test_a_new_term_clears_the_overdue_one(city, flags):
    Term.objects.create(
        organization=city.branch_a2, started_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)
    )
    assert "term_overdue" in hits_of(flags(), city.branch_a2)
    Term.objects.create(
        organization=city.branch_a2, started_on=date(2026, 10, 1), expires_on=date(2029, 10, 1)
    )
    assert "term_overdue" not in hits_of(flags(), city.branch_a2)


def test_no_registered_term_is_not_flagged(city, flags):
    assert not Term.objects.filter(organization=city.branch_b).exists()
    assert "term_overdue" not in hits_of(flags(), city.branch_b)


# --- 组织生活完成率低于60% ---------------------------------------------------------------------------


def _rates(monkeypatch, rates: dict):
    asked = {}

    def fake(organizations, year, today=None):
        asked["year"] = year
        return {o.pk: rates.get(o.pk) for o in organizations}

    monkeypatch.setattr(flags_module.orglife_selectors, "completion_rates", fake)
    return asked


def test_completion_59_percent_is_flagged_60_percent_is_not(city, flags, monkeypatch):
    asked = _rates(monkeypatch, {city.branch_a.pk: 0.59, city.branch_a2.pk: 0.60})
    run = flags()
    assert asked["year"] == 2025  # the last complete year by default
    assert hits_of(run, city.branch_a)["low_orglife_completion"] == (
        "2025年组织生活完成率59.0%，低于60%"
    )
    assert "low_orglife_completion" not in hits_of(run, city.branch_a2)
    assert "low_orglife_completion" not in hits_of(run, city.branch_b)  # nothing decided: None


def test_completion_read_from_real_organizational_life_records(city, flags):
    """No activities in 2025: the rate is what orglife computes, and the threshold cuts around it."""
    from orglife.selectors import completion_rate

    rate = completion_rate(city.branch_a, 2025)
    assert rate is not None and 0 < rate < 1
    below = int(rate * 100)  # the rate is above this whole percentage …
    item = criterion("low_orglife_completion")
    item.parameters = {"min_rate_percent": below, "year": "previous"}
    item.save()
    assert "low_orglife_completion" not in hits_of(flags(), city.branch_a)
    item.parameters = {"min_rate_percent": below + 1, "year": "previous"}  # … and below this one
    item.save()
    assert f"{rate * 100:.1f}%" in hits_of(flags(), city.branch_a)["low_orglife_completion"]


# --- 星级评定低于3星 --------------------------------------------------------------------------------


def _stars(monkeypatch, by_year: dict):
    def fake(organization_ids, year):
        return {k: v for k, v in by_year.get(year, {}).items() if k in set(organization_ids)}

    monkeypatch.setattr(flags_module, "stars_awarded", fake)


def test_two_stars_is_flagged_three_stars_is_not_no_rating_is_not(city, flags, monkeypatch):
    _stars(monkeypatch, {2025: {city.branch_a.pk: 2, city.branch_a2.pk: 3}})
    run = flags()
    assert hits_of(run, city.branch_a)["low_star_rating"] == "2025年度星级评定为2星，低于3星"
    assert "low_star_rating" not in hits_of(run, city.branch_a2)
    assert "low_star_rating" not in hits_of(run, city.branch_b)


def test_this_years_closed_rating_replaces_last_years(city, flags, monkeypatch):
    _stars(monkeypatch, {2025: {city.branch_a.pk: 2}, 2026: {city.branch_a.pk: 4}})
    assert "low_star_rating" not in hits_of(flags(), city.branch_a)


def test_no_stars_awarded_after_an_upheld_objection_is_flagged(city, flags, monkeypatch):
    _stars(monkeypatch, {2025: {city.branch_a.pk: 0}})
    assert hits_of(flags(), city.branch_a)["low_star_rating"] == "2025年度星级评定为未授星，低于3星"


# --- 欠缴党费: registered, never flags -------------------------------------------------------------


def test_dues_criterion_reports_its_missing_source_and_never_flags(city, flags):
    assert criterion("dues_arrears").enabled
    run = flags()
    assert not any("dues_arrears" in r.codes for r in run.results.all())
    (dues,) = [c for c in run.criteria if c["code"] == "dues_arrears"]
    assert dues["available"] is False
    assert dues["note"] == "数据来源待接入（党费模块）"


# --- which organizations, versions, re-runs, queries ----------------------------------------------


def test_party_committees_are_left_out_unless_a_criterion_names_them(city, flags):
    # committee_a has no secretary and no founding date.
    assert hits_of(flags(), city.committee_a) == {}
    item = criterion("secretary_vacant")
    services.criterion_revise(
        criterion=item,
        actor=city.users["city_admin"],
        name=item.name,
        parameters=item.parameters,
        org_kinds=[*item.org_kinds, OrgKind.PARTY_COMMITTEE],
        enabled=True,
        effective_from=date(2026, 11, 1),
        source="本市调整：机关党委一并研判",
    )
    assert "secretary_vacant" in hits_of(flags(), city.committee_a)
    # A run for a day before the new version still uses the old one.
    assert hits_of(flags(date(2026, 10, 31)), city.committee_a) == {}


def test_a_disabled_criterion_is_not_computed(city, flags):
    item = criterion("secretary_vacant")
    item.enabled = False
    item.save()
    run = flags()
    assert all("secretary_vacant" not in r.codes for r in run.results.all())


def test_running_twice_a_day_keeps_one_run_and_the_decisions(city, flags):
    admin = city.users["city_admin"]
    first = flags()
    result = first.results.get(organization=city.branch_a2)
    services.flag_dismiss(result=result, actor=admin, reason="书记已选出，待录入")
    second = flags()
    assert FlagRun.objects.count() == 1 and second.pk == first.pk
    assert second.results.filter(organization=city.branch_a2).count() == 1
    again = second.results.get(organization=city.branch_a2)
    assert again.decision == FlagResult.Decision.DISMISSED
    # The next day's run carries the dismissal while the grounds are the same …
    next_day = flags(date(2026, 11, 16))
    assert next_day.results.get(organization=city.branch_a2).decision == "dismissed"
    # … and puts the organization back before 工委 when a new criterion is hit.
    Term.objects.create(
        organization=city.branch_a2, started_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)
    )
    later = flags(date(2026, 11, 17))
    assert later.results.get(organization=city.branch_a2).decision == "pending"


def test_query_count_does_not_grow_with_the_number_of_organizations(city, flags):
    with CaptureQueriesContext(connection) as few:
        flags()
    for i in range(12):
        branch = make_org(f"新建支部{i}", OrgKind.BRANCH, city.committee_a)
        committee(branch)
        Term.objects.create(
            organization=branch, started_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)
        )
        meeting(branch, date(2026, 5, 5))
    with CaptureQueriesContext(connection) as many:
        run = flags(date(2026, 11, 16))
    assert run.organizations_checked == 15
    assert len(many) <= len(few) + 2  # bulk_create/update batches, not per-organization queries
    assert AS_OF < run.as_of
