"""规划计划 (work_plan): an organization's yearly party-building plan, its tasks and who carries them out.

A plan is published by one organization (the 机关工委's annual plan, or a department's own) and
holds tasks; each task is assigned to one or more organizations under the publisher, one
`TaskAssignment` per owner. Owners report progress (`ProgressReport`, with evidence files); the
publisher confirms completion or returns it with a reason.

Overdue is never stored: it is derived in queries from the deadline and the day asked about
(`AssignmentQuerySet.with_state`), so it is right on the day after the deadline without a job.

Scoping: a plan, its tasks and assignments are visible to readers of the publishing organization;
once published, the owners' readers see their own assignments (and the task and plan they belong
to, never other owners' assignments). Owners' writers report; the publisher's writers edit,
publish, confirm and return.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When

from core import roles
from core.models import StoredFile
from core.scoping import scope_for


class Category(models.TextChoices):
    """Optional grouping of tasks along the lines of party building (党的建设总体布局)."""

    POLITICAL = "political", "政治建设"
    IDEOLOGICAL = "ideological", "思想建设"
    ORGANIZATIONAL = "organizational", "组织建设"
    CONDUCT = "conduct", "作风建设"
    DISCIPLINE = "discipline", "纪律建设"
    INSTITUTIONAL = "institutional", "制度建设"
    SERVICE = "service", "服务中心工作"
    OTHER = "other", "其他"


class State(models.TextChoices):
    """Where an assignment stands on a given day (derived, see AssignmentQuerySet.with_state)."""

    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    OVERDUE = "overdue", "已逾期"


def _owned_plan_ids(user):
    """Published plans with a task assigned to an organization the user reads."""
    return TaskAssignment.objects.filter(
        scope_for(user).q("owner__path", roles.READ), task__plan__status=WorkPlan.Status.PUBLISHED
    ).values("task__plan_id")


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if not scope.prefixes(roles.READ):
            return self.none()
        return self.filter(
            scope.q("organization__path", roles.READ) | Q(pk__in=_owned_plan_ids(user))
        )

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class WorkPlan(models.Model):
    """An organization's party-building work plan for one year (规划计划)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="制定组织",
        on_delete=models.PROTECT,
        related_name="work_plans",
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField("计划名称", max_length=120)
    description = models.TextField("总体要求", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工作计划"
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="work_plan_unique_year")
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if not scope.prefixes(roles.READ):
            return self.none()
        owned = TaskAssignment.objects.filter(
            scope.q("owner__path", roles.READ), task__plan__status=WorkPlan.Status.PUBLISHED
        ).values("task_id")
        return self.filter(scope.q("plan__organization__path", roles.READ) | Q(pk__in=owned))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("plan__organization__path", roles.WRITE))


class PlanTask(models.Model):
    """One task of a plan: what to do, by when, with what result; owners are its assignments."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name="工作计划", on_delete=models.CASCADE, related_name="tasks"
    )
    order = models.PositiveSmallIntegerField("序号", default=1)
    title = models.CharField("任务名称", max_length=120)
    description = models.TextField("任务内容", blank=True)
    category = models.CharField("类别", max_length=20, choices=Category.choices, blank=True)
    deadline = models.DateField("完成时限")
    expected_outcome = models.TextField("预期成果", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "计划任务"
        ordering = ["order", "deadline", "pk"]

    def __str__(self):
        return self.title


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The publisher's readers see every owner; an owner's readers only their own (once published)."""
        scope = scope_for(user)
        if not scope.prefixes(roles.READ):
            return self.none()
        published = Q(task__plan__status=WorkPlan.Status.PUBLISHED)
        return self.filter(
            scope.q("task__plan__organization__path", roles.READ)
            | (published & scope.q("owner__path", roles.READ))
        )

    def writable_by(self, user):
        """Writers of the owner report progress on a published plan's task."""
        return self.filter(
            scope_for(user).q("owner__path", roles.WRITE),
            task__plan__status=WorkPlan.Status.PUBLISHED,
        )

    def reviewable_by(self, user):
        """Writers of the publishing organization confirm or return."""
        return self.filter(scope_for(user).q("task__plan__organization__path", roles.WRITE))

    def with_state(self, today):
        """Annotate `state` (State) as of `today`: overdue is the day after the deadline, not done."""
        return self.annotate(
            state=Case(
                When(review_status=TaskAssignment.Review.CONFIRMED, then=Value(State.DONE)),
                When(overdue_q(today), then=Value(State.OVERDUE)),
                When(
                    Q(percent__gt=0)
                    | Q(last_reported_at__isnull=False)
                    | Q(review_status=TaskAssignment.Review.SUBMITTED),
                    then=Value(State.IN_PROGRESS),
                ),
                default=Value(State.NOT_STARTED),
                output_field=models.CharField(),
            )
        )


def overdue_q(today, prefix: str = "") -> Q:
    """Past the deadline and still with the owner: awaiting confirmation is the publisher's turn."""
    return Q(
        **{
            f"{prefix}task__deadline__lt": today,
            f"{prefix}review_status__in": (
                TaskAssignment.Review.OPEN,
                TaskAssignment.Review.RETURNED,
            ),
        }
    )


class TaskAssignment(models.Model):
    """One owner organization's share of a task, with its latest progress and the publisher's review."""

    class Review(models.TextChoices):
        OPEN = "open", "办理中"
        SUBMITTED = "submitted", "待确认"
        CONFIRMED = "confirmed", "已确认完成"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey(
        PlanTask, verbose_name="任务", on_delete=models.CASCADE, related_name="assignments"
    )
    owner = models.ForeignKey(
        "orgs.Organization",
        verbose_name="责任组织",
        on_delete=models.PROTECT,
        related_name="work_plan_assignments",
    )
    percent = models.PositiveSmallIntegerField(
        "完成进度（%）", default=0, validators=[MaxValueValidator(100)]
    )
    review_status = models.CharField(
        "办理状态", max_length=16, choices=Review.choices, default=Review.OPEN
    )
    last_reported_at = models.DateTimeField("最近报告时间", null=True, blank=True)
    submitted_at = models.DateTimeField("报告完成时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.CharField("退回原因", max_length=500, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "任务分工"
        ordering = ["task_id", "owner__path"]
        constraints = [
            models.UniqueConstraint(fields=["task", "owner"], name="work_plan_assignment_unique")
        ]
        indexes = [models.Index(fields=["owner", "review_status"], name="work_plan_owner_review")]

    def __str__(self):
        return f"{self.task}（{self.owner}）"

    @property
    def is_reportable(self) -> bool:
        return self.review_status != self.Review.CONFIRMED


class ProgressReport(models.Model):
    """An owner's progress report on an assignment: how far, what happened, what proves it."""

    assignment = models.ForeignKey(
        TaskAssignment, verbose_name="任务分工", on_delete=models.CASCADE, related_name="reports"
    )
    percent = models.PositiveSmallIntegerField("完成进度（%）", validators=[MaxValueValidator(100)])
    note = models.TextField("进展情况", blank=True)
    evidence_text = models.TextField("佐证材料说明", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报告人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField("报告时间")

    class Meta:
        verbose_name = verbose_name_plural = "进展报告"
        ordering = ["-reported_at", "-pk"]

    def __str__(self):
        return f"{self.assignment} {self.percent}%"


def evidence_path(instance, filename):
    return f"work_plans/{instance.report_id}/{secrets.token_hex(8)}-{filename}"


class EvidenceFile(StoredFile):
    """A photo, PDF or Word file attached to a progress report (checked by core.uploads)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name="进展报告", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to=evidence_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "进展佐证附件"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name
