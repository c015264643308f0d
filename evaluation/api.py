"""/api/v1/evaluation-schemes/: schemes with nested stars and indicators.

Every party reader lists and reads; 机关工委 administrators create the default, copy and publish
(refusals audited through evaluation.services.require_manager).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.api import ApiSchema, CapabilityRequired, PasswordPolicy, ServiceErrorsMixin
from evaluation import selectors, services
from evaluation.serializers import SchemeSerializer, YearSerializer


class EvaluationSchemeViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    serializer_class = SchemeSerializer
    required_capability = roles.READ
    lookup_value_converter = "int"
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy, CapabilityRequired]

    def get_queryset(self):
        return selectors.scheme_detail_queryset().order_by("-year", "sector", "pk")

    def _year(self) -> int:
        services.require_manager(self.request.user, self.request)
        serializer = YearSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["year"]

    def _created(self, scheme):
        scheme = self.get_queryset().get(pk=scheme.pk)
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=YearSerializer, responses={201: SchemeSerializer}, summary="按默认内容新建"
    )
    @action(detail=False, methods=["post"])
    def default(self, request):
        return self._created(services.scheme_create_default(self._year(), request.user))

    @extend_schema(
        request=YearSerializer, responses={201: SchemeSerializer}, summary="复制为新年度方案"
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        scheme = self.get_object()
        return self._created(services.scheme_copy(scheme, self._year(), request.user))

    @extend_schema(request=None, responses=SchemeSerializer, summary="发布方案")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        services.require_manager(request.user, request)
        scheme = services.scheme_publish(self.get_object(), request.user)
        return Response(SchemeSerializer(self.get_queryset().get(pk=scheme.pk)).data)
