"""API shapes of a user's own notifications."""

from rest_framework import serializers

from core.api import enum_field
from notifications.models import Notification

NotificationLevelField = enum_field(Notification.Level, "NotificationLevelEnum")


class NotificationSerializer(serializers.ModelSerializer):
    level = NotificationLevelField(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    is_read = serializers.SerializerMethodField(label="已读")

    class Meta:
        model = Notification
        fields = [
            "id",
            "title",
            "body",
            "url",
            "level",
            "level_display",
            "category",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class ReadAllResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(label="本次标为已读的条数")
