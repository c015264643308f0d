"""Writes of supervision: recording findings and moving them through rectification, never deleting.

Who may do what:
- rectify (plan, progress, submit): write scope over the responsible organization;
- record, verify, sign off, return, reopen: write scope *above* it (a superior, an inspector, 工委);
  whoever submitted the rectification cannot sign it off themselves;
- request a deadline extension: the responsible organization; approve or reject it: whoever may
  sign off (write scope above), never the requester;
- close with a reason, decide 容错免责: a 机关工委 administrator over the organization.
Every transition writes a FindingEvent and an audit entry, so the log tells a finding's whole story.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment
from core import audit, roles
from core.roles import Role
from core.scoping import scope_for
from core.uploads import check_upload
from notifications.models import Notification
from notifications.recipients import Holders, to_each
from notifications.services import notify_many
from orgs.models import Organization, OrgKind
from supervision.models import (
    RECTIFYING,
    SEGMENT,
    UNFINISHED,
    AccountabilityCase,
    DeadlineExtension,
    Evidence,
    ExposureNotice,
    FaultToleranceExemption,
    Finding,
    FindingCategory,
    FindingEvent,
    FindingState,
    Inspection,
    ancestor_paths,
    month_of,
)
from supervision.selectors import inspector_choices

S = FindingState
Kind = FindingEvent.Kind
DEFAULT_ESCALATION_STEP_DAYS = 15  # each further 15 days overdue goes one level higher


@dataclass
class Photo:
    """An uploaded file with where and when it was taken (from the phone, all optional)."""

    upload: object
    latitude: float | None = None
    longitude: float | None = None
    taken_at: datetime | None = None


# --- who may do what -------------------------------------------------------------------------


def parent_path(organization) -> str:
    return organization.path[:-SEGMENT]


def can_supervise(user, organization) -> bool:
    """Write scope strictly above the organization: a superior, an inspector or 工委."""
    return scope_for(user).allows(roles.WRITE, parent_path(organization))


def can_rectify(user, finding) -> bool:
    return scope_for(user).allows(roles.WRITE, finding.organization.path)


def is_city_admin_over(user, organization) -> bool:
    if not user.is_authenticated:
        return False
    paths = RoleAssignment.objects.active().filter(user=user, role=Role.CITY_ADMIN)
    return any(
        organization.path.startswith(p) for p in paths.values_list("organization__path", flat=True)
    )


def last_submitter_id(finding) -> int | None:
    event = finding.events.filter(kind=Kind.SUBMITTED).order_by("-happened_at", "-id").first()
    return event.actor_id if event else None


def allowed_actions(user, finding) -> set[str]:
    """The transitions this user may take on this finding now (pages show only these)."""
    actions = set()
    state = finding.state
    if can_rectify(user, finding):
        if state in (S.OPEN, S.REOPENED, S.PLAN_SUBMITTED, S.RETURNED):
            actions.add("plan")
        if state in (S.PLAN_SUBMITTED, S.IN_PROGRESS, S.RETURNED):
            actions.add("progress")
        if state in (S.IN_PROGRESS, S.RETURNED):
            actions.add("submit")
        if state not in (S.CLOSED,):
            actions.add("exemption")
        if state in RECTIFYING and not pending_extension(finding):
            actions.add("extension")
    if can_supervise(user, finding.organization):
        pending = pending_extension(finding)
        if pending and pending.requested_by_id != user.pk:
            actions.add("decide_extension")
        if state == S.SUBMITTED and last_submitter_id(finding) != user.pk:
            actions |= {"sign_off", "return"}
        if state == S.SIGNED_OFF:
            actions.add("reopen")
    if state in UNFINISHED and is_city_admin_over(user, finding.organization):
        actions.add("close")
    return actions


def pending_extension(finding) -> DeadlineExtension | None:
    """The open extension request of a finding (at most one), cached on the instance for a request."""
    if not hasattr(finding, "_pending_extension"):
        finding._pending_extension = finding.extensions.pending().first()
    return finding._pending_extension


def _require(condition: bool, message: str):
    if not condition:
        raise PermissionDenied(message)


def _require_state(finding, states, action: str):
    if finding.state not in states:
        raise ValidationError({"state": f"问题当前为“{finding.get_state_display()}”，不能{action}"})


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    return value


# --- recording and evidence --------------------------------------------------------------------


def _store(finding, event, photos, actor) -> list[Evidence]:
    stored = []
    for photo in photos:
        name, content_type = check_upload(photo.upload, field="files")
        item = Evidence(
            finding=finding,
            event=event,
            name=name,
            content_type=content_type,
            size=photo.upload.size,
            latitude=photo.latitude,
            longitude=photo.longitude,
            taken_at=photo.taken_at,
            uploaded_by=actor,
        )
        item.file.save(name, photo.upload, save=False)
        stored.append(item)
    Evidence.objects.bulk_create(stored)
    audit.record_many(
        audit.Action.CREATE,
        [(item, audit.diff({}, audit.snapshot(item))) for item in stored],
        actor=actor,
        detail=f"问题{finding.pk}的佐证材料",
    )
    return stored


def _as_photos(files) -> list[Photo]:
    return [f if isinstance(f, Photo) else Photo(f) for f in files or ()]


@transaction.atomic
def finding_record(
    *,
    actor,
    organization: Organization,
    category: FindingCategory,
    description: str,
    deadline: date,
    severity: str = Finding.Severity.MINOR,
    inspection: Inspection | None = None,
    place: str = "",
    found_at: datetime | None = None,
    photos=(),
) -> Finding:
    """Record a finding on the spot (with photos) and assign it to the organization with a deadline."""
    _require(can_supervise(actor, organization), "只能对本人所辖的下级组织登记督查问题。")
    photos = _as_photos(photos)
    for photo in photos:
        check_upload(photo.upload, field="files")  # refuse the lot before anything is written
    if not category.is_active:
        raise ValidationError({"category": "该问题类别已停用"})
    if not organization.is_active:
        raise ValidationError({"organization": "该组织已撤销或合并"})
    if inspection is not None:
        on_team = inspection.team.filter(pk=actor.pk).exists()
        _require(
            on_team or Inspection.objects.writable_by(actor).filter(pk=inspection.pk).exists(),
            "您不是该检查的检查组成员。",
        )
        if not inspection.covers(organization):
            raise ValidationError({"organization": "该组织不在本次检查的检查对象范围内"})
    found_at = found_at or timezone.now()
    finding = Finding(
        inspection=inspection,
        organization=organization,
        category=category,
        severity=severity,
        description=(description or "").strip(),
        place=(place or "").strip(),
        found_at=found_at,
        found_month=month_of(found_at),
        deadline=deadline,
        inspector=actor,
    )
    finding.full_clean()
    if deadline < timezone.localtime(found_at).date():
        raise ValidationError({"deadline": "整改期限不能早于发现日期"})
    finding.save()
    event = FindingEvent.objects.create(
        finding=finding,
        kind=Kind.RECORDED,
        to_state=S.OPEN,
        text=f"整改期限 {deadline:%Y-%m-%d}",
        actor=actor,
        actor_name=_name(actor),
        happened_at=found_at,
    )
    audit.record_create(finding, actor=actor)
    _store(finding, event, photos, actor)
    return finding


def _name(actor) -> str:
    return getattr(actor, "display_name", "") or getattr(actor, "username", "") or "系统"


def _transition(finding, *, actor, kind, to_state, text="", files=(), **fields) -> FindingEvent:
    """Move the finding, write its event, its files and the audit entry, in the caller's transaction."""
    before = audit.snapshot(finding)
    from_state = finding.state
    finding.state = to_state
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save()
    event = FindingEvent.objects.create(
        finding=finding,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        text=text,
        actor=actor,
        actor_name=_name(actor),
    )
    detail = Kind(kind).label + (f"：{text}" if text else "")
    if audit.record_update(finding, before, actor=actor, detail=detail) is None:
        audit.record(audit.Action.UPDATE, actor=actor, instance=finding, detail=detail)
    _store(finding, event, _as_photos(files), actor)
    return event


