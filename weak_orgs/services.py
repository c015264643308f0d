"""Writes of 软弱涣散整顿: criteria versions, 工委's decisions on the flags, and each case from confirmation to 销号.

Only 机关工委 administrators (Role.CITY_ADMIN over the organization) change criteria, confirm,
dismiss, set plans and lift; the organization's writers report progress and mark exit criteria met.
Every change is audited; refusals too.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit
from core.uploads import check_upload
from orgs.models import OrgKind
from weak_orgs import selectors
from weak_orgs.criteria import clean_parameters
from weak_orgs.models import (
    ExitCriterion,
    FlagResult,
    FlagRun,
    ProgressNote,
    WeakOrgCase,
    WeakOrgCriterion,
    committee_prefixes,
)

MAX_EXIT_CRITERIA = 20
Status = WeakOrgCase.Status
Decision = FlagResult.Decision


def can_manage(user) -> bool:
    """A 机关工委 administrator somewhere: may open the settings and the flag list."""
    return bool(committee_prefixes(user))


def manages(user, organization) -> bool:
    return any(organization.path.startswith(p) for p in committee_prefixes(user))


def _refuse(actor, object_type: str, detail: str, message: str):
    audit.record(audit.Action.ACCESS_DENIED, actor=actor, object_type=object_type, detail=detail)
    raise PermissionDenied(message)


def require_committee(actor, organization=None, what: str = "此操作") -> None:
    """403 (audited) unless the actor is 机关工委 administrator over the organization (or anywhere)."""
    allowed = manages(actor, organization) if organization is not None else can_manage(actor)
    if not allowed:
        _refuse(
            actor,
            "weak_orgs.weakorgcase",
            f"非机关工委管理员尝试{what}",
            f"只有机关工委管理员可以{what}。",
        )


def can_report(user, case: WeakOrgCase) -> bool:
    """The organization's writers and 工委 report progress on an open case."""
    return WeakOrgCase.objects.writable_by(user).filter(pk=case.pk).exists()


def _require_reporter(actor, case: WeakOrgCase) -> None:
    if not can_report(actor, case):
        _refuse(
            actor,
            "weak_orgs.weakorgcase",
            "只读角色尝试填报整顿进展",
            "您的角色只能查看，不能填报整顿进展。",
        )


def _require_open(case: WeakOrgCase) -> None:
    if not case.is_open:
        raise ValidationError("该整顿已销号，不能再修改。")


# --- criteria -------------------------------------------------------------------------------------


def criterion_revise(
    *,
    criterion: WeakOrgCriterion,
    actor,
    name: str,
    parameters: dict,
    org_kinds: list,
    enabled: bool,
    effective_from: date,
    source: str,
) -> WeakOrgCriterion:
    """A new version of a criterion from effective_from; the version it replaces ends the day before.

    A non-default version may be corrected in place on its own first day (two edits the same day).
    """
    require_committee(actor, what="修改软弱涣散研判条件")
    with transaction.atomic():
        current = WeakOrgCriterion.objects.select_for_update().get(pk=criterion.pk)
        errors = {}
        name, source = (name or "").strip(), (source or "").strip()
        if not name:
            errors["name"] = "请填写名称"
        if not source:
            errors["source"] = "请填写依据（文件名称及条款，或注明为本市默认值）"
        clean, param_errors = clean_parameters(current.code, parameters or {})
        errors.update(
            {f"parameters.{k}" if k != "parameters" else k: v for k, v in param_errors.items()}
        )
        kinds = list(org_kinds or [])
        if not kinds:
            errors["org_kinds"] = "请至少选择一种适用组织类型"
        elif unknown := [k for k in kinds if k not in OrgKind.values]:
            errors["org_kinds"] = f"组织类型“{'、'.join(map(str, unknown))}”无效"
        if not effective_from:
            errors["effective_from"] = "请填写生效日期"
        elif current.effective_to is not None:
            errors["effective_from"] = "该版本已停用，请修改现行版本"
        elif effective_from < current.effective_from or (
            effective_from == current.effective_from and current.is_default
        ):
            errors["effective_from"] = (
                f"新版本的生效日期须晚于现行版本的生效日期（{current.effective_from:%Y-%m-%d}）"
            )
        if errors:
            raise ValidationError(errors)
        fields = dict(
            name=name,
            parameters=clean,
            org_kinds=kinds,
            enabled=bool(enabled),
            source=source,
            is_default=False,
        )
        if effective_from == current.effective_from:
            before = audit.snapshot(current)
            for key, value in fields.items():
                setattr(current, key, value)
            current.created_by = actor
            current.save()
            audit.record_update(current, before, actor=actor, detail="更正当日生效的版本")
            return current
        revised = WeakOrgCriterion(
            code=current.code, effective_from=effective_from, created_by=actor, **fields
        )
        revised.full_clean()
        revised.save()
        audit.record_create(revised, actor=actor)
        before = audit.snapshot(current)
        current.effective_to = effective_from - timedelta(days=1)
        current.save(update_fields=["effective_to"])
        audit.record_update(
            current, before, actor=actor, detail=f"由新版本（自{effective_from:%Y-%m-%d}起）替代"
        )
        return revised


