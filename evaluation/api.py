"""/api/v1/evaluation-schemes/: schemes with nested stars and indicators.

Every party reader lists and reads; 机关工委 administrators create the default, copy and publish
(refusals audited through evaluation.services.require_manager).
"""

from django.db.models import Prefetch
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api import (
    ApiSchema,
    CapabilityRequired,
    PasswordPolicy,
    ScopedFilterSet,
    ScopedViewSet,
    ServiceErrorsMixin,
)
from evaluation import cycle_services as cs
from evaluation import selectors, services
from evaluation.models import EvaluationCycle, IndicatorScore, OrgRating, RatingEvent
from evaluation.serializers import (
    CycleOpenSerializer,
    CycleSerializer,
    RatingDetailSerializer,
    RatingSerializer,
    ReturnSerializer,
    ReviewSerializer,
    SchemeSerializer,
    SelfAssessSerializer,
    YearSerializer,
    entries_of,
)
from orgs.models import Organization, OrgKind


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="处理的党组织数")


class NoticeResultSerializer(serializers.Serializer):
    notice = serializers.IntegerField(help_text="公示编号")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class AwardResultSerializer(serializers.Serializer):
    awarded = serializers.IntegerField(help_text="授星数")
    blocked = serializers.IntegerField(help_text="异议成立不授星数")
    unfinished = serializers.IntegerField(help_text="未完成流程、本年度不授星数")


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.ListField(child=serializers.DictField())
    steps = serializers.ListField(child=serializers.DictField())
    returned = serializers.IntegerField()
    awarded = serializers.IntegerField()
    blocked = serializers.IntegerField()


class OverviewSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    years = serializers.ListField(child=serializers.IntegerField())
    by_year = serializers.ListField(child=serializers.DictField())
    by_area = serializers.ListField(child=serializers.DictField())
    rose = serializers.ListField(child=serializers.DictField())
    fell = serializers.ListField(child=serializers.DictField())
    rose_count = serializers.IntegerField()
    fell_count = serializers.IntegerField()
    current_cycle = serializers.IntegerField(allow_null=True)
    progress = ProgressSerializer(allow_null=True)


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


# --- the annual cycle --------------------------------------------------------------------------------


class CycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """/api/v1/evaluation-cycles/: a 工委's yearly rating, visible under it, run by its administrators."""

    model = EvaluationCycle
    serializer_class = CycleSerializer
    required_capability = roles.READ

    def get_queryset(self):
        return super().get_queryset().select_related("scheme", "organization")

    @extend_schema(
        request=CycleOpenSerializer, responses={201: CycleSerializer}, summary="启动评星"
    )
    def create(self, request):
        data = self.parse(CycleOpenSerializer)
        committee = (
            Organization.objects.writable_by(request.user)
            .filter(kind=OrgKind.ORGANS_WORK_COMMITTEE)
            .order_by("path")
            .first()
        )
        cs.require(committee is not None, request.user, None, "只有机关工委管理员可以启动评星。")
        cycle = cs.cycle_open(organization=committee, actor=request.user, **data)
        return self.respond(cycle, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ProgressSerializer, summary="评星进度")
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        cycle = self.get_object()
        ratings = OrgRating.objects.visible_to(request.user).filter(cycle=cycle)
        return Response(selectors.progress(ratings))

    def _run(self, service, **kwargs):
        cycle = self.get_object()
        return cycle, service(cycle=cycle, actor=self.request.user, **kwargs)

    @extend_schema(request=None, responses=CountSerializer, summary="计算平台数据指标")
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        _, count = self._run(cs.cycle_score_automatic)
        return Response({"count": count})

    @extend_schema(request=None, responses=CountSerializer, summary="审定全部已审核结果")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        _, count = self._run(cs.rating_approve)
        return Response({"count": count})

    @extend_schema(request=None, responses=NoticeResultSerializer, summary="发布公示")
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        _, notice = self._run(cs.cycle_notice)
        return Response(
            {"notice": notice.pk, "starts_on": notice.starts_on, "ends_on": notice.ends_on}
        )

    @extend_schema(request=None, responses=AwardResultSerializer, summary="公示期满授星")
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        _, result = self._run(cs.cycle_award)
        return Response(result)


class RatingFilter(ScopedFilterSet):
    cycle = filters.NumberFilter(label="评星年度编号", field_name="cycle_id")
    year = filters.NumberFilter(label="年度", field_name="cycle__year")
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")
    area = filters.NumberFilter(label="所属部门编号", field_name="area_id")
    status = filters.ChoiceFilter(label="状态", choices=OrgRating.Status.choices)

    class Meta:
        model = OrgRating
        fields = ["cycle", "year", "organization", "area", "status"]