def _locked(finding) -> Finding:
    """The finding re-read under a row lock, so two clicks cannot both move it."""
    return Finding.objects.select_for_update().select_related("organization").get(pk=finding.pk)


@transaction.atomic
def finding_submit_plan(*, finding, actor, plan: str, files=()) -> Finding:
    finding = _locked(finding)
    _require(can_rectify(actor, finding), "只有责任组织可以报送整改方案。")
    _require_state(finding, (S.OPEN, S.REOPENED, S.PLAN_SUBMITTED, S.RETURNED), "报送整改方案")
    plan = _text(plan, "plan", "整改方案")
    to_state = S.PLAN_SUBMITTED if finding.state != S.RETURNED else S.IN_PROGRESS
    _transition(
        finding, actor=actor, kind=Kind.PLAN, to_state=to_state, text=plan, files=files, plan=plan
    )
    return finding


@transaction.atomic
def finding_report_progress(*, finding, actor, text: str, files=()) -> Finding:
    finding = _locked(finding)
    _require(can_rectify(actor, finding), "只有责任组织可以报告整改进展。")
    if finding.state in (S.OPEN, S.REOPENED):
        raise ValidationError({"state": "请先报送整改方案，再报告进展"})
    _require_state(finding, (S.PLAN_SUBMITTED, S.IN_PROGRESS, S.RETURNED), "报告整改进展")
    text = _text(text, "text", "整改进展")
    _transition(
        finding, actor=actor, kind=Kind.PROGRESS, to_state=S.IN_PROGRESS, text=text, files=files
    )
    return finding


