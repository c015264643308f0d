"""Inspections, findings and their rectification, accountability and 通报曝光.

A finding is scoped by the path of its responsible organization: whoever reads that subtree sees it,
whoever writes there rectifies it, and only someone writing *above* it (or the inspector who found it)
verifies and signs it off. Findings are never deleted: every change is a FindingEvent and an audit entry.
"""

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import roles
from core.models import StoredFile
from core.scoping import scope_for
from orgs.models import PATH_SEGMENT_WIDTH

SEGMENT = PATH_SEGMENT_WIDTH + 1


def ancestor_paths(paths) -> set[str]:
    """Every path prefix (organization) above or at the given paths."""
    return {p[:end] for p in paths if p for end in range(SEGMENT, len(p) + 1, SEGMENT)}


def month_of(moment) -> date:
    """The first day of the local month of a datetime (Finding.found_month)."""
    return timezone.localtime(moment).date().replace(day=1)


class FindingCategory(models.Model):
    """A kind of problem (四风, the 十种表现, 为官不为 …): data that 工委 administrators maintain."""

    class Group(models.TextChoices):
        FOUR_WINDS = "four_winds", "四风"
        FORMALISM = "formalism", "形式主义、官僚主义十种表现"
        CONDUCT = "conduct", "干部作风"
        ORG_LIFE = "org_life", "组织生活"
        OTHER = "other", "其他"

    code = models.SlugField("代码", max_length=48, unique=True)
    name = models.CharField("名称", max_length=60)
    group = models.CharField("大类", max_length=16, choices=Group.choices, default=Group.OTHER)
    description = models.CharField("说明", max_length=255, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The organizer's subtree readers and the team; the inspected do not see the plan (暗访)."""
        query = scope_for(user).q("organizer__path", roles.READ)
        if user.is_authenticated:
            query |= Q(team=user)
        return self.filter(pk__in=self.filter(query).values("pk"))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organizer__path", roles.WRITE))


class Inspection(models.Model):
    """A planned check of some organizations on some topics by a team (督促检查、明察暗访、巡察、专项检查)."""

    class Kind(models.TextChoices):
        ROUTINE_CHECK = "routine_check", "督促检查"
        UNANNOUNCED_VISIT = "unannounced_visit", "明察暗访"
        CIRCUIT_INSPECTION = "circuit_inspection", "巡察"
        SPECIAL_CHECK = "special_check", "专项检查"

    kind = models.CharField("检查类型", max_length=24, choices=Kind.choices)
    title = models.CharField("名称", max_length=120)
    organizer = models.ForeignKey(
        "orgs.Organization",
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="organized_inspections",
    )
    organizations = models.ManyToManyField(
        "orgs.Organization", verbose_name="检查对象", related_name="inspections"
    )
    topics = models.TextField("检查内容", blank=True)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="检查组成员", related_name="inspections"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="组长",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查检查"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="inspection_dates_ordered"
            )
        ]

    def __str__(self):
        return self.title

    def covers(self, organization) -> bool:
        return any(organization.path.startswith(o.path) for o in self.organizations.all())


class FindingState(models.TextChoices):
    OPEN = "open", "待整改"
    PLAN_SUBMITTED = "plan_submitted", "已报整改方案"
    IN_PROGRESS = "in_progress", "整改中"
    SUBMITTED = "submitted_for_verification", "待验收"
    RETURNED = "returned", "退回重改"
    SIGNED_OFF = "signed_off", "已销号"
    CLOSED = "closed_with_reason", "已关闭"
    REOPENED = "reopened", "重新打开"


# States in which the responsible organization still owes work (and a deadline can pass).
RECTIFYING = (
    FindingState.OPEN,
    FindingState.PLAN_SUBMITTED,
    FindingState.IN_PROGRESS,
    FindingState.RETURNED,
    FindingState.REOPENED,
)
UNFINISHED = RECTIFYING + (FindingState.SUBMITTED,)
FINISHED = (FindingState.SIGNED_OFF, FindingState.CLOSED)


class FindingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.READ))

    def writable_by(self, user):
        """Findings the user's organizations must rectify (or, from above, oversee)."""
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))

    def unfinished(self):
        return self.filter(state__in=UNFINISHED)

    def overdue(self, today):
        return self.filter(state__in=RECTIFYING, deadline__lt=today)


class Finding(models.Model):
    """A problem found at an organization, to be rectified by a deadline and signed off (销号)."""

    class Severity(models.TextChoices):
        MINOR = "minor", "一般"
        MAJOR = "major", "较重"
        SERIOUS = "serious", "严重"

    inspection = models.ForeignKey(
        Inspection,
        verbose_name="所属检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="责任组织",
        on_delete=models.PROTECT,
        related_name="findings",
    )
    category = models.ForeignKey(
        FindingCategory, verbose_name="问题类别", on_delete=models.PROTECT, related_name="findings"
    )
    severity = models.CharField(
        "严重程度", max_length=8, choices=Severity.choices, default=Severity.MINOR
    )
    description = models.TextField("问题描述")
    place = models.CharField("地点", max_length=120, blank=True)
    found_at = models.DateTimeField("发现时间", default=timezone.now)
    # First day of found_at's local month, stored so monthly counts group by a plain column
    # (truncating a datetime in the local zone runs Python per row on SQLite). Kept by save().
    found_month = models.DateField("发现月份", editable=False)
    deadline = models.DateField("整改期限")
    state = models.CharField(
        "状态", max_length=32, choices=FindingState.choices, default=FindingState.OPEN
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="检查人",
        null=True,
        on_delete=models.PROTECT,
        related_name="recorded_findings",
    )
    plan = models.TextField("整改方案", blank=True)
    escalation_level = models.PositiveSmallIntegerField("升级层级", default=0)
    escalated_to = models.ForeignKey(
        "orgs.Organization",
        verbose_name="升级督办组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_findings",
    )
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号/关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭原因", max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新打开次数", default=0)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查问题"
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="finding_state_deadline"),
            models.Index(fields=["found_at"], name="finding_found_at"),
            models.Index(fields=["found_month"], name="finding_found_month"),
        ]

    def __str__(self):
        return f"问题{self.pk}：{self.description[:30]}"

    def save(self, *args, **kwargs):
        self.found_month = month_of(self.found_at)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "found_at" in update_fields:
            kwargs["update_fields"] = {*update_fields, "found_month"}
        super().save(*args, **kwargs)

    @property
    def escalated(self) -> bool:
        return self.escalation_level > 0

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    def is_overdue(self, today=None) -> bool:
        return self.state in RECTIFYING and self.deadline < (today or timezone.localdate())


class FindingEvent(models.Model):
    """One step in a finding's life: who did what, when, from which state to which, and why."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", "登记问题"
        PLAN = "plan", "报送整改方案"
        PROGRESS = "progress", "报告整改进展"
        SUBMITTED = "submitted", "提请验收"
        SIGNED_OFF = "signed_off", "验收销号"
        RETURNED = "returned", "退回重改"
        REOPENED = "reopened", "重新打开"
        CLOSED = "closed", "关闭"
        ESCALATED = "escalated", "逾期升级"
        EXEMPTION = "exemption", "容错免责"
        EXTENSION_REQUESTED = "extension_requested", "申请延期"
        EXTENSION_APPROVED = "extension_approved", "批准延期"
        EXTENSION_REJECTED = "extension_rejected", "不予延期"

    finding = models.ForeignKey(
        Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事项", max_length=24, choices=Kind.choices)
    from_state = models.CharField("原状态", max_length=32, choices=FindingState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=32, choices=FindingState.choices)
    text = models.TextField("说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    happened_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "问题处理记录"
        ordering = ["happened_at", "id"]

    def __str__(self):
        return f"{self.finding_id} {self.get_kind_display()}"


class Request(models.Model):
    """A request about a finding that someone else decides: who asked and when, who decided, with what note."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        abstract = True


class ExtensionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("finding__organization__path", roles.READ))

    def pending(self):
        return self.filter(status=DeadlineExtension.Status.REQUESTED)


