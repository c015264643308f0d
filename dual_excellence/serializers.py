from rest_framework import serializers

from core.api import ScopedPrimaryKeyField, enum_field, visible, writable
from dual_excellence.models import AREA_KINDS, Category, Nomination, Quota, Round
from dual_excellence.services import work_committees_for
from members.models import Member
from orgs.models import Organization

HonoursField = enum_field(Category.Honours, "DualExcellenceHonoursEnum")


def category_field(**kwargs) -> ScopedPrimaryKeyField:
    """An honour category of a round the caller sees."""
    return ScopedPrimaryKeyField(
        queryset=Category.objects.all(),
        limit=lambda qs, user: qs.filter(round__in=Round.objects.visible_to(user)),
        **kwargs,
    )


def area_field(**kwargs) -> ScopedPrimaryKeyField:
    """片区 of the 工委 the caller administers (the service checks it is the category's round's)."""
    return ScopedPrimaryKeyField(
        queryset=Organization.objects.filter(kind__in=AREA_KINDS),
        limit=lambda qs, user: qs.filter(parent__in=work_committees_for(user)),
        **kwargs,
    )


class HonourCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "round",
            "order",
            "name",
            "description",
            "honours",
            "weight",
            "org_quota",
            "member_quota",
            "is_default",
        ]
        read_only_fields = fields


class HonourCategoryInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(label="顺序", min_value=1, required=False)
    name = serializers.CharField(label="荣誉名称", max_length=50, required=False)
    description = serializers.CharField(label="评选标准", required=False, allow_blank=True)
    honours = HonoursField(label="表彰对象", required=False)
    weight = serializers.IntegerField(label="权重（%）", min_value=0, max_value=100, required=False)
    org_quota = serializers.IntegerField(label="每个片区党组织名额", min_value=0, required=False)
    member_quota = serializers.IntegerField(label="每个片区党员名额", min_value=0, required=False)


class HonourCategoryCreateSerializer(HonourCategoryInputSerializer):
    round = visible(Round, label="评选")
    name = serializers.CharField(label="荣誉名称", max_length=50)


class HonourRoundSerializer(serializers.ModelSerializer):
    categories = HonourCategorySerializer(many=True, read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "name",
            "status",
            "nomination_deadline",
            "notice_days",
            "description",
            "copied_from",
            "awarded_on",
            "categories",
        ]
        read_only_fields = fields


class HonourRoundCreateSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyField(
        label="机关工委",
        queryset=Organization.objects.all(),
        limit=lambda qs, user: qs.filter(pk__in=work_committees_for(user)),
    )
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)


class HonourRoundInputSerializer(serializers.Serializer):
    name = serializers.CharField(label="评选名称", max_length=100, required=False)
    nomination_deadline = serializers.DateField(label="推荐截止日期", required=False)
    notice_days = serializers.IntegerField(label="公示天数", min_value=1, required=False)
    description = serializers.CharField(label="评选说明", required=False, allow_blank=True)


class CopyYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)


class QuotaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quota
        fields = ["id", "category", "area", "org_quota", "member_quota"]
        read_only_fields = fields


class QuotaSetSerializer(serializers.Serializer):
    category = category_field(label="荣誉类别")
    area = area_field(label="片区")
    org_quota = serializers.IntegerField(label="党组织名额", min_value=0)
    member_quota = serializers.IntegerField(label="党员名额", min_value=0)


class NominationSerializer(serializers.ModelSerializer):
    """A nomination; the nominee member is named with their branch, never with ID or phone."""

    category_name = serializers.CharField(source="category.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    nominee_name = serializers.CharField(read_only=True)
    nominee_kind = serializers.SerializerMethodField()
    has_evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = [
            "id",
            "round",
            "category",
            "category_name",
            "area",
            "area_name",
            "organization",
            "nominee_kind",
            "nominee_org",
            "nominee_member",
            "nominee_name",
            "reason",
            "evidence",
            "has_evidence_file",
            "status",
            "nominated_at",
            "review_note",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_nominee_kind(self, obj) -> str:
        return "member" if obj.is_person else "organization"

    def get_has_evidence_file(self, obj) -> bool:
        return bool(obj.evidence_file)


class NominateSerializer(serializers.Serializer):
    round = visible(Round, label="评选")
    category = category_field(label="荣誉类别")
    nominee_org = writable(Organization, label="推荐党组织", required=False, allow_null=True)
    nominee_member = writable(Member, label="推荐党员", required=False, allow_null=True)
    reason = serializers.CharField(label="推荐理由（主要事迹）")
    evidence = serializers.CharField(label="佐证材料说明", required=False, allow_blank=True)
    evidence_file = serializers.FileField(label="佐证材料附件", required=False)


class NominationReviewSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(label="审核通过")
    note = serializers.CharField(label="审核意见", required=False, allow_blank=True, default="")
