"""/api/v1/weak-orgs/…: criteria (every party reader), flag runs and results (工委), cases (scoped).

Cases: the organization's writers report progress and mark exit criteria; only 机关工委
administrators confirm, plan and lift (refusals audited through weak_orgs.services).
"""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import User
from core import roles
from core.access import get_in_scope
from core.api import (
    ApiSchema,
    CapabilityRequired,
    PasswordPolicy,
    ScopedFilterSet,
    ScopedPrimaryKeyField,
    ScopedViewSet,
    ServiceErrorsMixin,
    enum_field,
    writable,
)
from orgs.models import Organization
from weak_orgs import selectors, services
from weak_orgs.criteria import DEFINITIONS, parameter_text
from weak_orgs.flags import compute_flags
from weak_orgs.models import (
    ExitCriterion,
    FlagResult,
    FlagRun,
    ProgressNote,
    WeakOrgCase,
    WeakOrgCriterion,
)

# --- serializers --------------------------------------------------------------------------------


class HitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="研判条件代码")
    name = serializers.CharField(help_text="研判条件名称")
    fact = serializers.CharField(help_text="触发事实")


class CriterionSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField(help_text="计算口径")
    parameter_text = serializers.SerializerMethodField(help_text="参数说明")
    available = serializers.SerializerMethodField(help_text="是否已有数据来源")
    unavailable_note = serializers.SerializerMethodField(help_text="无数据来源时的说明")

    class Meta:
        model = WeakOrgCriterion
        fields = [
            "id",
            "code",
            "name",
            "description",
            "parameters",
            "parameter_text",
            "org_kinds",
            "enabled",
            "available",
            "unavailable_note",
            "effective_from",
            "effective_to",
            "source",
            "is_default",
        ]
        read_only_fields = fields

    def get_description(self, obj) -> str:
        return DEFINITIONS[obj.code].description

    def get_parameter_text(self, obj) -> str:
        return parameter_text(obj.code, obj.parameters)

    def get_available(self, obj) -> bool:
        return DEFINITIONS[obj.code].available

    def get_unavailable_note(self, obj) -> str:
        return DEFINITIONS[obj.code].unavailable_note


class CriterionReviseSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    parameters = serializers.DictField(help_text='参数，如 {"months": 3}')
    org_kinds = serializers.ListField(child=serializers.CharField(), help_text="适用组织类型")
    enabled = serializers.BooleanField()
    effective_from = serializers.DateField(help_text="新版本生效日期")
    source = serializers.CharField()


class FlagRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlagRun
        fields = [
            "id",
            "as_of",
            "computed_at",
            "triggered_by",
            "organizations_checked",
            "flagged",
            "criteria",
            "seconds",
        ]
        read_only_fields = fields


class FlagResultSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    as_of = serializers.DateField(source="run.as_of", read_only=True)
    hits = HitSerializer(many=True, read_only=True)
    decision = enum_field(FlagResult.Decision, "WeakOrgDecisionEnum")(read_only=True)

    class Meta:
        model = FlagResult
        fields = [
            "id",
            "run",
            "as_of",
            "organization",
            "organization_name",
            "hits",
            "decision",
            "decision_reason",
            "decided_at",
        ]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ExitCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExitCriterion
        fields = ["id", "text", "met", "met_on", "met_note"]
        read_only_fields = fields


class ProgressNoteSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField()
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = ProgressNote
        fields = ["id", "body", "file_name", "has_file", "created_by_name", "created_at"]
        read_only_fields = fields

    def get_created_by_name(self, obj) -> str:
        return obj.created_by.display_name if obj.created_by else ""

    def get_has_file(self, obj) -> bool:
        return bool(obj.file)


class CaseSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status = enum_field(WeakOrgCase.Status, "WeakOrgCaseStatusEnum")(read_only=True)
    reasons = HitSerializer(many=True, read_only=True)

    class Meta:
        model = WeakOrgCase
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "status",
            "reasons",
            "confirm_reason",
            "confirmed_on",
            "leader",
            "leader_name",
            "plan",
            "due_on",
            "lifted_on",
            "lift_reason",
            "lift_override_reason",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    exit_criteria = ExitCriterionSerializer(many=True, read_only=True)
    notes = ProgressNoteSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "exit_criteria", "notes"]
        read_only_fields = fields


