"""API shapes of work plans, tasks, assignments and progress reports. Input serializers only parse."""

from rest_framework import serializers

from core.api import enum_field, writable
from orgs.models import Organization
from work_plans.models import (
    Category,
    EvidenceFile,
    PlanTask,
    ProgressReport,
    State,
    TaskAssignment,
    WorkPlan,
)
from work_plans.services import OWNER_KINDS

PlanStatusField = enum_field(WorkPlan.Status, "WorkPlanStatusEnum")
ReviewField = enum_field(TaskAssignment.Review, "WorkPlanReviewEnum")
StateField = enum_field(State, "WorkPlanStateEnum")


class WorkPlanSerializer(serializers.ModelSerializer):
    status = PlanStatusField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = WorkPlan
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "title",
            "description",
            "status",
            "published_at",
            "copied_from",
            "created_at",
        ]
        read_only_fields = fields


class WorkPlanCreateSerializer(serializers.Serializer):
    organization = writable(Organization, label="制定组织")
    year = serializers.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = serializers.CharField(label="计划名称", max_length=120)
    description = serializers.CharField(label="总体要求", required=False, allow_blank=True)


class WorkPlanUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(label="计划名称", max_length=120, required=False)
    description = serializers.CharField(label="总体要求", required=False, allow_blank=True)


class WorkPlanCopySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        label="年度（默认原计划下一年）", min_value=2000, max_value=2100, required=False
    )


class WorkPlanTaskSerializer(serializers.ModelSerializer):
    owner_count = serializers.SerializerMethodField()

    class Meta:
        model = PlanTask
        fields = [
            "id",
            "plan",
            "order",
            "title",
            "description",
            "category",
            "deadline",
            "expected_outcome",
            "owner_count",
        ]
        read_only_fields = fields

    def get_owner_count(self, task) -> int:
        return len(task.assignments.all())


class WorkPlanTaskInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(label="序号", min_value=1, required=False)
    title = serializers.CharField(label="任务名称", max_length=120, required=False)
    description = serializers.CharField(label="任务内容", required=False, allow_blank=True)
    category = serializers.ChoiceField(
        label="类别", choices=Category.choices, required=False, allow_blank=True
    )
    deadline = serializers.DateField(label="完成时限", required=False)
    expected_outcome = serializers.CharField(label="预期成果", required=False, allow_blank=True)
    owners = serializers.ListField(
        label="责任组织编号", child=serializers.IntegerField(), required=False
    )
    owner_kinds = serializers.ListField(
        label="按类型批量分配",
        child=serializers.ChoiceField(choices=[(k.value, k.label) for k in OWNER_KINDS]),
        required=False,
    )


class WorkPlanTaskCreateSerializer(WorkPlanTaskInputSerializer):
    plan = serializers.PrimaryKeyRelatedField(label="工作计划", queryset=WorkPlan.objects.all())
    title = serializers.CharField(label="任务名称", max_length=120)
    deadline = serializers.DateField(label="完成时限")


class WorkPlanEvidenceFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class WorkPlanReportSerializer(serializers.ModelSerializer):
    files = WorkPlanEvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "assignment",
            "percent",
            "note",
            "evidence_text",
            "reported_at",
            "files",
        ]
        read_only_fields = fields


class WorkPlanAssignmentSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    task_title = serializers.CharField(source="task.title", read_only=True)
    deadline = serializers.DateField(source="task.deadline", read_only=True)
    plan = serializers.IntegerField(source="task.plan_id", read_only=True)
    review_status = ReviewField(read_only=True)
    state = StateField(read_only=True, help_text="按今天计算：逾期 = 已过完成时限且未报告完成")

    class Meta:
        model = TaskAssignment
        fields = [
            "id",
            "task",
            "task_title",
            "plan",
            "deadline",
            "owner",
            "owner_name",
            "percent",
            "review_status",
            "state",
            "last_reported_at",
            "submitted_at",
            "reviewed_at",
            "return_reason",
        ]
        read_only_fields = fields


class WorkPlanReportInputSerializer(serializers.Serializer):
    percent = serializers.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    note = serializers.CharField(label="进展情况", required=False, allow_blank=True)
    evidence_text = serializers.CharField(label="佐证材料说明", required=False, allow_blank=True)
    files = serializers.ListField(
        label="佐证材料（照片、PDF、Word）", child=serializers.FileField(), required=False
    )


class WorkPlanReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="退回原因", max_length=500)
