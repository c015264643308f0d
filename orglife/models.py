"""Organizational life: activities, attendance, the rules they are checked against, and a tally."""

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import roles
from core.models import StoredFile
from core.scoping import scope_for


class ActivityKind(models.TextChoices):
    BRANCH_GENERAL_MEETING = "branch_general_meeting", "支部党员大会"
    BRANCH_COMMITTEE_MEETING = "branch_committee_meeting", "支部委员会会议"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LESSON = "party_lesson", "党课"
    THEME_DAY = "theme_day", "主题党日"
    ORG_LIFE_MEETING = "org_life_meeting", "组织生活会"
    MEMBER_REVIEW = "member_review", "民主评议党员"
    HEART_TO_HEART_TALK = "heart_to_heart_talk", "谈心谈话"
    CENTRAL_GROUP_STUDY = "central_group_study", "党组理论学习中心组学习"
    PARTY_BUILDING_DELIBERATION = "party_building_deliberation", "党组（党委）研究机关党建工作"
    WORK_REPORT_HEARING = "work_report_hearing", "听取机关工委工作汇报"
    ORGAN_MEMBER_ASSEMBLY = "organ_member_assembly", "机关党员干部大会"
    ELECTION = "election", "换届选举"


class HearingBody(models.TextChoices):
    """Who hears the 机关工委 report (R-RESP-1 vs R-RESP-2)."""

    STANDING_COMMITTEE = "standing_committee", "常委会"
    LEADER_IN_CHARGE = "leader_in_charge", "分管领导"


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        query = scope.q("organization__path", roles.READ)
        if scope.member_id:
            # A member sees the activities of their own branch (and those they attended).
            query |= Q(organization_id=scope.member_branch_id) | Q(
                attendances__member_id=scope.member_id
            )
        return self.filter(query).distinct() if scope.member_id else self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))

    def completed(self):
        return self.filter(status=Activity.Status.COMPLETED)

    def counting(self):
        """Activities that count toward the rules: held, and valid (e.g. quorum reached)."""
        return self.filter(status=Activity.Status.COMPLETED, counts=True)


class Activity(models.Model):
    """One organizational-life activity of an organization: planned ahead, then recorded as held."""

    class Status(models.TextChoices):
        PLANNED = "planned", "计划中"
        COMPLETED = "completed", "已开展"
        CANCELLED = "cancelled", "已取消"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField("活动类型", max_length=40, choices=ActivityKind.choices)
    hearing_body = models.CharField(
        "听取汇报主体", max_length=32, choices=HearingBody.choices, blank=True
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    held_on = models.DateField("活动日期", editable=False, db_index=True)  # local date of starts_at
    place = models.CharField("地点", max_length=200, blank=True)
    topic = models.CharField("主题", max_length=200)
    agenda = models.TextField("议程", blank=True)
    host = models.ForeignKey(
        "members.Member",
        verbose_name="主持人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    speaker = models.ForeignKey(
        "members.Member",
        verbose_name="党课主讲人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons_given",
    )
    speaker_name = models.CharField("主讲人（非本组织党员）", max_length=50, blank=True)
    speaker_is_secretary = models.BooleanField("书记讲党课", default=False, editable=False)
    minutes = models.TextField("会议记录", blank=True)
    resolutions = models.TextField("决议事项", blank=True)
    # Quorum (R-LIFE-2): whether the activity counts toward the rules, and why not.
    counts = models.BooleanField("计入达标", default=True, editable=False)
    invalid_reason = models.CharField("不计入原因", max_length=255, blank=True, editable=False)
    cancel_reason = models.CharField("取消原因", max_length=255, blank=True, editable=False)
    signin_token = models.CharField("签到码", max_length=43, unique=True, editable=False)
    signin_opens_at = models.DateTimeField("签到开始", null=True, blank=True)
    signin_closes_at = models.DateTimeField("签到截止", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "组织生活"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "held_on"], name="activity_org_day"),
            models.Index(fields=["kind", "held_on"], name="activity_kind_day"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()} {self.topic}"

    @staticmethod
    def new_signin_token() -> str:
        return secrets.token_urlsafe(32)