@transaction.atomic
def finding_submit_for_verification(*, finding, actor, text: str, files=()) -> Finding:
    finding = _locked(finding)
    _require(can_rectify(actor, finding), "只有责任组织可以提请验收。")
    _require_state(finding, (S.IN_PROGRESS, S.RETURNED), "提请验收")
    text = _text(text, "text", "整改情况说明")
    has_files = bool(files) or finding.evidence.exclude(event__kind=Kind.RECORDED).exists()
    if not has_files:
        raise ValidationError({"files": "提请验收须上传整改佐证材料"})
    _transition(
        finding, actor=actor, kind=Kind.SUBMITTED, to_state=S.SUBMITTED, text=text, files=files
    )
    return finding


@transaction.atomic
def finding_sign_off(*, finding, actor, text: str = "") -> Finding:
    """销号: the rectification is verified and the finding is done."""
    finding = _locked(finding)
    _require(can_supervise(actor, finding.organization), "只有上级组织或检查人可以验收销号。")
    _require_state(finding, (S.SUBMITTED,), "验收销号")
    if last_submitter_id(finding) == actor.pk:
        raise PermissionDenied("提请验收的人不能为自己的整改销号。")
    _transition(
        finding,
        actor=actor,
        kind=Kind.SIGNED_OFF,
        to_state=S.SIGNED_OFF,
        text=(text or "").strip() or "整改到位，予以销号",
        closed_at=timezone.now(),
    )
    return finding


@transaction.atomic
def finding_return(*, finding, actor, reason: str) -> Finding:
    finding = _locked(finding)
    _require(can_supervise(actor, finding.organization), "只有上级组织或检查人可以退回整改。")
    _require_state(finding, (S.SUBMITTED,), "退回")
    reason = _text(reason, "reason", "退回原因")
    _transition(finding, actor=actor, kind=Kind.RETURNED, to_state=S.RETURNED, text=reason)
    return finding


@transaction.atomic
def finding_reopen(*, finding, actor, reason: str, deadline: date) -> Finding:
    """A signed-off problem came back: reopen it with a new deadline; its history stays."""
    finding = _locked(finding)
    _require(can_supervise(actor, finding.organization), "只有上级组织或检查人可以重新打开问题。")
    _require_state(finding, (S.SIGNED_OFF,), "重新打开")
    reason = _text(reason, "reason", "重新打开的原因")
    if deadline is None or deadline <= timezone.localdate():
        raise ValidationError({"deadline": "请填写今天以后的新整改期限"})
    _transition(
        finding,
        actor=actor,
        kind=Kind.REOPENED,
        to_state=S.REOPENED,
        text=f"{reason}（新整改期限 {deadline:%Y-%m-%d}）",
        deadline=deadline,
        closed_at=None,
        escalation_level=0,
        escalated_to=None,
        escalated_at=None,
        reopen_count=finding.reopen_count + 1,
    )
    return finding


