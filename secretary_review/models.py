"""联述联评联考: annual rounds of 述职 reports, anonymous 民主测评 and the combined 考核 (R-RESP-4).

Anonymity is structural: a Ballot holds only report, rater group and grade (random UUID key, no user,
no time); who has voted is kept apart in Assignment.submitted_at, written in the same transaction.
"""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import roles
from core.models import StoredFile
from core.scoping import scope_for

# DOMAIN.md "Not known yet": the grades of 联述联评联考 are unknown; these are editable defaults.
DEFAULT_GRADES = [
    {"code": "good", "label": "好", "points": 100},
    {"code": "fairly_good", "label": "较好", "points": 85},
    {"code": "average", "label": "一般", "points": 70},
    {"code": "poor", "label": "差", "points": 50},
]
# Assessment grade bands on the combined score (default, editable per round).
DEFAULT_BANDS = [
    {"label": "优秀", "min": 90},
    {"label": "良好", "min": 80},
    {"label": "一般", "min": 60},
    {"label": "较差", "min": 0},
]
DEFAULT_TITLE = "{year}年度{organization}书记抓机关党建工作述职报告"
DEFAULT_BODY = (
    "述职人：{name}\n党组织：{organization}（{level}）\n年度：{year}\n\n{report}\n\n"
    "述职人：{name}\n{date}"
)


class Level(models.TextChoices):
    """The three levels of secretaries (三级书记)."""

    PARTY_GROUP = "party_group", "部门党组（党委）书记"
    PARTY_COMMITTEE = "party_committee", "机关党委书记"
    BRANCH = "branch", "支部书记"


class RaterGroup(models.TextChoices):
    SUPERIOR = "superior", "上级领导"
    PEER = "peer", "同级"
    MEMBER = "member", "党员"


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rounds of an area that covers, or lies under, one of the user's organizations."""
        scope = scope_for(user)
        query = scope.q("area__path", roles.READ)
        for prefix in scope.prefixes(roles.READ):
            query |= Q(area__path__in=_prefixes_of(prefix))
        if scope.member_id:
            # Subqueries, not joins: a join through every assignment of a city-wide round is slow.
            own = Report.objects.filter(secretary_id=scope.member_id).values("round_id")
            rated = Assignment.objects.filter(rater_id=scope.member_id).values("report__round_id")
            query |= Q(pk__in=own) | Q(pk__in=rated)
        return self.filter(query)


def _prefixes_of(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[:i]) + "." for i in range(1, len(parts) + 1)]


