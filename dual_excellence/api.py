"""REST API of dual_excellence; registered on /api/v1/ by dangjian.api_urls.

/api/v1/dual-excellence/rounds/       rounds (city-wide); 机关工委 administrators create, copy, run them
/api/v1/dual-excellence/categories/   honour categories of a round (rename, reweight, replace)
/api/v1/dual-excellence/quotas/       area quotas replacing a category's default
/api/v1/dual-excellence/nominations/  scoped nominations; nominate, withdraw, review
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.access import get_in_scope
from core.api import ScopedViewSet
from dual_excellence import serializers as s
from dual_excellence import services
from dual_excellence.models import Category, Nomination, Quota, Round

STEP_SUMMARIES = {
    "open": ("开始推荐", services.nominations_open),
    "close": ("结束推荐，进入审核", services.nominations_close),
    "notice": ("发布拟表彰对象公示", services.notice_publish),
    "award": ("公示结束后表彰", services.round_award),
}


class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Rounds of the 工委 above the user (everyone in the city sees them); changes by administrators."""

    model = Round
    serializer_class = s.HonourRoundSerializer
    # The input each write reads (the browsable API draws its forms from these too).
    serializer_classes = {
        "create": s.HonourRoundCreateSerializer,
        "partial_update": s.HonourRoundInputSerializer,
        "copy": s.CopyYearSerializer,
    }
    required_capability = None

    def get_queryset(self):
        return super().get_queryset().select_related("organization").prefetch_related("categories")

    def _managed(self) -> Round:
        round_ = self.get_object()
        services.require_manager(self.request.user, round_, request=self.request)
        return round_

    @extend_schema(
        request=s.HonourRoundCreateSerializer,
        responses={201: s.HonourRoundSerializer},
        summary="按默认类别新建",
    )
    def create(self, request):
        services.require_manager(request.user, request=request)
        data = self.parse(s.HonourRoundCreateSerializer)
        round_ = services.round_create_default(
            organization=data["organization"], year=data["year"], actor=request.user
        )
        return self.respond(self.get_queryset().get(pk=round_.pk), status=201)

    @extend_schema(
        request=s.HonourRoundInputSerializer, responses=s.HonourRoundSerializer, summary="修改设置"
    )
    def partial_update(self, request, pk=None):
        round_ = self._managed()
        data = self.parse(s.HonourRoundInputSerializer, partial=True)
        services.round_update(round_=round_, data=data, actor=request.user)
        return self.respond(self.get_queryset().get(pk=round_.pk))

    @extend_schema(
        request=s.CopyYearSerializer,
        responses={201: s.HonourRoundSerializer},
        summary="复制为新年度评选",
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        round_ = self._managed()
        data = self.parse(s.CopyYearSerializer)
        copy = services.round_copy(round_=round_, year=data["year"], actor=request.user)
        return self.respond(self.get_queryset().get(pk=copy.pk), status=201)

    def _step(self, step: str):
        round_ = self._managed()
        STEP_SUMMARIES[step][1](round_=round_, actor=self.request.user)
        return self.respond(self.get_queryset().get(pk=round_.pk))

    @extend_schema(request=None, responses=s.HonourRoundSerializer, summary="开始推荐")
    @action(detail=True, methods=["post"], url_path="open")
    def open_nominations(self, request, pk=None):
        return self._step("open")

    @extend_schema(request=None, responses=s.HonourRoundSerializer, summary="结束推荐，进入审核")
    @action(detail=True, methods=["post"], url_path="close")
    def close_nominations(self, request, pk=None):
        return self._step("close")

    @extend_schema(request=None, responses=s.HonourRoundSerializer, summary="发布拟表彰对象公示")
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        return self._step("notice")

    @extend_schema(
        request=None,
        responses=s.HonourRoundSerializer,
        summary="表彰",
        description="公示结束后：无异议或异议不成立的予以表彰，异议成立的不予表彰；尚有异议未答复时拒绝。",
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        return self._step("award")


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Honour categories of the rounds the user sees; ?round= filters."""

    model = Category
    serializer_class = s.HonourCategorySerializer
    serializer_classes = {
        "create": s.HonourCategoryCreateSerializer,
        "partial_update": s.HonourCategoryInputSerializer,
    }
    required_capability = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        qs = Category.objects.filter(round__in=Round.objects.visible_to(self.request.user))
        round_id = self.request.query_params.get("round", "")
        return qs.filter(round_id=int(round_id)) if round_id.isdigit() else qs

    def writable_queryset(self):
        return Category.objects.filter(round__in=Round.objects.writable_by(self.request.user))

    @extend_schema(
        request=s.HonourCategoryCreateSerializer,
        responses={201: s.HonourCategorySerializer},
        summary="新增荣誉类别",
    )
    def create(self, request):
        data = self.parse(s.HonourCategoryCreateSerializer)
        round_ = get_in_scope(
            request, Round.objects.visible_to(request.user), pk=data.pop("round").pk
        )
        category = services.category_save(round_=round_, data=data, actor=request.user)
        return self.respond(category, status=201)

    @extend_schema(
        request=s.HonourCategoryInputSerializer,
        responses=s.HonourCategorySerializer,
        summary="修改荣誉类别（改名、调整权重和名额）",
    )
    def partial_update(self, request, pk=None):
        category = self.get_object()
        data = self.parse(s.HonourCategoryInputSerializer, partial=True)
        category = services.category_save(
            round_=category.round, data=data, actor=request.user, category=category
        )
        return self.respond(category)

    @extend_schema(request=None, responses={204: None}, summary="删除荣誉类别（仅筹备中）")
    def destroy(self, request, pk=None):
        services.category_delete(category=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuotaViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Area quotas that replace a category's default; POST sets (creates or changes) one."""

    model = Quota
    serializer_class = s.QuotaSerializer
    serializer_classes = {"create": s.QuotaSetSerializer}
    required_capability = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Quota.objects.none()
        qs = Quota.objects.filter(category__round__in=Round.objects.visible_to(self.request.user))
        round_id = self.request.query_params.get("round", "")
        return qs.filter(category__round_id=int(round_id)) if round_id.isdigit() else qs

    @extend_schema(
        request=s.QuotaSetSerializer, responses={201: s.QuotaSerializer}, summary="设置片区名额"
    )
    def create(self, request):
        services.require_manager(request.user, request=request)
        data = self.parse(s.QuotaSetSerializer)
        category = data["category"]
        get_in_scope(request, Round.objects.visible_to(request.user), pk=category.round_id)
        quota = services.quota_set(actor=request.user, **data)
        return self.respond(quota, status=201)


class NominationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Nominations of organizations and members under the user's organizations; ?round= filters."""

    model = Nomination
    serializer_class = s.NominationSerializer
    serializer_classes = {"create": s.NominateSerializer, "review": s.NominationReviewSerializer}
    required_capability = roles.READ

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .select_related("category", "area", "nominee_org", "nominee_member")
        )
        round_id = self.request.query_params.get("round", "")
        return qs.filter(round_id=int(round_id)) if round_id.isdigit() else qs

    @extend_schema(
        request=s.NominateSerializer,
        responses={201: s.NominationSerializer},
        summary="推荐",
        description="推荐一个党组织（nominee_org）或一名党员（nominee_member），只能是本人所辖范围内的，"
        "且在所在片区该类别的名额之内；名额已满时返回 400 并说明名额。",
    )
    def create(self, request):
        data = self.parse(s.NominateSerializer)
        round_ = get_in_scope(request, Round.objects.visible_to(request.user), pk=data["round"].pk)
        nomination = services.nominate(
            round_=round_,
            category=data["category"],
            actor=request.user,
            reason=data["reason"],
            evidence=data.get("evidence", ""),
            nominee_org=data.get("nominee_org"),
            nominee_member=data.get("nominee_member"),
            upload=data.get("evidence_file"),
        )
        return self.respond(nomination, status=201)

    @extend_schema(request=None, responses=s.NominationSerializer, summary="撤回推荐")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        nomination = services.nomination_withdraw(nomination=self.get_object(), actor=request.user)
        return self.respond(nomination)

    @extend_schema(
        request=s.NominationReviewSerializer,
        responses=s.NominationSerializer,
        summary="审核（机关工委）",
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        nomination = get_in_scope(request, self.get_queryset(), pk=pk)
        data = self.parse(s.NominationReviewSerializer)
        nomination = services.nomination_review(nomination=nomination, actor=request.user, **data)
        return self.respond(nomination)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("dual-excellence/rounds", RoundViewSet, basename="dual-excellence-round")
    router.register(
        "dual-excellence/categories", CategoryViewSet, basename="dual-excellence-category"
    )
    router.register("dual-excellence/quotas", QuotaViewSet, basename="dual-excellence-quota")
    router.register(
        "dual-excellence/nominations", NominationViewSet, basename="dual-excellence-nomination"
    )


extra_urls = []
