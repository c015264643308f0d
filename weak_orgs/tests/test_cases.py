"""From 工委's confirmation to 销号: who may do what, and when a case may be lifted."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditLog
from orgs.models import Position, PositionKind
from weak_orgs import services
from weak_orgs.models import FlagResult, WeakOrgCase, WeakOrgCriterion
from weak_orgs.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(city, flags):
    """branch_a2 flagged (no secretary registered) in the run of AS_OF.

    Completion is left out: with no activities recorded every branch would also hit it.
    """
    WeakOrgCriterion.objects.filter(code="low_orglife_completion").update(enabled=False)
    run = flags()
    return run.results.get(organization=city.branch_a2)


@pytest.fixture
def case(city, flagged):
    admin = city.users["city_admin"]
    case = services.case_confirm(organization=city.branch_a2, actor=admin, result=flagged, on=AS_OF)
    return services.case_plan(
        case=case,
        actor=admin,
        plan="选配书记，恢复组织生活",
        exit_criteria=["选出支部书记", "连续3个月按时召开支委会"],
        leader_name="市财政局党组成员 王某",
        due_on=date(2027, 5, 31),
    )


def _meet_all(case, user):
    for item in case.exit_criteria.all():
        services.exit_criterion_mark(criterion=item, actor=user, met=True, note="已完成，见进展")


def test_confirming_a_flag_opens_a_case_with_the_facts(city, flagged):
    case = services.case_confirm(
        organization=city.branch_a2, actor=city.users["city_admin"], result=flagged, on=AS_OF
    )
    assert case.status == WeakOrgCase.Status.CONFIRMED and case.year == 2026
    assert [r["code"] for r in case.reasons] == ["secretary_vacant"]
    flagged.refresh_from_db()
    assert flagged.decision == FlagResult.Decision.CONFIRMED
    assert AuditLog.objects.filter(object_type="weak_orgs.weakorgcase", action="create").exists()


def test_an_organization_cannot_be_confirmed_twice_while_open(city, case):
    with pytest.raises(ValidationError, match="已在整顿中"):
        services.case_confirm(
            organization=city.branch_a2, actor=city.users["city_admin"], reason="巡察发现"
        )


def test_confirming_without_a_flag_needs_a_reason(city):
    with pytest.raises(ValidationError) as error:
        services.case_confirm(organization=city.branch_b, actor=city.users["city_admin"])
    assert "确认依据" in str(error.value)


@pytest.mark.parametrize("persona", ["secretary_a", "committee_a", "publicity_a"])
def test_only_the_work_committee_confirms_plans_and_lifts(city, flagged, persona):
    user = city.users[persona]
    with pytest.raises(PermissionDenied):
        services.case_confirm(organization=city.branch_a2, actor=user, result=flagged)
    with pytest.raises(PermissionDenied):
        services.flag_dismiss(result=flagged, actor=user, reason="不属实")
    assert AuditLog.objects.filter(action="access_denied", actor_name=persona).exists()


def test_a_plan_needs_a_leader_and_exit_criteria(city, flagged):
    admin = city.users["city_admin"]
    case = services.case_confirm(organization=city.branch_a2, actor=admin, result=flagged)
    with pytest.raises(ValidationError) as error:
        services.case_plan(case=case, actor=admin, plan="整顿", exit_criteria=[" "])
    assert set(error.value.message_dict) == {"exit_criteria", "leader_name"}


def test_revising_the_plan_keeps_marks_of_kept_criteria(city, case):
    admin = city.users["city_admin"]
    first = case.exit_criteria.get(text="选出支部书记")
    services.exit_criterion_mark(criterion=first, actor=admin, met=True, note="已选举")
    services.case_plan(
        case=case,
        actor=admin,
        plan="调整后的方案",
        exit_criteria=["选出支部书记", "补开组织生活会"],
        leader=city.users["committee_a"],
    )
    texts = {c.text: c.met for c in case.exit_criteria.all()}
    assert texts == {"选出支部书记": True, "补开组织生活会": False}
    case.refresh_from_db()
    assert case.leader_name == city.users["committee_a"].display_name


def test_lifting_needs_every_exit_criterion_met(city, case, flags):
    admin = city.users["city_admin"]
    item = case.exit_criteria.first()
    services.exit_criterion_mark(criterion=item, actor=admin, met=True, note="已选举")
    with pytest.raises(ValidationError, match="销号标准未全部达到：连续3个月按时召开支委会"):
        services.case_lift(case=case, actor=admin, reason="整改到位", override_reason="人工核实")


def test_lifting_needs_the_latest_flags_clear_or_an_override(city, case, flags):
    admin = city.users["city_admin"]
    _meet_all(case, admin)
    # The latest run (as of confirmation) still flags branch_a2.
    with pytest.raises(ValidationError) as error:
        services.case_lift(case=case, actor=admin, reason="整改到位")
    assert "仍触发" in error.value.message_dict["override_reason"][0]
    # A secretary is elected and a new run clears the flags: lifting needs no override.
    Position.objects.create(
        organization=city.branch_a2,
        member=city.member_a2,
        kind=PositionKind.SECRETARY,
        started_on=date(2026, 11, 20),
    )
    flags(date(2026, 11, 21))
    lifted = services.case_lift(case=case, actor=admin, reason="书记已选出", on=date(2026, 11, 21))
    assert lifted.status == WeakOrgCase.Status.LIFTED and lifted.lift_override_reason == ""
    with pytest.raises(ValidationError, match="已销号"):
        services.progress_add(case=lifted, actor=admin, body="补充")


def test_lifting_with_an_override_reason_records_it(city, case):
    admin = city.users["city_admin"]
    _meet_all(case, admin)
    lifted = services.case_lift(
        case=case, actor=admin, reason="整改到位", override_reason="书记已选出，任职信息待录入"
    )
    assert lifted.lift_override_reason == "书记已选出，任职信息待录入"
    # A lifted case frees the organization for a later confirmation.
    again = services.case_confirm(organization=city.branch_a2, actor=admin, reason="复查发现反弹")
    assert again.status == WeakOrgCase.Status.CONFIRMED


def test_the_organizations_writers_report_but_cannot_lift(city, case):
    secretary = city.users["secretary_a"]
    # branch_a's secretary has no say over branch_a2's case …
    with pytest.raises(PermissionDenied):
        services.progress_add(case=case, actor=secretary, body="已开会")
    # … the 机关党委 above it reports, marks, but cannot lift.
    committee = city.users["committee_a"]
    note = services.progress_add(case=case, actor=committee, body="已召开专题会议")
    assert note.pk
    _meet_all(case, committee)
    with pytest.raises(PermissionDenied):
        services.case_lift(case=case, actor=committee, reason="整改到位", override_reason="x")


def test_read_only_roles_cannot_report(city, flags):
    admin = city.users["city_admin"]
    case = services.case_confirm(organization=city.branch_a, actor=admin, reason="巡察发现问题")
    with pytest.raises(PermissionDenied, match="只能查看"):
        services.progress_add(case=case, actor=city.users["publicity_a"], body="已整改")
    assert services.progress_add(case=case, actor=city.users["secretary_a"], body="已整改").pk


def test_marking_met_needs_a_note(city, case):
    item = case.exit_criteria.first()
    with pytest.raises(ValidationError) as error:
        services.exit_criterion_mark(criterion=item, actor=city.users["city_admin"], met=True)
    assert "note" in error.value.message_dict


def test_the_leader_must_hold_a_role_at_or_above_the_organization(city, case):
    """The plan's leader is checked by the service itself, not only by the page and API fields."""
    with pytest.raises(ValidationError) as error:
        services.case_plan(
            case=case,
            plan="整顿方案",
            exit_criteria=["按期召开支委会"],
            leader=city.users["secretary_b"],
            actor=city.users["city_admin"],
        )
    assert "责任领导须为该党组织或其上级组织的在岗用户" in str(error.value)
