"""Writing work plans: plans and tasks (publisher), progress reports (owners), confirm and return.

Who may call what is decided by the scoped querysets in the views and API (404 outside scope, 403
for read-only roles); services check the state of the plan or assignment and audit every change.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.uploads import check_upload
from notifications.recipients import Holders, to_each
from notifications.services import notify_many
from orgs.models import Organization, OrgKind
from work_plans.models import (
    EvidenceFile,
    PlanTask,
    ProgressReport,
    TaskAssignment,
    WorkPlan,
)

BATCH = 1000
PLAN_FIELDS = ("title", "description")
TASK_FIELDS = ("order", "title", "description", "category", "deadline", "expected_outcome")
# Kinds a task may be handed to in bulk ("all 机关党委 under the plan's organization").
OWNER_KINDS = (
    OrgKind.PARTY_GROUP,
    OrgKind.PARTY_COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.JOINT_BRANCH,
)
Review = TaskAssignment.Review


def _clean_text(data: dict, names) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in names}


# --- plans -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, organization: Organization, year: int, title: str, actor, description=""
) -> WorkPlan:
    """A draft plan of an organization for a year (one per organization and year)."""
    if WorkPlan.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": f"{organization.name}{year}年度已有工作计划。"})
    plan = WorkPlan(
        organization=organization,
        year=year,
        title=(title or "").strip(),
        description=(description or "").strip(),
        created_by=actor,
    )
    plan.full_clean()
    plan.save()
    audit.record_create(plan, actor=actor)
    return plan


@transaction.atomic
def plan_update(*, plan: WorkPlan, actor, **data) -> WorkPlan:
    before = audit.snapshot(plan)
    for name, value in _clean_text(data, PLAN_FIELDS).items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    audit.record_update(plan, before, actor=actor)
    return plan


def publish_problems(plan: WorkPlan) -> list[str]:
    """Why a plan cannot be published yet (empty when it can)."""
    if plan.is_published:
        return ["该计划已发布"]
    tasks = list(plan.tasks.all())
    if not tasks:
        return ["计划还没有任务"]
    unassigned = [t.title for t in tasks if not t.assignments.exists()]
    if unassigned:
        return [f"以下任务还没有责任组织：{'、'.join(unassigned[:5])}"]
    return []


@transaction.atomic
def plan_publish(*, plan: WorkPlan, actor) -> WorkPlan:
    """Publish the plan: owners now see their tasks and their writers are told."""
    problems = publish_problems(plan)
    if problems:
        raise ValidationError("；".join(problems))
    before = audit.snapshot(plan)
    plan.status, plan.published_at, plan.published_by = (
        WorkPlan.Status.PUBLISHED,
        timezone.now(),
        actor,
    )
    plan.save(update_fields=["status", "published_at", "published_by"])
    audit.record_update(plan, before, actor=actor, detail="发布工作计划")
    _notify_owners(plan)
    return plan


def _notify_owners(plan: WorkPlan) -> None:
    counts: dict[int, int] = {}
    for owner_id in TaskAssignment.objects.filter(task__plan=plan).values_list(
        "owner_id", flat=True
    ):
        counts[owner_id] = counts.get(owner_id, 0) + 1
    holders = Holders(timezone.localdate(), counts)
    url = reverse("work_plans:index")
    notify_many(
        notification
        for owner_id, count in counts.items()
        for notification in to_each(
            holders.writers(owner_id),
            title=f"{plan.organization.name}发布了{plan.title}",
            body=f"本组织承担其中{count}项任务，请按时限推进并报告进展。",
            url=url,
            category="work_plans.published",
            dedupe_key=f"work_plans:published:{plan.pk}",
        )
    )


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def plan_copy(*, source: WorkPlan, actor, year: int | None = None) -> WorkPlan:
    """A draft for another year with the same tasks, deadlines moved by the years between and the
    same owners (those still active under the organization); progress starts afresh."""
    year = year or source.year + 1
    if year == source.year:
        raise ValidationError({"year": "请选择与原计划不同的年度。"})
    plan = plan_create(
        organization=source.organization,
        year=year,
        title=source.title.replace(str(source.year), str(year)),
        description=source.description,
        actor=actor,
    )
    plan.copied_from = source
    plan.save(update_fields=["copied_from"])
    tasks = list(source.tasks.all())
    copies = [
        PlanTask(
            plan=plan,
            **{f: getattr(t, f) for f in TASK_FIELDS if f != "deadline"},
            deadline=_shift(t.deadline, year - source.year),
        )
        for t in tasks
    ]
    PlanTask.objects.bulk_create(copies, batch_size=BATCH)
    eligible = set(_eligible_owners(plan.organization).values_list("pk", flat=True))
    by_task = {old.pk: new for old, new in zip(tasks, copies, strict=True)}
    assignments = [
        TaskAssignment(task=by_task[task_id], owner_id=owner_id)
        for task_id, owner_id in TaskAssignment.objects.filter(task__plan=source).values_list(
            "task_id", "owner_id"
        )
        if owner_id in eligible
    ]
    TaskAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [(t, audit.diff({}, audit.snapshot(t))) for t in copies]
        + [(a, audit.diff({}, audit.snapshot(a))) for a in assignments],
        actor=actor,
        detail=f"复制自“{source.title}”",
    )
    return plan


# --- tasks -----------------------------------------------------------------------------------------


def _eligible_owners(organization: Organization):
    """Active organizations strictly under the publisher."""
    return (
        Organization.objects.active()
        .filter(path__startswith=organization.path)
        .exclude(pk=organization.pk)
    )


def resolve_owners(plan: WorkPlan, owners=(), owner_kinds=()) -> list[Organization]:
    """Named owners plus every organization of the chosen kinds under the plan's organization."""
    eligible = _eligible_owners(plan.organization)
    owner_ids = {getattr(o, "pk", o) for o in owners}
    found = {o.pk: o for o in eligible.filter(pk__in=owner_ids)}
    missing = owner_ids - set(found)
    if missing:
        raise ValidationError({"owners": "责任组织须是本计划制定组织的下级党组织（正常状态）。"})
    if owner_kinds:
        for org in eligible.filter(kind__in=list(owner_kinds)).only("pk", "name", "path"):
            found.setdefault(org.pk, org)
    return sorted(found.values(), key=lambda o: o.path)


