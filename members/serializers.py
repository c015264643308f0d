"""API shapes of member records. ID and phone numbers go out masked unless the viewer sees_sensitive."""

from django.utils import timezone
from rest_framework import serializers

from core.api import enum_field, visible, writable
from members.models import Member, MembershipPeriod
from members.selectors import shown_id_number, shown_phone
from orgs.models import Organization, Position, Unit
from orgs.serializers import PositionKindField

MemberStatusField = enum_field(Member.Status, "MemberStatusEnum")


class MemberSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(help_text="无查看完整号码权限时脱敏显示")
    phone = serializers.SerializerMethodField(help_text="无查看完整号码权限时脱敏显示")
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    membership_kind_display = serializers.CharField(
        source="get_membership_kind_display", read_only=True
    )
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status = MemberStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "gender",
            "gender_display",
            "ethnicity",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "education_display",
            "unit",
            "unit_name",
            "post",
            "joined_on",
            "confirmed_on",
            "membership_kind",
            "membership_kind_display",
            "category",
            "category_display",
            "branch",
            "branch_name",
            "group",
            "status",
            "status_display",
        ]
        read_only_fields = fields

    def _viewer(self):
        return self.context["request"].user

    def get_id_number(self, member) -> str:
        return shown_id_number(self._viewer(), member)

    def get_phone(self, member) -> str:
        return shown_phone(self._viewer(), member)


class MembershipPeriodSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = MembershipPeriod
        fields = ["organization", "organization_name", "started_on", "ended_on", "reason"]
        read_only_fields = fields


class CurrentPositionSerializer(serializers.ModelSerializer):
    kind = PositionKindField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Position
        fields = ["id", "organization", "organization_name", "kind", "kind_display", "started_on"]
        read_only_fields = fields


class MemberDetailSerializer(MemberSerializer):
    membership_periods = MembershipPeriodSerializer(many=True, read_only=True, label="组织关系历史")
    current_positions = CurrentPositionSerializer(many=True, read_only=True, label="现任职务")

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "membership_periods", "current_positions"]
        read_only_fields = fields


class MemberInputSerializer(serializers.ModelSerializer):
    """Plain ID and phone numbers come in here and are never echoed back: answers use MemberDetailSerializer."""

    id_number = serializers.CharField(label="身份证号", write_only=True, max_length=32)
    phone = serializers.CharField(
        label="手机号", write_only=True, max_length=32, required=False, allow_blank=True
    )
    birth_date = serializers.DateField(
        label="出生日期", required=False, help_text="不填时按身份证号推算"
    )
    unit = visible(Unit, label="工作单位", required=False, allow_null=True)
    branch = writable(Organization, label="所在党支部")
    group = writable(Organization, label="所在党小组", required=False, allow_null=True)

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "unit",
            "post",
            "joined_on",
            "confirmed_on",
            "membership_kind",
            "category",
            "branch",
            "group",
        ]


class MemberLookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(label="身份证号", write_only=True, max_length=32)


class MemberTransferSerializer(serializers.Serializer):
    to_branch = writable(Organization, label="转入党支部")
    on = serializers.DateField(label="转接日期", default=timezone.localdate)
    reason = serializers.CharField(label="转接原因", max_length=255)


class MemberStatusSerializer(serializers.Serializer):
    status = MemberStatusField(label="党籍状态")
    on = serializers.DateField(label="生效日期", default=timezone.localdate)
    reason = serializers.CharField(label="原因", max_length=255)