@transaction.atomic
def finding_close(*, finding, actor, reason: str) -> Finding:
    """工委 closes a finding that cannot or need not be rectified; it is never deleted."""
    finding = _locked(finding)
    _require(is_city_admin_over(actor, finding.organization), "只有机关工委管理员可以关闭问题。")
    _require_state(finding, UNFINISHED, "关闭")
    reason = _text(reason, "reason", "关闭原因")
    _transition(
        finding,
        actor=actor,
        kind=Kind.CLOSED,
        to_state=S.CLOSED,
        text=reason,
        close_reason=reason[:500],
        closed_at=timezone.now(),
    )
    return finding


# --- deadline extension ----------------------------------------------------------------------


@transaction.atomic
def extension_request(*, finding, actor, deadline: date, reason: str) -> DeadlineExtension:
    """延期申请: the responsible organization asks for a later deadline, with its reason."""
    finding = _locked(finding)
    _require(can_rectify(actor, finding), "只有责任组织可以申请延期。")
    _require_state(finding, RECTIFYING, "申请延期")
    reason = _text(reason, "reason", "延期理由")
    if deadline is None or deadline <= finding.deadline:
        raise ValidationError(
            {"deadline": f"申请的期限须晚于现整改期限 {finding.deadline:%Y-%m-%d}"}
        )
    if deadline <= timezone.localdate():
        raise ValidationError({"deadline": "申请的期限须在今天以后"})
    if finding.extensions.pending().exists():
        raise ValidationError({"deadline": "该问题已有待审批的延期申请"})
    extension = DeadlineExtension(
        finding=finding,
        previous_deadline=finding.deadline,
        requested_deadline=deadline,
        reason=reason,
        requested_by=actor,
    )
    extension.full_clean()
    extension.save()
    audit.record_create(extension, actor=actor)
    _note(finding, actor, Kind.EXTENSION_REQUESTED,
          f"申请将整改期限由 {finding.deadline:%Y-%m-%d} 延至 {deadline:%Y-%m-%d}：{reason}")  # fmt: skip
    _notify_extension_requested(extension, finding)
    return extension


@transaction.atomic
def extension_decide(*, extension, actor, approve: bool, note: str = "") -> DeadlineExtension:
    """Approve (the deadline moves) or reject an extension request.

    Approval clears the escalation only when the new deadline still lies ahead: a late approval
    of a date already past leaves the finding overdue, and escalation goes on from the new date.
    """
    finding = _locked(extension.finding)
    extension = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    _require(can_supervise(actor, finding.organization), "只有上级组织或检查人可以审批延期申请。")
    if extension.requested_by_id == actor.pk:
        raise PermissionDenied("申请延期的人不能审批自己的申请。")
    if extension.status != DeadlineExtension.Status.REQUESTED:
        raise ValidationError({"status": "该延期申请已审批"})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予延期须写明理由"})
    if approve:
        _require_state(finding, UNFINISHED, "批准延期")
    before = audit.snapshot(extension)
    Status = DeadlineExtension.Status
    extension.status = Status.APPROVED if approve else Status.REJECTED
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.decision_note = note[:500]
    extension.save()
    audit.record_update(extension, before, actor=actor)
    _notify_extension_decided(extension, finding)
    if not approve:
        _note(finding, actor, Kind.EXTENSION_REJECTED, f"不予延期：{note}")
        return extension
    new_deadline = extension.requested_deadline
    text = f"整改期限由 {finding.deadline:%Y-%m-%d} 延至 {new_deadline:%Y-%m-%d}"
    fields = {"deadline": new_deadline}
    if new_deadline > timezone.localdate() and finding.escalation_level:
        fields.update(escalation_level=0, escalated_to=None, escalated_at=None)
        text += "，解除升级督办"
    before = audit.snapshot(finding)
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save()
    audit.record_update(finding, before, actor=actor, detail=f"批准延期：{text}")
    _note(finding, actor, Kind.EXTENSION_APPROVED, text + (f"（{note}）" if note else ""),
          audited=False)  # fmt: skip
    return extension


def deciders(organization) -> set[int]:
    """Ids of the users who may decide an extension (and sign off): write roles strictly above.

    The same rule as can_supervise, read as role holders of every ancestor in one query.
    """
    above = ancestor_paths([parent_path(organization)])
    ancestor_ids = Organization.objects.filter(path__in=above).values_list("pk", flat=True)
    holders = Holders(timezone.localdate(), list(ancestor_ids))
    return set().union(*(holders.writers(org_id) for org_id in holders.by_org))