class CaseOpenSerializer(serializers.Serializer):
    organization = writable(Organization, help_text="党组织编号")
    reason = serializers.CharField(max_length=500, help_text="确认依据（未经系统研判直接确认）")


class LeaderField(ScopedPrimaryKeyField):
    """The users the page offers as the case's leader in charge; none without a case in context."""

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.filter(is_active=True), limit=self.leaders, **kwargs)

    def leaders(self, queryset, user):
        case = self.context.get("case")
        if case is None:
            return queryset.none()
        return queryset.filter(pk__in=selectors.leader_choices(case.organization).values("pk"))


class PlanSerializer(serializers.Serializer):
    plan = serializers.CharField()
    exit_criteria = serializers.ListField(child=serializers.CharField(max_length=300))
    leader = LeaderField(label="责任领导", required=False, allow_null=True)
    leader_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    due_on = serializers.DateField(required=False, allow_null=True)


class ProgressSerializer(serializers.Serializer):
    body = serializers.CharField()
    file = serializers.FileField(required=False, help_text="佐证材料：照片、PDF 或 Word")


class MarkSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="销号标准编号")
    met = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LiftSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


# --- viewsets -----------------------------------------------------------------------------------


class CriterionViewSet(ServiceErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """/api/v1/weak-orgs/criteria/: every version, city-wide configuration readable by party readers.

    Listed only (a few rows); `revise` adds a version.
    """

    schema = ApiSchema()
    serializer_class = CriterionSerializer
    required_capability = roles.READ
    lookup_value_converter = "int"
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy, CapabilityRequired]
    queryset = WeakOrgCriterion.objects.order_by("code", "-effective_from", "-pk")

    def get_serializer_class(self):
        return CriterionReviseSerializer if self.action == "revise" else CriterionSerializer

    @extend_schema(
        request=CriterionReviseSerializer,
        responses={201: CriterionSerializer},
        summary="调整（新版本）",
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        services.require_committee(request.user, what="修改软弱涣散研判条件")
        criterion = self.get_object()
        serializer = CriterionReviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revised = services.criterion_revise(
            criterion=criterion, actor=request.user, **serializer.validated_data
        )
        return Response(CriterionSerializer(revised).data, status=status.HTTP_201_CREATED)


class FlagRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """/api/v1/weak-orgs/flag-runs/: 工委 only; POST computes the flags as of today."""

    model = FlagRun
    serializer_class = FlagRunSerializer
    required_capability = roles.READ

    def get_queryset(self):
        return super().get_queryset().order_by("-as_of")

    @extend_schema(request=None, responses={201: FlagRunSerializer}, summary="立即研判")
    def create(self, request):
        services.require_committee(request.user, what="发起软弱涣散研判")
        run = compute_flags(timezone.localdate(), actor=request.user)
        return self.respond(run, status=status.HTTP_201_CREATED)


class FlagResultFilter(ScopedFilterSet):
    run = filters.NumberFilter(label="研判编号", field_name="run_id")
    decision = filters.ChoiceFilter(label="研判结论", choices=FlagResult.Decision.choices)

    class Meta:
        model = FlagResult
        fields = ["run", "decision"]


class FlagResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """/api/v1/weak-orgs/flag-results/: the latest run's results unless ?run= names another."""

    model = FlagResult
    serializer_class = FlagResultSerializer
    serializer_classes = {"confirm": ReasonSerializer, "dismiss": ReasonSerializer}
    filterset_class = FlagResultFilter
    required_capability = roles.READ

    def get_queryset(self):
        qs = super().get_queryset().select_related("organization", "run")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no database
            return qs
        if self.action == "list" and not self.request.query_params.get("run"):
            latest = selectors.latest_run()
            qs = qs.filter(run=latest) if latest else qs.none()
        return qs.order_by("-run__as_of", "organization__path")

    @extend_schema(request=ReasonSerializer, responses={201: CaseSerializer}, summary="确认整顿")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        result = self.get_object()
        data = self.parse(ReasonSerializer)
        case = services.case_confirm(
            organization=result.organization,
            actor=request.user,
            reason=data.get("reason", ""),
            result=result,
        )
        return self.respond(case, status=status.HTTP_201_CREATED, serializer_class=CaseSerializer)

    @extend_schema(request=ReasonSerializer, responses=FlagResultSerializer, summary="排除")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        result = self.get_object()
        data = self.parse(ReasonSerializer)
        result = services.flag_dismiss(
            result=result, actor=request.user, reason=data.get("reason", "")
        )
        return self.respond(result)


class CaseFilter(ScopedFilterSet):
    year = filters.NumberFilter(label="年度")
    status = filters.ChoiceFilter(label="状态", choices=WeakOrgCase.Status.choices)
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")

    class Meta:
        model = WeakOrgCase
        fields = ["year", "status", "organization"]


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """/api/v1/weak-orgs/cases/: cases in the caller's scope."""

    model = WeakOrgCase
    serializer_class = CaseSerializer
    # The input each action reads (the browsable API draws its forms from these too).
    serializer_classes = {
        "retrieve": CaseDetailSerializer,
        "create": CaseOpenSerializer,
        "plan": PlanSerializer,
        "progress": ProgressSerializer,
        "mark": MarkSerializer,
        "lift": LiftSerializer,
    }
    filterset_class = CaseFilter
    required_capability = roles.READ
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = super().get_queryset().select_related("organization")
        if self.action != "list":
            qs = qs.prefetch_related("exit_criteria", "notes__created_by")
        return qs.order_by("-year", "organization__path")

    def _detail(self, case, code=200):
        fresh = self.get_queryset().prefetch_related("exit_criteria", "notes").get(pk=case.pk)
        return self.respond(fresh, status=code, serializer_class=CaseDetailSerializer)

    @extend_schema(
        request=CaseOpenSerializer, responses={201: CaseDetailSerializer}, summary="直接确认整顿"
    )
    def create(self, request):
        data = self.parse(CaseOpenSerializer)
        case = services.case_confirm(
            organization=data["organization"], actor=request.user, reason=data["reason"]
        )
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(request=PlanSerializer, responses=CaseDetailSerializer, summary="制定整顿方案")
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        case = self.get_object()
        data = self.parse(PlanSerializer, context={"case": case})
        services.case_plan(case=case, actor=request.user, **data)
        return self._detail(case)

    @extend_schema(request=ProgressSerializer, responses=CaseDetailSerializer, summary="填报进展")
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        case = self.get_object()
        data = self.parse(ProgressSerializer)
        services.progress_add(
            case=case, actor=request.user, body=data["body"], upload=data.get("file")
        )
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(request=MarkSerializer, responses=CaseDetailSerializer, summary="标记销号标准")
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        case = self.get_object()
        data = self.parse(MarkSerializer)
        item = get_in_scope(request, case.exit_criteria.all(), pk=data["criterion"])
        services.exit_criterion_mark(
            criterion=item, actor=request.user, met=data["met"], note=data.get("note", "")
        )
        return self._detail(case)

    @extend_schema(request=LiftSerializer, responses=CaseDetailSerializer, summary="销号")
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        case = self.get_object()
        data = self.parse(LiftSerializer)
        services.case_lift(case=case, actor=request.user, **data)
        return self._detail(case)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("weak-orgs/criteria", CriterionViewSet, basename="weak-orgs-criterion")
    router.register("weak-orgs/flag-runs", FlagRunViewSet, basename="weak-orgs-flag-run")
    router.register("weak-orgs/flag-results", FlagResultViewSet, basename="weak-orgs-flag-result")
    router.register("weak-orgs/cases", CaseViewSet, basename="weak-orgs-case")


extra_urls = []