@transaction.atomic
def task_save(
    *, plan: WorkPlan, actor, data: dict, task: PlanTask | None = None, owners=(), owner_kinds=()
) -> PlanTask:
    """Add or change a task; the owners given are added to it (one assignment each, in bulk)."""
    new_owners = resolve_owners(plan, owners, owner_kinds)
    before = audit.snapshot(task) if task else None
    if task is None:
        task = PlanTask(plan=plan, order=plan.tasks.count() + 1)
        if not new_owners:
            raise ValidationError({"owners": "请至少选择一个责任组织。"})
    for name, value in _clean_text(data, TASK_FIELDS).items():
        setattr(task, name, value)
    task.category = task.category or ""
    task.full_clean()
    task.save()
    if before is None:
        audit.record_create(task, actor=actor)
    else:
        audit.record_update(task, before, actor=actor)
    existing = set(task.assignments.values_list("owner_id", flat=True))
    added = [TaskAssignment(task=task, owner=o) for o in new_owners if o.pk not in existing]
    TaskAssignment.objects.bulk_create(added, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [(a, audit.diff({}, audit.snapshot(a))) for a in added],
        actor=actor,
        detail=f"分配任务“{task.title}”",
    )
    return task


@transaction.atomic
def task_delete(*, task: PlanTask, actor) -> None:
    """Remove a task nobody has reported on yet (its assignments go with it)."""
    if ProgressReport.objects.filter(assignment__task=task).exists():
        raise ValidationError("已有责任组织报告了进展，不能删除该任务。")
    assignments = list(task.assignments.all())
    audit.record_many(
        audit.Action.DELETE,
        [(a, audit.diff(audit.snapshot(a), {})) for a in assignments],
        actor=actor,
        detail=f"删除任务“{task.title}”",
    )
    audit.record_delete(task, actor=actor)
    task.delete()