class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """/api/v1/evaluation-ratings/: each organization's rating with its scores, evidence and steps."""

    model = OrgRating
    serializer_class = RatingSerializer
    serializer_classes = {"retrieve": RatingDetailSerializer}
    filterset_class = RatingFilter
    required_capability = roles.READ
    ordering_fields = ["organization__path", "awarded_stars", "proposed_stars"]
    ordering = ["-cycle__year", "organization__path"]

    def get_queryset(self):
        qs = super().get_queryset().select_related("organization", "area", "cycle", "reviewer")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "scores",
                    IndicatorScore.objects.select_related("indicator__star").order_by(
                        "indicator__star__order", "indicator__order", "indicator_id"
                    ),
                ),
                Prefetch("events", RatingEvent.objects.select_related("actor")),
                "files",
            )
        return qs.order_by(*self.ordering)

    def _detail(self, rating):
        self.action = "retrieve"  # the answer is the rating as retrieve shows it
        fresh = self.get_queryset().get(pk=rating.pk)
        return self.respond(fresh, serializer_class=RatingDetailSerializer)

    @extend_schema(
        request=SelfAssessSerializer,
        responses=RatingDetailSerializer,
        summary="保存自评（可同时提交）",
    )
    @action(detail=True, methods=["post"], url_path="self-assess")
    def self_assess(self, request, pk=None):
        rating = self.get_object()
        data = self.parse(SelfAssessSerializer)
        cs.rating_self_assess(
            rating=rating,
            actor=request.user,
            entries=entries_of(data["scores"]),
            summary=data.get("summary"),
        )
        if data["submit"]:
            cs.rating_submit(rating=rating, actor=request.user)
        return self._detail(rating)

    @extend_schema(request=None, responses=RatingDetailSerializer, summary="提交自评")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        rating = self.get_object()
        cs.rating_submit(rating=rating, actor=request.user)
        return self._detail(rating)

    @extend_schema(request=ReviewSerializer, responses=RatingDetailSerializer, summary="上级审核")
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        rating = self.get_object()
        data = self.parse(ReviewSerializer)
        cs.rating_review(
            rating=rating,
            actor=request.user,
            entries=entries_of(data["scores"]),
            comment=data["comment"],
        )
        return self._detail(rating)

    @extend_schema(request=ReturnSerializer, responses=RatingDetailSerializer, summary="退回修改")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        rating = self.get_object()
        data = self.parse(ReturnSerializer)
        cs.rating_return(rating=rating, actor=request.user, reason=data["reason"])
        return self._detail(rating)

    @extend_schema(request=None, responses=RatingDetailSerializer, summary="机关工委审定")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        rating = self.get_object()
        cs.rating_approve(cycle=rating.cycle, actor=request.user, ratings=[rating])
        return self._detail(rating)


class OverviewView(ServiceErrorsMixin, APIView):
    """/api/v1/evaluation/overview/?year=: the star overview over the caller's scope."""

    schema = ApiSchema()
    required_capability = roles.READ
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy, CapabilityRequired]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="已授星的年度，默认最近一年")],
        responses=OverviewSerializer,
        summary="星级概览",
    )
    def get(self, request):
        year = request.query_params.get("year", "")
        data = selectors.overview(request.user, int(year) if year.isdigit() else None)

        def mover(r):
            return {
                "organization": r.organization_id,
                "organization_name": r.organization.name,
                "previous_stars": r.previous_stars,
                "awarded_stars": r.awarded_stars,
            }

        current = data["current"]
        return Response(
            {
                "year": data["year"],
                "years": data["years"],
                "by_year": data["by_year"],
                "by_area": data["by_area"],
                "rose": [mover(r) for r in data["rose"]],
                "fell": [mover(r) for r in data["fell"]],
                "rose_count": data["rose_count"],
                "fell_count": data["fell_count"],
                "current_cycle": current.pk if current else None,
                "progress": data["progress"],
            }
        )


def register(router) -> None:
    """Cycle viewsets (the scheme viewset is registered by dangjian/api_urls.py itself)."""
    router.register("evaluation-cycles", CycleViewSet, basename="evaluation-cycle")
    router.register("evaluation-ratings", RatingViewSet, basename="evaluation-rating")


extra_urls = [path("evaluation/overview/", OverviewView.as_view(), name="api-evaluation-overview")]