class Round(models.Model):
    """One annual 联述联评联考 cycle of an area: the whole 机关工委 or one department."""

    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        REPORTING = "reporting", "述职中"
        RATING = "rating", "测评中"
        CLOSED = "closed", "已结束"

    name = models.CharField("名称", max_length=120)
    year = models.PositiveSmallIntegerField("年度")
    area = models.ForeignKey(
        "orgs.Organization", verbose_name="考核范围", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    report_due = models.DateField("述职截止日期", null=True, blank=True)
    rating_due = models.DateField("测评截止日期", null=True, blank=True)
    template_title = models.CharField("述职报告标题模板", max_length=200, default=DEFAULT_TITLE)
    template_body = models.TextField("述职报告正文模板", default=DEFAULT_BODY)
    grades = models.JSONField("测评等次", default=list)
    grades_are_default = models.BooleanField("等次为默认设置", default=True)
    weight_superior = models.DecimalField(
        "上级领导权重%", max_digits=5, decimal_places=2, default=Decimal("40")
    )
    weight_member = models.DecimalField(
        "党员权重%", max_digits=5, decimal_places=2, default=Decimal("30")
    )
    weight_peer = models.DecimalField(
        "同级权重%", max_digits=5, decimal_places=2, default=Decimal("30")
    )
    weight_rating = models.DecimalField(
        "民主测评权重%", max_digits=5, decimal_places=2, default=Decimal("60")
    )
    weight_responsibility = models.DecimalField(
        "责任清单完成率权重%", max_digits=5, decimal_places=2, default=Decimal("20")
    )
    weight_orglife = models.DecimalField(
        "组织生活落实率权重%", max_digits=5, decimal_places=2, default=Decimal("10")
    )
    weight_stars = models.DecimalField(
        "星级评定权重%", max_digits=5, decimal_places=2, default=Decimal("10")
    )
    bands = models.JSONField("考核等次分数线", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "联述联评联考"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"], name="secretary_review_round_area_year"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def group_weights(self) -> dict[str, Decimal]:
        return {
            RaterGroup.SUPERIOR: self.weight_superior,
            RaterGroup.PEER: self.weight_peer,
            RaterGroup.MEMBER: self.weight_member,
        }

    def indicator_weights(self) -> dict[str, Decimal]:
        return {
            "rating": self.weight_rating,
            "responsibility": self.weight_responsibility,
            "orglife": self.weight_orglife,
            "stars": self.weight_stars,
        }

    def grade_labels(self) -> dict[str, str]:
        return {g["code"]: g["label"] for g in self.grades}


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports of organizations in the user's scope, the user's own, and those the user rates."""
        scope = scope_for(user)
        query = scope.q("organization__path", roles.READ)
        if scope.member_id:
            query |= Q(secretary_id=scope.member_id)
            query |= Q(
                pk__in=Assignment.objects.filter(rater_id=scope.member_id).values("report_id")
            )
        return self.filter(query)

    def results_visible_to(self, user):
        """Whose 考核 results a user sees (closed rounds only, see selectors): organizations in the
        user's scope and the user's own; raters read the report, not the result."""
        scope = scope_for(user)
        query = scope.q("organization__path", roles.READ)
        if scope.member_id:
            query |= Q(secretary_id=scope.member_id)
        return self.filter(query, round__status=Round.Status.CLOSED)

    def writable_by(self, user):
        """Only the secretary writes their own 述职."""
        member_id = scope_for(user).member_id
        return self.filter(secretary_id=member_id) if member_id else self.none()


class Report(models.Model):
    """A secretary's 述职 in a round; the 考核 figures are filled in when the round closes."""

    class Status(models.TextChoices):
        DRAFT = "draft", "未提交"
        SUBMITTED = "submitted", "已提交"

    round = models.ForeignKey(
        Round, verbose_name="考核轮次", on_delete=models.CASCADE, related_name="reports"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    secretary = models.ForeignKey(
        "members.Member", verbose_name="书记", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    text = models.TextField("述职内容", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # Results (aggregates only), written by services.round_aggregate when the round closes.
    ballot_count = models.PositiveIntegerField("有效票数", null=True, blank=True)
    distribution = models.JSONField("测评分布", default=dict, blank=True)
    rating_score = models.DecimalField(
        "民主测评得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    responsibility_score = models.DecimalField(
        "责任清单得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    orglife_score = models.DecimalField(
        "组织生活得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    stars_score = models.DecimalField(
        "星级得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    total_score = models.DecimalField(
        "考核得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField("考核等次", max_length=20, blank=True)
    rank = models.PositiveIntegerField("同层级排名", null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "述职报告"
        ordering = ["round", "level", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization"], name="secretary_review_report_round_org"
            )
        ]

    def __str__(self):
        return f"{self.round.year}年 {self.organization} 书记述职"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


def attachment_path(instance, filename):
    return f"secretary_review/{instance.report_id}/{secrets.token_hex(8)}-{filename}"


class ReportAttachment(StoredFile):
    """A file attached to a 述职 report (type and content checked on upload)."""

    report = models.ForeignKey(
        Report, verbose_name="述职报告", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path)

    class Meta:
        verbose_name = verbose_name_plural = "述职附件"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """Who rates which report in which rater group; submitted_at is the receipt against a second vote.

    It never says how the rater voted: grades live only in Ballot.
    """

    report = models.ForeignKey(
        Report, verbose_name="述职报告", on_delete=models.CASCADE, related_name="assignments"
    )
    rater = models.ForeignKey(
        "members.Member", verbose_name="测评人", on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField("测评人类别", max_length=12, choices=RaterGroup.choices)
    submitted_at = models.DateTimeField("已测评时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "测评任务"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rater"], name="secretary_review_assignment_report_rater"
            )
        ]
        indexes = [models.Index(fields=["rater", "submitted_at"], name="sr_assignment_rater")]

    def __str__(self):
        return f"{self.get_group_display()}测评：{self.report}"


class Ballot(models.Model):
    """One anonymous grade: report, rater group and grade. No rater, no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=12, choices=RaterGroup.choices)
    grade = models.CharField(max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "测评票"

    def __str__(self):
        return "测评票"
