from rest_framework import serializers

from core.api import enum_field
from evaluation.metrics import metric_label
from evaluation.models import (
    EvaluationCycle,
    EvaluationScheme,
    EvidenceFile,
    Indicator,
    IndicatorScore,
    OrgRating,
    RatingEvent,
    Star,
)
from evaluation.services import INDICATOR_FIELDS, STAR_FIELDS, Direction


class IndicatorSerializer(serializers.ModelSerializer):
    metric_label = serializers.SerializerMethodField(help_text="数据指标名称")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "order",
            "name",
            "description",
            "method",
            "points",
            "evidence",
            "metric",
            "metric_label",
            "threshold",
            "veto_scope",
        ]

    def get_metric_label(self, obj) -> str:
        return metric_label(obj.metric) if obj.metric else ""


class StarSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Star
        fields = ["id", "order", "name", "description", "pass_points", "indicators"]


class SchemeSerializer(serializers.ModelSerializer):
    stars = StarSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationScheme
        fields = [
            "id",
            "name",
            "sector",
            "year",
            "status",
            "promotion",
            "copied_from",
            "is_default",
            "published_at",
            "stars",
        ]
        read_only_fields = fields


class StarInputSerializer(serializers.ModelSerializer):
    """A draft's star as a client sends it; evaluation.services validates and saves."""

    class Meta:
        model = Star
        fields = list(STAR_FIELDS)


class IndicatorInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = list(INDICATOR_FIELDS)


class ReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(
        label="新顺序",
        child=serializers.IntegerField(),
        help_text="全部星（或本星全部指标）的编号，按新顺序",
    )


class MoveSerializer(serializers.Serializer):
    direction = enum_field(Direction, "EvaluationMoveDirectionEnum")(label="方向")


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)


# --- annual cycle ------------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    promotion = serializers.CharField(source="scheme.promotion", read_only=True)

    class Meta:
        model = EvaluationCycle
        fields = [
            "id",
            "year",
            "organization",
            "organization_name",
            "scheme",
            "scheme_name",
            "promotion",
            "self_assessment_due",
            "review_due",
            "approval_due",
            "notice_days",
            "status",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class CycleOpenSerializer(serializers.Serializer):
    scheme = serializers.PrimaryKeyRelatedField(
        label="评星方案", queryset=EvaluationScheme.objects.all()
    )
    self_assessment_due = serializers.DateField(label="自评截止日期")
    review_due = serializers.DateField(label="审核截止日期")
    approval_due = serializers.DateField(label="审定截止日期")
    notice_days = serializers.IntegerField(label="公示天数", min_value=1, max_value=30, default=5)


class RatingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True, default="")
    year = serializers.IntegerField(source="cycle.year", read_only=True)

    class Meta:
        model = OrgRating
        fields = [
            "id",
            "cycle",
            "year",
            "organization",
            "organization_name",
            "area",
            "area_name",
            "reviewer",
            "status",
            "previous_stars",
            "self_stars",
            "scored_stars",
            "proposed_stars",
            "awarded_stars",
            "title_granted",
            "return_reason",
            "review_comment",
            "self_assessed_at",
            "reviewed_at",
            "approved_at",
            "notice_ends_on",
            "awarded_at",
        ]
        read_only_fields = fields


class ScoreSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    star = serializers.CharField(source="indicator.star.name", read_only=True)
    method = serializers.CharField(source="indicator.method", read_only=True)
    max_points = serializers.DecimalField(
        source="indicator.points", max_digits=6, decimal_places=2, read_only=True
    )

    class Meta:
        model = IndicatorScore
        fields = [
            "indicator",
            "indicator_name",
            "star",
            "method",
            "max_points",
            "self_points",
            "review_points",
            "self_veto",
            "review_veto",
            "auto_value",
            "evidence",
            "activity_ids",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default="", read_only=True)

    class Meta:
        model = RatingEvent
        fields = ["action", "actor", "note", "at"]
        read_only_fields = fields


class EvidenceFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "indicator", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class RatingDetailSerializer(RatingSerializer):
    scores = ScoreSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    files = EvidenceFileSerializer(many=True, read_only=True)

    class Meta(RatingSerializer.Meta):
        fields = [*RatingSerializer.Meta.fields, "summary", "scores", "events", "files"]
        read_only_fields = fields


class EntrySerializer(serializers.Serializer):
    indicator = serializers.IntegerField(label="指标编号")
    points = serializers.DecimalField(
        label="得分", max_digits=6, decimal_places=2, required=False, allow_null=True
    )
    veto = serializers.BooleanField(label="存在否决情形", required=False)
    evidence = serializers.CharField(label="佐证说明", required=False, allow_blank=True)
    activity_ids = serializers.ListField(
        label="关联活动编号", child=serializers.IntegerField(), required=False
    )


class SelfAssessSerializer(serializers.Serializer):
    scores = EntrySerializer(many=True, label="各指标自评")
    summary = serializers.CharField(label="自评说明", required=False, allow_blank=True)
    submit = serializers.BooleanField(label="保存后提交审核", default=False)


class ReviewSerializer(serializers.Serializer):
    scores = EntrySerializer(many=True, label="各指标审核", required=False, default=list)
    comment = serializers.CharField(label="审核意见")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="退回原因")


def entries_of(rows) -> dict:
    """Service entries keyed by indicator id from validated EntrySerializer rows."""
    return {row.pop("indicator"): row for row in (dict(r) for r in rows)}
