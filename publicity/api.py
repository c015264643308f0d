"""/api/v1/public-notices/ and /api/v1/objections/: the notice board, lodging and answering objections."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.access import get_in_scope
from core.api import ApiSchema, PasswordPolicy, ServiceErrorsMixin
from core.scoping import scope_for
from publicity import services
from publicity.models import NoticeItem, Objection, PublicNotice
from publicity.serializers import (
    AnswerSerializer,
    LodgeSerializer,
    ObjectionSerializer,
    PublicNoticeDetailSerializer,
    PublicNoticeSerializer,
)


class PublicNoticeViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    lookup_value_converter = "int"
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PublicNotice.objects.none()
        return PublicNotice.objects.visible_to(self.request.user).select_related("organization")

    def get_serializer_class(self):
        return PublicNoticeDetailSerializer if self.action == "retrieve" else PublicNoticeSerializer

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        request=LodgeSerializer, responses={201: ObjectionSerializer}, summary="提出异议"
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        notice = self.get_object()
        data = LodgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = get_in_scope(
            request, NoticeItem.objects.filter(notice=notice), pk=data.validated_data["item"]
        )
        objection = services.objection_lodge(
            item=item, actor=request.user, content=data.validated_data["content"]
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class ObjectionViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Objections the user answers (to notices of organizations they write for) or lodged themselves."""

    schema = ApiSchema()
    serializer_class = ObjectionSerializer
    lookup_value_converter = "int"
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Objection.objects.none()
        user = self.request.user
        answerable = scope_for(user).q("item__notice__organization__path", roles.WRITE)
        return Objection.objects.filter(answerable | Q(lodged_by=user)).select_related(
            "item__notice__organization", "lodged_by"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [
            ObjectionSerializer(
                o, context={"answerer": services.can_answer(request.user, o.item.notice)}
            ).data
            for o in page
        ]
        return self.get_paginated_response(rows)

    def retrieve(self, request, *args, **kwargs):
        objection = self.get_object()
        answerer = services.can_answer(request.user, objection.item.notice)
        return Response(ObjectionSerializer(objection, context={"answerer": answerer}).data)

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(request=AnswerSerializer, responses=ObjectionSerializer, summary="答复异议")
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        objection = self.get_object()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_answer(
            objection=objection, actor=request.user, **data.validated_data
        )
        return Response(ObjectionSerializer(objection, context={"answerer": True}).data)


def register(router) -> None:
    router.register("public-notices", PublicNoticeViewSet, basename="public-notice")
    router.register("objections", ObjectionViewSet, basename="objection")


extra_urls = []