def _notify_extension_requested(extension, finding):
    recipients = deciders(finding.organization) - {extension.requested_by_id}
    notify_many(
        to_each(
            recipients,
            dedupe_key=f"supervision:extension:{extension.pk}",
            title=f"延期申请待审批：{finding.organization.name}",
            body=(
                f"申请将整改期限由{extension.previous_deadline:%Y-%m-%d}"
                f"延至{extension.requested_deadline:%Y-%m-%d}：{extension.reason[:60]}"
            ),
            url=reverse("supervision:finding_detail", args=[finding.pk]),
            level=Notification.Level.WARNING,
            category="supervision",
        )
    )


def _notify_extension_decided(extension, finding):
    if extension.requested_by_id is None:
        return
    approved = extension.status == DeadlineExtension.Status.APPROVED
    verdict = "已批准" if approved else "不予延期"
    body = (
        f"整改期限延至{extension.requested_deadline:%Y-%m-%d}"
        if approved
        else f"整改期限仍为{extension.previous_deadline:%Y-%m-%d}"
    )
    if extension.decision_note:
        body += f"。审批意见：{extension.decision_note}"
    notify_many(
        to_each(
            [extension.requested_by_id],
            dedupe_key=f"supervision:extension_decided:{extension.pk}",
            title=f"延期申请{verdict}：{finding.organization.name}",
            body=body,
            url=reverse("supervision:finding_detail", args=[finding.pk]),
            level=Notification.Level.INFO if approved else Notification.Level.WARNING,
            category="supervision",
        )
    )


def _note(finding, actor, kind, text, audited=True):
    """An event that does not move the state (extension steps), with its audit entry."""
    FindingEvent.objects.create(
        finding=finding,
        kind=kind,
        from_state=finding.state,
        to_state=finding.state,
        text=text,
        actor=actor,
        actor_name=_name(actor),
    )
    if audited:
        audit.record(audit.Action.UPDATE, actor=actor, instance=finding, detail=text[:500])


# --- escalation ----------------------------------------------------------------------------------


def escalation_step_days() -> int:
    return getattr(settings, "SUPERVISION_ESCALATION_STEP_DAYS", DEFAULT_ESCALATION_STEP_DAYS)


def escalation_chain(path: str, orgs_by_path: dict) -> list:
    """The superiors of an organization, nearest first, up to (and including) its 机关工委."""
    chain = []
    cut = len(path) - SEGMENT
    while cut > 0:
        org = orgs_by_path.get(path[:cut])
        if org is None:
            break
        chain.append(org)
        if org.kind == OrgKind.ORGANS_WORK_COMMITTEE:
            break
        cut -= SEGMENT
    return chain


