"""Pages of work plans: my tasks, plans and the roll-up (index), plan editor, task detail with the HTMX
progress form, the roll-up export and evidence downloads.

Reads go through the scoped querysets and core.access (404 outside scope, 403 for read-only roles,
audited); writes through work_plans.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import audit, roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.htmx import wants_partial
from core.pages import (
    YearForm,
    chosen_in_scope,
    form_errors,
    messages_of,
    percent,
    visible_ancestors,
    year_choices,
    year_param,
)
from core.scoping import scope_for
from core.uploads import ACCEPT
from orgs.models import Organization, OrgKind
from work_plans import selectors, services
from work_plans.forms import (
    PlanCreateForm,
    PlanForm,
    ReportForm,
    ReturnForm,
    TaskForm,
)
from work_plans.models import (
    EvidenceFile,
    PlanTask,
    ProgressReport,
    State,
    TaskAssignment,
    WorkPlan,
)

PAGE_SIZE = 50
TODO_LIMIT = 100


# --- index: my tasks, plans, roll-up ------------------------------------------------------------------


def _base(request) -> Organization | None:
    """The organization the roll-up is drilled into (?org=, 404 outside scope), or the default."""
    chosen = chosen_in_scope(request, Organization.objects.visible_to(request.user))
    return chosen if chosen is not None else selectors.default_base(request.user)


def _rollup_assignments(request, year: int):
    """Assignments of the year's published plans the user sees; ?source=all adds organizations' own
    plans to those of 机关工委 (the default)."""
    assignments = TaskAssignment.objects.visible_to(request.user).filter(
        task__plan__year=year, task__plan__status=WorkPlan.Status.PUBLISHED
    )
    source = request.GET.get("source", "")
    if source != "all":
        assignments = assignments.filter(
            task__plan__organization__kind=OrgKind.ORGANS_WORK_COMMITTEE
        )
    return assignments, source


@login_required
def index(request):
    require_capability(request, roles.READ)
    user, today, year = request.user, timezone.localdate(), year_param(request)
    scope = scope_for(user)
    todo = list(selectors.todo_for(user, today)[:TODO_LIMIT])
    plans = selectors.plans_with_counts(
        WorkPlan.objects.visible_to(user)
        .filter(year=year)
        .filter(scope.q("organization__path", roles.READ)),
        today,
    ).order_by("organization__path")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.tally = selectors.tally_of(plan)
    context = {
        "year": year,
        "years": year_choices(year),
        "today": today,
        "todo": todo,
        "overdue_count": sum(a.state == State.OVERDUE for a in todo),
        "page": page,
        "can_create": bool(scope.prefixes(roles.WRITE)),
    }
    base = _base(request)
    if base is not None:
        assignments, source = _rollup_assignments(request, year)
        areas, total = selectors.rollup(assignments, base, today)
        context.update(
            base=base,
            areas=areas,
            total=total,
            source=source,
            ancestors=visible_ancestors(request.user, base),
        )
    return render(request, "work_plans/index.html", context)


@login_required
def export(request):
    require_capability(request, roles.READ)
    today, year = timezone.localdate(), year_param(request)
    base = _base(request)
    assignments, _source = _rollup_assignments(request, year)
    sheets = []
    if base is not None:
        areas, total = selectors.rollup(assignments, base, today)
        assignments = assignments.filter(owner__path__startswith=base.path)
        rows = [
            (
                f"{a.organization.name}（本级）" if a.is_base else a.organization.name,
                a.tally.total,
                a.tally.done,
                a.tally.pending,
                a.tally.in_progress,
                a.tally.not_started,
                a.tally.overdue,
                percent(a.tally.completion),
            )
            for a in [*areas, selectors.AreaRow(base, total)]
        ]
        rows[-1] = ("合计", *rows[-1][1:])
        sheets.append(
            (
                "按区域汇总",
                ["区域", "任务数", "已完成", "待确认", "推进中", "未开始", "逾期", "完成率"],
                rows,
            )
        )
    detail = (
        assignments.with_state(today)
        .select_related("task__plan__organization", "owner")
        .order_by("owner__path", "task__deadline", "pk")
    )
    labels = dict(State.choices)
    sheets.append(
        (
            "任务明细",
            [
                "责任组织",
                "计划",
                "任务",
                "完成时限",
                "状态",
                "办理状态",
                "完成进度（%）",
                "逾期天数",
            ],
            (
                (
                    a.owner.name,
                    a.task.plan.title,
                    a.task.title,
                    a.task.deadline,
                    labels[a.state],
                    a.get_review_status_display(),
                    a.percent,
                    (today - a.task.deadline).days if a.state == State.OVERDUE else "",
                )
                for a in detail.iterator(chunk_size=2000)
            ),
        )
    )
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="work_plans.taskassignment",
        object_repr=f"{year}年工作计划完成情况（{base.name if base else '本人可见'}）",
    )
    return xlsx_response(f"{year}年工作计划完成情况.xlsx", sheets)


# --- plans --------------------------------------------------------------------------------------------


def _visible_plans(user):
    return WorkPlan.objects.visible_to(user).select_related("organization", "copied_from")


def _plan_for(request, pk: int, write: bool = False) -> WorkPlan:
    user = request.user
    writable = WorkPlan.objects.writable_by(user) if write else None
    return get_in_scope(request, _visible_plans(user), writable=writable, pk=pk)


def _own_organizations(user):
    """Organizations a user may make plans for: those their write roles are bound to."""
    return (
        Organization.objects.active()
        .filter(path__in=scope_for(user).prefixes(roles.WRITE))
        .order_by("path")
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    require_capability(request, roles.WRITE)
    organizations = _own_organizations(request.user)
    initial = {"year": year_param(request)}
    form = PlanCreateForm(request.POST or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                organization=data["organization"],
                year=data["year"],
                title=data["title"],
                description=data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, messages_of(exc))
        else:
            messages.success(request, "计划已创建，请添加任务后发布。")
            return redirect("work_plans:plan_detail", pk=plan.pk)
    return render(request, "work_plans/plan_form.html", {"form": form, "title": "新建工作计划"})


@login_required
def plan_detail(request, pk: int):
    user, today = request.user, timezone.localdate()
    plan = _plan_for(request, pk)
    visible = TaskAssignment.objects.visible_to(user).filter(task__plan=plan)
    counts = {
        row.pop("task_id"): selectors.Tally(**row)
        for row in visible.order_by()
        .values("task_id")
        .annotate(**selectors.counts_of(visible, today))
    }
    tasks = list(PlanTask.objects.visible_to(user).filter(plan=plan).order_by("order", "pk"))
    total = selectors.Tally()
    for task in tasks:
        task.tally = counts.get(task.pk, selectors.Tally())
        total.add(task.tally)
    can_edit = WorkPlan.objects.writable_by(user).filter(pk=plan.pk).exists()
    context = {
        "plan": plan,
        "tasks": tasks,
        "total": total,
        "today": today,
        "can_edit": can_edit,
        "problems": services.publish_problems(plan) if can_edit and not plan.is_published else [],
        "next_year": plan.year + 1,
        "next_exists": WorkPlan.objects.filter(
            organization=plan.organization, year=plan.year + 1
        ).exists(),
    }
    return render(request, "work_plans/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _plan_for(request, pk, write=True)
    form = PlanForm(request.POST or None, instance=WorkPlan.objects.get(pk=plan.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, messages_of(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("work_plans:plan_detail", pk=plan.pk)
    return render(
        request, "work_plans/plan_form.html", {"form": form, "title": "修改计划", "plan": plan}
    )


@login_required
@require_POST
def plan_publish(request, pk: int):
    plan = _plan_for(request, pk, write=True)
    try:
        services.plan_publish(plan=plan, actor=request.user)
        messages.success(request, "计划已发布，责任组织将收到通知。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("work_plans:plan_detail", pk=pk)


@login_required
@require_POST
def plan_copy(request, pk: int):
    plan = _plan_for(request, pk, write=True)
    form = YearForm(request.POST)
    year = form.cleaned_data["year"] if form.is_valid() else plan.year + 1
    try:
        copy = services.plan_copy(source=plan, actor=request.user, year=year)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return redirect("work_plans:plan_detail", pk=pk)
    messages.success(request, f"已复制为{year}年度计划（草稿），请核对任务和时限后发布。")
    return redirect("work_plans:plan_detail", pk=copy.pk)


# --- tasks --------------------------------------------------------------------------------------------


def _task_for(request, pk: int, write: bool = False) -> PlanTask:
    user = request.user
    visible = PlanTask.objects.visible_to(user).select_related("plan__organization")
    writable = PlanTask.objects.writable_by(user) if write else None
    return get_in_scope(request, visible, writable=writable, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int | None = None, plan_pk: int | None = None):
    task = _task_for(request, pk, write=True) if pk else None
    plan = task.plan if task else _plan_for(request, plan_pk, write=True)
    form = TaskForm(request.POST or None, instance=task, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owners, kinds = data.pop("owners"), data.pop("owner_kinds")
        fresh = PlanTask.objects.get(pk=task.pk) if task else None
        try:
            saved = services.task_save(
                plan=plan,
                actor=request.user,
                data=data,
                task=fresh,
                owners=owners,
                owner_kinds=kinds,
            )
        except ValidationError as exc:
            form.add_error(None, messages_of(exc))
        else:
            messages.success(request, f"已保存任务“{saved.title}”。")
            return redirect("work_plans:plan_detail", pk=plan.pk)
    title = f"修改任务：{task.title}" if task else "新增任务"
    context = {"form": form, "plan": plan, "task": task, "title": title}
    return render(request, "work_plans/task_form.html", context)


@login_required
@require_POST
def task_delete(request, pk: int):
    task = _task_for(request, pk, write=True)
    try:
        services.task_delete(task=task, actor=request.user)
        messages.success(request, f"已删除任务“{task.title}”。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return redirect("work_plans:task_detail", pk=pk)
    return redirect("work_plans:plan_detail", pk=task.plan_id)


def _assignments(user, task: PlanTask, today):
    reports = Prefetch(
        "reports",
        queryset=ProgressReport.objects.select_related("reported_by").prefetch_related("files"),
    )
    return (
        TaskAssignment.objects.visible_to(user)
        .filter(task=task)
        .with_state(today)
        .select_related("owner", "task__plan__organization")
        .prefetch_related(reports)
        .order_by("owner__path")
    )


def _decorate(user, assignments) -> None:
    ids = [a.pk for a in assignments]
    reportable = set(
        TaskAssignment.objects.writable_by(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    reviewable = set(
        TaskAssignment.objects.reviewable_by(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for a in assignments:
        a.can_report = a.pk in reportable and a.is_reportable
        a.can_review = a.pk in reviewable
        a.badge = selectors.STATE_BADGES[a.state]


@login_required
def task_detail(request, pk: int):
    user, today = request.user, timezone.localdate()
    task = _task_for(request, pk)
    assignments = _assignments(user, task, today)
    state = request.GET.get("state", "")
    if state in State.values:
        assignments = assignments.filter(state=state)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(user, page.object_list)
    context = {
        "task": task,
        "plan": task.plan,
        "page": page,
        "states": State.choices,
        "state": state,
        "today": today,
        "accept": ACCEPT,
        "can_edit": PlanTask.objects.writable_by(user).filter(pk=task.pk).exists(),
    }
    return render(request, "work_plans/task_detail.html", context)


# --- assignments (HTMX) -----------------------------------------------------------------------------


def _assignment_for(request, pk: int, action: str) -> TaskAssignment:
    user = request.user
    visible = TaskAssignment.objects.visible_to(user).select_related("task__plan__organization")
    writable = {
        "report": TaskAssignment.objects.writable_by(user),
        "review": TaskAssignment.objects.reviewable_by(user),
    }[action]
    return get_in_scope(request, visible, writable=writable, pk=pk)


def _assignment_response(request, assignment, *, error: str = "", done: str = "", form=None):
    """HTMX: the assignment card again; otherwise back to the task page."""
    if not wants_partial(request):
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        url = reverse("work_plans:task_detail", args=[assignment.task_id])
        return redirect(f"{url}#assignment-{assignment.pk}")
    today = timezone.localdate()
    fresh = _assignments(request.user, assignment.task, today).get(pk=assignment.pk)
    _decorate(request.user, [fresh])
    context = {
        "a": fresh,
        "error": error,
        "done": done,
        "form": form,
        "accept": ACCEPT,
        "today": today,
    }
    return render(request, "work_plans/_assignment.html", context)


@login_required
@require_POST
def assignment_report(request, pk: int):
    assignment = _assignment_for(request, pk, "report")
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _assignment_response(request, assignment, error=form_errors(form), form=form)
    data = form.cleaned_data
    try:
        services.assignment_report(
            assignment=assignment,
            actor=request.user,
            percent=data["percent"],
            note=data["note"],
            evidence_text=data["evidence_text"],
            uploads=data["files"],
        )
    except ValidationError as exc:
        return _assignment_response(request, assignment, error=messages_of(exc), form=form)
    done = "已报告完成，等待计划制定组织确认。" if data["percent"] == 100 else "进展已报告。"
    return _assignment_response(request, assignment, done=done)


@login_required
@require_POST
def assignment_confirm(request, pk: int):
    assignment = _assignment_for(request, pk, "review")
    try:
        services.assignment_confirm(assignment=assignment, actor=request.user)
    except ValidationError as exc:
        return _assignment_response(request, assignment, error=messages_of(exc))
    return _assignment_response(request, assignment, done="已确认完成。")


@login_required
@require_POST
def assignment_return(request, pk: int):
    assignment = _assignment_for(request, pk, "review")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _assignment_response(request, assignment, error="退回原因：请填写退回原因。")
    try:
        services.assignment_return(
            assignment=assignment, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        return _assignment_response(request, assignment, error=messages_of(exc))
    return _assignment_response(request, assignment, done="已退回，责任组织将看到退回原因。")


@login_required
@require_POST
def assignment_remove(request, pk: int):
    assignment = _assignment_for(request, pk, "review")
    try:
        services.assignment_remove(assignment=assignment, actor=request.user)
        messages.success(request, f"已将“{assignment.owner}”移出该任务。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("work_plans:task_detail", pk=assignment.task_id)


@login_required
def evidence_download(request, pk: int):
    visible = EvidenceFile.objects.filter(
        report__assignment__in=TaskAssignment.objects.visible_to(request.user)
    )
    evidence = get_in_scope(request, visible, pk=pk)
    return file_response(evidence.file, name=evidence.name, content_type=evidence.content_type)
