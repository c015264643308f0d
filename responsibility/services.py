"""Writing responsibility lists: templates (工委 only), issuing, progress, submission and review.

Who may call what is decided by the scoped querysets in the views and API (404 outside scope, 403
for read-only roles and for non-superiors reviewing); template changes additionally need a 机关工委
administrator. Services check the state of the item and audit every change.
"""

import functools
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit, roles
from core.roles import Role
from core.scoping import scope_for
from core.uploads import check_upload
from orgs.models import Organization, OrgKind, Position, PositionKind
from responsibility.defaults import default_items
from responsibility.models import (
    KINDS_BY_LEVEL,
    EvidenceFile,
    Level,
    ListItem,
    ListTemplate,
    ResponsibilityList,
    TemplateItem,
)

BATCH = 1000
TEMPLATE_ITEM_FIELDS = (
    "order",
    "title",
    "target",
    "evidence_hint",
    "source",
    "rule_code",
    "weight",
)
PROGRESS_FIELDS = ("percent", "progress_note", "evidence_text")
Status = ListItem.Status


def can_manage_templates(user) -> bool:
    """机关工委 administrators, as for evaluation schemes (evaluation.services.can_manage_schemes)."""
    return Role.CITY_ADMIN in scope_for(user).role_names


def managed(service):
    """Check the actor before the transaction, so the audited refusal is not rolled back with it."""

    @functools.wraps(service)
    def wrapper(*, actor, **kwargs):
        target = kwargs.get("template") or kwargs.get("work_committee") or kwargs["item"].template
        require_manager(actor, target)
        with transaction.atomic():
            return service(actor=actor, **kwargs)

    return wrapper


def require_manager(actor, template_or_committee=None, request=None) -> None:
    """403 (audited) unless the actor administers the 工委 of the template (any 工委 when None)."""
    committee = getattr(template_or_committee, "work_committee", template_or_committee)
    allowed = can_manage_templates(actor) and (
        committee is None or scope_for(actor).allows(roles.WRITE, committee.path)
    )
    if not allowed:
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            request=request,
            object_type="responsibility.listtemplate",
            detail="非机关工委管理员修改或下发责任清单模板",
        )
        raise PermissionDenied("只有机关工委管理员可以修改和下发责任清单模板。")


def _require_draft(template: ListTemplate) -> None:
    if template.is_issued:
        raise ValidationError("模板已下发，不能再修改；可在下一年度复制后调整。")


def _level_name(year: int, level: str) -> str:
    return f"{year}年度{Level(level).label}抓机关党建责任清单"


# --- templates ------------------------------------------------------------------------------------


@managed
def templates_prepare(*, work_committee: Organization, year: int, actor) -> list[ListTemplate]:
    """The year's three templates in one action: each level copies its latest earlier template, or the
    defaults when there is none. Levels that already have a template for the year are left alone."""
    if work_committee.kind != OrgKind.ORGANS_WORK_COMMITTEE:
        raise ValidationError("责任清单模板只能由机关工委制定。")
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度：请填写2000到2100之间的年份"})
    existing = set(
        ListTemplate.objects.filter(work_committee=work_committee, year=year).values_list(
            "level", flat=True
        )
    )
    created = []
    for level in Level.values:
        if level in existing:
            continue
        previous = (
            ListTemplate.objects.filter(work_committee=work_committee, level=level, year__lt=year)
            .order_by("-year")
            .first()
        )
        template = ListTemplate.objects.create(
            work_committee=work_committee,
            year=year,
            level=level,
            name=_level_name(year, level),
            is_default=previous.is_default if previous else True,
            copied_from=previous,
            created_by=actor,
        )
        if previous:
            rows = [
                TemplateItem(template=template, **{f: getattr(i, f) for f in TEMPLATE_ITEM_FIELDS})
                for i in previous.items.all()
            ]
        else:
            rows = [
                TemplateItem(template=template, order=n, **vars(d))
                for n, d in enumerate(default_items(level, date(year, 1, 1)), start=1)
            ]
        TemplateItem.objects.bulk_create(rows)
        source = f"复制自“{previous.name}”" if previous else "按默认内容"
        audit.record(
            audit.Action.CREATE,
            actor=actor,
            instance=template,
            changes=audit.diff({}, audit.snapshot(template)),
            detail=f"{source}新建，含{len(rows)}项",
        )
        created.append(template)
    return created