@transaction.atomic
def assignment_remove(*, assignment: TaskAssignment, actor) -> None:
    """Take a task off an owner who has not reported on it yet."""
    if assignment.reports.exists():
        raise ValidationError("该责任组织已报告进展，不能移除。")
    audit.record_delete(assignment, actor=actor)
    assignment.delete()


# --- progress and review ---------------------------------------------------------------------------


@transaction.atomic
def assignment_report(
    *, assignment: TaskAssignment, actor, percent: int, note="", evidence_text="", uploads=()
) -> ProgressReport:
    """The owner's progress report; at 100% it asks the publisher to confirm completion."""
    if not assignment.task.plan.is_published:
        raise ValidationError("计划尚未发布，不能报告进展。")
    if not assignment.is_reportable:
        raise ValidationError("该任务已确认完成，不能再报告进展。")
    if percent is None or not 0 <= percent <= 100:
        raise ValidationError({"percent": "完成进度须在0到100之间"})
    note, evidence_text = (note or "").strip(), (evidence_text or "").strip()
    checked = [(upload, *check_upload(upload, field="files")) for upload in uploads]
    if percent == 100 and not (evidence_text or checked):
        raise ValidationError({"evidence_text": "报告完成时请填写佐证材料说明或上传佐证材料"})
    now = timezone.now()
    report = ProgressReport.objects.create(
        assignment=assignment,
        percent=percent,
        note=note,
        evidence_text=evidence_text,
        reported_by=actor,
        reported_at=now,
    )
    audit.record_create(report, actor=actor)
    for upload, name, content_type in checked:
        evidence = EvidenceFile(
            report=report, name=name, content_type=content_type, size=upload.size, uploaded_by=actor
        )
        evidence.file.save(name, upload, save=False)
        evidence.save()
        audit.record_create(evidence, actor=actor)
    before = audit.snapshot(assignment)
    assignment.percent, assignment.last_reported_at = percent, now
    if percent == 100:
        assignment.review_status, assignment.submitted_at = Review.SUBMITTED, now
    else:
        assignment.review_status, assignment.submitted_at = Review.OPEN, None
    assignment.save(update_fields=["percent", "last_reported_at", "review_status", "submitted_at"])
    audit.record_update(assignment, before, actor=actor, detail=f"报告进展：{percent}%")
    return report


@transaction.atomic
def assignment_confirm(*, assignment: TaskAssignment, actor) -> TaskAssignment:
    """The publisher accepts the owner's report of completion."""
    if assignment.review_status != Review.SUBMITTED:
        raise ValidationError(
            f"该任务{assignment.get_review_status_display()}，只有报告完成待确认的任务可以确认。"
        )
    before = audit.snapshot(assignment)
    assignment.review_status = Review.CONFIRMED
    assignment.reviewed_at, assignment.reviewed_by, assignment.return_reason = (
        timezone.now(),
        actor,
        "",
    )
    assignment.save(update_fields=["review_status", "reviewed_at", "reviewed_by", "return_reason"])
    audit.record_update(assignment, before, actor=actor, detail="确认完成")
    return assignment


@transaction.atomic
def assignment_return(*, assignment: TaskAssignment, actor, reason: str) -> TaskAssignment:
    """The publisher sends a reported (or confirmed) completion back with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须填写原因"})
    if assignment.review_status not in (Review.SUBMITTED, Review.CONFIRMED):
        raise ValidationError(f"该任务{assignment.get_review_status_display()}，不能退回。")
    before = audit.snapshot(assignment)
    assignment.review_status, assignment.return_reason = Review.RETURNED, reason[:500]
    assignment.reviewed_at, assignment.reviewed_by = timezone.now(), actor
    assignment.save(update_fields=["review_status", "return_reason", "reviewed_at", "reviewed_by"])
    audit.record_update(assignment, before, actor=actor, detail=f"退回：{reason[:200]}")
    return assignment
