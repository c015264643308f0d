"""软弱涣散基层党组织整顿: criteria as data, daily flag runs, and the cases 工委 confirms and lifts."""

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import roles
from core.scoping import scope_for


class CriterionCode(models.TextChoices):
    """The criteria the platform can compute; each has an evaluator in weak_orgs.criteria."""

    NO_COMMITTEE_MEETING = "no_committee_meeting", "连续多月未召开支委会"
    SECRETARY_VACANT = "secretary_vacant", "书记长期空缺"
    TERM_OVERDUE = "term_overdue", "任期届满未按期换届"
    LOW_ORGLIFE_COMPLETION = "low_orglife_completion", "组织生活完成率偏低"
    DUES_ARREARS = "dues_arrears", "欠缴党费党员比例偏高"
    LOW_STAR_RATING = "low_star_rating", "星级评定低于3星"


class CriterionQuerySet(models.QuerySet):
    def in_force(self, on: date):
        return self.filter(
            Q(effective_from__lte=on), Q(effective_to__isnull=True) | Q(effective_to__gte=on)
        )


class WeakOrgCriterion(models.Model):
    """One version of a 软弱涣散 criterion: its parameters, the organizations it applies to, from when, why.

    A version in force is never edited: a change is a new row with the same code (weak_orgs.services).
    """

    code = models.CharField("研判条件", max_length=40, choices=CriterionCode.choices, db_index=True)
    name = models.CharField("名称", max_length=200)
    parameters = models.JSONField("参数", default=dict)
    org_kinds = models.JSONField("适用组织类型", default=list)
    enabled = models.BooleanField("启用", default=True)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    source = models.TextField("依据")
    is_default = models.BooleanField("系统默认值（待核实，可调整）", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "软弱涣散研判条件"
        ordering = ["code", "-effective_from", "-id"]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def committee_prefixes(user) -> tuple[str, ...]:
    """Paths the user administers as 机关工委 (Role.CITY_ADMIN), read once per request."""
    if user is None or not user.is_authenticated:
        return ()
    cached = getattr(user, "_weak_orgs_committee", None)
    if cached is None:
        from core.scoping import minimal_prefixes

        paths = user.role_assignments.active().filter(role=roles.Role.CITY_ADMIN)
        cached = minimal_prefixes(paths.values_list("organization__path", flat=True))
        user._weak_orgs_committee = cached
    return cached


def _under(prefixes, field: str) -> Q:
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(**{f"{field}__startswith": prefix})
    return query


class FlagRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Runs cover the whole city: only 机关工委 administrators see them."""
        return self if committee_prefixes(user) else self.none()

    def writable_by(self, user):
        return self.visible_to(user)


class FlagRun(models.Model):
    """One computation of the flags as of a day; re-running the same day replaces its results."""

    as_of = models.DateField("研判日期", unique=True)
    computed_at = models.DateTimeField("计算时间")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="为空表示定时任务",
    )
    organizations_checked = models.PositiveIntegerField("参与研判的党组织数", default=0)
    flagged = models.PositiveIntegerField("触发条件的党组织数", default=0)
    criteria = models.JSONField("所用研判条件", default=list)
    seconds = models.FloatField("耗时（秒）", default=0)

    objects = FlagRunQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "软弱涣散研判"
        ordering = ["-as_of"]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d} 研判"


class FlagResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_under(committee_prefixes(user), "organization__path"))

    def writable_by(self, user):
        return self.visible_to(user)


class FlagResult(models.Model):
    """An organization a run found meeting at least one criterion, with the facts, and 工委's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", "待研判"
        CONFIRMED = "confirmed", "已确认整顿"
        DISMISSED = "dismissed", "已排除"

    run = models.ForeignKey(
        FlagRun, verbose_name="研判", on_delete=models.CASCADE, related_name="results"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    hits = models.JSONField("触发条件", default=list)  # [{"code", "name", "fact"}]
    decision = models.CharField(
        "研判结论", max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decision_reason = models.CharField("理由", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="研判人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("研判时间", null=True, blank=True)

    objects = FlagResultQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "软弱涣散研判结果"
        ordering = ["run", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["run", "organization"], name="flag_once_per_run")
        ]

    def __str__(self):
        return f"{self.organization} {self.run.as_of:%Y-%m-%d}"

    @property
    def codes(self) -> list[str]:
        return [hit["code"] for hit in self.hits]


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))

    def open(self):
        return self.exclude(status=WeakOrgCase.Status.LIFTED)


class WeakOrgCase(models.Model):
    """An organization 工委 confirmed as 软弱涣散, its rectification plan, and when it was lifted."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "已确认"
        RECTIFYING = "rectifying", "整顿中"
        LIFTED = "lifted", "已销号"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="weak_org_cases",
    )
    year = models.PositiveSmallIntegerField("整顿年度")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    flag_result = models.ForeignKey(
        FlagResult,
        verbose_name="来源研判",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    # The hits when confirmed, kept as they were (empty when confirmed on 工委's own judgement).
    reasons = models.JSONField("确认依据", default=list, blank=True)
    confirm_reason = models.CharField("确认说明", max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_on = models.DateField("确认日期")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任领导（系统用户）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="weak_org_cases_led",
    )
    leader_name = models.CharField("责任领导", max_length=100, blank=True)
    plan = models.TextField("整顿方案", blank=True)
    due_on = models.DateField("整顿期限", null=True, blank=True)
    lifted_on = models.DateField("销号日期", null=True, blank=True)
    lift_reason = models.CharField("销号说明", max_length=500, blank=True)
    lift_override_reason = models.CharField("研判仍未消除时的销号理由", max_length=500, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "软弱涣散整顿台账"
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=~Q(status="lifted"),
                name="weak_case_one_open_per_org",
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year}年整顿"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.LIFTED


class ExitCriterion(models.Model):
    """One condition the organization must meet before 工委 lifts the status (销号)."""

    case = models.ForeignKey(
        WeakOrgCase, verbose_name="整顿", on_delete=models.CASCADE, related_name="exit_criteria"
    )
    text = models.CharField("销号标准", max_length=300)
    met = models.BooleanField("已达到", default=False)
    met_on = models.DateField("达到日期", null=True, blank=True)
    met_note = models.CharField("达到情况说明", max_length=500, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="标记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "销号标准"
        ordering = ["case", "order", "pk"]

    def __str__(self):
        return self.text


def evidence_path(instance, filename):
    return f"weak_orgs/{instance.case_id}/{secrets.token_hex(8)}-{filename}"


class ProgressNote(models.Model):
    """A step of the rectification the organization reports, with an optional evidence file."""

    case = models.ForeignKey(
        WeakOrgCase, verbose_name="整顿", on_delete=models.PROTECT, related_name="notes"
    )
    body = models.TextField("进展情况")
    file = models.FileField("佐证材料", upload_to=evidence_path, blank=True)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "整顿进展"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.body[:40]
