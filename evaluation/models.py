"""Evaluation schemes of 五星示范: stars (dimensions) with indicators, versioned per year and sector.

Schemes are city-wide configuration kept by 机关工委 administrators; a published scheme is never edited,
next year's (or a corrected) version is a copy.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models

from core import roles
from core.models import StoredFile
from core.scoping import scope_for
from orgs.models import PATH_SEGMENT_WIDTH


class Sector(models.TextChoices):
    ORGANS = "organs", "机关"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    TWO_NEW = "two_new", "两新组织"


class EvaluationScheme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        ARCHIVED = "archived", "已归档"

    class Promotion(models.TextChoices):
        ONE_PER_YEAR = "one_per_year", "每年最多晋升一星"
        SEVERAL = "several", "可一次晋升多星"

    name = models.CharField("方案名称", max_length=100)
    sector = models.CharField("适用领域", max_length=20, choices=Sector.choices)
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default="draft")
    promotion = models.CharField(
        "晋星规则", max_length=20, choices=Promotion.choices, default="one_per_year"
    )
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL
    )
    is_default = models.BooleanField("默认内容（可调整）", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评星方案"
        verbose_name_plural = "评星方案"
        ordering = ["-year", "sector", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Star(models.Model):
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="stars")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("星名称", max_length=50)
    description = models.TextField("说明", blank=True)
    pass_points = models.DecimalField(
        "达星分数线", max_digits=6, decimal_places=2, default=Decimal("60")
    )

    class Meta:
        verbose_name = "星"
        verbose_name_plural = "星"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    class Method(models.TextChoices):
        MANUAL = "manual", "人工评分"
        AUTOMATIC = "automatic", "平台数据自动计算"
        VETO = "veto", "一票否决"

    class VetoScope(models.TextChoices):
        STAR = "star", "否决本星"
        WHOLE = "whole", "否决整体评星"

    star = models.ForeignKey(Star, on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("指标名称", max_length=100)
    description = models.TextField("评分说明", blank=True)
    method = models.CharField("评分方式", max_length=20, choices=Method.choices, default="manual")
    points = models.DecimalField("分值", max_digits=6, decimal_places=2, default=Decimal("0"))
    evidence = models.CharField("佐证材料要求", max_length=200, blank=True)
    metric = models.CharField("数据指标", max_length=50, blank=True)
    threshold = models.DecimalField(
        "达标阈值", max_digits=6, decimal_places=4, null=True, blank=True
    )
    veto_scope = models.CharField("否决范围", max_length=10, choices=VetoScope.choices, blank=True)

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


# --- The annual rating cycle -------------------------------------------------------------------------

# Branch-level organizations are rated; a 机关党委 is not: it reviews its branches (DOMAIN: the
# 五星 lever is aimed at 基层党支部), and rating it too would make it judge its own result.
RATED_KINDS = ("branch", "general_branch", "joint_branch")


def _ancestor_paths(prefixes) -> set[str]:
    width = PATH_SEGMENT_WIDTH + 1
    return {p[:end] for p in prefixes for end in range(width, len(p) + 1, width)}


class CycleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cycles of the 工委 above (or within) the user's organizations."""
        scope = scope_for(user)
        prefixes = scope.prefixes(roles.READ)
        if not prefixes:
            return self.none()
        query = scope.q("organization__path", roles.READ)
        query |= models.Q(organization__path__in=_ancestor_paths(prefixes))
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class EvaluationCycle(models.Model):
    """One year's 五星示范 rating, run by a 机关工委 for every rated organization under it."""

    class Status(models.TextChoices):
        OPEN = "open", "自评审核中"
        NOTICE = "notice", "公示中"
        CLOSED = "closed", "已授星"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="组织评星的机关工委",
        on_delete=models.PROTECT,
        related_name="+",
    )
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name="评星方案", on_delete=models.PROTECT, related_name="cycles"
    )
    year = models.PositiveSmallIntegerField("年度")
    self_assessment_due = models.DateField("自评截止日期")
    review_due = models.DateField("审核截止日期")
    approval_due = models.DateField("审定截止日期")
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("启动时间", auto_now_add=True)
    closed_at = models.DateTimeField("授星时间", null=True, blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "评星年度"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="cycle_one_per_year")
        ]

    def __str__(self):
        return f"{self.year}年度五星示范评星"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class RatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class OrgRating(models.Model):
    """One organization's rating in a cycle: self-assessment, review, approval, 公示 and award."""

    class Status(models.TextChoices):
        PENDING = "pending", "待自评"
        RETURNED = "returned", "退回修改"
        SELF_ASSESSED = "self_assessed", "已自评待审核"
        REVIEWED = "reviewed", "已审核待审定"
        APPROVED = "approved", "已审定待公示"
        NOTICED = "noticed", "公示中"
        AWARDED = "awarded", "已授星"
        BLOCKED = "blocked", "未授星（异议成立）"

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="ratings")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    # Fixed when the cycle opens, so overview and queues need no tree walk.
    area = models.ForeignKey(
        "orgs.Organization",
        verbose_name="所属部门",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        "orgs.Organization",
        verbose_name="审核组织（上级党组织）",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    previous_stars = models.PositiveSmallIntegerField("上年星级", null=True, blank=True)
    self_stars = models.PositiveSmallIntegerField("自评星级", null=True, blank=True)
    scored_stars = models.PositiveSmallIntegerField("审核得星", null=True, blank=True)
    proposed_stars = models.PositiveSmallIntegerField("拟评星级", null=True, blank=True)
    awarded_stars = models.PositiveSmallIntegerField("授予星级", null=True, blank=True)
    title_granted = models.BooleanField("授予五星示范称号", default=False)
    summary = models.TextField("自评说明", blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    self_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    self_assessed_at = models.DateTimeField("自评提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    notice_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    awarded_at = models.DateTimeField("授星时间", null=True, blank=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "党组织评星"
        ordering = ["cycle", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organization"], name="rating_one_per_cycle")
        ]

    def __str__(self):
        return f"{self.organization} {self.cycle.year}年度评星"

    @property
    def stars_shown(self) -> int | None:
        """The figure a reader sees at this step: awarded, else proposed, else self-assessed."""
        for value in (self.awarded_stars, self.proposed_stars, self.self_stars):
            if value is not None:
                return value
        return None


class IndicatorScore(models.Model):
    """An organization's result on one indicator: self and review points, computed value, evidence."""

    rating = models.ForeignKey(OrgRating, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    self_points = models.DecimalField(
        "自评得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    review_points = models.DecimalField(
        "审核得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    self_veto = models.BooleanField("自报存在否决情形", default=False)
    review_veto = models.BooleanField("审核认定否决", null=True, blank=True)
    auto_value = models.FloatField("平台计算值", null=True, blank=True)
    auto_computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    evidence = models.TextField("佐证说明", blank=True)
    # Ids of organizational-life activities cited as evidence (read through orglife only).
    activity_ids = models.JSONField("关联活动", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标得分"
        ordering = ["indicator__star__order", "indicator__order", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "indicator"], name="score_one_per_indicator")
        ]

    def __str__(self):
        return f"{self.rating_id}:{self.indicator_id}"


def evidence_path(instance, filename):
    return f"evaluation/{instance.rating_id}/{secrets.token_hex(8)}-{filename}"


class EvidenceFile(StoredFile):
    """An uploaded document supporting a self-assessment (type and size checked by the service)."""

    rating = models.ForeignKey(OrgRating, on_delete=models.PROTECT, related_name="files")
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField("文件", upload_to=evidence_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "评星佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class RatingEvent(models.Model):
    """One step of a rating as its timeline shows it (the audit log keeps the full record)."""

    class Action(models.TextChoices):
        OPENED = "opened", "启动评星"
        SAVED = "saved", "保存自评"
        SUBMITTED = "submitted", "提交自评"
        RETURNED = "returned", "退回修改"
        REVIEWED = "reviewed", "审核"
        APPROVED = "approved", "审定"
        NOTICED = "noticed", "公示"
        AWARDED = "awarded", "授星"
        BLOCKED = "blocked", "异议成立，不授星"

    rating = models.ForeignKey(OrgRating, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("环节", max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评星过程记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_action_display()