class Attendance(models.Model):
    """Who came to an activity, who asked for leave (and why), who was absent; members or invited guests."""

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    class Role(models.TextChoices):
        MEMBER = "member", "本组织党员"
        DUAL_ORG_LIFE = "dual_org_life", "领导干部双重组织生活"
        OBSERVER = "observer", "上级列席指导"
        GUEST = "guest", "其他列席人员"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    guest_name = models.CharField("列席人员姓名", max_length=50, blank=True)
    role = models.CharField("身份", max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        "出席情况", max_length=16, choices=Status.choices, default=Status.ABSENT
    )
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    signed_in_at = models.DateTimeField("扫码签到时间", null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="手工更正人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "出席情况"
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(member__isnull=False),
                name="attendance_once_per_member",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_status")]

    def __str__(self):
        return f"{self.member or self.guest_name} {self.get_status_display()}"


def attachment_path(instance, filename):
    return f"activities/{instance.activity_id}/{secrets.token_hex(8)}-{filename}"


class Attachment(StoredFile):
    """A photo, PDF or Word file of an activity (type and size checked by the service)."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn = models.BooleanField("已撤回", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "活动附件"

    def __str__(self):
        return self.name


class LifeRule(models.Model):
    """A requirement of organizational life as data: what, how often, for whom, from when, and why.

    Rules are never edited once in force: retiring one sets effective_to; a new version is a new row.
    """

    class Measure(models.TextChoices):
        ACTIVITY_COUNT = "activity_count", "活动次数"
        STAFFING_RATIO = "staffing_ratio", "专职党务干部比例"
        TERM_EXPIRY = "term_expiry", "按期换届"

    class Period(models.TextChoices):
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"
        YEAR = "year", "每年"

    class Condition(models.TextChoices):
        NONE = "", "无"
        HAS_COMMITTEE = "has_committee", "设支部委员会的组织"
        SPEAKER_IS_SECRETARY = "speaker_is_secretary", "书记本人讲授"

    class Layer(models.TextChoices):
        NATIONAL = "national", "全国"
        LOCAL = "local", "本市"

    code = models.CharField("规则编号", max_length=32, db_index=True)
    name = models.CharField("规则名称", max_length=200)
    layer = models.CharField("层级", max_length=16, choices=Layer.choices, default=Layer.NATIONAL)
    measure = models.CharField(
        "考核方式", max_length=32, choices=Measure.choices, default=Measure.ACTIVITY_COUNT
    )
    org_kinds = models.JSONField("适用组织类型", default=list)
    activity_kind = models.CharField(
        "活动类型", max_length=40, choices=ActivityKind.choices, blank=True
    )
    hearing_body = models.CharField(
        "听取汇报主体", max_length=32, choices=HearingBody.choices, blank=True
    )
    condition = models.CharField("适用条件", max_length=32, choices=Condition.choices, blank=True)
    period = models.CharField("周期", max_length=16, choices=Period.choices, default=Period.YEAR)
    min_count = models.PositiveSmallIntegerField("最少次数", default=1)
    quorum_ratio = models.DecimalField(
        "有效人数比例（须超过）",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="如支委会须超过半数委员到会：0.5",
    )
    min_ratio = models.DecimalField(
        "最低比例", max_digits=5, decimal_places=4, null=True, blank=True
    )
    remind_months = models.PositiveSmallIntegerField("提前提醒月数", null=True, blank=True)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    source = models.TextField("依据")
    unverified = models.BooleanField("待核实（可调整的默认值）", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "组织生活规则"
        ordering = ["code", "-effective_from"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class ActivityTally(models.Model):
    """Counting activities per organization, month and kind; kept exact in the same transaction as the records.

    Overview pages high in the tree sum this instead of scanning every activity.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField("月份")  # first day of the month
    kind = models.CharField(max_length=40, choices=ActivityKind.choices)
    hearing_body = models.CharField(max_length=32, blank=True)
    count = models.PositiveIntegerField(default=0)
    secretary_lessons = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "组织生活月度汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month", "kind", "hearing_body"], name="tally_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "kind"], name="tally_month_kind")]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m} {self.kind} {self.count}"
