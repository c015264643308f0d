from rest_framework import serializers

from publicity.models import NoticeItem, Objection, PublicNotice


class NoticeItemSerializer(serializers.ModelSerializer):
    objection_count = serializers.IntegerField(read_only=True)
    pending_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = NoticeItem
        fields = ["id", "label", "subject_type", "subject_id", "objection_count", "pending_count"]
        read_only_fields = fields


class PublicNoticeSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "title",
            "body",
            "organization",
            "organization_name",
            "starts_on",
            "ends_on",
        ]
        read_only_fields = fields


class PublicNoticeDetailSerializer(PublicNoticeSerializer):
    items = serializers.SerializerMethodField()

    class Meta(PublicNoticeSerializer.Meta):
        fields = PublicNoticeSerializer.Meta.fields + ["items"]
        read_only_fields = fields

    def get_items(self, notice) -> list[dict]:
        from publicity.selectors import notice_items

        return NoticeItemSerializer(notice_items(notice), many=True).data


class ObjectionSerializer(serializers.ModelSerializer):
    """Who lodged an objection is shown only to those who answer it (context["answerer"])."""

    item_label = serializers.CharField(source="item.label", read_only=True)
    notice = serializers.IntegerField(source="item.notice_id", read_only=True)
    lodged_by = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "notice",
            "item",
            "item_label",
            "content",
            "lodged_at",
            "lodged_by",
            "status",
            "answer",
            "answered_at",
        ]
        read_only_fields = fields

    def get_lodged_by(self, objection) -> str | None:
        if not self.context.get("answerer"):
            return None
        user = objection.lodged_by
        return user.get_full_name() or user.username


class LodgeSerializer(serializers.Serializer):
    item = serializers.IntegerField(label="公示事项")
    content = serializers.CharField(label="异议内容", allow_blank=True)


class AnswerSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(label="异议是否成立")
    answer = serializers.CharField(label="答复", allow_blank=True)
