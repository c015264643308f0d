"""API shapes of responsibility templates, lists and items. Input serializers only parse."""

from rest_framework import serializers

from core.api import ScopedPrimaryKeyField, enum_field, visible
from orgs.models import Organization, OrgKind
from responsibility import selectors
from responsibility.models import (
    EvidenceFile,
    Level,
    ListItem,
    ListTemplate,
    ResponsibilityList,
    TemplateItem,
)
from responsibility.services import TEMPLATE_ITEM_FIELDS

LevelField = enum_field(Level, "ResponsibilityLevelEnum")
ItemStatusField = enum_field(ListItem.Status, "ResponsibilityItemStatusEnum")


class TemplateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateItem
        fields = ["id", *TEMPLATE_ITEM_FIELDS]
        read_only_fields = ["id"]


class TemplateItemInputSerializer(TemplateItemSerializer):
    # Any template the caller sees: changing it is then refused with 403 unless they administer it.
    template = visible(ListTemplate, write_only=True)

    class Meta(TemplateItemSerializer.Meta):
        fields = [*TemplateItemSerializer.Meta.fields, "template"]


class TemplateSerializer(serializers.ModelSerializer):
    level = LevelField(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    work_committee_name = serializers.CharField(source="work_committee.name", read_only=True)
    items = TemplateItemSerializer(many=True, read_only=True)

    class Meta:
        model = ListTemplate
        fields = [
            "id",
            "work_committee",
            "work_committee_name",
            "year",
            "level",
            "level_display",
            "name",
            "is_default",
            "copied_from",
            "issued_at",
            "items",
        ]
        read_only_fields = fields


class PrepareSerializer(serializers.Serializer):
    work_committee = ScopedPrimaryKeyField(
        queryset=Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE),
        limit=lambda qs, user: qs.writable_by(user),
        label="机关工委",
    )
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)


class IssueResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(label="新建清单数")
    secretaries_updated = serializers.IntegerField(label="更新书记的清单数")


class EvidenceFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    status = ItemStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = ListItem
        fields = [
            "id",
            "list",
            *TEMPLATE_ITEM_FIELDS,  # copied from the template item
            "status",
            "status_display",
            "percent",
            "progress_note",
            "evidence_text",
            "return_reason",
            "progress_at",
            "submitted_at",
            "reviewed_at",
            "files",
        ]
        read_only_fields = fields

    def get_files(self, item) -> list[dict]:
        files = [f for f in item.files.all() if not f.withdrawn]
        return EvidenceFileSerializer(files, many=True).data


class ListSerializer(serializers.ModelSerializer):
    level = LevelField(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    secretary_name = serializers.CharField(source="secretary.name", default="", read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    confirmed_count = serializers.IntegerField(read_only=True)
    submitted_count = serializers.IntegerField(read_only=True)
    returned_count = serializers.IntegerField(read_only=True)
    completion = serializers.SerializerMethodField(help_text="已确认事项权重 ÷ 全部事项权重（0–1）")
    reported = serializers.SerializerMethodField(help_text="书记自报进度（0–1）")

    class Meta:
        model = ResponsibilityList
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "level",
            "level_display",
            "secretary",
            "secretary_name",
            "template",
            "issued_at",
            "item_count",
            "confirmed_count",
            "submitted_count",
            "returned_count",
            "completion",
            "reported",
        ]
        read_only_fields = fields

    def get_completion(self, lst) -> float:
        return round(selectors.completion_of(lst), 4)

    def get_reported(self, lst) -> float:
        return round(selectors.reported_of(lst), 4)


class ListDetailSerializer(ListSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta(ListSerializer.Meta):
        fields = [*ListSerializer.Meta.fields, "items"]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    progress_note = serializers.CharField(label="进展情况", required=False, allow_blank=True)
    evidence_text = serializers.CharField(label="佐证材料说明", required=False, allow_blank=True)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="退回原因", max_length=500)


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="佐证材料（照片、PDF、Word）")


class SubmitResultSerializer(serializers.Serializer):
    submitted = serializers.IntegerField(label="提交的事项数")