def due_level(deadline: date, today: date, chain_length: int) -> int:
    """Level 1 on the day after the deadline, one more every step of days, capped at 工委."""
    days_late = (today - deadline).days
    if days_late < 1 or chain_length == 0:
        return 0
    return min(1 + (days_late - 1) // escalation_step_days(), chain_length)


def escalate_overdue(today: date, actor=None) -> list[Finding]:
    """Escalate every overdue finding that is due for a higher level; safe to run twice or in parallel.

    Each finding is claimed with a conditional update on its current level, so only one run writes
    the event and the audit entry for a given step.
    """
    candidates = list(
        Finding.objects.overdue(today)
        .only("id", "organization__path", "deadline", "escalation_level", "state")
        .select_related("organization")
    )
    needed = {
        f.organization.path[:cut]
        for f in candidates
        for cut in range(SEGMENT, len(f.organization.path), SEGMENT)
    }
    orgs_by_path = {o.path: o for o in Organization.objects.filter(path__in=needed)}
    escalated = []
    now = timezone.now()
    for finding in candidates:
        chain = escalation_chain(finding.organization.path, orgs_by_path)
        level = due_level(finding.deadline, today, len(chain))
        if level <= finding.escalation_level:
            continue
        target = chain[level - 1]
        with transaction.atomic():
            # The deadline is part of the claim: an extension approved meanwhile wins.
            claimed = Finding.objects.filter(
                pk=finding.pk,
                escalation_level=finding.escalation_level,
                deadline=finding.deadline,
                state__in=RECTIFYING,
            ).update(escalation_level=level, escalated_to=target, escalated_at=now, updated_at=now)
            if not claimed:
                continue
            days = (today - finding.deadline).days
            text = f"逾期{days}天，升级至{target.name}督办（第{level}级）"
            FindingEvent.objects.create(
                finding=finding,
                kind=Kind.ESCALATED,
                from_state=finding.state,
                to_state=finding.state,
                text=text,
                actor=actor,
                actor_name=_name(actor),
                happened_at=now,
            )
            audit.record(
                audit.Action.UPDATE,
                actor=actor,
                instance=finding,
                changes={
                    "escalation_level": [finding.escalation_level, level],
                    "escalated_to_id": [None, target.pk],
                },
                detail=f"逾期升级：{text}",
            )
        finding.escalation_level, finding.escalated_to = level, target
        escalated.append(finding)
    return escalated


# --- inspections and categories ------------------------------------------------------------------


@transaction.atomic
def inspection_create(*, actor, organizer, organizations, team, data: dict) -> Inspection:
    scope = scope_for(actor)
    _require(scope.allows(roles.WRITE, organizer.path), "只能以本人所辖组织的名义安排检查。")
    organizations = list(organizations)
    if not organizations:
        raise ValidationError({"organizations": "请选择检查对象"})
    for org in organizations:
        if not org.path.startswith(organizer.path) or org.pk == organizer.pk:
            raise ValidationError({"organizations": f"“{org.name}”不是组织单位的下级组织"})
    team = set(team) | ({data["leader"]} if data.get("leader") else set())
    allowed = set(inspector_choices(actor).values_list("pk", flat=True)) | {actor.pk}
    outsiders = [u for u in team if u.pk not in allowed]
    if outsiders:
        raise ValidationError({"team": f"“{outsiders[0]}”不在本人所辖范围内，不能加入检查组"})
    inspection = Inspection(organizer=organizer, created_by=actor, **data)
    inspection.full_clean()
    inspection.save()
    inspection.organizations.set(organizations)
    inspection.team.set(team or {actor})
    audit.record_create(inspection, actor=actor)
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        instance=inspection,
        changes={
            "organizations": [[], sorted(o.pk for o in organizations)],
            "team": [[], sorted(u.pk for u in inspection.team.all())],
        },
        detail="检查对象与检查组",
    )
    return inspection


def can_manage_categories(user) -> bool:
    return (
        user.is_authenticated
        and RoleAssignment.objects.active().filter(user=user, role=Role.CITY_ADMIN).exists()
    )


@transaction.atomic
def category_save(*, actor, data: dict, category: FindingCategory | None = None):
    _require(can_manage_categories(actor), "只有机关工委管理员可以维护问题类别。")
    if category is None:
        category = FindingCategory(**data)
        category.full_clean()
        category.save()
        audit.record_create(category, actor=actor)
        return category
    before = audit.snapshot(category)
    for name, value in data.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()
    audit.record_update(category, before, actor=actor)
    return category


@transaction.atomic
def category_retire(*, actor, category: FindingCategory, active: bool = False):
    """Retire (or restore) a category: recorded findings keep it, new ones cannot use it."""
    _require(can_manage_categories(actor), "只有机关工委管理员可以维护问题类别。")
    before = audit.snapshot(category)
    category.is_active = active
    category.retired_at = None if active else timezone.now()
    category.save()
    audit.record_update(category, before, actor=actor, detail="启用" if active else "停用")
    return category


# --- accountability --------------------------------------------------------------------------


@transaction.atomic
def exemption_request(*, finding, actor, grounds: str, person_name: str = ""):
    """容错免责: the responsible organization asks, with its grounds."""
    _require(can_rectify(actor, finding), "只有责任组织可以申请容错免责。")
    grounds = _text(grounds, "grounds", "容错情形与理由")
    if finding.exemptions.filter(status=FaultToleranceExemption.Status.REQUESTED).exists():
        raise ValidationError({"grounds": "该问题已有待审批的容错免责申请"})
    exemption = FaultToleranceExemption.objects.create(
        finding=finding,
        person_name=(person_name or "").strip(),
        grounds=grounds,
        requested_by=actor,
    )
    audit.record_create(exemption, actor=actor)
    _event(finding, actor, f"申请容错免责：{grounds}")
    return exemption


