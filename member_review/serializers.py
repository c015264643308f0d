"""API shapes of 民主评议党员. Input serializers only validate: services write."""

from rest_framework import serializers

from core.api import enum_field, writable
from member_review.models import (
    BallotReceipt,
    FollowUpNote,
    Grade,
    MemberReview,
    RecordChange,
    Rectification,
    ReviewEntry,
)
from member_review.selectors import record_change_of
from orgs.models import Organization

GradeField = enum_field(Grade, "MemberReviewGradeEnum")
ProbationField = enum_field(ReviewEntry.ProbationDecision, "MemberReviewProbationEnum")
OutcomeField = enum_field(Rectification.Outcome, "MemberReviewOutcomeEnum")
StatusField = enum_field(MemberReview.Status, "MemberReviewStatusEnum")
ChangeKindField = enum_field(RecordChange.Kind, "MemberReviewRecordChangeEnum")


class RecordChangeSerializer(serializers.ModelSerializer):
    """What the decision changed in the member's record (党员档案已更新)."""

    kind = ChangeKindField(read_only=True)
    summary = serializers.CharField(read_only=True)

    class Meta:
        model = RecordChange
        fields = [
            "kind",
            "summary",
            "effective_on",
            "status_after",
            "probation_ends_on",
            "reason",
            "applied_at",
        ]
        read_only_fields = fields


class RecordChangeMixin(serializers.Serializer):
    record_change = serializers.SerializerMethodField(help_text="党员档案更新（无则为空）")

    def get_record_change(self, obj) -> dict | None:
        entry = obj if isinstance(obj, ReviewEntry) else obj.entry
        change = record_change_of(entry)
        return RecordChangeSerializer(change).data if change else None


class ReviewSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    status = StatusField(read_only=True)
    members = serializers.IntegerField(source="n_members", read_only=True, default=None)
    self_assessed = serializers.IntegerField(source="n_self", read_only=True, default=None)
    ballots = serializers.IntegerField(source="n_ballots", read_only=True, default=None)
    grade_counts = serializers.SerializerMethodField(help_text="支部大会审议各等次人数")

    class Meta:
        model = MemberReview
        fields = [
            "id",
            "branch",
            "branch_name",
            "year",
            "status",
            "opened_on",
            "self_assessment_due",
            "meeting_on",
            "meeting_note",
            "closed_on",
            "members",
            "self_assessed",
            "ballots",
            "grade_counts",
        ]
        read_only_fields = fields

    def get_grade_counts(self, obj) -> dict[str, int]:
        if hasattr(obj, "n_excellent"):
            return {g: getattr(obj, f"n_{g}") for g in Grade.values}
        counts = dict.fromkeys(Grade.values, 0)
        for grade in obj.entries.exclude(final_grade="").values_list("final_grade", flat=True):
            counts[grade] += 1
        return counts


class ReviewOpenSerializer(serializers.Serializer):
    branch = writable(Organization, label="党支部")
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
    self_assessment_due = serializers.DateField(label="自评截止日期")


class RectificationBriefSerializer(serializers.ModelSerializer):
    outcome = OutcomeField(read_only=True)

    class Meta:
        model = Rectification
        fields = ["id", "started_on", "deadline", "outcome", "outcome_on", "outcome_note"]
        read_only_fields = fields


class EntrySerializer(RecordChangeMixin, serializers.ModelSerializer):
    """An entry as the branch committee sees it: mutual grades only as anonymous counts."""

    member_name = serializers.CharField(source="member.name", read_only=True)
    self_grade = GradeField(read_only=True)
    proposed_grade = GradeField(read_only=True)
    final_grade = GradeField(read_only=True)
    probation_decision = ProbationField(read_only=True)
    mutual_counts = serializers.SerializerMethodField(help_text="互评各等次票数（匿名汇总）")
    rectification = serializers.SerializerMethodField()

    class Meta:
        model = ReviewEntry
        fields = [
            "id",
            "review",
            "member",
            "member_name",
            "is_probationary",
            "self_assessment",
            "self_grade",
            "self_assessed_at",
            "mutual_counts",
            "proposed_grade",
            "proposal_note",
            "final_grade",
            "decision_note",
            "probation_decision",
            "probation_extension_months",
            "rectification",
            "record_change",
        ]
        read_only_fields = fields

    def get_mutual_counts(self, obj) -> dict[str, int] | None:
        # Hidden while ballots come in: watching tallies move between receipts would unmask voters.
        return obj.mutual_counts() if obj.review.mutual_closed else None

    def get_rectification(self, obj) -> dict | None:
        rectification = getattr(obj, "rectification", None)
        return RectificationBriefSerializer(rectification).data if rectification else None


