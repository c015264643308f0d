"""/api/v1/ activities, attendance, sign-in, rules, compliance and the member's own attendance.

Same scoping as the pages: activities through Activity.objects.visible_to / writable_by, compliance
only for a visible organization, rules readable by party readers and changed by 机关工委 administrators.
"""

from django.core.validators import RegexValidator
from django.db.models import Count, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import audit, roles
from core.access import get_in_scope
from core.api import ApiSchema, PasswordPolicy, ScopedFilterSet, ScopedViewSet, ServiceErrorsMixin
from core.scoping import scope_for
from orglife import rule_services, services
from orglife import serializers as s
from orglife.compliance import compliance, rollup, subtree_compliance
from orglife.models import Activity, ActivityKind, Attendance, LifeRule
from orglife.periods import Period, parse_period
from orglife.selectors import activity_attendance_rate, member_attendance
from orgs.models import Organization

PERIOD_HELP = "年度 2026、季度 2026-Q3 或月份 2026-07"
period_format = RegexValidator(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", f"期间格式应为{PERIOD_HELP}")


def period_from(text: str) -> Period:
    """An already validated period parameter; empty means the current year."""
    return parse_period(text, timezone.localdate())


class ActivityFilter(ScopedFilterSet):
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")
    under = filters.ModelChoiceFilter(
        label="某组织及其全部下级的活动",
        queryset=Organization.objects.none(),
        method="filter_under",
    )
    kind = filters.ChoiceFilter(label="活动类型", choices=ActivityKind.choices)
    status = filters.ChoiceFilter(label="状态", choices=Activity.Status.choices)
    date_from = filters.DateFilter(label="活动日期起", field_name="held_on", lookup_expr="gte")
    date_to = filters.DateFilter(label="活动日期止", field_name="held_on", lookup_expr="lte")
    period = filters.CharFilter(
        label=f"期间（{PERIOD_HELP}）", method="filter_period", validators=[period_format]
    )

    class Meta:
        model = Activity
        fields = ["organization", "under", "kind", "status", "date_from", "date_to", "period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A subtree outside the user's scope is "not a valid choice", never an empty answer.
        self.filters["under"].queryset = Organization.objects.visible_to(self.user)

    @extend_schema_field(OpenApiTypes.INT)  # the parameter is an organization id
    def filter_under(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path)

    def filter_period(self, queryset, name, value):
        period = period_from(value)
        return queryset.filter(held_on__range=(period.start, period.end))


def attendance_summary(activity: Activity) -> dict:
    counts = activity.attendances.aggregate(
        present=Count("id", filter=Q(member__isnull=False, status=Attendance.Status.PRESENT)),
        leave=Count("id", filter=Q(member__isnull=False, status=Attendance.Status.LEAVE)),
        absent=Count("id", filter=Q(member__isnull=False, status=Attendance.Status.ABSENT)),
        guests=Count("id", filter=Q(member__isnull=True)),
        signed_in=Count("id", filter=Q(signed_in_at__isnull=False)),
    )
    return {**counts, "rate": activity_attendance_rate(activity)}


@extend_schema_view(
    list=extend_schema(
        summary="组织生活列表",
        description="仅含本人角色所辖范围内组织的活动；党员看到本支部的活动和本人参加过的活动。",
    ),
    retrieve=extend_schema(
        summary="组织生活详情",
        description="含出席情况汇总和是否计入达标（如支委会未超过半数委员到会不计入）；"
        "签到码仅对可修改者显示。",
    ),
)
class ActivityViewSet(mixins.ListModelMixin, ScopedViewSet):
    """组织生活: scheduled, recorded, corrected or cancelled through orglife.services, never deleted."""

    model = Activity
    serializer_class = s.ActivityDetailSerializer
    serializer_classes = {
        "list": s.ActivitySerializer,
        "create": s.ActivityCreateSerializer,
        "update": s.ActivityInputSerializer,
        "partial_update": s.ActivityInputSerializer,
        "cancel": s.ActivityCancelSerializer,
        "attendance": s.AttendanceCorrectSerializer,
    }
    filterset_class = ActivityFilter
    search_fields = ["topic", "place"]
    ordering_fields = ["starts_at", "held_on", "kind"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def input(self, serializer_class, *, activity=None, partial=False):
        """The request body validated; scoped member fields also accept this activity's attendees."""
        context = {**self.get_serializer_context(), "activity": activity}
        serializer = serializer_class(data=self.request.data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer

    def answer(self, activity: Activity, status=200):
        """The activity re-read with its attendance summary, as retrieve shows it."""
        activity = self.get_queryset().select_related("host", "speaker").get(pk=activity.pk)
        activity.attendance_summary = attendance_summary(activity)
        activity.can_edit = self.writable_queryset().filter(pk=activity.pk).exists()
        return self.respond(activity, status=status)

    def retrieve(self, request, pk=None):
        return self.answer(self.get_object())

    @extend_schema(
        summary="登记或计划组织生活",
        description="status=completed（默认）登记已开展的活动及出席情况；status=planned 提前计划，"
        "开展后再登记。须对该党组织有维护权限；补录已结账期间的活动须填写补录原因。",
        responses={201: s.ActivityDetailSerializer},
    )
    def create(self, request):
        serializer = self.input(s.ActivityCreateSerializer)
        data = serializer.to_service()
        organization = data.pop("organization")
        if serializer.validated_data["status"] == Activity.Status.PLANNED:
            for key in ("attendance", "guests", "correction_reason"):
                data.pop(key, None)
            activity = services.activity_schedule(
                organization=organization, actor=request.user, **data
            )
        else:
            activity = services.activity_record(
                organization=organization, actor=request.user, **data
            )
        return self.answer(activity, status=201)

    @extend_schema(
        summary="修改组织生活记录",
        description="修改已开展的活动，或把计划中的活动登记为已开展（status=completed）。"
        "传入出席名单即整体替换；已结账期间的修改须填写更正原因，记入审计日志。",
        responses=s.ActivityDetailSerializer,
    )
    def update(self, request, pk=None, partial=False):
        activity = self.get_object()
        serializer = self.input(s.ActivityInputSerializer, activity=activity, partial=partial)
        services.activity_record(activity=activity, actor=request.user, **serializer.to_service())
        return self.answer(activity)

    @extend_schema(summary="修改组织生活记录（部分字段）", responses=s.ActivityDetailSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="取消组织生活",
        description="取消不删除记录；已开展的活动取消后不再计入达标。",
        responses=s.ActivityDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        if activity.status == Activity.Status.CANCELLED:
            raise exceptions.ValidationError({"status": ["该活动已取消"]})
        services.activity_cancel(activity=activity, actor=request.user, **self.parse())
        return self.answer(activity)

    @extend_schema(
        methods=["GET"],
        summary="出席名单",
        description="本组织党员的出席、请假、缺席情况和列席人员。",
        request=None,
        responses=s.AttendanceSerializer(many=True),
    )
    @extend_schema(
        methods=["POST", "PATCH"],
        summary="更正一名党员的出席情况",
        description="支部书记手工更正；已结账期间须填写更正原因，记入审计日志。",
        request=s.AttendanceCorrectSerializer,
        responses=s.AttendanceSerializer,
    )
    @action(
        detail=True, methods=["get", "post", "patch"], pagination_class=None, filter_backends=[]
    )
    def attendance(self, request, pk=None):
        activity = self.get_object()  # writes need write scope (403 read-only, 404 outside)
        if request.method == "GET":
            rows = activity.attendances.select_related("member")
            return Response(s.AttendanceSerializer(rows, many=True).data)
        if activity.status == Activity.Status.CANCELLED:
            raise exceptions.ValidationError({"status": ["已取消的活动不能更正出席情况"]})
        data = self.input(s.AttendanceCorrectSerializer, activity=activity).validated_data
        row = services.attendance_correct(activity=activity, actor=request.user, **data)
        return self.respond(row, serializer_class=s.AttendanceSerializer)


class SignInRefusedError(exceptions.APIException):
    status_code = 400
    default_code = "signin_refused"


class SignInView(ServiceErrorsMixin, generics.GenericAPIView):
    """扫码签到 for the logged-in member; the token is the activity's QR code content."""

    schema = ApiSchema()
    serializer_class = s.SignInSerializer
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    @extend_schema(
        summary="扫码签到",
        description="本人在签到时间内扫描活动二维码签到，只能签到一次；非本组织党员、"
        "不在签到时间内或重复签到时返回 400 和原因。",
        responses={200: s.SignInResultSerializer},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            row = services.signin(token=serializer.validated_data["token"], user=request.user)
        except services.SignInRefused as refused:
            raise SignInRefusedError(str(refused))
        return Response(s.SignInResultSerializer(row).data)


class MeAttendanceQuery(serializers.Serializer):
    year = serializers.IntegerField(
        label="年度", min_value=2000, max_value=2100, required=False, help_text="默认本年"
    )


class MeAttendanceView(ServiceErrorsMixin, generics.GenericAPIView):
    """The member's own attendance over a year."""

    schema = ApiSchema()
    serializer_class = s.MemberAttendanceSerializer
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    @extend_schema(
        summary="本人参加组织生活情况",
        description="本人一年内出席、请假、缺席次数和出席率。",
        parameters=[MeAttendanceQuery],
    )
    def get(self, request):
        query = MeAttendanceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        member = getattr(request.user, "member", None)
        if member is None:
            raise exceptions.NotFound("您的账号未关联党员档案。")
        year = query.validated_data.get("year") or timezone.localdate().year
        return Response(self.get_serializer({"year": year, **member_attendance(member, year)}).data)


# --- rules ------------------------------------------------------------------------------------


class LifeRuleFilter(ScopedFilterSet):
    code = filters.CharFilter(label="规则编号", field_name="code", lookup_expr="iexact")
    in_force_on = filters.DateFilter(label="在某日有效", method="filter_in_force_on")
    activity_kind = filters.ChoiceFilter(label="活动类型", choices=ActivityKind.choices)
    layer = filters.ChoiceFilter(label="层级", choices=LifeRule.Layer.choices)

    class Meta:
        model = LifeRule
        fields = ["code", "in_force_on", "activity_kind", "layer"]

    def filter_in_force_on(self, queryset, name, value):
        ended = Q(effective_to__isnull=True) | Q(effective_to__gte=value)
        return queryset.filter(ended, effective_from__lte=value)


@extend_schema_view(
    list=extend_schema(
        summary="组织生活规则列表", description="含已失效的规则，按编号和生效日期排列。"
    ),
    retrieve=extend_schema(summary="组织生活规则详情"),
)
class LifeRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """组织生活规则: read by party readers; added and retired (never edited) by 机关工委 administrators."""

    model = LifeRule
    required_capability = roles.READ
    serializer_class = s.LifeRuleSerializer
    serializer_classes = {"retire": s.RuleRetireSerializer}
    filterset_class = LifeRuleFilter
    search_fields = ["code", "name", "source"]
    ordering_fields = ["code", "effective_from"]

    def get_queryset(self):
        return LifeRule.objects.all()  # rules are city-wide data, the same for every reader

    def writable_queryset(self):
        rules = LifeRule.objects.all()
        return rules if rule_services.can_manage_rules(self.request.user) else rules.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action == "create" and not rule_services.can_manage_rules(request.user):
            audit.record(
                audit.Action.ACCESS_DENIED, request=request, detail="非机关工委管理员新增规则"
            )
            raise exceptions.PermissionDenied("只有机关工委管理员可以新增或停用规则。")

    @extend_schema(
        summary="新增规则",
        description="仅机关工委管理员；规则生效后不能修改，须调整时新增同编号的新版本"
        "（自动停用旧版本）或停用旧规则。",
        responses={201: s.LifeRuleSerializer},
    )
    def create(self, request):
        rule = rule_services.rule_add(actor=request.user, **self.parse())
        return self.respond(rule, status=201)

    @extend_schema(
        summary="停用规则",
        description="仅机关工委管理员；设定停用日期（最后有效的一天），此前的期间仍按该规则检查。",
        responses=s.LifeRuleSerializer,
    )
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        rule, data = self.get_object(), self.parse()
        return self.respond(rule_services.rule_retire(rule=rule, actor=request.user, **data))


# --- compliance -------------------------------------------------------------------------------


class ComplianceQuery(serializers.Serializer):
    organization = serializers.IntegerField(label="党组织编号")
    period = serializers.CharField(
        label="期间", required=False, default="", validators=[period_format], help_text=PERIOD_HELP
    )
    subtree = serializers.BooleanField(
        label="含全部下级组织",
        required=False,
        default=False,
        help_text="1 时返回汇总和各组织完成率",
    )


def period_data(period: Period) -> dict:
    return {"key": period.key, "label": period.label, "start": period.start, "end": period.end}


class ComplianceView(ServiceErrorsMixin, generics.GenericAPIView):
    """Rules met, missed or pending for one organization, or rolled up over its subtree."""

    schema = ApiSchema()
    serializer_class = s.OrgComplianceSerializer
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    @extend_schema(
        summary="组织生活达标情况",
        description="某党组织在年度、季度或月份内各项规则的完成情况；subtree=1 时返回该组织及全部"
        "下级组织的汇总（完成率为已完成期数占已到期期数之比）和各组织完成率（分页）。",
        parameters=[ComplianceQuery],
        responses=PolymorphicProxySerializer(
            component_name="ComplianceResult",
            serializers=[s.OrgComplianceSerializer, s.SubtreeComplianceSerializer],
            resource_type_field_name=None,
        ),
    )
    def get(self, request):
        query = ComplianceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        visible = Organization.objects.visible_to(request.user).select_related("unit")
        org = get_in_scope(request, visible, pk=params["organization"])
        period = period_from(params["period"])
        if params["subtree"]:
            return self.subtree(org, period, visible)
        (item,) = compliance([org], period)
        return Response(
            s.OrgComplianceSerializer(org_figures(item) | {"period": period_data(period)}).data
        )

    def subtree(self, root: Organization, period: Period, visible):
        if scope_for(self.request.user).allows(roles.READ, root.path):
            total, results = subtree_compliance(root, period)
        else:  # a member sees their own branch but not necessarily everything below it
            orgs = visible.filter(path__startswith=root.path).exclude(
                status=Organization.Status.MERGED
            )
            results = compliance(list(orgs), period)
            total = rollup(results)
        results.sort(key=lambda item: item.organization.path)
        page = self.paginate_queryset(results)
        paginated = self.get_paginated_response([org_figures(item) for item in page]).data
        body = {"organization": root, "period": period_data(period), "rollup": total, **paginated}
        return Response(s.SubtreeComplianceSerializer(body).data)


def org_figures(item) -> dict:
    return {
        "organization": item.organization,
        "met": item.met,
        "missed": item.missed,
        "pending": item.pending,
        "rate": item.rate,
        "results": item.results,
    }
