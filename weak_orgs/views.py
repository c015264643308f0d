"""Pages of 软弱涣散整顿: 工委's flag list and decisions, each case's plan and progress, the criteria."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.htmx import render_partial_or_page
from core.pages import errors_to_form, messages_of
from orgs.models import Organization, OrgKind
from weak_orgs import selectors, services
from weak_orgs.criteria import DEFINITIONS, parameter_text
from weak_orgs.flags import compute_flags
from weak_orgs.forms import (
    CaseOpenForm,
    CriterionForm,
    LiftForm,
    PlanForm,
    ProgressForm,
    ReasonForm,
)
from weak_orgs.models import (
    CriterionCode,
    ExitCriterion,
    FlagResult,
    ProgressNote,
    WeakOrgCase,
    WeakOrgCriterion,
)

PAGE_SIZE = 50
KIND_LABELS = dict(OrgKind.choices)


@login_required
def index(request):
    """工委: the latest flags with their grounds, counts by area, open cases. Others: cases in scope."""
    require_capability(request, roles.READ)
    user = request.user
    manager = services.can_manage(user)
    context = {"can_manage": manager, "statuses": WeakOrgCase.Status.choices}
    status = request.GET.get("status", "")
    context["cases"] = list(selectors.cases_for(user, status=status)[:200])
    context["status"] = status
    if manager:
        run = selectors.latest_run()
        decision, code, q = (request.GET.get(k, "") for k in ("decision", "code", "q"))
        rows = selectors.flag_results(user, run, decision=decision, code=code, q=q)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            run=run,
            page=page,
            decision=decision,
            code=code,
            q=q,
            decisions=FlagResult.Decision.choices,
            codes=CriterionCode.choices,
            areas=selectors.counts_by_area(user, run),
            flagged=selectors.flag_results(user, run).count(),
            open_cases=WeakOrgCase.objects.visible_to(user).open().count(),
            unavailable=[c for c in (run.criteria if run else []) if not c["available"]],
        )
    return render_partial_or_page(request, "weak_orgs/index.html", "weak_orgs/_flags.html", context)


@login_required
@require_POST
def run_now(request):
    services.require_committee(request.user, what="发起软弱涣散研判")
    run = compute_flags(timezone.localdate(), actor=request.user)
    messages.success(
        request,
        f"已完成研判：{run.organizations_checked}个党组织中{run.flagged}个触发条件，用时{run.seconds:.1f}秒。",
    )
    return redirect("weak_orgs:index")


def _result(request, pk) -> FlagResult:
    require_capability(request, roles.READ)
    visible = FlagResult.objects.visible_to(request.user).select_related("organization", "run")
    return get_in_scope(request, visible, pk=pk)


def _result_row(request, result):
    result.refresh_from_db()
    return render(request, "weak_orgs/_flag_row.html", {"r": result, "can_manage": True})


@login_required
@require_POST
def result_confirm(request, pk):
    result = _result(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        case = services.case_confirm(
            organization=result.organization,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            result=result,
        )
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return redirect("weak_orgs:index")
    if request.htmx:
        return _result_row(request, result)
    messages.success(request, f"已确认{case.organization.name}为软弱涣散党组织，请制定整顿方案。")
    return redirect("weak_orgs:case_plan", pk=case.pk)


@login_required
@require_POST
def result_dismiss(request, pk):
    result = _result(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.flag_dismiss(
            result=result, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        if request.htmx:
            context = {"r": result, "can_manage": True, "error": messages_of(exc)}
            return render(request, "weak_orgs/_flag_row.html", context)
        messages.error(request, messages_of(exc))
        return redirect("weak_orgs:index")
    if request.htmx:
        return _result_row(request, result)
    messages.success(request, f"已排除{result.organization.name}。")
    return redirect("weak_orgs:index")


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """工委 confirms an organization the flags did not list (巡察, 督查, 群众反映)."""
    require_capability(request, roles.READ)
    services.require_committee(request.user, what="确认软弱涣散党组织")
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["organization"].strip()
        found = list(
            Organization.objects.writable_by(request.user).filter(name=name, status="active")[:2]
        )
        if len(found) != 1:
            form.add_error(
                "organization",
                f"找不到名为“{name}”的党组织" if not found else f"有多个名为“{name}”的党组织",
            )
        else:
            try:
                case = services.case_confirm(
                    organization=found[0],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已确认{case.organization.name}，请制定整顿方案。")
                return redirect("weak_orgs:case_plan", pk=case.pk)
    return render(request, "weak_orgs/case_new.html", {"form": form})


def _case(request, pk, *, write=False) -> WeakOrgCase:
    require_capability(request, roles.READ)
    visible = selectors.case_detail_queryset(request.user)
    writable = WeakOrgCase.objects.writable_by(request.user) if write else None
    return get_in_scope(request, visible, writable=writable, pk=pk)


def _case_context(request, case, **extra) -> dict:
    user = request.user
    manager = services.manages(user, case.organization)
    blockers, flags = services.lift_blockers(case) if case.is_open else ([], "")
    return {
        "case": case,
        "criteria": list(case.exit_criteria.all()),
        "notes": list(case.notes.all()),
        "can_manage": manager,
        "can_report": case.is_open and services.can_report(user, case),
        "progress_form": ProgressForm(),
        "lift_form": LiftForm(),
        "blockers": blockers,
        "flags_note": flags,
        **extra,
    }


@login_required
def case_detail(request, pk):
    case = _case(request, pk)
    return render(request, "weak_orgs/case_detail.html", _case_context(request, case))


@login_required
@require_http_methods(["GET", "POST"])
def case_plan(request, pk):
    case = _case(request, pk, write=True)
    services.require_committee(request.user, case.organization, "制定整顿方案")
    initial = {
        "leader": case.leader_id,
        "leader_name": case.leader_name if not case.leader_id else "",
        "plan": case.plan,
        "exit_criteria": "\n".join(c.text for c in case.exit_criteria.all()),
        "due_on": case.due_on,
    }
    form = PlanForm(request.POST or None, initial=initial, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_plan(
                case=case,
                actor=request.user,
                plan=form.cleaned_data["plan"],
                exit_criteria=form.exit_texts(),
                leader=form.cleaned_data["leader"],
                leader_name=form.cleaned_data["leader_name"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "整顿方案已保存。")
            return redirect("weak_orgs:case_detail", pk=case.pk)
    return render(request, "weak_orgs/case_plan.html", {"case": case, "form": form})


@login_required
@require_POST
def case_progress(request, pk):
    """Add a progress report; HTMX gets the refreshed list, with the form's errors if any."""
    case = _case(request, pk, write=True)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_add(
                case=case,
                actor=request.user,
                body=form.cleaned_data["body"],
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            form = ProgressForm()
            if not request.htmx:
                messages.success(request, "已填报整顿进展。")
                return redirect("weak_orgs:case_detail", pk=case.pk)
    case = _case(request, pk)
    context = _case_context(request, case, progress_form=form)
    if request.htmx:
        return render(request, "weak_orgs/_progress.html", context)
    return render(request, "weak_orgs/case_detail.html", context, status=400)


@login_required
@require_POST
def criterion_mark(request, pk, item_pk):
    case = _case(request, pk, write=True)
    item = get_in_scope(request, ExitCriterion.objects.filter(case=case), pk=item_pk)
    error = ""
    try:
        services.exit_criterion_mark(
            criterion=item,
            actor=request.user,
            met=request.POST.get("met") == "1",
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        error = messages_of(exc)
    case = _case(request, pk)
    context = _case_context(request, case, mark_error=error, error_item=item.pk)
    if request.htmx:
        return render(request, "weak_orgs/_exit_criteria.html", context)
    if error:
        messages.error(request, error)
    return redirect("weak_orgs:case_detail", pk=case.pk)


@login_required
@require_POST
def case_lift(request, pk):
    case = _case(request, pk, write=True)
    form = LiftForm(request.POST)
    form.is_valid()
    try:
        services.case_lift(
            case=case,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            override_reason=form.cleaned_data.get("override_reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, f"{case.organization.name}已销号。")
    return redirect("weak_orgs:case_detail", pk=case.pk)


@login_required
def evidence(request, pk):
    require_capability(request, roles.READ)
    cases = WeakOrgCase.objects.visible_to(request.user)
    note = get_in_scope(
        request, ProgressNote.objects.filter(case__in=cases).exclude(file=""), pk=pk
    )
    return file_response(note.file, name=note.file_name, content_type=note.content_type)


@login_required
def criteria(request):
    require_capability(request, roles.READ)
    current, retired = selectors.criteria_table()
    today = timezone.localdate()
    for item in current + retired:
        definition = DEFINITIONS[item.code]
        item.description = definition.description
        item.parameter_text = parameter_text(item.code, item.parameters)
        item.unavailable_note = definition.unavailable_note
        item.not_yet = item.effective_from > today
        item.kind_labels = "、".join(KIND_LABELS.get(k, k) for k in item.org_kinds)
    context = {
        "current": current,
        "retired": retired,
        "can_manage": services.can_manage(request.user),
    }
    return render(request, "weak_orgs/criteria.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request, pk):
    require_capability(request, roles.READ)
    services.require_committee(request.user, what="修改软弱涣散研判条件")
    item = get_in_scope(request, WeakOrgCriterion.objects.filter(effective_to__isnull=True), pk=pk)
    form = CriterionForm(request.POST or None, criterion=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.criterion_revise(
                criterion=item,
                actor=request.user,
                name=data["name"],
                parameters=form.parameters(),
                org_kinds=data["org_kinds"],
                enabled=data["enabled"],
                effective_from=data["effective_from"],
                source=data["source"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc, form.service_names())
        else:
            messages.success(request, "研判条件已保存，下次研判起按新版本计算。")
            return redirect("weak_orgs:criteria")
    context = {"item": item, "form": form, "definition": DEFINITIONS[item.code]}
    return render(request, "weak_orgs/criterion_form.html", context)


def _hits_text(hits) -> str:
    return "；".join(f"{h['name']}：{h['fact']}" for h in hits)


@login_required
def export(request):
    """The latest flags (工委) and the cases in the user's scope, as the pages filter them."""
    require_capability(request, roles.READ)
    user = request.user
    sheets = []
    if services.can_manage(user):
        run = selectors.latest_run()
        rows = selectors.flag_results(
            user,
            run,
            decision=request.GET.get("decision", ""),
            code=request.GET.get("code", ""),
            q=request.GET.get("q", ""),
        )
        sheets.append(
            (
                "研判名单",
                ["研判日期", "党组织", "触发条件及事实", "研判结论", "理由"],
                (
                    [
                        run.as_of,
                        r.organization.name,
                        _hits_text(r.hits),
                        r.get_decision_display(),
                        r.decision_reason,
                    ]
                    for r in rows
                ),
            )
        )
    cases = selectors.cases_for(user, status=request.GET.get("status", ""))
    sheets.append(
        (
            "整顿台账",
            [
                "年度",
                "党组织",
                "状态",
                "确认日期",
                "确认依据",
                "责任领导",
                "整顿方案",
                "整顿期限",
                "销号标准（已达到/总数）",
                "进展条数",
                "销号日期",
                "销号说明",
            ],
            (
                [
                    c.year,
                    c.organization.name,
                    c.get_status_display(),
                    c.confirmed_on,
                    _hits_text(c.reasons) or c.confirm_reason,
                    c.leader_name,
                    c.plan,
                    c.due_on,
                    f"{c.criteria_met}/{c.criteria_total}",
                    c.notes_count,
                    c.lifted_on,
                    c.lift_reason,
                ]
                for c in cases
            ),
        )
    )
    return xlsx_response(f"软弱涣散整顿_{timezone.localdate():%Y%m%d}.xlsx", sheets)
