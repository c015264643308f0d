from rest_framework import serializers

from evaluation.metrics import metric_label
from evaluation.models import EvaluationScheme, Indicator, Star


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


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