@managed
def template_item_save(*, template: ListTemplate, data: dict, actor, item=None) -> TemplateItem:
    """Add or change one item of a template that has not been issued yet."""
    _require_draft(template)
    before = audit.snapshot(item) if item else None
    item = item or TemplateItem(template=template)
    for name in TEMPLATE_ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.full_clean()
    item.save()
    if before is None:
        audit.record_create(item, actor=actor)
    else:
        audit.record_update(item, before, actor=actor)
    if template.is_default:
        # Once an administrator changes it, the template is the 工委's own, no longer the default.
        template.is_default = False
        template.save(update_fields=["is_default"])
    return item


@managed
def template_item_delete(*, item: TemplateItem, actor) -> None:
    _require_draft(item.template)
    if item.template.items.count() <= 1:
        raise ValidationError("模板至少保留一项责任事项。")
    audit.record_delete(item, actor=actor)
    item.delete()


@dataclass(frozen=True)
class IssueResult:
    created: int
    secretaries_updated: int


def _current_secretaries(committee: Organization, on: date) -> dict[int, int]:
    """organization id -> member id of its current secretary (the latest appointed if several)."""
    rows = (
        Position.objects.current(on)
        .filter(kind=PositionKind.SECRETARY, organization__path__startswith=committee.path)
        .order_by("organization_id", "started_on", "pk")
        .values_list("organization_id", "member_id")
    )
    return dict(rows)


def _organizations_of(template: ListTemplate) -> list[Organization]:
    """Active organizations of the template's level under its 工委, not under another 工委 nested in it."""
    committee = template.work_committee
    under = Organization.objects.active().filter(path__startswith=committee.path)
    nested = list(
        under.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE)
        .exclude(pk=committee.pk)
        .values_list("path", flat=True)
    )
    orgs = under.filter(kind__in=KINDS_BY_LEVEL[template.level]).only("pk", "path", "name")
    return [o for o in orgs if not any(o.path.startswith(p) for p in nested)]


@managed
def template_issue(*, template: ListTemplate, actor, today: date | None = None) -> IssueResult:
    """Create the year's list for every organization of the level that has none (bulk, ~1,500 orgs),
    owned by its current secretary; lists already issued get their secretary brought up to date.

    Issuing again later is how organizations set up during the year get their list.
    """
    today = today or timezone.localdate()
    on = min(today, date(template.year, 12, 31))
    if not template.items.exists():
        raise ValidationError("模板没有责任事项，不能下发。")
    orgs = _organizations_of(template)
    secretaries = _current_secretaries(template.work_committee, on)
    org_ids = {o.pk for o in orgs}
    existing = {
        lst.organization_id: lst
        for lst in ResponsibilityList.objects.filter(
            year=template.year, organization__path__startswith=template.work_committee.path
        )
        if lst.organization_id in org_ids
    }
    new_lists = [
        ResponsibilityList(
            template=template,
            organization_id=org.pk,
            year=template.year,
            level=template.level,
            secretary_id=secretaries.get(org.pk),
        )
        for org in orgs
        if org.pk not in existing
    ]
    ResponsibilityList.objects.bulk_create(new_lists, batch_size=BATCH)
    template_items = list(template.items.all())
    ListItem.objects.bulk_create(
        (
            ListItem(list=lst, **{f: getattr(t, f) for f in TEMPLATE_ITEM_FIELDS})
            for lst in new_lists
            for t in template_items
        ),
        batch_size=BATCH,
    )
    changed = []
    for lst in existing.values():
        current = secretaries.get(lst.organization_id)
        if current and current != lst.secretary_id:
            changed.append((lst, {"secretary": [lst.secretary_id, current]}))
            lst.secretary_id = current
    ResponsibilityList.objects.bulk_update([c[0] for c in changed], ["secretary"], batch_size=BATCH)
    detail = f"按“{template.name}”下发（{len(template_items)}项）"
    audit.record_many(
        audit.Action.CREATE,
        [(lst, audit.diff({}, audit.snapshot(lst))) for lst in new_lists],
        actor=actor,
        detail=detail,
    )
    audit.record_many(audit.Action.UPDATE, changed, actor=actor, detail="按现任书记更新清单责任人")
    before = audit.snapshot(template)
    template.issued_at = template.issued_at or timezone.now()
    template.save(update_fields=["issued_at"])
    audit.record_update(
        template,
        before,
        actor=actor,
        detail=f"下发：新建清单{len(new_lists)}份，更新责任人{len(changed)}份",
    )
    return IssueResult(len(new_lists), len(changed))


# --- progress and review ----------------------------------------------------------------------------


def _save_item(item: ListItem, before: dict, actor, fields, detail="") -> ListItem:
    item.full_clean()
    item.save(update_fields=list(fields))
    audit.record_update(item, before, actor=actor, detail=detail)
    return item