def _event(finding, actor, text):
    FindingEvent.objects.create(
        finding=finding,
        kind=Kind.EXEMPTION,
        from_state=finding.state,
        to_state=finding.state,
        text=text,
        actor=actor,
        actor_name=_name(actor),
    )
    audit.record(audit.Action.UPDATE, actor=actor, instance=finding, detail=text[:500])


@transaction.atomic
def exemption_decide(*, exemption, actor, approve: bool, note: str = ""):
    finding = exemption.finding
    _require(
        is_city_admin_over(actor, finding.organization), "只有机关工委管理员可以审批容错免责。"
    )
    if exemption.status != FaultToleranceExemption.Status.REQUESTED:
        raise ValidationError({"status": "该申请已审批"})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予免责须写明理由"})
    before = audit.snapshot(exemption)
    Status = FaultToleranceExemption.Status
    exemption.status = Status.APPROVED if approve else Status.REJECTED
    exemption.decided_by, exemption.decided_at = actor, timezone.now()
    exemption.decision_note = note[:500]
    exemption.save()
    audit.record_update(exemption, before, actor=actor)
    verdict = "批准容错免责" if approve else "不予容错免责"
    _event(finding, actor, verdict + (f"：{note}" if note else ""))
    return exemption


def exempted_names(finding) -> set[str] | None:
    """Names exempted on a finding; an empty name exempts the organization as a whole ("" in set)."""
    return set(
        finding.exemptions.filter(status=FaultToleranceExemption.Status.APPROVED).values_list(
            "person_name", flat=True
        )
    )


@transaction.atomic
def case_create(*, actor, organization, data: dict, findings=(), member=None):
    _require(can_supervise(actor, organization), "只有上级组织可以登记问责。")
    findings = list(findings)
    for finding in findings:
        if not finding.organization.path.startswith(organization.path):
            raise ValidationError({"findings": f"问题{finding.pk}不属于被问责组织"})
    if member is not None and not (
        member.branch and member.branch.path.startswith(organization.path)
    ):
        raise ValidationError({"member": "被问责人不在被问责组织内"})
    person = (data.get("person_name") or (member.name if member else "")).strip()
    for finding in findings:
        names = exempted_names(finding)
        if "" in names or (person and person in names):
            raise ValidationError({"findings": f"问题{finding.pk}已批准容错免责，不予问责"})
    case = AccountabilityCase(
        organization=organization,
        member=member,
        created_by=actor,
        **{**data, "person_name": person},
    )
    case.full_clean()
    case.save()
    case.findings.set(findings)
    audit.record_create(case, actor=actor)
    for finding in findings:
        audit.record(
            audit.Action.UPDATE,
            actor=actor,
            instance=finding,
            detail=f"问责：{case.get_kind_display()}（{case.authority}，{case.decided_on}）",
        )
    return case


@transaction.atomic
def notice_create(*, actor, issuer, data: dict, audience, cases=(), findings=()):
    _require(scope_for(actor).allows(roles.WRITE, issuer.path), "只能以本人所辖组织的名义通报。")
    audience = list(audience)
    if not audience:
        raise ValidationError({"audience": "请选择通报范围"})
    for item in [*audience, *(c.organization for c in cases), *(f.organization for f in findings)]:
        if not item.path.startswith(issuer.path):
            raise ValidationError({"audience": f"“{item.name}”不在发布组织范围内"})
    notice = ExposureNotice(issuer=issuer, created_by=actor, **data)
    notice.full_clean()
    notice.save()
    notice.audience.set(audience)
    notice.cases.set(cases)
    notice.findings.set(findings)
    audit.record_create(notice, actor=actor)
    return notice


@transaction.atomic
def notice_publish(*, notice, actor):
    _require(scope_for(actor).allows(roles.WRITE, notice.issuer.path), "无权发布该通报。")
    if notice.is_published:
        raise ValidationError({"published_at": "该通报已发布"})
    before = audit.snapshot(notice)
    notice.published_at = timezone.now()
    notice.save(update_fields=["published_at"])
    audit.record_update(notice, before, actor=actor, detail="发布通报")
    return notice
