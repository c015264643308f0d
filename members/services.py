"""Writes to member records; every change keeps the membership history and the audit log."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from core import audit
from core.validators import (
    id_number_birth_date,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from members.models import Member, MembershipPeriod


def name_initials(name: str) -> str:
    """Pinyin initials for search: 张三丰 -> zsf."""
    return "".join(
        p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if p
    ).lower()[:20]


def member_validate(member: Member, *, check_unique=True) -> None:
    """Full validation with Chinese messages naming the field; raises ValidationError."""
    errors = {}
    try:
        validate_id_number(member.id_number)
    except ValidationError as error:
        errors["id_number"] = error.messages
    else:
        born = id_number_birth_date(member.id_number)
        if member.birth_date and born != member.birth_date:
            errors["birth_date"] = ["出生日期与身份证号不一致"]
        if (
            check_unique
            and Member.objects.by_id_number(member.id_number).exclude(pk=member.pk).exists()
        ):
            errors["id_number"] = ["该身份证号已存在于另一名党员的档案中"]
    try:
        validate_phone(member.phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if member.branch_id and not member.branch.is_branch:
        errors["branch"] = ["党员须编入党支部或联合党支部"]
    if member.joined_on and member.birth_date and member.age_on(member.joined_on) < 18:
        errors["joined_on"] = ["入党时须年满18周岁"]
    if member.confirmed_on and member.joined_on and member.confirmed_on <= member.joined_on:
        errors["confirmed_on"] = ["转正日期须晚于入党日期"]
    if member.is_probationary and member.confirmed_on:
        errors["confirmed_on"] = ["预备党员不应有转正日期"]
    try:
        member.full_clean(exclude=["id_number_digest", "name_initials"])
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_create(*, actor=None, id_number: str, phone: str = "", **fields) -> Member:
    member = Member(**fields)
    member.id_number = normalize_id_number(id_number)
    member.phone = phone
    if not member.birth_date:
        member.birth_date = id_number_birth_date(member.id_number)
    member.name_initials = name_initials(member.name)
    member_validate(member)
    member.save()
    MembershipPeriod.objects.create(
        member=member, organization=member.branch, started_on=member.joined_on, reason="建档"
    )
    audit.record_create(member, actor=actor)
    return member


@transaction.atomic
def member_update(*, member: Member, actor=None, **fields) -> Member:
    """Update fields; a change of branch goes through member_transfer_internal for the history."""
    before = audit.snapshot(Member.objects.get(pk=member.pk))
    new_branch = fields.pop("branch", None)
    for key, value in fields.items():
        setattr(member, key, value)
    member.name_initials = name_initials(member.name)
    member_validate(member)
    member.save()
    audit.record_update(member, before, actor=actor)
    if new_branch is not None and new_branch.pk != member.branch_id:
        member_transfer_internal(
            member=member,
            to_branch=new_branch,
            on=timezone.localdate(),
            reason="档案修改",
            actor=actor,
        )
    return member


@transaction.atomic
def member_transfer_internal(
    *, member: Member, to_branch, on: date, reason: str, actor=None
) -> Member:
    """Move a member between branches on this platform, closing the old membership period."""
    if not to_branch.is_branch or not to_branch.is_active:
        raise ValidationError({"branch": "目标组织须为正常状态的党支部或联合党支部"})
    if to_branch.pk == member.branch_id:
        raise ValidationError({"branch": "该党员已在此党支部"})
    if member.status != Member.Status.ACTIVE:
        status = member.get_status_display()
        raise ValidationError({"status": f"党籍状态为“{status}”的党员不能转接"})
    current = MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).first()
    if current is not None and on < current.started_on:
        started = f"{current.started_on:%Y-%m-%d}"
        raise ValidationError({"on": f"转接日期不能早于在当前组织的开始日期（{started}）"})
    before = audit.snapshot(member)
    MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    MembershipPeriod.objects.create(
        member=member, organization=to_branch, started_on=on, reason=reason
    )
    member.branch = to_branch
    member.group = None
    member.save(update_fields=["branch", "group", "updated_at"])
    audit.record_update(member, before, actor=actor, detail=f"组织关系转接：{reason}")
    return member


@transaction.atomic
def member_set_status(*, member: Member, status: str, on: date, reason: str, actor=None) -> Member:
    """Membership ends (transfer out, suspension, removal …) are status changes, never deletions."""
    if status not in Member.Status.values:
        raise ValidationError({"status": "未知的党籍状态"})
    before = audit.snapshot(member)
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    if status != Member.Status.ACTIVE:
        MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).update(
            ended_on=on, reason=reason[:255]
        )
    audit.record_update(member, before, actor=actor, detail=reason)
    return member


# Decisions of a party organization that end a membership (R-MEM-3); transfers, deaths and
# suspensions go through member_set_status from the member's own page.
DECISION_ENDINGS = (Member.Status.REMOVED, Member.Status.LEFT)


def _lock_active(member: Member, action: str) -> Member:
    """The member row, locked; refused when the record no longer stands in good standing."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(
            {
                "status": f"{member.name}的党籍状态已为“{member.get_status_display()}”，"
                f"不能再{action}；请核实其当前党籍状态。"
            }
        )
    return member


@transaction.atomic
def member_end_by_decision(
    *, member: Member, status: str, on: date, reason: str, actor=None
) -> Member:
    """End an active membership by a decision (除名, 劝其退党, 取消预备党员资格).

    Unlike member_set_status, which records what happened, a decision may only act on a member in
    good standing: whoever was transferred out or already removed is decided on elsewhere.
    """
    if status not in DECISION_ENDINGS:
        raise ValidationError({"status": "此处只能变更为“除名”或“出党”。"})
    label = Member.Status(status).label
    member = _lock_active(member, f"变更为“{label}”")
    current = MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).first()
    if current is not None and on < current.started_on:
        started = f"{current.started_on:%Y-%m-%d}"
        raise ValidationError({"on": f"变更日期不能早于在当前组织的开始日期（{started}）"})
    return member_set_status(member=member, status=status, on=on, reason=reason, actor=actor)


@transaction.atomic
def member_record_probation_extension(
    *, member: Member, previous_end: date, new_end: date, reason: str, actor=None
) -> Member:
    """延长预备期 in the member's history.

    Member has no probation-end field (the deciding app keeps the date), so nothing on the record
    changes; the member's audit trail carries the extension with its reason.
    """
    member = _lock_active(member, "延长预备期")
    if not member.is_probationary:
        raise ValidationError({"membership_kind": f"{member.name}不是预备党员，不能延长预备期。"})
    if new_end <= previous_end:
        raise ValidationError({"new_end": "延长后的预备期须晚于原预备期满之日。"})
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        instance=member,
        changes={"probation_ends_on": [previous_end.isoformat(), new_end.isoformat()]},
        detail=reason,
    )
    return member