@transaction.atomic
def item_progress(*, item: ListItem, actor, **data) -> ListItem:
    """The secretary's report on an item: percent done, what happened, what proves it."""
    if not item.is_editable:
        raise ValidationError(f"该事项{item.get_status_display()}，不能再修改进度。")
    before = audit.snapshot(item)
    for name in PROGRESS_FIELDS:
        if name in data:
            value = data[name]
            setattr(item, name, value.strip() if isinstance(value, str) else value)
    if item.percent is None or not 0 <= item.percent <= 100:
        raise ValidationError({"percent": "完成进度须在0到100之间"})
    item.progress_at, item.progress_by = timezone.now(), actor
    return _save_item(item, before, actor, [*PROGRESS_FIELDS, "progress_at", "progress_by"])


@transaction.atomic
def evidence_add(*, item: ListItem, upload, actor) -> EvidenceFile:
    """Store one checked file (photo, PDF, Word) on an item the secretary is still working on."""
    if not item.is_editable:
        raise ValidationError(
            {"attachments": f"该事项{item.get_status_display()}，不能再上传佐证材料。"}
        )
    name, content_type = check_upload(upload)
    evidence = EvidenceFile(
        item=item, name=name, content_type=content_type, size=upload.size, uploaded_by=actor
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    audit.record_create(evidence, actor=actor)
    return evidence


@transaction.atomic
def evidence_withdraw(*, evidence: EvidenceFile, actor) -> EvidenceFile:
    """Withdraw (never delete) a file of an item still with the secretary; the file stays on record."""
    if not evidence.item.is_editable:
        raise ValidationError("该事项已提交或已确认，不能撤回佐证材料。")
    before = audit.snapshot(evidence)
    evidence.withdrawn = True
    evidence.save(update_fields=["withdrawn"])
    audit.record_update(evidence, before, actor=actor, detail="撤回佐证材料")
    return evidence


def submit_problems(item: ListItem) -> list[str]:
    """Why an item cannot be submitted yet (empty when it can)."""
    problems = []
    if not item.is_editable:
        problems.append(f"该事项{item.get_status_display()}")
    if item.percent < 100:
        problems.append("完成进度达到100%后才能提交确认")
    has_files = item.files.filter(withdrawn=False).exists()
    if not (item.evidence_text.strip() or has_files):
        problems.append("请填写佐证材料说明或上传佐证材料")
    return problems


def _submit(item: ListItem, actor) -> ListItem:
    before = audit.snapshot(item)
    item.status, item.submitted_at, item.return_reason = Status.SUBMITTED, timezone.now(), ""
    return _save_item(
        item, before, actor, ["status", "submitted_at", "return_reason"], "提交上级确认"
    )


@transaction.atomic
def item_submit(*, item: ListItem, actor) -> ListItem:
    """Ask the superior to confirm a completed item."""
    problems = submit_problems(item)
    if problems:
        raise ValidationError("；".join(problems))
    return _submit(item, actor)


@transaction.atomic
def list_submit(*, responsibility_list: ResponsibilityList, actor) -> int:
    """Submit every item of the list that is complete and evidenced; the number submitted."""
    ready = [
        item
        for item in responsibility_list.items.filter(status__in=[Status.OPEN, Status.RETURNED])
        if not submit_problems(item)
    ]
    if not ready:
        raise ValidationError("没有可提交的事项：完成进度达到100%并有佐证材料的事项才能提交。")
    for item in ready:
        _submit(item, actor)
    return len(ready)


@transaction.atomic
def item_confirm(*, item: ListItem, actor) -> ListItem:
    """The superior accepts a submitted item as done: it now counts towards completion."""
    if item.status != Status.SUBMITTED:
        raise ValidationError(f"该事项{item.get_status_display()}，只有待确认的事项可以确认。")
    before = audit.snapshot(item)
    item.status, item.reviewed_at, item.reviewed_by = Status.CONFIRMED, timezone.now(), actor
    return _save_item(item, before, actor, ["status", "reviewed_at", "reviewed_by"], "上级确认")


@transaction.atomic
def item_return(*, item: ListItem, actor, reason: str) -> ListItem:
    """The superior sends a submitted (or already confirmed) item back with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因"})
    if item.status not in (Status.SUBMITTED, Status.CONFIRMED):
        raise ValidationError(f"该事项{item.get_status_display()}，不能退回。")
    before = audit.snapshot(item)
    item.status, item.return_reason = Status.RETURNED, reason[:500]
    item.reviewed_at, item.reviewed_by = timezone.now(), actor
    return _save_item(
        item,
        before,
        actor,
        ["status", "return_reason", "reviewed_at", "reviewed_by"],
        f"退回：{reason[:200]}",
    )
