"""民主评议党员: a branch's annual review, each member's entry, anonymous mutual tallies, 不合格 follow-up."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core import roles
from core.scoping import scope_for


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASICALLY_QUALIFIED = "basically_qualified", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("branch__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("branch__path", roles.WRITE))


class MemberReview(models.Model):
    """One branch's 民主评议党员 of one year (R-LIFE-6: generally once a year)."""

    class Status(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", "个人自评"
        MUTUAL_ASSESSMENT = "mutual_assessment", "党员互评"
        COMMITTEE_PROPOSAL = "committee_proposal", "支委会提出意见"
        GENERAL_MEETING_DECIDED = "general_meeting_decided", "支部大会已审议"
        CLOSED = "closed", "已结束"

    branch = models.ForeignKey(
        "orgs.Organization",
        verbose_name="党支部",
        on_delete=models.PROTECT,
        related_name="member_reviews",
    )
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "阶段", max_length=32, choices=Status.choices, default=Status.SELF_ASSESSMENT
    )
    opened_on = models.DateField("启动日期")
    self_assessment_due = models.DateField("自评截止日期")
    meeting_on = models.DateField("支部大会日期", null=True, blank=True)
    meeting_note = models.TextField("支部大会审议情况", blank=True)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="启动人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民主评议党员"
        ordering = ["-year", "branch__path"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="member_review_once_a_year")
        ]

    def __str__(self):
        return f"{self.branch.name}{self.year}年度民主评议党员"

    @property
    def mutual_closed(self) -> bool:
        """Tallies are shown only once no more ballots can come in."""
        return self.status not in (self.Status.SELF_ASSESSMENT, self.Status.MUTUAL_ASSESSMENT)

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.GENERAL_MEETING_DECIDED, self.Status.CLOSED)


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Party readers of the branch; a member reads their own result through selectors.own_entries."""
        return self.filter(scope_for(user).q("review__branch__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("review__branch__path", roles.WRITE))


class ReviewEntry(models.Model):
    """One member in one review: self-assessment, anonymous mutual tally, proposal and decision."""

    class ProbationDecision(models.TextChoices):
        EXTEND = "extend_probation", "延长预备期"
        CANCEL = "cancel_probation", "取消预备党员资格"

    review = models.ForeignKey(
        MemberReview, verbose_name="评议", on_delete=models.CASCADE, related_name="entries"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员",
        on_delete=models.PROTECT,
        related_name="review_entries",
    )
    is_probationary = models.BooleanField("参评时为预备党员", default=False)
    self_assessment = models.TextField("个人自评", blank=True)
    self_grade = models.CharField("自评等次", max_length=24, choices=Grade.choices, blank=True)
    self_assessed_at = models.DateTimeField("自评提交时间", null=True, blank=True)
    self_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="自评录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Mutual assessment keeps only counts: no ballot row exists that could tie a grade to its rater.
    mutual_excellent = models.PositiveIntegerField("互评优秀票", default=0)
    mutual_qualified = models.PositiveIntegerField("互评合格票", default=0)
    mutual_basically_qualified = models.PositiveIntegerField("互评基本合格票", default=0)
    mutual_unqualified = models.PositiveIntegerField("互评不合格票", default=0)
    proposed_grade = models.CharField(
        "支委会意见等次", max_length=24, choices=Grade.choices, blank=True
    )
    proposal_note = models.CharField("支委会意见说明", max_length=255, blank=True)
    final_grade = models.CharField(
        "支部大会审议等次", max_length=24, choices=Grade.choices, blank=True
    )
    decision_note = models.CharField("审议说明", max_length=255, blank=True)
    probation_decision = models.CharField(
        "预备党员处置", max_length=24, choices=ProbationDecision.choices, blank=True
    )
    probation_extension_months = models.PositiveSmallIntegerField(
        "延长预备期（月）", null=True, blank=True
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "党员评议结果"
        ordering = ["review", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="member_review_entry_once")
        ]

    def __str__(self):
        return f"{self.review} · {self.member.name}"

    @property
    def mutual_votes(self) -> int:
        return (
            self.mutual_excellent
            + self.mutual_qualified
            + self.mutual_basically_qualified
            + self.mutual_unqualified
        )

    def mutual_counts(self) -> dict[str, int]:
        return {grade: getattr(self, f"mutual_{grade}") for grade in Grade.values}

    def record_change_kind(self) -> str | None:
        """The change this decision makes to the member's record; None for 已改正 and the rest."""
        Kind = RecordChange.Kind
        try:
            outcome = self.rectification.outcome
        except Rectification.DoesNotExist:
            outcome = None
        if outcome == Rectification.Outcome.REMOVED:
            return Kind.REMOVED
        if outcome == Rectification.Outcome.PERSUADED_TO_LEAVE:
            return Kind.PERSUADED_TO_LEAVE
        if self.review.is_decided and self.final_grade == Grade.UNQUALIFIED:
            if self.probation_decision == self.ProbationDecision.CANCEL:
                return Kind.PROBATION_CANCELLED
            if self.probation_decision == self.ProbationDecision.EXTEND:
                return Kind.PROBATION_EXTENDED
        return None


