"""REST API of supervision; registered on /api/v1/ by dangjian.api_urls.

Same scoping as the pages: findings by their responsible organization's path, inspections by the
organizer (and team), notices by issuer and published audience. Transitions call the same services,
so a refused or impossible step answers 403 / 400 with the Chinese message.
"""

from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core import roles
from core.access import get_in_scope, require_capability
from core.api import (
    ApiSchema,
    PasswordPolicy,
    ScopedFilterSet,
    ScopedViewSet,
    ServiceErrorsMixin,
    enum_field,
    users,
    visible,
    writable,
)
from members.models import Member
from orgs.models import Organization
from supervision import selectors, services
from supervision.models import (
    RECTIFYING,
    AccountabilityCase,
    DeadlineExtension,
    Evidence,
    ExposureNotice,
    FaultToleranceExemption,
    Finding,
    FindingCategory,
    FindingEvent,
    FindingState,
    Inspection,
)

StateField = enum_field(FindingState, "FindingStateEnum")
SeverityField = enum_field(Finding.Severity, "FindingSeverityEnum")
# Output and input serializers share one named choice set each.
InspectionKindField = enum_field(Inspection.Kind, "SupervisionInspectionKindEnum")
CaseKindField = enum_field(AccountabilityCase.Kind, "SupervisionCaseKindEnum")
EventKindField = enum_field(FindingEvent.Kind, "SupervisionEventKindEnum")


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "latitude", "longitude", "taken_at", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("supervision:evidence_download", args=[obj.pk])


