"""Writes of organizational life: schedule, record, correct, sign in. Each keeps the tally exact."""

from calendar import monthrange
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from members.models import Member
from orglife.models import Activity, ActivityKind, ActivityTally, Attendance, LifeRule
from orgs.models import COMMITTEE_POSITIONS, OrgKind, Position, PositionKind

EDITABLE_FIELDS = (
    "kind",
    "hearing_body",
    "starts_at",
    "ends_at",
    "place",
    "topic",
    "agenda",
    "host",
    "speaker",
    "speaker_name",
    "minutes",
    "resolutions",
    "signin_opens_at",
    "signin_closes_at",
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def period_closed(day: date, today: date | None = None) -> bool:
    """A month's records close some days after it ends; later changes need a reason (audited)."""
    today = today or timezone.localdate()
    last = day.replace(day=monthrange(day.year, day.month)[1])
    return today > last + timedelta(days=settings.ORGLIFE_CORRECTION_GRACE_DAYS)


def roster(organization):
    """Members expected at an activity of this organization: a group's own members, else everyone under it."""
    members = Member.objects.in_good_standing()
    if organization.kind == OrgKind.GROUP:
        return members.filter(group=organization)
    return members.filter(branch__path__startswith=organization.path)


def committee_member_ids(organization, on: date) -> set[int]:
    return set(
        Position.objects.current(on)
        .filter(organization=organization, kind__in=COMMITTEE_POSITIONS)
        .values_list("member_id", flat=True)
    )


def _rule_with_quorum(kind: str, on: date) -> LifeRule | None:
    rules = LifeRule.objects.filter(
        activity_kind=kind, quorum_ratio__isnull=False, effective_from__lte=on
    )
    return (
        rules.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )


def evaluate_validity(activity: Activity) -> None:
    """Set counts/invalid_reason: a meeting that misses its quorum (R-LIFE-2) does not count."""
    activity.counts, activity.invalid_reason = True, ""
    if activity.status != Activity.Status.COMPLETED:
        return
    rule = _rule_with_quorum(activity.kind, activity.held_on)
    if rule is None:
        return
    committee = committee_member_ids(activity.organization, activity.held_on)
    if not committee:
        return
    present = set(
        activity.attendances.filter(
            status=Attendance.Status.PRESENT, member_id__in=committee
        ).values_list("member_id", flat=True)
    )
    if Decimal(len(present)) <= rule.quorum_ratio * len(committee):
        activity.counts = False
        activity.invalid_reason = (
            f"到会委员{len(present)}人，未超过委员总数{len(committee)}人的{rule.quorum_ratio * 100:.0f}%"
            f"（{rule.code}），本次会议不计入"
        )


def _speaker_is_secretary(activity: Activity) -> bool:
    if activity.kind != ActivityKind.PARTY_LESSON or not activity.speaker_id:
        return False
    return (
        Position.objects.current(activity.held_on)
        .filter(
            organization=activity.organization,
            member_id=activity.speaker_id,
            kind=PositionKind.SECRETARY,
        )
        .exists()
    )


def refresh_tally(organization_id: int, month: date, kind: str, hearing_body: str) -> None:
    """Recount one (organization, month, kind) cell from the records themselves."""
    month = month_start(month)
    end = month.replace(day=monthrange(month.year, month.month)[1])
    counting = Activity.objects.counting().filter(
        organization_id=organization_id,
        kind=kind,
        hearing_body=hearing_body,
        held_on__range=(month, end),
    )
    count = counting.count()
    lessons = (
        counting.filter(speaker_is_secretary=True).count()
        if kind == ActivityKind.PARTY_LESSON
        else 0
    )
    ActivityTally.objects.update_or_create(
        organization_id=organization_id,
        month=month,
        kind=kind,
        hearing_body=hearing_body,
        defaults={"count": count, "secretary_lessons": lessons},
    )


def _cells(activity: Activity) -> tuple:
    return (
        activity.organization_id,
        month_start(activity.held_on),
        activity.kind,
        activity.hearing_body,
    )


def _prepare(activity: Activity) -> None:
    if activity.kind != ActivityKind.WORK_REPORT_HEARING:
        activity.hearing_body = ""
    elif not activity.hearing_body:
        raise ValidationError(
            {"hearing_body": "听取机关工委工作汇报须注明听取主体（常委会或分管领导）"}
        )
    if activity.ends_at and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": "结束时间不能早于开始时间"})
    if (
        activity.signin_opens_at
        and activity.signin_closes_at
        and activity.signin_closes_at <= activity.signin_opens_at
    ):
        raise ValidationError({"signin_closes_at": "签到截止时间须晚于签到开始时间"})
    activity.held_on = (
        timezone.localdate(activity.starts_at)
        if timezone.is_aware(activity.starts_at)
        else activity.starts_at.date()
    )
    if not activity.signin_token:
        activity.signin_token = Activity.new_signin_token()
    if activity.signin_opens_at is None:
        activity.signin_opens_at = activity.starts_at - timedelta(
            minutes=settings.ORGLIFE_SIGNIN_OPEN_MINUTES_BEFORE
        )
    if activity.signin_closes_at is None:
        activity.signin_closes_at = (activity.ends_at or activity.starts_at) + timedelta(
            hours=settings.ORGLIFE_SIGNIN_CLOSE_HOURS_AFTER
        )
    activity.full_clean(exclude=["signin_token", "held_on"])


@transaction.atomic
def activity_schedule(
    *, organization, kind: str, starts_at: datetime, topic: str, actor=None, **fields
) -> Activity:
    """Plan an activity ahead; it is completed later with activity_record."""
    activity = Activity(
        organization=organization,
        kind=kind,
        starts_at=starts_at,
        topic=topic,
        status=Activity.Status.PLANNED,
        created_by=actor,
        **fields,
    )
    _prepare(activity)
    activity.save()
    audit.record_create(activity, actor=actor)
    return activity


def _write_attendance(
    activity: Activity, attendance: list[dict], guests: list[dict], actor
) -> list[Attendance]:
    """Replace the attendance list: members of the roster plus invited guests."""
    # Members already on the list stay allowed: correcting an old record must not fail because one of
    # its attendees has since moved to another branch.
    existing = dict(
        activity.attendances.filter(member__isnull=False).values_list("member_id", "signed_in_at")
    )
    allowed = set(roster(activity.organization).values_list("pk", flat=True)) | set(existing)
    rows, seen = [], set()
    for entry in attendance:
        member_id = int(entry["member_id"])
        role = entry.get("role") or Attendance.Role.MEMBER
        if member_id in seen:
            raise ValidationError({"attendance": f"党员（编号{member_id}）重复出现在出席名单中"})
        if member_id not in allowed and role == Attendance.Role.MEMBER:
            raise ValidationError(
                {
                    "attendance": f"党员（编号{member_id}）不是本组织党员；列席人员请选择“双重组织生活”或“上级列席”身份"
                }
            )
        status = entry.get("status", Attendance.Status.PRESENT)
        if status not in Attendance.Status.values:
            raise ValidationError({"attendance": f"出席情况“{status}”无效"})
        if status == Attendance.Status.LEAVE and not (entry.get("leave_reason") or "").strip():
            raise ValidationError({"attendance": "请假须填写请假事由"})
        seen.add(member_id)
        rows.append(
            Attendance(
                activity=activity,
                member_id=member_id,
                role=role,
                status=status,
                leave_reason=(entry.get("leave_reason") or "")[:200],
            )
        )
    for guest in guests:
        name = (guest.get("name") or "").strip()
        if not name:
            raise ValidationError({"guests": "列席人员须填写姓名"})
        rows.append(
            Attendance(
                activity=activity,
                guest_name=name[:50],
                role=guest.get("role") or Attendance.Role.GUEST,
                status=Attendance.Status.PRESENT,
            )
        )
    # Keep QR sign-in times of members still on the list.
    for row in rows:
        row.signed_in_at = existing.get(row.member_id)
    activity.attendances.all().delete()
    return Attendance.objects.bulk_create(rows)


@transaction.atomic
def activity_record(
    *,
    activity: Activity | None = None,
    organization=None,
    actor=None,
    attendance=None,
    guests=None,
    correction_reason: str = "",
    **fields,
) -> Activity:
    """Record an activity as held (new, or completing a planned one), with its attendance.

    attendance: [{"member_id", "status", "leave_reason", "role"}]; guests: [{"name", "role"}].
    Records of a closed period change only with a correction reason, which goes to the audit log.
    """
    creating = activity is None
    if creating:
        activity = Activity(organization=organization, created_by=actor)
        before, old_cells = {}, None
    else:
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        before, old_cells = (
            audit.snapshot(activity),
            _cells(activity) if activity.status == Activity.Status.COMPLETED else None,
        )
        if (
            activity.status == Activity.Status.COMPLETED
            and period_closed(activity.held_on)
            and not correction_reason.strip()
        ):
            raise ValidationError({"correction_reason": "该活动所在期间已结账，修改须填写更正原因"})
    for key, value in fields.items():
        if key not in EDITABLE_FIELDS:
            raise ValidationError({key: "该字段不可修改"})
        setattr(activity, key, value)
    activity.status = Activity.Status.COMPLETED
    _prepare(activity)
    if activity.starts_at > timezone.now() + timedelta(hours=1):
        raise ValidationError({"starts_at": "尚未开始的活动不能记录为已开展，请先“计划”"})
    if period_closed(activity.held_on) and not correction_reason.strip():
        # Back-filling, completing late, or moving a record into a closed month all need a reason.
        message = (
            "补录已结账期间的活动须填写补录原因"
            if creating
            else "该活动所在期间已结账，修改须填写更正原因"
        )
        raise ValidationError({"correction_reason": message})
    activity.speaker_is_secretary = False
    activity.save()
    attendance_changes = {}
    if attendance is not None or guests is not None:
        old_rows = [] if creating else list(activity.attendances.all())
        new_rows = _write_attendance(activity, attendance or [], guests or [], actor)
        attendance_changes = audit.diff(_attendance_state(old_rows), _attendance_state(new_rows))
    activity.speaker_is_secretary = _speaker_is_secretary(activity)
    evaluate_validity(activity)
    activity.save(update_fields=["speaker_is_secretary", "counts", "invalid_reason"])
    for cell in {old_cells, _cells(activity)} - {None}:
        refresh_tally(*cell)
    # The log holds the reason and the attendance changes too (a correction may touch only attendance).
    detail = f"更正原因：{correction_reason}" if correction_reason else ""
    changes = audit.diff(before, audit.snapshot(activity))
    if attendance_changes:
        changes["attendance"] = attendance_changes
    if creating:
        audit.record(
            audit.Action.CREATE, actor=actor, instance=activity, changes=changes, detail=detail
        )
    elif changes or detail:
        audit.record(
            audit.Action.UPDATE,
            actor=actor,
            instance=activity,
            changes=changes,
            detail=detail or "记录为已开展",
        )
    return activity


def _attendance_state(rows) -> dict:
    """Attendance as {who: status[/leave reason]} for the audit log."""
    return {
        f"member:{r.member_id}"
        if r.member_id
        else f"guest:{r.guest_name}": f"{r.status}/{r.leave_reason}" if r.leave_reason else r.status
        for r in rows
    }


@transaction.atomic
def activity_cancel(*, activity: Activity, reason: str, actor=None) -> Activity:
    """Cancel (never delete) an activity; a held one leaves the tally."""
    if not reason.strip():
        raise ValidationError({"reason": "取消须填写原因"})
    before = audit.snapshot(activity)
    cells = _cells(activity) if activity.status == Activity.Status.COMPLETED else None
    if cells and period_closed(activity.held_on):
        reason = f"（已结账期间）{reason}"
    activity.status = Activity.Status.CANCELLED
    activity.counts = False
    activity.cancel_reason = reason[:255]
    activity.save(update_fields=["status", "counts", "cancel_reason", "updated_at"])
    if cells:
        refresh_tally(*cells)
    audit.record_update(activity, before, actor=actor, detail=f"取消：{reason}")
    return activity


@transaction.atomic
def attendance_correct(
    *,
    activity: Activity,
    member,
    status: str,
    actor=None,
    leave_reason: str = "",
    correction_reason: str = "",
) -> Attendance:
    """The secretary corrects one member's attendance by hand."""
    if period_closed(activity.held_on) and not correction_reason.strip():
        raise ValidationError({"correction_reason": "该活动所在期间已结账，修改须填写更正原因"})
    if status == Attendance.Status.LEAVE and not leave_reason.strip():
        raise ValidationError({"leave_reason": "请假须填写请假事由"})
    row, _ = Attendance.objects.get_or_create(activity=activity, member=member)
    before = audit.snapshot(row)
    row.status, row.leave_reason, row.corrected_by = status, leave_reason[:200], actor
    row.save()
    audit.record_update(row, before, actor=actor, detail=correction_reason or "手工更正出席情况")
    evaluate_validity(activity)
    activity.save(update_fields=["counts", "invalid_reason"])
    if activity.status == Activity.Status.COMPLETED:
        refresh_tally(*_cells(activity))
    return row


class SignInRefused(Exception):
    """A QR sign-in that cannot be accepted; the message is shown to the member."""


def signin(*, token: str, user, now: datetime | None = None) -> Attendance:
    """A logged-in member scans the activity's QR code during its window and is marked present, once."""
    now = now or timezone.now()
    activity = Activity.objects.filter(signin_token=token).select_related("organization").first()
    if activity is None or activity.status == Activity.Status.CANCELLED:
        raise SignInRefused("签到码无效或活动已取消")
    member = getattr(user, "member", None)
    if member is None or not roster(activity.organization).filter(pk=member.pk).exists():
        # Outside the transaction below: the refusal must stay in the audit log.
        audit.record(
            audit.Action.ACCESS_DENIED, actor=user, instance=activity, detail="非本组织党员扫码签到"
        )
        raise SignInRefused(f"您不是{activity.organization.name}的党员，不能签到")
    return _signin_member(activity, member, user, now)


@transaction.atomic
def _signin_member(activity: Activity, member, user, now: datetime) -> Attendance:
    if now < activity.signin_opens_at:
        raise SignInRefused(
            f"签到尚未开始（{timezone.localtime(activity.signin_opens_at):%m月%d日 %H:%M}开始）"
        )
    if now > activity.signin_closes_at:
        raise SignInRefused("签到已截止，请联系支部书记更正")
    row, created = Attendance.objects.get_or_create(
        activity=activity,
        member=member,
        defaults={"status": Attendance.Status.PRESENT, "signed_in_at": now},
    )
    if not created:
        if row.signed_in_at is not None:
            raise SignInRefused(
                f"您已于{timezone.localtime(row.signed_in_at):%H:%M}签到，无需重复签到"
            )
        row.status, row.signed_in_at = Attendance.Status.PRESENT, now
        row.save(update_fields=["status", "signed_in_at"])
    audit.record(audit.Action.UPDATE, actor=user, instance=row, detail="扫码签到")
    if activity.status == Activity.Status.COMPLETED:
        evaluate_validity(activity)
        activity.save(update_fields=["counts", "invalid_reason"])
        refresh_tally(*_cells(activity))
    return row