# --- 工委's decisions on the flags ----------------------------------------------------------------


def _reason(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text[:500]


def flag_dismiss(*, result: FlagResult, actor, reason: str) -> FlagResult:
    """工委 finds a flagged organization not 软弱涣散; the reason stays with later runs' same flags."""
    require_committee(actor, result.organization, "排除研判结果")
    with transaction.atomic():
        reason = _reason(reason, "reason", "请填写排除理由")
        result = FlagResult.objects.select_for_update().get(pk=result.pk)
        if result.decision == Decision.CONFIRMED:
            raise ValidationError("该组织已确认整顿，不能排除。")
        _decide(result, Decision.DISMISSED, reason, actor, "排除")
        return result


def _decide(result: FlagResult, decision: str, reason: str, actor, detail: str) -> None:
    before = audit.snapshot(result)
    result.decision, result.decision_reason = decision, reason
    result.decided_by, result.decided_at = actor, timezone.now()
    result.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    audit.record_update(result, before, actor=actor, detail=detail)


def case_confirm(
    *,
    organization,
    actor,
    reason: str = "",
    result: FlagResult | None = None,
    on: date | None = None,
) -> WeakOrgCase:
    """工委 confirms an organization as 软弱涣散: from a flag result, or on its own judgement (reason needed)."""
    require_committee(actor, organization, "确认软弱涣散党组织")
    with transaction.atomic():
        on = on or timezone.localdate()
        reason = (reason or "").strip()[:500]
        if result is None and not reason:
            raise ValidationError({"reason": "未经系统研判直接确认的，请填写确认依据"})
        if WeakOrgCase.objects.open().filter(organization=organization).exists():
            raise ValidationError(f"{organization.name}已在整顿中，不能重复确认。")
        reasons = []
        if result is not None:
            result = FlagResult.objects.select_for_update().get(pk=result.pk)
            if result.organization_id != organization.pk:
                raise ValidationError("研判结果与党组织不符。")
            reasons = result.hits
        case = WeakOrgCase(
            organization=organization,
            year=on.year,
            flag_result=result,
            reasons=reasons,
            confirm_reason=reason,
            confirmed_by=actor,
            confirmed_on=on,
        )
        case.full_clean(exclude=["flag_result", "confirmed_by", "leader", "lifted_by"])
        case.save()
        audit.record_create(case, actor=actor)
        if result is not None:
            _decide(result, Decision.CONFIRMED, reason, actor, "确认整顿")
        return case


def case_plan(
    *,
    case: WeakOrgCase,
    actor,
    plan: str,
    exit_criteria: list[str],
    leader=None,
    leader_name: str = "",
    due_on: date | None = None,
) -> WeakOrgCase:
    """工委 sets (or revises) the plan, the leader in charge and the exit criteria; the case is then 整顿中.

    Exit criteria already marked met keep their mark when their text is kept.
    """
    require_committee(actor, case.organization, "制定整顿方案")
    with transaction.atomic():
        case = WeakOrgCase.objects.select_for_update().get(pk=case.pk)
        _require_open(case)
        errors = {}
        plan = (plan or "").strip()
        texts = []
        for text in exit_criteria or []:
            text = (text or "").strip()[:300]
            if text and text not in texts:
                texts.append(text)
        leader_name = (leader_name or "").strip()[:100]
        if not plan:
            errors["plan"] = "请填写整顿方案"
        if not texts:
            errors["exit_criteria"] = "请至少填写一条销号标准"
        elif len(texts) > MAX_EXIT_CRITERIA:
            errors["exit_criteria"] = f"销号标准最多{MAX_EXIT_CRITERIA}条"
        if leader is None and not leader_name:
            errors["leader_name"] = "请指定责任领导（选择系统用户或填写姓名）"
        chosen = selectors.leader_choices(case.organization)
        if leader is not None and not chosen.filter(pk=leader.pk).exists():
            errors["leader"] = "责任领导须为该党组织或其上级组织的在岗用户"
        if due_on and due_on < case.confirmed_on:
            errors["due_on"] = f"整顿期限不能早于确认日期（{case.confirmed_on:%Y-%m-%d}）"
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(case)
        case.plan, case.due_on = plan, due_on
        case.leader = leader
        case.leader_name = leader_name or leader.display_name
        case.status = Status.RECTIFYING
        case.save()
        audit.record_update(case, before, actor=actor, detail="制定整顿方案")
        existing = {c.text: c for c in case.exit_criteria.all()}
        for gone in [c for text, c in existing.items() if text not in texts]:
            audit.record_delete(gone, actor=actor, detail="调整销号标准")
            gone.delete()
        for order, text in enumerate(texts):
            item = existing.get(text)
            if item is None:
                item = ExitCriterion.objects.create(case=case, text=text, order=order)
                audit.record_create(item, actor=actor)
            elif item.order != order:
                item.order = order
                item.save(update_fields=["order"])
        return case


def progress_add(*, case: WeakOrgCase, actor, body: str, upload=None) -> ProgressNote:
    """The organization reports a step of its rectification, optionally with an evidence file."""
    _require_reporter(actor, case)
    with transaction.atomic():
        _require_open(case)
        body = _reason(body, "body", "请填写整顿进展")
        note = ProgressNote(case=case, body=body, created_by=actor)
        if upload is not None:
            note.file_name, note.content_type = check_upload(upload, field="file")
            note.file.save(note.file_name, upload, save=False)
        note.save()
        audit.record_create(note, actor=actor)
        return note


def exit_criterion_mark(
    *, criterion: ExitCriterion, actor, met: bool, note: str = "", on: date | None = None
) -> ExitCriterion:
    """Mark an exit criterion met (with how) or not met again; 工委 verifies when lifting."""
    case = criterion.case
    _require_reporter(actor, case)
    with transaction.atomic():
        _require_open(case)
        criterion = ExitCriterion.objects.select_for_update().get(pk=criterion.pk)
        before = audit.snapshot(criterion)
        if met:
            criterion.met_note = _reason(note, "note", "请说明达到情况（做了什么、佐证在哪里）")
            criterion.met, criterion.met_on = True, on or timezone.localdate()
        else:
            criterion.met, criterion.met_on, criterion.met_note = False, None, ""
        criterion.marked_by = actor
        criterion.save()
        audit.record_update(criterion, before, actor=actor, detail="达到" if met else "撤销达到")
        return criterion


def latest_flags(case: WeakOrgCase) -> tuple[FlagRun | None, FlagResult | None]:
    """The latest run and, if the organization is still flagged in it, its result."""
    run = FlagRun.objects.order_by("-as_of").first()
    if run is None:
        return None, None
    return run, run.results.filter(organization_id=case.organization_id).first()


def lift_blockers(case: WeakOrgCase) -> tuple[list[str], str]:
    """(what must be done before lifting, why the flags are not clear — '' when clear)."""
    blockers = []
    criteria = list(case.exit_criteria.all())
    if case.status != Status.RECTIFYING:
        blockers.append("尚未制定整顿方案")
    elif not criteria:
        blockers.append("没有销号标准")
    unmet = [c.text for c in criteria if not c.met]
    if unmet:
        blockers.append(f"销号标准未全部达到：{'；'.join(unmet)}")
    run, result = latest_flags(case)
    if run is None or run.as_of < case.confirmed_on:
        flags = "确认整顿后尚未重新研判"
    elif result is not None:
        facts = "；".join(h["fact"] for h in result.hits)
        flags = f"{run.as_of:%Y-%m-%d}的研判中仍触发：{facts}"
    else:
        flags = ""
    return blockers, flags


def case_lift(
    *, case: WeakOrgCase, actor, reason: str, override_reason: str = "", on: date | None = None
) -> WeakOrgCase:
    """工委 lifts the status (销号): every exit criterion met, and the latest flags clear or overridden."""
    require_committee(actor, case.organization, "销号")
    with transaction.atomic():
        case = WeakOrgCase.objects.select_for_update().get(pk=case.pk)
        _require_open(case)
        reason = _reason(reason, "reason", "请填写销号说明")
        blockers, flags = lift_blockers(case)
        if blockers:
            raise ValidationError("；".join(blockers))
        override_reason = (override_reason or "").strip()[:500]
        if flags and not override_reason:
            raise ValidationError(
                {"override_reason": f"{flags}。如确需销号，请填写理由（如数据尚未更新）"}
            )
        before = audit.snapshot(case)
        case.status = Status.LIFTED
        case.lifted_on = on or timezone.localdate()
        case.lift_reason = reason
        case.lift_override_reason = override_reason if flags else ""
        case.lifted_by = actor
        case.save()
        audit.record_update(case, before, actor=actor, detail="销号")
        return case
