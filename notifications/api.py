"""/api/v1/notifications/: the caller's own messages; anyone else's is a 404 (audited)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from core.access import get_in_scope
from core.api import ApiSchema, PasswordPolicy, ServiceErrorsMixin
from notifications import serializers as s
from notifications import services
from notifications.models import Notification


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(label="仅未读", method="filter_unread")
    category = filters.CharFilter(label="类别")
    level = filters.ChoiceFilter(label="级别", choices=Notification.Level.choices)

    class Meta:
        model = Notification
        fields = ["unread", "category", "level"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value)


@extend_schema_view(
    list=extend_schema(summary="我的消息", description="仅本人的消息，按时间倒序。"),
    retrieve=extend_schema(summary="消息详情"),
)
class NotificationViewSet(
    ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Messages are the recipient's alone: no role, however wide, reads another user's."""

    schema = ApiSchema()
    serializer_class = s.NotificationSerializer
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="标为已读", request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="全部标为已读", request=None, responses=s.ReadAllResultSerializer)
    @action(detail=False, methods=["post"])
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(request.user)})