class EventSerializer(serializers.ModelSerializer):
    kind = EventKindField(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = FindingEvent
        fields = [
            "id",
            "kind",
            "from_state",
            "to_state",
            "text",
            "actor_name",
            "happened_at",
            "evidence",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    escalated_to_name = serializers.CharField(
        source="escalated_to.name", read_only=True, default=""
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "organization", "organization_name", "category", "category_name", "severity",
                  "description", "place", "found_at", "deadline", "state", "overdue", "inspection",
                  "escalation_level", "escalated_to", "escalated_to_name", "escalated_at", "closed_at",
                  "close_reason", "reopen_count", "plan"]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineExtension
        fields = ["id", "finding", "previous_deadline", "requested_deadline", "reason", "status",
                  "requested_at", "decided_at", "decision_note"]  # fmt: skip
        read_only_fields = fields


class FindingDetailSerializer(FindingSerializer):
    events = EventSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "events", "extensions", "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return sorted(services.allowed_actions(self.context["request"].user, obj))


class FindingCreateSerializer(serializers.Serializer):
    organization = writable(Organization, help_text="责任组织（须为本人可检查的下级组织）")
    category = serializers.PrimaryKeyRelatedField(
        queryset=FindingCategory.objects.filter(is_active=True)
    )
    severity = SeverityField(default=Finding.Severity.MINOR)
    description = serializers.CharField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField()
    inspection = visible(Inspection, required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    taken_at = serializers.DateTimeField(required=False, allow_null=True)


class StepSerializer(serializers.Serializer):
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SignOffSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(ReasonSerializer):
    deadline = serializers.DateField()


class ExemptionRequestSerializer(serializers.Serializer):
    grounds = serializers.CharField()
    person_name = serializers.CharField(required=False, allow_blank=True, default="")


class ExtensionRequestSerializer(serializers.Serializer):
    deadline = serializers.DateField(help_text="申请延至的整改期限")
    reason = serializers.CharField()


class FindingFilter(ScopedFilterSet):
    state = filters.ChoiceFilter(label="状态", choices=FindingState.choices)
    severity = filters.ChoiceFilter(label="严重程度", choices=Finding.Severity.choices)
    category = filters.NumberFilter(label="问题类别编号", field_name="category_id")
    organization = filters.NumberFilter(label="责任组织编号", field_name="organization_id")
    inspection = filters.NumberFilter(label="检查编号", field_name="inspection_id")
    overdue = filters.BooleanFilter(label="仅逾期", method="filter_overdue")
    escalated = filters.BooleanFilter(label="仅升级督办", method="filter_escalated")
    year = filters.NumberFilter(label="发现年度", field_name="found_at__year")

    class Meta:
        model = Finding
        fields = ["state", "severity", "category", "organization", "inspection", "overdue",
                  "escalated", "year"]  # fmt: skip

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(escalation_level__gt=0, state__in=RECTIFYING) if value else queryset


@extend_schema_view(
    list=extend_schema(
        summary="督查问题列表",
        description="按责任组织所辖范围筛选；可按状态、类别、逾期、升级督办筛选。",
    ),
    retrieve=extend_schema(
        summary="督查问题详情", description="含全部办理记录、佐证材料和本人可进行的操作。"
    ),
    create=extend_schema(
        summary="现场登记问题",
        description="multipart 上传 photos（可多张），可带经纬度和拍摄时间。",
    ),
)
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Findings: recorded, rectified, verified; never deleted."""

    model = Finding
    serializer_class = FindingDetailSerializer
    serializer_classes = {
        "list": FindingSerializer,
        "create": FindingCreateSerializer,
        "plan": StepSerializer,
        "progress": StepSerializer,
        "submit": StepSerializer,
        "sign_off": SignOffSerializer,
        "return_": ReasonSerializer,
        "close": ReasonSerializer,
        "reopen": ReopenSerializer,
        "exemption": ExemptionRequestSerializer,
        "extension": ExtensionRequestSerializer,
    }
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = FindingFilter
    search_fields = ["description"]
    ordering_fields = ["found_at", "deadline"]

    def get_queryset(self):
        qs = selectors.with_related(super().get_queryset())
        if self.action == "retrieve":
            qs = qs.prefetch_related("events__evidence", "extensions")
        return qs

    def writable_queryset(self):
        # Transitions from above (sign-off, return) need only visibility; services check the rest.
        return None

    def create(self, request):
        data = self.parse()
        finding = services.finding_record(
            actor=request.user,
            organization=data["organization"],
            category=data["category"],
            severity=data["severity"],
            description=data["description"],
            place=data["place"],
            deadline=data["deadline"],
            inspection=data["inspection"],
            photos=[
                services.Photo(f, data.get("latitude"), data.get("longitude"), data.get("taken_at"))
                for f in data["photos"]
            ],
        )
        return self.respond(self.get_queryset().get(pk=finding.pk), status=201)

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    def _do(self, call):
        finding = self.get_object()
        data = self.parse()
        call(finding, data)
        return self.respond(
            self.get_queryset()
            .prefetch_related("events__evidence", "extensions")
            .get(pk=finding.pk)
        )

    @extend_schema(summary="报送整改方案")
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        return self._do(lambda f, d: services.finding_submit_plan(
            finding=f, actor=request.user, plan=d["text"], files=d["files"]))  # fmt: skip

    @extend_schema(summary="报告整改进展")
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        return self._do(lambda f, d: services.finding_report_progress(
            finding=f, actor=request.user, text=d["text"], files=d["files"]))  # fmt: skip

    @extend_schema(summary="提请验收")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._do(lambda f, d: services.finding_submit_for_verification(
            finding=f, actor=request.user, text=d["text"], files=d["files"]))  # fmt: skip

    @extend_schema(summary="验收销号")
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        return self._do(
            lambda f, d: services.finding_sign_off(finding=f, actor=request.user, text=d["text"])
        )

    @extend_schema(summary="退回重改")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._do(
            lambda f, d: services.finding_return(finding=f, actor=request.user, reason=d["reason"])
        )

    @extend_schema(summary="重新打开")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._do(lambda f, d: services.finding_reopen(
            finding=f, actor=request.user, reason=d["reason"], deadline=d["deadline"]))  # fmt: skip

    @extend_schema(summary="关闭问题（机关工委）")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._do(
            lambda f, d: services.finding_close(finding=f, actor=request.user, reason=d["reason"])
        )

    @extend_schema(
        summary="申请延期", description="责任组织申请延后整改期限，由上级组织或检查人审批。"
    )
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        return self._do(lambda f, d: services.extension_request(
            finding=f, actor=request.user, deadline=d["deadline"], reason=d["reason"]))  # fmt: skip

    @extend_schema(summary="申请容错免责")
    @action(detail=True, methods=["post"])
    def exemption(self, request, pk=None):
        return self._do(lambda f, d: services.exemption_request(
            finding=f, actor=request.user, grounds=d["grounds"], person_name=d["person_name"]))  # fmt: skip


class InspectionSerializer(serializers.ModelSerializer):
    kind = InspectionKindField(read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "kind", "title", "organizer", "organizations", "topics", "team", "leader",
                  "starts_on", "ends_on"]  # fmt: skip
        read_only_fields = fields


def inspectors(user):
    """Who the caller may put on an inspection team: write-role holders under them, and themselves."""
    return User.objects.filter(
        Q(pk__in=selectors.inspector_choices(user).values("pk")) | Q(pk=user.pk)
    )


# Input serializers carry no docstring: it would become the schema's (English) description.
class InspectionInputSerializer(serializers.ModelSerializer):
    # Arranging an inspection: organizations and people within the caller's own scope only.

    kind = InspectionKindField(label="检查类型")
    organizer = writable(Organization, label="组织单位")
    organizations = writable(Organization, many=True, label="检查对象")
    team = users(inspectors, many=True, required=False, label="检查组成员")
    leader = users(inspectors, required=False, allow_null=True, label="组长")

    class Meta:
        model = Inspection
        fields = ["kind", "title", "organizer", "organizations", "topics", "team", "leader",
                  "starts_on", "ends_on"]  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="督查检查列表"),
    retrieve=extend_schema(summary="督查检查详情"),
    create=extend_schema(
        summary="安排督查检查",
        request=InspectionInputSerializer,
        responses={201: InspectionSerializer},
    ),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Inspection
    serializer_class = InspectionSerializer
    serializer_classes = {"create": InspectionInputSerializer}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("organizations", "team")

    def create(self, request):
        data = self.parse()
        inspection = services.inspection_create(
            actor=request.user,
            organizer=data.pop("organizer"),
            organizations=data.pop("organizations"),
            team=data.pop("team", []),
            data=data,
        )
        return self.respond(inspection, status=201)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingCategory
        fields = ["id", "code", "name", "group", "description", "is_active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="问题类别"), retrieve=extend_schema(summary="问题类别")
)
class FindingCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = FindingCategory
    serializer_class = CategorySerializer
    required_capability = roles.READ
    pagination_class = None

    def get_queryset(self):
        return FindingCategory.objects.all()

    def get_object(self):
        return get_in_scope(self.request, self.get_queryset(), pk=self.kwargs["pk"])


class CaseSerializer(serializers.ModelSerializer):
    kind = CaseKindField(read_only=True)

    class Meta:
        model = AccountabilityCase
        fields = ["id", "organization", "findings", "member", "person_name", "kind", "decision",
                  "decided_on", "authority"]  # fmt: skip
        read_only_fields = fields


class CaseInputSerializer(serializers.ModelSerializer):
    # Recording accountability: the organization, findings and member visible to the caller.

    kind = CaseKindField(label="问责方式")
    organization = visible(Organization, label="被问责组织")
    findings = visible(Finding, many=True, required=False, label="关联问题")
    member = visible(Member, required=False, allow_null=True, label="被问责人")

    class Meta:
        model = AccountabilityCase
        fields = ["organization", "findings", "member", "person_name", "kind", "decision",
                  "decided_on", "authority"]  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="问责案例列表"),
    retrieve=extend_schema(summary="问责案例详情"),
    create=extend_schema(
        summary="登记问责",
        description="须为被问责组织的上级组织。",
        request=CaseInputSerializer,
        responses={201: CaseSerializer},
    ),
)
class AccountabilityCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = AccountabilityCase
    serializer_class = CaseSerializer
    serializer_classes = {"create": CaseInputSerializer}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("findings")

    def create(self, request):
        data = self.parse()
        case = services.case_create(
            actor=request.user,
            organization=data.pop("organization"),
            findings=data.pop("findings", []),
            member=data.pop("member", None),
            data=data,
        )
        return self.respond(case, status=201)


class ExemptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaultToleranceExemption
        fields = ["id", "finding", "person_name", "grounds", "status", "requested_at", "decided_at",
                  "decision_note"]  # fmt: skip
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    """工委's answer to an exemption or an extension request."""

    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="容错免责申请列表"), retrieve=extend_schema(summary="容错免责申请")
)
class ExemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = FaultToleranceExemption
    serializer_class = ExemptionSerializer
    serializer_classes = {"decide": DecisionSerializer}

    def writable_queryset(self):
        return None  # the decision is 工委's, checked by the service

    @extend_schema(summary="审批容错免责（机关工委）")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        exemption = self.get_object()
        data = self.parse()
        services.exemption_decide(exemption=exemption, actor=request.user, **data)
        return self.respond(exemption)


@extend_schema_view(
    list=extend_schema(summary="延期申请列表"), retrieve=extend_schema(summary="延期申请")
)
class ExtensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = DeadlineExtension
    serializer_class = ExtensionSerializer
    serializer_classes = {"decide": DecisionSerializer}

    def writable_queryset(self):
        return None  # deciding is for whoever may sign off, checked by the service

    @extend_schema(
        summary="审批延期申请", description="批准则整改期限顺延；新期限在今天以后时解除升级督办。"
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        extension = self.get_object()
        data = self.parse()
        services.extension_decide(extension=extension, actor=request.user, **data)
        extension.refresh_from_db()
        return self.respond(extension)


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExposureNotice
        fields = ["id", "title", "body", "issuer", "audience", "cases", "findings", "published_at"]
        read_only_fields = fields


class NoticeInputSerializer(serializers.ModelSerializer):
    # Drafting a notice: issued for an organization the caller writes for, to ones under it.

    issuer = writable(Organization, label="发布组织")
    audience = writable(Organization, many=True, label="通报范围")
    cases = visible(AccountabilityCase, many=True, required=False, label="关联问责")
    findings = visible(Finding, many=True, required=False, label="关联问题")

    class Meta:
        model = ExposureNotice
        fields = ["title", "body", "issuer", "audience", "cases", "findings"]


@extend_schema_view(
    list=extend_schema(
        summary="通报曝光列表", description="本人发布范围内的通报，以及发布到本人所在组织的通报。"
    ),
    retrieve=extend_schema(summary="通报曝光详情"),
    create=extend_schema(
        summary="起草通报曝光", request=NoticeInputSerializer, responses={201: NoticeSerializer}
    ),
)
class ExposureNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ExposureNotice
    serializer_class = NoticeSerializer
    serializer_classes = {"create": NoticeInputSerializer}
    required_capability = None

    def get_queryset(self):
        return super().get_queryset().prefetch_related("audience", "cases", "findings")

    def create(self, request):
        data = self.parse()
        notice = services.notice_create(
            actor=request.user,
            issuer=data.pop("issuer"),
            audience=data.pop("audience"),
            cases=data.pop("cases", []),
            findings=data.pop("findings", []),
            data=data,
        )
        return self.respond(notice, status=201)

    @extend_schema(summary="发布通报", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        notice = self.get_object()
        services.notice_publish(notice=notice, actor=request.user)
        return self.respond(notice)


class OverviewView(ServiceErrorsMixin, APIView):
    """工委 overview figures for the caller's scope (or one visible organization's subtree)."""

    schema = ApiSchema()
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    @extend_schema(summary="督查问题总览", responses={200: dict})
    def get(self, request):
        require_capability(request, roles.READ)
        today = timezone.localdate()
        year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
        root = None
        if request.GET.get("org", "").isdigit():
            root = get_in_scope(
                request, Organization.objects.visible_to(request.user), pk=int(request.GET["org"])
            )
        ov = selectors.overview(request.user, today=today, year=year, root=root)
        return Response({
            "year": year, "total": ov.total, "finished": ov.finished, "closure_rate": ov.closure_rate,
            "unfinished": ov.unfinished, "overdue_count": ov.overdue_count,
            "escalated_count": ov.escalated_count, "by_category": ov.by_category, "by_area": ov.by_area,
            "by_month": ov.by_month, "by_state": ov.by_state,
            "overdue": FindingSerializer(ov.overdue, many=True).data,
            "repeat_offenders": [
                {"organization": r["organization"].pk, "organization_name": r["organization"].name,
                 "repeats": r["repeats"], "categories": r["categories"]} for r in ov.repeat_offenders
            ],
        })  # fmt: skip


class TodoView(ServiceErrorsMixin, APIView):
    """The caller's lists: to rectify, to verify, escalated to their organizations."""

    schema = ApiSchema()
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    @extend_schema(summary="督查整改待办", responses={200: dict})
    def get(self, request):
        user = request.user
        return Response({
            "todo": FindingSerializer(selectors.todo(user)[:200], many=True).data,
            "to_verify": FindingSerializer(selectors.to_verify(user)[:200], many=True).data,
            "escalated": FindingSerializer(selectors.escalated_to_me(user)[:200], many=True).data,
        })  # fmt: skip


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("supervision/findings", FindingViewSet, basename="supervision-finding")
    router.register("supervision/inspections", InspectionViewSet, basename="supervision-inspection")
    router.register(
        "supervision/categories", FindingCategoryViewSet, basename="supervision-category"
    )
    router.register("supervision/cases", AccountabilityCaseViewSet, basename="supervision-case")
    router.register("supervision/exemptions", ExemptionViewSet, basename="supervision-exemption")
    router.register("supervision/extensions", ExtensionViewSet, basename="supervision-extension")
    router.register("supervision/notices", ExposureNoticeViewSet, basename="supervision-notice")


extra_urls = [
    path("supervision/overview/", OverviewView.as_view(), name="api-supervision-overview"),
    path("supervision/todo/", TodoView.as_view(), name="api-supervision-todo"),
]
