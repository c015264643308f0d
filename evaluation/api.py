"""/api/v1/evaluation-schemes/: schemes with nested stars and indicators.

Every party reader lists and reads; 机关工委 administrators create the default, copy, publish and
archive, and add, change, delete and reorder a draft's stars and indicators (refusals audited
through evaluation.services.require_manager).
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
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
from evaluation.models import (
    EvaluationCycle,
    Indicator,
    IndicatorScore,
    OrgRating,
    RatingEvent,
    Star,
)
from evaluation.serializers import (
    CycleOpenSerializer,
    CycleSerializer,
    IndicatorInputSerializer,
    IndicatorSerializer,
    MoveSerializer,
    RatingDetailSerializer,
    RatingSerializer,
    ReorderSerializer,
    ReturnSerializer,
    ReviewSerializer,
    SchemeSerializer,
    SelfAssessSerializer,
    StarInputSerializer,
    StarSerializer,
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


STAR_PK = OpenApiParameter("star_pk", int, OpenApiParameter.PATH, description="星编号")
INDICATOR_PK = OpenApiParameter("indicator_pk", int, OpenApiParameter.PATH, description="指标编号")


def labelled_errors(serializer) -> dict:
    """DRF's errors with the field's label in front, so a message names what to fix."""
    out = {}
    for name, errors in serializer.errors.items():
        field = serializer.fields.get(name)
        label = getattr(field, "label", None)
        flat = errors if isinstance(errors, list) else [m for v in errors.values() for m in v]
        out[name] = [f"{label}：{m}" if label else str(m) for m in flat]
    return out


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

    def _scheme_answer(self, pk):
        return Response(SchemeSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=SchemeSerializer, summary="发布方案")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        services.require_manager(request.user, request)
        scheme = services.scheme_publish(self.get_object(), request.user)
        return self._scheme_answer(scheme.pk)

    @extend_schema(request=None, responses=SchemeSerializer, summary="归档方案（不再用于新的评星）")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        services.require_manager(request.user, request)
        scheme = services.scheme_archive(self.get_object(), request.user)
        return self._scheme_answer(scheme.pk)

    # --- a draft's stars and indicators (the services refuse published and archived schemes) ---

    def _parse(self, serializer_class, *, partial=False) -> dict:
        """Validated input; each error message starts with the field's Chinese label."""
        serializer = serializer_class(data=self.request.data, partial=partial)
        if not serializer.is_valid():
            raise exceptions.ValidationError(labelled_errors(serializer))
        return dict(serializer.validated_data)

    def _star(self, star_pk) -> Star:
        services.require_manager(self.request.user, self.request)
        return get_object_or_404(
            Star.objects.select_related("scheme"), pk=star_pk, scheme=self.get_object()
        )

    def _indicator(self, star_pk, indicator_pk) -> Indicator:
        star = self._star(star_pk)
        return get_object_or_404(
            Indicator.objects.select_related("star"), pk=indicator_pk, star=star
        )

    def _star_answer(self, star, status=200):
        star = Star.objects.prefetch_related("indicators").get(pk=star.pk)
        return Response(StarSerializer(star).data, status=status)

    @extend_schema(request=StarInputSerializer, responses={201: StarSerializer}, summary="新增星")
    @action(detail=True, methods=["post"], url_path="stars", url_name="stars")
    def stars(self, request, pk=None):
        services.require_manager(request.user, request)
        scheme = self.get_object()
        star = services.star_save(scheme, self._parse(StarInputSerializer), request.user)
        return self._star_answer(star, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReorderSerializer, responses=SchemeSerializer, summary="调整全部星的顺序"
    )
    @action(detail=True, methods=["post"], url_path="stars/reorder", url_name="stars-reorder")
    def stars_reorder(self, request, pk=None):
        services.require_manager(request.user, request)
        scheme = self.get_object()
        services.stars_reorder(scheme, self._parse(ReorderSerializer)["ids"], request.user)
        return self._scheme_answer(scheme.pk)

    @extend_schema(
        parameters=[STAR_PK],
        request=StarInputSerializer,
        responses=StarSerializer,
        summary="修改星",
    )
    @action(detail=True, methods=["patch"], url_path="stars/<int:star_pk>", url_name="star")
    def star(self, request, pk=None, star_pk=None):
        star = self._star(star_pk)
        data = self._parse(StarInputSerializer, partial=True)
        services.star_save(star.scheme, data, request.user, star)
        return self._star_answer(star)

    @extend_schema(
        parameters=[STAR_PK], request=None, responses={204: None}, summary="删除星及其指标"
    )
    @star.mapping.delete
    def star_delete(self, request, pk=None, star_pk=None):
        services.star_delete(self._star(star_pk), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[STAR_PK],
        request=MoveSerializer,
        responses=SchemeSerializer,
        summary="上移或下移星",
    )
    @action(
        detail=True, methods=["post"], url_path="stars/<int:star_pk>/move", url_name="star-move"
    )
    def star_move(self, request, pk=None, star_pk=None):
        star = self._star(star_pk)
        services.star_move(star, self._parse(MoveSerializer)["direction"], request.user)
        return self._scheme_answer(star.scheme_id)

    @extend_schema(
        parameters=[STAR_PK],
        request=IndicatorInputSerializer,
        responses={201: IndicatorSerializer},
        summary="新增指标",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stars/<int:star_pk>/indicators",
        url_name="star-indicators",
    )
    def indicators(self, request, pk=None, star_pk=None):
        star = self._star(star_pk)
        data = self._parse(IndicatorInputSerializer)
        indicator = services.indicator_save(star, data, request.user)
        return Response(IndicatorSerializer(indicator).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[STAR_PK],
        request=ReorderSerializer,
        responses=StarSerializer,
        summary="调整本星全部指标的顺序",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stars/<int:star_pk>/indicators/reorder",
        url_name="star-indicators-reorder",
    )
    def indicators_reorder(self, request, pk=None, star_pk=None):
        star = self._star(star_pk)
        services.indicators_reorder(star, self._parse(ReorderSerializer)["ids"], request.user)
        return self._star_answer(star)

    @extend_schema(
        parameters=[STAR_PK, INDICATOR_PK],
        request=IndicatorInputSerializer,
        responses=IndicatorSerializer,
        summary="修改指标",
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path="stars/<int:star_pk>/indicators/<int:indicator_pk>",
        url_name="star-indicator",
    )
    def indicator(self, request, pk=None, star_pk=None, indicator_pk=None):
        indicator = self._indicator(star_pk, indicator_pk)
        data = self._parse(IndicatorInputSerializer, partial=True)
        indicator = services.indicator_save(indicator.star, data, request.user, indicator)
        return Response(IndicatorSerializer(indicator).data)

    @extend_schema(
        parameters=[STAR_PK, INDICATOR_PK], request=None, responses={204: None}, summary="删除指标"
    )
    @indicator.mapping.delete
    def indicator_delete(self, request, pk=None, star_pk=None, indicator_pk=None):
        services.indicator_delete(self._indicator(star_pk, indicator_pk), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[STAR_PK, INDICATOR_PK],
        request=MoveSerializer,
        responses=StarSerializer,
        summary="上移或下移指标",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stars/<int:star_pk>/indicators/<int:indicator_pk>/move",
        url_name="star-indicator-move",
    )
    def indicator_move(self, request, pk=None, star_pk=None, indicator_pk=None):
        indicator = self._indicator(star_pk, indicator_pk)
        direction = self._parse(MoveSerializer)["direction"]
        services.indicator_move(indicator, direction, request.user)
        return self._star_answer(indicator.star)


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
