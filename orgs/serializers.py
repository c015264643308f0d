"""API shapes of organizations, units, positions and terms. Input serializers only parse: services write."""

from django.utils import timezone
from rest_framework import serializers

from core.api import enum_field, visible, writable
from members.models import Member
from orgs.models import Organization, OrgKind, Position, PositionKind, Term, Unit

OrgKindField = enum_field(OrgKind, "OrgKindEnum")
OrgStatusField = enum_field(Organization.Status, "OrganizationStatusEnum")
UnitKindField = enum_field(Unit.Kind, "UnitKindEnum")
PositionKindField = enum_field(PositionKind, "PositionKindEnum")


class OrganizationSerializer(serializers.ModelSerializer):
    kind = OrgKindField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = OrgStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True
    )
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "parent",
            "parent_name",
            "depth",
            "unit",
            "unit_name",
            "status",
            "status_display",
            "established_on",
            "ended_on",
            "merged_into",
            "sort_order",
        ]
        read_only_fields = fields


class MemberCountsSerializer(serializers.Serializer):
    full = serializers.IntegerField(label="正式党员")
    probationary = serializers.IntegerField(label="预备党员")
    total = serializers.IntegerField(label="合计")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(label="规则编号")
    message = serializers.CharField(label="提示")
    source = serializers.CharField(label="依据")
    level = serializers.ChoiceField(label="级别", choices=[("warning", "提醒"), ("danger", "严重")])


class TermSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Term
        fields = ["id", "organization", "organization_name", "started_on", "expires_on", "note"]
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.Serializer):
    own = MemberCountsSerializer(label="本组织直属党员")
    subtree = MemberCountsSerializer(label="含下级组织党员")
    committee_size = serializers.IntegerField(label="委员会人数")
    has_secretary = serializers.BooleanField(label="已配书记")
    has_discipline_member = serializers.BooleanField(label="已配纪检委员")
    term = TermSerializer(label="本届任期", allow_null=True)
    warnings = WarningSerializer(many=True, label="规则提醒")


class OrganizationDetailSerializer(OrganizationSerializer):
    summary = OrganizationSummarySerializer(read_only=True, label="党员人数、班子与提醒")

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "summary"]
        read_only_fields = fields


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    kind = OrgKindField(label="组织类型")
    unit = visible(Unit, label="所在单位", required=False, allow_null=True)

    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind", "unit", "established_on", "sort_order"]


class OrganizationCreateSerializer(OrganizationUpdateSerializer):
    parent = writable(Organization, label="上级党组织")

    class Meta(OrganizationUpdateSerializer.Meta):
        fields = [*OrganizationUpdateSerializer.Meta.fields, "parent"]


class OrganizationMoveSerializer(serializers.Serializer):
    parent = writable(Organization, label="新的上级党组织")
    on = serializers.DateField(label="调整日期", default=timezone.localdate)


class OrganizationMergeSerializer(serializers.Serializer):
    into = writable(Organization, label="并入组织")
    on = serializers.DateField(label="合并日期", default=timezone.localdate)
    reason = serializers.CharField(
        label="说明", max_length=500, required=False, default="", allow_blank=True
    )


class OrganizationDissolveSerializer(serializers.Serializer):
    on = serializers.DateField(label="撤销日期", default=timezone.localdate)
    reason = serializers.CharField(label="撤销原因", max_length=500)


class UnitSerializer(serializers.ModelSerializer):
    kind = UnitKindField(label="单位类别", required=False)
    organization = writable(Organization, label="所属党组织")
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "kind",
            "organization",
            "organization_name",
            "total_staff",
            "full_time_party_workers",
            "part_time_party_workers",
            "is_active",
        ]


class PositionSerializer(serializers.ModelSerializer):
    kind = PositionKindField(label="职务")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization = writable(Organization, label="党组织")
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    member = visible(Member, label="党员")
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "kind",
            "kind_display",
            "started_on",
            "ended_on",
        ]
        read_only_fields = ["ended_on"]


class PositionEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(label="离任日期", default=timezone.localdate)


class TermCreateSerializer(serializers.ModelSerializer):
    organization = writable(Organization, label="党组织")

    class Meta:
        model = Term
        fields = ["organization", "started_on", "expires_on", "note"]
