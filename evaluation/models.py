"""Evaluation schemes of 五星示范: stars (dimensions) with indicators, versioned per year and sector.

Schemes are city-wide configuration kept by 机关工委 administrators; a published scheme is never edited,
next year's (or a corrected) version is a copy.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models


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
