from rest_framework import serializers

from core.api import enum_field, visible
from orgs.models import Organization
from secretary_review.models import Level, RaterGroup, Report, Round

LevelField = enum_field(Level, "SecretaryReviewLevelEnum")
GroupField = enum_field(RaterGroup, "SecretaryReviewRaterGroupEnum")


class SecretaryReviewGradeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    label = serializers.CharField(max_length=20)
    points = serializers.FloatField(min_value=0, max_value=100)


class SecretaryReviewBandSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=20)
    min = serializers.FloatField(min_value=0, max_value=100)


class SecretaryReviewRoundSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    grades = SecretaryReviewGradeSerializer(many=True)
    bands = SecretaryReviewBandSerializer(many=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "name",
            "year",
            "area",
            "area_name",
            "status",
            "report_due",
            "rating_due",
            "template_title",
            "template_body",
            "grades",
            "grades_are_default",
            "weight_superior",
            "weight_member",
            "weight_peer",
            "weight_rating",
            "weight_responsibility",
            "weight_orglife",
            "weight_stars",
            "bands",
            "closed_at",
        ]
        read_only_fields = fields


def _plain(items):
    return [
        {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in dict(i).items()}
        for i in items
    ]


class SecretaryReviewRoundInputSerializer(serializers.Serializer):
    """Creating (area and year required) or changing a round; omitted settings keep the defaults."""

    area = visible(Organization, label="考核范围（党组织编号）", required=False)
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    name = serializers.CharField(label="名称", max_length=120, required=False)
    report_due = serializers.DateField(label="述职截止日期", required=False, allow_null=True)
    rating_due = serializers.DateField(label="测评截止日期", required=False, allow_null=True)
    template_title = serializers.CharField(label="标题模板", max_length=200, required=False)
    template_body = serializers.CharField(label="正文模板", required=False)
    grades = SecretaryReviewGradeSerializer(many=True, required=False)
    bands = SecretaryReviewBandSerializer(many=True, required=False)
    weight_superior = serializers.DecimalField(5, 2, required=False)
    weight_member = serializers.DecimalField(5, 2, required=False)
    weight_peer = serializers.DecimalField(5, 2, required=False)
    weight_rating = serializers.DecimalField(5, 2, required=False)
    weight_responsibility = serializers.DecimalField(5, 2, required=False)
    weight_orglife = serializers.DecimalField(5, 2, required=False)
    weight_stars = serializers.DecimalField(5, 2, required=False)

    def validate(self, attrs):
        for key in ("grades", "bands"):
            if key in attrs:
                attrs[key] = _plain(attrs[key])
        return attrs


class SecretaryReviewReportSerializer(serializers.ModelSerializer):
    """A 述职 report without any result: results come only from the round's results endpoint."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    secretary_name = serializers.CharField(source="secretary.name", read_only=True)
    level = LevelField(read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "round",
            "organization",
            "organization_name",
            "secretary",
            "secretary_name",
            "level",
            "text",
            "status",
            "submitted_at",
        ]
        read_only_fields = fields


class SecretaryReviewReportTextSerializer(serializers.Serializer):
    text = serializers.CharField(label="述职内容", allow_blank=True)


class SecretaryReviewResultSerializer(serializers.ModelSerializer):
    """Aggregates of a closed round: scores, grade, rank, ballot count and pooled grade counts."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    secretary_name = serializers.CharField(source="secretary.name", read_only=True)
    level = LevelField(read_only=True)
    grade_counts = serializers.SerializerMethodField(
        help_text="各等次票数（各类测评人合计；不足3票时为空，以保护匿名）"
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "organization",
            "organization_name",
            "secretary_name",
            "level",
            "rank",
            "ballot_count",
            "rating_score",
            "responsibility_score",
            "orglife_score",
            "stars_score",
            "total_score",
            "grade",
            "grade_counts",
        ]
        read_only_fields = fields

    def get_grade_counts(self, obj) -> dict[str, int]:
        from secretary_review.selectors import grade_breakdown

        return dict(grade_breakdown(obj))


class SecretaryReviewAssignmentSerializer(serializers.Serializer):
    """One report the user rates: never the grade the user gave."""

    round = serializers.IntegerField(source="report.round_id")
    report = serializers.IntegerField(source="report_id")
    secretary_name = serializers.CharField(source="report.secretary.name")
    organization_name = serializers.CharField(source="report.organization.name")
    level = LevelField(source="report.level")
    group = GroupField()
    rated = serializers.SerializerMethodField()
    grades = SecretaryReviewGradeSerializer(source="report.round.grades", many=True)

    def get_rated(self, obj) -> bool:
        return obj.submitted_at is not None


class SecretaryReviewBallotInputSerializer(serializers.Serializer):
    report = serializers.IntegerField(label="述职报告编号")
    grade = serializers.CharField(label="等次代码", max_length=20)


class SecretaryReviewBallotsInputSerializer(serializers.Serializer):
    ballots = SecretaryReviewBallotInputSerializer(many=True, allow_empty=False)

    def validate_ballots(self, value):
        reports = [b["report"] for b in value]
        if len(set(reports)) != len(reports):
            raise serializers.ValidationError("同一份述职只能测评一次")
        return value


class SecretaryReviewCastSerializer(serializers.Serializer):
    cast = serializers.IntegerField(help_text="已匿名提交的测评份数")
