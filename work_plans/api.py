"""/api/v1/ work plans, tasks, assignments and progress reports; registered by dangjian.api_urls.

Same scoping as the pages: visible_to / writable_by (404 outside scope, 403 read-only); reporting
needs a writer of the owner, confirm and return a writer of the publisher. Writes go through
work_plans.services.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import get_in_scope
from core.api import ScopedFilterSet, ScopedViewSet
from work_plans import serializers as s
from work_plans import services
from work_plans.models import (
    PlanTask,
    ProgressReport,
    State,
    TaskAssignment,
    WorkPlan,
)


class PlanFilter(ScopedFilterSet):
    year = filters.NumberFilter(label="年度")
    status = filters.ChoiceFilter(label="状态", choices=WorkPlan.Status.choices)
    organization = filters.NumberFilter(label="制定组织编号", field_name="organization_id")

    class Meta:
        model = WorkPlan
        fields = ["year", "status", "organization"]


@extend_schema_view(
    list=extend_schema(
        summary="工作计划列表",
        description="本人所辖组织制定的计划，以及给本组织分配了任务的已发布计划。",
    ),
    retrieve=extend_schema(summary="工作计划详情"),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = WorkPlan
    serializer_class = s.WorkPlanSerializer
    filterset_class = PlanFilter
    search_fields = ["title", "organization__name"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization").order_by("-year", "pk")

    @extend_schema(
        summary="新建工作计划（草稿）",
        request=s.WorkPlanCreateSerializer,
        responses={201: s.WorkPlanSerializer},
    )
    def create(self, request):
        data = self.parse(s.WorkPlanCreateSerializer)
        plan = services.plan_create(actor=request.user, **data)
        return self.respond(plan, status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改计划名称或总体要求", request=s.WorkPlanUpdateSerializer)
    def partial_update(self, request, pk=None):
        plan = self.get_object()
        data = self.parse(s.WorkPlanUpdateSerializer, partial=True)
        return self.respond(services.plan_update(plan=plan, actor=request.user, **data))

    @extend_schema(summary="发布计划", request=None, responses=s.WorkPlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self.respond(services.plan_publish(plan=self.get_object(), actor=request.user))

    @extend_schema(
        summary="复制为另一年度的计划（草稿）",
        description="任务、责任组织照搬，完成时限顺延相差的年数，进展从头开始。",
        request=s.WorkPlanCopySerializer,
        responses={201: s.WorkPlanSerializer},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        source = self.get_object()
        data = self.parse(s.WorkPlanCopySerializer)
        plan = services.plan_copy(source=source, actor=request.user, year=data.get("year"))
        return self.respond(plan, status=status.HTTP_201_CREATED)


class TaskFilter(ScopedFilterSet):
    plan = filters.NumberFilter(label="计划编号", field_name="plan_id")
    year = filters.NumberFilter(label="年度", field_name="plan__year")

    class Meta:
        model = PlanTask
        fields = ["plan", "year"]


@extend_schema_view(
    list=extend_schema(summary="计划任务列表"), retrieve=extend_schema(summary="计划任务详情")
)
class TaskViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    model = PlanTask
    serializer_class = s.WorkPlanTaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanTask.objects.none()
        visible = TaskAssignment.objects.visible_to(self.request.user)
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("assignments", queryset=visible))
            .order_by("plan_id", "order", "pk")
        )

    @extend_schema(
        summary="新增任务并分配责任组织",
        description="owners 为责任组织编号；owner_kinds 按类型把计划制定组织下属该类型的全部党组织各分配一份。",
        request=s.WorkPlanTaskCreateSerializer,
        responses={201: s.WorkPlanTaskSerializer},
    )
    def create(self, request):
        data = self.parse(s.WorkPlanTaskCreateSerializer)
        plan = get_in_scope(
            request,
            WorkPlan.objects.visible_to(request.user),
            writable=WorkPlan.objects.writable_by(request.user),
            pk=data.pop("plan").pk,
        )
        owners, kinds = data.pop("owners", []), data.pop("owner_kinds", [])
        task = services.task_save(
            plan=plan, actor=request.user, data=data, owners=owners, owner_kinds=kinds
        )
        return self.respond(self.get_queryset().get(pk=task.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改任务（可增加责任组织）", request=s.WorkPlanTaskInputSerializer)
    def partial_update(self, request, pk=None):
        task = self.get_object()
        data = self.parse(s.WorkPlanTaskInputSerializer, partial=True)
        owners, kinds = data.pop("owners", []), data.pop("owner_kinds", [])
        services.task_save(
            plan=task.plan,
            actor=request.user,
            data=data,
            task=task,
            owners=owners,
            owner_kinds=kinds,
        )
        return self.respond(self.get_queryset().get(pk=task.pk))

    @extend_schema(summary="删除任务（尚无进展报告时）")
    def destroy(self, request, pk=None):
        services.task_delete(task=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentFilter(ScopedFilterSet):
    task = filters.NumberFilter(label="任务编号", field_name="task_id")
    plan = filters.NumberFilter(label="计划编号", field_name="task__plan_id")
    year = filters.NumberFilter(label="年度", field_name="task__plan__year")
    owner = filters.NumberFilter(label="责任组织编号", field_name="owner_id")
    state = filters.ChoiceFilter(label="状态（按今天计算）", choices=State.choices)

    class Meta:
        model = TaskAssignment
        fields = ["task", "plan", "year", "owner", "state", "review_status"]


REVIEW_ACTIONS = ("confirm", "return_assignment")


@extend_schema_view(
    list=extend_schema(summary="任务分工列表（含是否逾期）"),
    retrieve=extend_schema(summary="任务分工详情"),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = TaskAssignment
    serializer_class = s.WorkPlanAssignmentSerializer
    filterset_class = AssignmentFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .with_state(timezone.localdate())
            .select_related("task", "owner")
            .order_by("task__deadline", "pk")
        )

    def writable_queryset(self):
        if self.action in REVIEW_ACTIONS:
            return TaskAssignment.objects.reviewable_by(self.request.user)
        return super().writable_queryset()

    def _answer(self, assignment, status_code=200):
        return self.respond(self.get_queryset().get(pk=assignment.pk), status=status_code)

    @extend_schema(
        summary="报告进展",
        description="进度100%即报告完成（须有佐证材料说明或附件），等待计划制定组织确认。",
        request={
            "multipart/form-data": s.WorkPlanReportInputSerializer,
            "application/json": s.WorkPlanReportInputSerializer,
        },
        responses={201: s.WorkPlanReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        assignment = self.get_object()
        data = self.parse(s.WorkPlanReportInputSerializer)
        uploads = request.FILES.getlist("files") if request.FILES else data.get("files", [])
        report = services.assignment_report(
            assignment=assignment,
            actor=request.user,
            percent=data["percent"],
            note=data.get("note", ""),
            evidence_text=data.get("evidence_text", ""),
            uploads=uploads,
        )
        return self.respond(
            report, status=status.HTTP_201_CREATED, serializer_class=s.WorkPlanReportSerializer
        )

    @extend_schema(summary="确认完成", request=None, responses=s.WorkPlanAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._answer(
            services.assignment_confirm(assignment=self.get_object(), actor=request.user)
        )

    @extend_schema(
        summary="退回", request=s.WorkPlanReturnSerializer, responses=s.WorkPlanAssignmentSerializer
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_assignment(self, request, pk=None):
        assignment = self.get_object()
        data = self.parse(s.WorkPlanReturnSerializer)
        return self._answer(
            services.assignment_return(
                assignment=assignment, actor=request.user, reason=data["reason"]
            )
        )


class ReportFilter(ScopedFilterSet):
    assignment = filters.NumberFilter(label="任务分工编号", field_name="assignment_id")
    task = filters.NumberFilter(label="任务编号", field_name="assignment__task_id")

    class Meta:
        model = ProgressReport
        fields = ["assignment", "task"]


@extend_schema_view(
    list=extend_schema(summary="进展报告列表"), retrieve=extend_schema(summary="进展报告详情")
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ProgressReport
    serializer_class = s.WorkPlanReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgressReport.objects.none()
        visible = TaskAssignment.objects.visible_to(self.request.user)
        return (
            ProgressReport.objects.filter(assignment__in=visible)
            .prefetch_related("files")
            .order_by("-reported_at", "-pk")
        )


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("work-plans", PlanViewSet, basename="work_plans-plan")
    router.register("work-plan-tasks", TaskViewSet, basename="work_plans-task")
    router.register("work-plan-assignments", AssignmentViewSet, basename="work_plans-assignment")
    router.register("work-plan-reports", ReportViewSet, basename="work_plans-report")


extra_urls = []
