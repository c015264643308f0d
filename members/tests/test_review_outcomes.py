"""Member-record side of 民主评议 outcomes: ending a membership by decision, noting an extension."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditLog
from dangjian.testing import MemberFactory
from members import services
from members.models import Member, MembershipPeriod

pytestmark = pytest.mark.django_db


def trail(member):
    return AuditLog.objects.filter(object_type="members.member", object_id=str(member.pk))


def test_removal_by_decision_ends_the_membership_period_and_is_in_the_audit_trail(city):
    member = services.member_end_by_decision(
        member=city.member_a,
        status=Member.Status.REMOVED,
        on=date(2027, 7, 1),
        reason="2026年度民主评议党员：予以除名",
        actor=city.users["secretary_a"],
    )
    assert member.status == Member.Status.REMOVED
    period = MembershipPeriod.objects.get(member=member)
    assert period.ended_on == date(2027, 7, 1) and period.reason == "2026年度民主评议党员：予以除名"
    entry = trail(member).get(action="update")
    assert entry.changes["status"] == ["active", "removed"]
    assert entry.detail == "2026年度民主评议党员：予以除名" and entry.actor_name == "secretary_a"


def test_a_member_no_longer_active_is_refused_and_left_unchanged(city):
    services.member_set_status(
        member=city.member_a,
        status=Member.Status.TRANSFERRED_OUT,
        on=date(2026, 3, 1),
        reason="调出",
    )
    logged = trail(city.member_a).count()
    with pytest.raises(ValidationError, match="党籍状态已为“已转出”，不能再变更为“除名”"):
        services.member_end_by_decision(
            member=city.member_a, status=Member.Status.REMOVED, on=date(2027, 7, 1), reason="x"
        )
    city.member_a.refresh_from_db()
    assert city.member_a.status == Member.Status.TRANSFERRED_OUT
    assert MembershipPeriod.objects.get(member=city.member_a).ended_on == date(2026, 3, 1)
    assert trail(city.member_a).count() == logged


def test_only_removal_or_leaving_can_be_decided_and_not_before_the_current_period(city):
    with pytest.raises(ValidationError, match="只能变更为“除名”或“出党”"):
        services.member_end_by_decision(
            member=city.member_a, status=Member.Status.DECEASED, on=date(2027, 7, 1), reason="x"
        )
    with pytest.raises(ValidationError, match="不能早于在当前组织的开始日期（2010-07-01）"):
        services.member_end_by_decision(
            member=city.member_a, status=Member.Status.LEFT, on=date(2009, 1, 1), reason="x"
        )
    city.member_a.refresh_from_db()
    assert city.member_a.status == Member.Status.ACTIVE


def test_probation_extension_is_written_to_the_trail_without_touching_the_record(city, login):
    member = MemberFactory(
        name="黄磊",
        branch=city.branch_a,
        membership_kind=Member.MembershipKind.PROBATIONARY,
        joined_on=date(2026, 1, 15),
        confirmed_on=None,
    )
    before = Member.objects.values().get(pk=member.pk)
    services.member_record_probation_extension(
        member=member,
        previous_end=date(2027, 1, 15),
        new_end=date(2027, 7, 15),
        reason="延长预备期6个月",
        actor=city.users["secretary_a"],
    )
    assert Member.objects.values().get(pk=member.pk) == before
    entry = trail(member).get(action="update")
    assert entry.changes == {"probation_ends_on": ["2027-01-15", "2027-07-15"]}
    assert entry.detail == "延长预备期6个月"
    # The member's own pages are as before: still a 预备党员 in good standing.
    page = login("secretary_a").get(reverse("members:detail", args=[member.pk])).content.decode()
    assert '<span class="badge text-bg-success">正常</span>' in page
    assert "probation" not in page and "延长预备期" not in page


def test_probation_extension_refuses_full_inactive_members_and_earlier_dates(city):
    with pytest.raises(ValidationError, match="张伟不是预备党员"):
        services.member_record_probation_extension(
            member=city.member_a,
            previous_end=date(2027, 1, 1),
            new_end=date(2027, 7, 1),
            reason="x",
        )
    member = MemberFactory(
        branch=city.branch_a,
        membership_kind=Member.MembershipKind.PROBATIONARY,
        confirmed_on=None,
        status=Member.Status.DECEASED,
    )
    with pytest.raises(ValidationError, match="不能再延长预备期"):
        services.member_record_probation_extension(
            member=member, previous_end=date(2027, 1, 1), new_end=date(2027, 7, 1), reason="x"
        )
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
    with pytest.raises(ValidationError, match="须晚于原预备期满之日"):
        services.member_record_probation_extension(
            member=member, previous_end=date(2027, 1, 1), new_end=date(2027, 1, 1), reason="x"
        )
    assert not trail(member).filter(action="update").exists()