class DeadlineExtension(Request):
    """延期申请: the responsible organization asks for a later deadline; whoever signs off decides."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "不予延期"

    finding = models.ForeignKey(
        Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="extensions"
    )
    previous_deadline = models.DateField("原整改期限")
    requested_deadline = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REQUESTED
    )

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=models.F("previous_deadline")),
                name="extension_moves_deadline_later",
            ),
            # One open request per finding, even when two clicks race.
            models.UniqueConstraint(
                fields=["finding"],
                condition=Q(status="requested"),
                name="one_pending_extension_per_finding",
            ),
        ]

    def __str__(self):
        return f"延期申请：问题{self.finding_id}延至{self.requested_deadline}"


def evidence_path(instance, filename):
    return f"supervision/{instance.finding_id}/{secrets.token_hex(8)}-{filename}"


class Evidence(StoredFile):
    """A photo or document of a finding: on-site evidence, the plan's, progress or rectification proof."""

    finding = models.ForeignKey(
        Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="evidence"
    )
    event = models.ForeignKey(
        FindingEvent,
        verbose_name="所属处理记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=evidence_path)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "问题佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class AccountabilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class AccountabilityCase(models.Model):
    """问责: a decision holding an organization or person accountable, usually for findings."""

    class Kind(models.TextChoices):
        CRITICISM = "criticism_education", "批评教育"
        ADMONISHMENT = "admonishment", "诫勉"
        ORGANIZATIONAL = "organizational_handling", "组织处理"
        DISCIPLINE_REFERRAL = "discipline_referral", "移送纪检监察机关"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="被问责组织",
        on_delete=models.PROTECT,
        related_name="accountability_cases",
    )
    findings = models.ManyToManyField(
        Finding, verbose_name="关联问题", blank=True, related_name="accountability_cases"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="被问责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_cases",
    )
    person_name = models.CharField("被问责人姓名", max_length=60, blank=True)
    kind = models.CharField("问责方式", max_length=32, choices=Kind.choices)
    decision = models.TextField("问责决定")
    decided_on = models.DateField("决定日期")
    authority = models.CharField("决定机关", max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问责案例"
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        who = self.person_name or self.organization.name
        return f"{who}：{self.get_kind_display()}"


class ExemptionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("finding__organization__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("finding__organization__path", roles.WRITE))


class FaultToleranceExemption(Request):
    """容错免责: a request to exempt a finding's organization or person from accountability, and its approval."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已批准免责"
        REJECTED = "rejected", "不予免责"

    finding = models.ForeignKey(
        Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="exemptions"
    )
    person_name = models.CharField("申请免责人", max_length=60, blank=True)
    grounds = models.TextField("容错情形与理由")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REQUESTED
    )

    objects = ExemptionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "容错免责"
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"容错免责：问题{self.finding_id}"


class ExposureNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The issuer's subtree readers, and — once published — everyone inside the chosen audience."""
        scope = scope_for(user)
        query = scope.q("issuer__path", roles.READ)
        mine = list(scope.prefixes(roles.READ))
        if scope.member_branch_path:
            mine.append(scope.member_branch_path)
        if mine:
            query |= Q(
                published_at__isnull=False,
                pk__in=ExposureNotice.audience.through.objects.filter(
                    organization__path__in=ancestor_paths(mine)
                ).values("exposurenotice_id"),
            )
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("issuer__path", roles.WRITE))


class ExposureNotice(models.Model):
    """通报曝光: a notice of typical cases published to a chosen audience (not 公示 of proposed results)."""

    title = models.CharField("标题", max_length=120)
    body = models.TextField("通报正文")
    issuer = models.ForeignKey(
        "orgs.Organization",
        verbose_name="发布组织",
        on_delete=models.PROTECT,
        related_name="exposure_notices",
    )
    cases = models.ManyToManyField(
        AccountabilityCase, verbose_name="典型案例", blank=True, related_name="notices"
    )
    findings = models.ManyToManyField(
        Finding, verbose_name="典型问题", blank=True, related_name="notices"
    )
    audience = models.ManyToManyField(
        "orgs.Organization", verbose_name="通报范围", related_name="received_notices"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)

    objects = ExposureNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "通报曝光"
        ordering = ["-published_at", "-created_at"]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
