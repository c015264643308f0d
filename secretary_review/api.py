"""REST API of 联述联评联考 under /api/v1/secretary-review/: rounds, reports, ballots and results.

Same rules as the pages: rounds and reports through their visible_to querysets (404 outside scope,
audited), only the author writes a report, only the user's own assignments can be voted on, and
results (aggregates) exist only for closed rounds. No endpoint returns a ballot.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import get_in_scope
from core.api import ApiSchema, PasswordPolicy, ServiceErrorsMixin
from secretary_review import selectors, services
from secretary_review import serializers as s
from secretary_review.models import Report, Round

PERMISSIONS = [permissions.IsAuthenticated, PasswordPolicy]


class RoundViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    serializer_class = s.SecretaryReviewRoundSerializer
    permission_classes = PERMISSIONS
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Round.objects.none()
        return selectors.rounds_for(self.request.user)

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    def _input(self) -> dict:
        serializer = s.SecretaryReviewRoundInputSerializer(
            data=self.request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, round_, code=status.HTTP_200_OK):
        return Response(
            s.SecretaryReviewRoundSerializer(Round.objects.get(pk=round_.pk)).data, status=code
        )

    @extend_schema(
        request=s.SecretaryReviewRoundInputSerializer, summary="新建年度考核（机关工委管理员）"
    )
    def create(self, request):
        data = self._input()
        area, year = data.pop("area", None), data.pop("year", None)
        if area is None or year is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"area": ["请填写考核范围和年度"]})
        return self._answer(
            services.round_create(actor=request.user, area=area, year=year, **data),
            status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.SecretaryReviewRoundInputSerializer, summary="修改设置（测评开始前）")
    def partial_update(self, request, pk=None):
        round_ = self.get_object()
        data = self._input()
        data.pop("area", None), data.pop("year", None)
        return self._answer(services.round_update(round_=round_, data=data, actor=request.user))

    def _step(self, service):
        round_ = self.get_object()
        service(round_=round_, actor=self.request.user)
        return self._answer(round_)

    @extend_schema(request=None, summary="开始述职")
    @action(detail=True, methods=["post"], url_path="open-reporting")
    def open_reporting(self, request, pk=None):
        return self._step(services.round_open_reporting)

    @extend_schema(request=None, summary="开始民主测评")
    @action(detail=True, methods=["post"], url_path="open-rating")
    def open_rating(self, request, pk=None):
        return self._step(services.round_open_rating)

    @extend_schema(request=None, summary="结束测评并公布结果")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(services.round_close)

    @extend_schema(
        responses=s.SecretaryReviewResultSerializer(many=True),
        summary="考核结果（测评结束后，仅汇总）",
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        round_ = self.get_object()
        if not round_.is_closed:
            raise PermissionDenied("测评结束后才公布结果。")
        reports = selectors.results(
            Report.objects.results_visible_to(request.user)
            .filter(round=round_)
            .select_related("organization", "secretary", "round")
        )
        return self.paginated(reports)

    def paginated(self, queryset):
        page = self.paginate_queryset(queryset)
        data = s.SecretaryReviewResultSerializer(page, many=True).data
        return self.get_paginated_response(data)


class ReportViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    serializer_class = s.SecretaryReviewReportSerializer
    permission_classes = PERMISSIONS
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        reports = selectors.reports_for(self.request.user)
        round_id = self.request.query_params.get("round")
        if round_id and round_id.isdigit():
            reports = reports.filter(round_id=int(round_id))
        return reports

    def get_object(self):
        write = self.request.method not in permissions.SAFE_METHODS
        return get_in_scope(
            self.request,
            self.get_queryset(),
            writable=Report.objects.writable_by(self.request.user) if write else None,
            pk=self.kwargs["pk"],
        )

    @extend_schema(
        request=s.SecretaryReviewReportTextSerializer, summary="修改述职内容（本人，提交前）"
    )
    def partial_update(self, request, pk=None):
        report = self.get_object()
        serializer = s.SecretaryReviewReportTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_update(
            report=report, text=serializer.validated_data["text"], actor=request.user
        )
        return Response(s.SecretaryReviewReportSerializer(report).data)

    @extend_schema(request=None, summary="提交述职报告（本人）")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        services.report_submit(report=report, actor=request.user)
        return Response(s.SecretaryReviewReportSerializer(report).data)


class BallotViewSet(ServiceErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own open assignments, and casting anonymous ballots on them."""

    schema = ApiSchema()
    serializer_class = s.SecretaryReviewAssignmentSerializer
    permission_classes = PERMISSIONS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return selectors.open_assignments(self.request.user)

    @extend_schema(
        request=s.SecretaryReviewBallotsInputSerializer,
        responses={201: s.SecretaryReviewCastSerializer},
        summary="匿名提交测评（只能为分配给本人的述职）",
    )
    def create(self, request):
        serializer = s.SecretaryReviewBallotsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grades = {b["report"]: b["grade"] for b in serializer.validated_data["ballots"]}
        cast = services.ballots_cast(actor=request.user, grades=grades)
        return Response({"cast": cast}, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("secretary-review/rounds", RoundViewSet, basename="secretary-review-round")
    router.register("secretary-review/reports", ReportViewSet, basename="secretary-review-report")
    router.register("secretary-review/ballots", BallotViewSet, basename="secretary-review-ballot")


extra_urls = []