class BallotReceipt(models.Model):
    """Proof that a member cast a mutual-assessment ballot; it records who voted, never how."""

    review = models.ForeignKey(
        MemberReview, verbose_name="评议", on_delete=models.CASCADE, related_name="receipts"
    )
    rater = models.ForeignKey(
        "members.Member", verbose_name="投票党员", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    peers_graded = models.PositiveIntegerField("评价人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "互评回执"
        constraints = [
            models.UniqueConstraint(fields=["review", "rater"], name="member_review_one_ballot")
        ]

    def __str__(self):
        return f"{self.review} · {self.rater.name} 已互评"


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_for(user).q("entry__review__branch__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("entry__review__branch__path", roles.WRITE))


class Rectification(models.Model):
    """限期改正 of a full member rated 不合格 (R-MEM-3), followed up until its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "改正中"
        CORRECTED = "corrected", "已改正"
        PERSUADED_TO_LEAVE = "persuaded_to_leave", "劝其退党"
        REMOVED = "removed", "除名"

    entry = models.OneToOneField(
        ReviewEntry, verbose_name="评议结果", on_delete=models.CASCADE, related_name="rectification"
    )
    started_on = models.DateField("开始日期")
    deadline = models.DateField("改正期限")
    outcome = models.CharField(
        "处理结果", max_length=24, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_on = models.DateField("处理日期", null=True, blank=True)
    outcome_note = models.CharField("处理说明", max_length=255, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "不合格党员限期改正"
        ordering = ["deadline", "pk"]

    def __str__(self):
        return f"{self.entry.member.name}限期改正（至{self.deadline}）"


class FollowUpNote(models.Model):
    """A follow-up talk or check during a 限期改正."""

    rectification = models.ForeignKey(
        Rectification, verbose_name="限期改正", on_delete=models.CASCADE, related_name="notes"
    )
    noted_on = models.DateField("日期")
    text = models.TextField("帮教跟踪情况")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跟踪帮教记录"
        ordering = ["noted_on", "pk"]

    def __str__(self):
        return f"{self.rectification} · {self.noted_on}"


class RecordChange(models.Model):
    """What a review decision changed in the member's record; one per entry, so applying is once.

    延长预备期 keeps its new end date here: members has no probation-end field, and its pages
    stay as they are; the member's audit trail carries the extension.
    """

    class Kind(models.TextChoices):
        REMOVED = "removed", "除名"
        PERSUADED_TO_LEAVE = "persuaded_to_leave", "劝其退党（出党）"
        PROBATION_CANCELLED = "probation_cancelled", "取消预备党员资格"
        PROBATION_EXTENDED = "probation_extended", "延长预备期"

    entry = models.OneToOneField(
        ReviewEntry, verbose_name="评议结果", on_delete=models.CASCADE, related_name="record_change"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("档案变更", max_length=24, choices=Kind.choices)
    effective_on = models.DateField("生效日期")
    status_after = models.CharField("变更后党籍状态", max_length=24, blank=True)
    probation_ends_on = models.DateField("预备期延长至", null=True, blank=True)
    reason = models.CharField("变更原因", max_length=255)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "党员档案更新"
        ordering = ["effective_on", "pk"]

    def __str__(self):
        return f"{self.member.name} {self.summary}"

    @property
    def summary(self) -> str:
        """As the pages put it: 除名（2027-07-01） / 延长预备期至2028-01-15."""
        if self.kind == self.Kind.PROBATION_EXTENDED:
            return f"延长预备期至{self.probation_ends_on:%Y-%m-%d}"
        return f"{self.get_kind_display()}（{self.effective_on:%Y-%m-%d}）"