class GradeInputSerializer(serializers.Serializer):
    entry = serializers.IntegerField(label="评议结果编号")
    grade = GradeField(label="等次", required=False, allow_blank=True)
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=255)
    probation_decision = ProbationField(
        label="预备党员处置（预备党员评为不合格时必填）", required=False, allow_blank=True
    )
    probation_months = serializers.IntegerField(
        label="延长预备期月数（延长预备期时必填，R-REC-4：6至12个月）", required=False
    )


class ProposalsSerializer(serializers.Serializer):
    proposals = GradeInputSerializer(many=True, label="支委会意见")


class DecideSerializer(serializers.Serializer):
    meeting_on = serializers.DateField(label="支部大会日期")
    meeting_note = serializers.CharField(label="审议情况", required=False, allow_blank=True)
    decisions = GradeInputSerializer(
        many=True, label="审议等次（未列出的党员取支委会意见）", required=False
    )


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpNote
        fields = ["id", "noted_on", "text", "created_at"]
        read_only_fields = ["id", "created_at"]


class RectificationSerializer(RecordChangeMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="entry.member.name", read_only=True)
    branch_name = serializers.CharField(source="entry.review.branch.name", read_only=True)
    year = serializers.IntegerField(source="entry.review.year", read_only=True)
    outcome = OutcomeField(read_only=True)
    notes = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "entry",
            "member_name",
            "branch_name",
            "year",
            "started_on",
            "deadline",
            "outcome",
            "outcome_on",
            "outcome_note",
            "notes",
            "record_change",
        ]
        read_only_fields = fields


class ApplySerializer(serializers.Serializer):
    extension_months = serializers.IntegerField(
        label="延长预备期月数（仅用于尚未登记期限的延长预备期）", required=False
    )


class ConcludeSerializer(serializers.Serializer):
    outcome = OutcomeField(label="处理结果")
    outcome_on = serializers.DateField(label="处理日期")
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=255)


# --- the member's own -------------------------------------------------------------------------


class OwnEntrySerializer(RecordChangeMixin, serializers.ModelSerializer):
    """The member's own entry: the result only once the 支部大会 has decided; no tallies, no proposal."""

    year = serializers.IntegerField(source="review.year", read_only=True)
    review_status = StatusField(source="review.status", read_only=True)
    self_grade = GradeField(read_only=True)
    branch_name = serializers.CharField(source="review.branch.name", read_only=True)
    self_assessment_due = serializers.DateField(source="review.self_assessment_due", read_only=True)
    final_grade = serializers.SerializerMethodField(help_text="支部大会审议等次（审议前为空）")
    probation_decision = serializers.SerializerMethodField()
    rectification = serializers.SerializerMethodField()
    has_voted = serializers.SerializerMethodField(help_text="是否已提交互评")

    class Meta:
        model = ReviewEntry
        fields = [
            "review",
            "year",
            "branch_name",
            "review_status",
            "self_assessment_due",
            "self_assessment",
            "self_grade",
            "self_assessed_at",
            "has_voted",
            "final_grade",
            "probation_decision",
            "rectification",
            "record_change",
        ]
        read_only_fields = fields

    def get_final_grade(self, obj) -> str:
        return obj.final_grade if obj.review.is_decided else ""

    def get_probation_decision(self, obj) -> str:
        return obj.probation_decision if obj.review.is_decided else ""

    def get_rectification(self, obj) -> dict | None:
        rectification = getattr(obj, "rectification", None)
        return RectificationBriefSerializer(rectification).data if rectification else None

    def get_has_voted(self, obj) -> bool:
        return obj.review_id in self.context.get("voted", ())


class SelfAssessmentSerializer(serializers.Serializer):
    self_assessment = serializers.CharField(label="个人自评", max_length=5000)
    self_grade = GradeField(label="自评等次", required=False, allow_blank=True)


class PeerSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = ReviewEntry
        fields = ["id", "member_name"]
        read_only_fields = fields


class BallotStateSerializer(serializers.Serializer):
    review = serializers.IntegerField()
    open = serializers.BooleanField(help_text="是否处于互评阶段")
    voted = serializers.BooleanField(help_text="本人是否已提交（提交内容匿名，不可查看）")
    submitted_at = serializers.DateTimeField(allow_null=True)
    peers = PeerSerializer(many=True, help_text="需评价的其他参评党员")


class BallotItemSerializer(serializers.Serializer):
    entry = serializers.IntegerField(label="被评价党员的评议结果编号")
    grade = GradeField(label="等次")


class BallotSerializer(serializers.Serializer):
    grades = BallotItemSerializer(many=True, label="互评等次")


class ReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = BallotReceipt
        fields = ["review", "submitted_at", "peers_graded"]
        read_only_fields = fields
