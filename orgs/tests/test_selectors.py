"""orgs.selectors.summarize and its rule warnings; orgs.services writes to the tree."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog
from dangjian.testing import MemberFactory, make_org
from members.models import Member, MembershipPeriod
from orgs import services
from orgs.models import (
    Organization,
    OrganizationEvent,
    OrgKind,
    Position,
    PositionKind,
    Term,
    path_segment,
)
from orgs.selectors import summarize

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)


def branch_with(parent, name, full=0, probationary=0):
    branch = make_org(name, OrgKind.BRANCH, parent)
    for _ in range(full):
        MemberFactory(branch=branch)
    for _ in range(probationary):
        MemberFactory(
            branch=branch, membership_kind=Member.MembershipKind.PROBATIONARY, confirmed_on=None
        )
    return branch


def appoint(org, kind, member=None):
    member = member or MemberFactory(branch=org)
    return Position.objects.create(
        organization=org, member=member, kind=kind, started_on=date(2024, 1, 1)
    )


def codes(summary, level=None):
    return [w.code for w in summary.warnings if level is None or w.level == level]


# ---------------------------------------------------------------- summarize


def test_subtree_counts_add_up_every_branch_below(city):
    MemberFactory(
        branch=city.branch_a2, membership_kind=Member.MembershipKind.PROBATIONARY, confirmed_on=None
    )
    committee, branch_a, dept_b = summarize([city.committee_a, city.branch_a, city.dept_b], TODAY)
    assert (committee.subtree.full, committee.subtree.probationary) == (3, 1)
    assert committee.own.total == 0
    assert (branch_a.own.full, branch_a.subtree.full) == (2, 2)
    assert dept_b.subtree.total == 1


def test_members_who_left_are_not_counted(city):
    Member.objects.filter(pk=city.member_a.pk).update(status=Member.Status.TRANSFERRED_OUT)
    (branch_a,) = summarize([city.branch_a], TODAY)
    assert branch_a.own.full == 1


def test_summarize_takes_a_fixed_number_of_queries(city):
    orgs = [
        city.work_committee,
        city.dept_a,
        city.committee_a,
        city.branch_a,
        city.branch_a2,
        city.branch_b,
    ]
    with CaptureQueriesContext(connection) as small:
        summarize(orgs[:2], TODAY)
    with CaptureQueriesContext(connection) as large:
        summarize(orgs, TODAY)
    assert len(small) == len(large) == 3


def test_branch_below_three_full_members_is_told_to_join_a_joint_branch(city):
    (branch_a2,) = summarize([city.branch_a2], TODAY)
    warning = next(
        w for w in branch_a2.warnings if w.code == "R-ORG-1" and "联合党支部" in w.message
    )
    assert "支部工作条例" in warning.source


def test_branch_with_seven_full_members_and_no_committee_gets_r_org_1_danger(city):
    branch = branch_with(city.committee_a, "七人党支部", full=7)
    appoint(branch, PositionKind.SECRETARY)
    (summary,) = summarize([branch], TODAY)
    assert "R-ORG-1" in codes(summary, "danger")
    assert any("未设立支部委员会" in w.message for w in summary.warnings)


def test_branch_with_a_committee_of_three_has_no_committee_warning(city):
    branch = branch_with(city.committee_a, "七人党支部", full=7)
    members = list(branch.members.all())
    for member, kind in zip(
        members,
        [PositionKind.SECRETARY, PositionKind.ORGANIZATION_MEMBER, PositionKind.DISCIPLINE_MEMBER],
        strict=False,
    ):
        appoint(branch, kind, member)
    Term.objects.create(
        organization=branch, started_on=date(2025, 1, 1), expires_on=date(2028, 1, 1)
    )
    (summary,) = summarize([branch], TODAY)
    assert summary.committee_size == 3
    assert summary.warnings == []


def test_missing_secretary_is_danger(city):
    (branch_a2,) = summarize([city.branch_a2], TODAY)
    assert any(w.message == "书记空缺" and w.level == "danger" for w in branch_a2.warnings)


def test_party_committee_without_discipline_member_gets_r_org_4(city):
    (committee,) = summarize([city.committee_a], TODAY)
    assert "R-ORG-4" in codes(committee)


def test_term_expiring_within_the_reminder_window_warns(city):
    Term.objects.filter(organization=city.branch_a).update(
        expires_on=TODAY + relativedelta(months=5)
    )
    (branch_a,) = summarize([city.branch_a], TODAY)
    assert [w.level for w in branch_a.warnings if w.code == "R-ORG-3"] == ["warning"]


def test_term_expiring_later_than_the_window_is_quiet(city):
    Term.objects.filter(organization=city.branch_a).update(
        expires_on=TODAY + relativedelta(months=7)
    )
    (branch_a,) = summarize([city.branch_a], TODAY)
    assert "R-ORG-3" not in codes(branch_a)


def test_overdue_term_is_danger_and_the_latest_term_counts(city):
    Term.objects.filter(organization=city.branch_a).update(
        started_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)
    )
    (overdue,) = summarize([city.branch_a], TODAY)
    assert [w.level for w in overdue.warnings if w.code == "R-ORG-3"] == ["danger"]
    Term.objects.create(
        organization=city.branch_a, started_on=date(2025, 12, 1), expires_on=date(2028, 12, 1)
    )
    (renewed,) = summarize([city.branch_a], TODAY)
    assert renewed.term.expires_on == date(2028, 12, 1)
    assert "R-ORG-3" not in codes(renewed)


def test_dissolved_organizations_get_no_warnings(city):
    closed = make_org("已撤销支部", OrgKind.BRANCH, city.committee_a)
    services.organization_dissolve(org=closed, on=date(2025, 1, 1), reason="撤并")
    (summary,) = summarize([closed], TODAY)
    assert summary.warnings == []


def test_many_organizations_are_summarized_like_few(city):
    """Above the id-list limit positions and terms are selected by path; results must not change."""
    from orgs import selectors

    orgs = [city.committee_a, city.branch_a, city.branch_a2]
    few = [(s.committee_size, s.term, codes(s)) for s in summarize(orgs, TODAY)]
    limit, selectors.IN_LIST_LIMIT = selectors.IN_LIST_LIMIT, 1
    try:
        many = [(s.committee_size, s.term, codes(s)) for s in summarize(orgs, TODAY)]
    finally:
        selectors.IN_LIST_LIMIT = limit
    assert many == few


# ---------------------------------------------------------------- services


def test_create_places_the_organization_under_its_parent_with_history(city):
    group = services.organization_create(
        name="第一党小组",
        kind=OrgKind.GROUP,
        parent=city.branch_a,
        established_on=date(2025, 3, 1),
        actor=city.users["secretary_a"],
    )
    assert group.path == city.branch_a.path + path_segment(group.pk)
    assert group.depth == city.branch_a.depth + 1
    event = group.events.get()
    assert (event.kind, event.happened_on, event.new_value) == (
        OrganizationEvent.Kind.CREATED,
        date(2025, 3, 1),
        "第一党小组",
    )
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(group.pk)).exists()


def test_create_under_a_dissolved_parent_is_refused(city):
    closed = make_org("已撤销支部", OrgKind.BRANCH, city.committee_a)
    services.organization_dissolve(org=closed, on=date(2025, 1, 1), reason="撤并")
    with pytest.raises(ValidationError) as error:
        services.organization_create(name="党小组", kind=OrgKind.GROUP, parent=closed)
    assert "parent" in error.value.message_dict


def test_rename_is_recorded_as_an_organization_event(city):
    services.organization_update(
        org=city.branch_a, name="预算管理处党支部", actor=city.users["secretary_a"]
    )
    event = OrganizationEvent.objects.get(
        organization=city.branch_a, kind=OrganizationEvent.Kind.RENAMED
    )
    assert (event.old_value, event.new_value) == ("预算处党支部", "预算管理处党支部")
    assert event.recorded_by == city.users["secretary_a"]


def test_update_without_a_new_name_records_no_rename(city):
    services.organization_update(org=city.branch_a, short_name="预算处")
    assert not OrganizationEvent.objects.filter(kind=OrganizationEvent.Kind.RENAMED).exists()


def test_move_updates_the_whole_subtree_paths_in_one_update(city):
    group = make_org("党小组", OrgKind.GROUP, city.branch_a)
    with CaptureQueriesContext(connection) as queries:
        services.organization_move(
            org=city.committee_a, new_parent=city.dept_b, on=date(2025, 5, 1)
        )
    path_updates = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "orgs_organization" SET "path"')
    ]
    assert len(path_updates) == 1
    for org in (city.committee_a, city.branch_a, city.branch_a2, group, city.dept_b):
        org.refresh_from_db()
    assert city.committee_a.parent == city.dept_b
    assert city.committee_a.path == city.dept_b.path + path_segment(city.committee_a.pk)
    assert city.branch_a.path == city.committee_a.path + path_segment(city.branch_a.pk)
    assert group.path == city.branch_a.path + path_segment(group.pk)
    assert (city.committee_a.depth, city.branch_a.depth, group.depth) == (3, 4, 5)
    event = city.committee_a.events.get(kind=OrganizationEvent.Kind.MOVED)
    assert (event.old_value, event.new_value) == (city.dept_a.name, city.dept_b.name)


def test_move_under_its_own_subtree_is_refused(city):
    with pytest.raises(ValidationError) as error:
        services.organization_move(org=city.committee_a, new_parent=city.branch_a)
    assert "下级组织" in error.value.message_dict["parent"][0]


def test_merge_moves_children_and_members_and_keeps_history(city):
    group = make_org("国库处党小组", OrgKind.GROUP, city.branch_a2)
    services.organization_merge(
        org=city.branch_a2, into=city.branch_a, on=date(2025, 7, 1), reason="处室合并"
    )
    city.branch_a2.refresh_from_db()
    group.refresh_from_db()
    city.member_a2.refresh_from_db()
    assert city.branch_a2.status == Organization.Status.MERGED
    assert (city.branch_a2.merged_into, city.branch_a2.ended_on) == (
        city.branch_a,
        date(2025, 7, 1),
    )
    assert group.parent == city.branch_a and group.path.startswith(city.branch_a.path)
    assert city.member_a2.branch == city.branch_a
    periods = list(MembershipPeriod.objects.filter(member=city.member_a2).order_by("started_on"))
    assert [(p.organization, p.ended_on) for p in periods] == [
        (city.branch_a2, date(2025, 7, 1)),
        (city.branch_a, None),
    ]
    assert city.branch_a2.events.filter(
        kind=OrganizationEvent.Kind.MERGED, new_value=city.branch_a.name
    ).exists()
    assert Organization.objects.filter(pk=city.branch_a2.pk).exists()


def test_merge_of_a_branch_with_members_into_a_non_branch_is_refused(city):
    with pytest.raises(ValidationError) as error:
        services.organization_merge(org=city.branch_a2, into=city.dept_b, on=date(2025, 7, 1))
    assert "into" in error.value.message_dict
    city.member_a2.refresh_from_db()
    assert city.member_a2.branch == city.branch_a2


def test_dissolve_is_refused_while_members_remain(city):
    with pytest.raises(ValidationError, match="仍有党员"):
        services.organization_dissolve(org=city.branch_a2, on=date(2025, 7, 1), reason="撤并")
    city.branch_a2.refresh_from_db()
    assert city.branch_a2.is_active


def test_dissolve_after_members_left_ends_positions_and_keeps_the_record(city):
    secretary = appoint(city.branch_a2, PositionKind.SECRETARY, city.member_a2)
    Member.objects.filter(pk=city.member_a2.pk).update(status=Member.Status.TRANSFERRED_OUT)
    services.organization_dissolve(org=city.branch_a2, on=date(2025, 7, 1), reason="机构改革")
    city.branch_a2.refresh_from_db()
    secretary.refresh_from_db()
    assert city.branch_a2.status == Organization.Status.DISSOLVED
    assert secretary.ended_on == date(2025, 7, 1)
    assert city.branch_a2.events.get(kind=OrganizationEvent.Kind.DISSOLVED).note == "机构改革"


def test_dissolve_is_refused_while_active_sub_organizations_remain(city):
    Member.objects.filter(branch=city.committee_a).update(status=Member.Status.TRANSFERRED_OUT)
    with pytest.raises(ValidationError, match="下级组织"):
        services.organization_dissolve(org=city.committee_a, on=date(2025, 7, 1), reason="撤并")


def test_a_second_current_secretary_is_refused(city):
    with pytest.raises(ValidationError) as error:
        services.position_appoint(
            organization=city.branch_a,
            member=city.member_a,
            kind=PositionKind.SECRETARY,
            started_on=date(2025, 1, 1),
        )
    assert "kind" in error.value.message_dict


def test_term_must_expire_after_it_starts(city):
    with pytest.raises(ValidationError) as error:
        services.term_start(
            organization=city.branch_a, started_on=date(2025, 1, 1), expires_on=date(2025, 1, 1)
        )
    assert error.value.message_dict["expires_on"] == ["届满日期须晚于本届开始日期"]
