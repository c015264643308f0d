"""API shapes of activities, attendance, sign-in, rules and compliance. Input serializers only parse."""

from django.db import models
from django.db.models import Q
from rest_framework import serializers

from core.api import ScopedPrimaryKeyField, enum_field, visible, writable
from members.models import Member
from orglife.compliance import MET, MISSED, NOT_APPLICABLE, PENDING, STATUS_LABELS
from orglife.models import Activity, ActivityKind, Attachment, Attendance, HearingBody, LifeRule
from orglife.services import roster
from orgs.models import Organization
from orgs.serializers import OrgKindField

ActivityKindField = enum_field(ActivityKind, "ActivityKindEnum")
ActivityStatusField = enum_field(Activity.Status, "ActivityStatusEnum")
HearingBodyField = enum_field(HearingBody, "HearingBodyEnum")
AttendanceStatusField = enum_field(Attendance.Status, "AttendanceStatusEnum")
AttendanceRoleField = enum_field(Attendance.Role, "AttendanceRoleEnum")
RuleMeasureField = enum_field(LifeRule.Measure, "RuleMeasureEnum")
RulePeriodField = enum_field(LifeRule.Period, "RulePeriodEnum")
RuleConditionField = enum_field(LifeRule.Condition, "RuleConditionEnum")
RuleLayerField = enum_field(LifeRule.Layer, "RuleLayerEnum")


class ComplianceStatus(models.TextChoices):
    """A rule's result for a period (orglife.compliance)."""

    MET = MET, STATUS_LABELS[MET]
    MISSED = MISSED, STATUS_LABELS[MISSED]
    PENDING = PENDING, STATUS_LABELS[PENDING]
    NOT_APPLICABLE = NOT_APPLICABLE, STATUS_LABELS[NOT_APPLICABLE]


class CreateStatus(models.TextChoices):
    PLANNED = Activity.Status.PLANNED, "计划中（提前安排）"
    COMPLETED = Activity.Status.COMPLETED, "已开展（现在登记）"


class RecordStatus(models.TextChoices):
    COMPLETED = Activity.Status.COMPLETED, "已开展"


ComplianceStatusField = enum_field(ComplianceStatus, "ComplianceStatusEnum")
CreateStatusField = enum_field(CreateStatus, "ActivityCreateStatusEnum")
RecordStatusField = enum_field(RecordStatus, "ActivityRecordStatusEnum")


# --- activities -------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = ActivityKindField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    hearing_body = HearingBodyField(read_only=True)
    status = ActivityStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "organization",
            "organization_name",
            "kind",
            "kind_display",
            "hearing_body",
            "status",
            "status_display",
            "starts_at",
            "ends_at",
            "held_on",
            "place",
            "topic",
            "counts",
            "invalid_reason",
        ]
        read_only_fields = fields


class AttendanceSummarySerializer(serializers.Serializer):
    present = serializers.IntegerField(label="出席")
    leave = serializers.IntegerField(label="请假")
    absent = serializers.IntegerField(label="缺席")
    guests = serializers.IntegerField(label="列席人员")
    signed_in = serializers.IntegerField(label="扫码签到")
    rate = serializers.FloatField(label="出席率（不含列席人员）", allow_null=True)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class ActivityDetailSerializer(ActivitySerializer):
    """One activity with its attendance summary and validity; the sign-in code only for its editors."""

    host_name = serializers.CharField(
        source="host.name", read_only=True, default=None, allow_null=True
    )
    speaker_label = serializers.SerializerMethodField(label="党课主讲人")
    attendance_summary = AttendanceSummarySerializer(read_only=True, label="出席情况汇总")
    attachments = serializers.SerializerMethodField(label="附件")
    can_edit = serializers.BooleanField(read_only=True, label="本人可修改")
    signin_token = serializers.SerializerMethodField(label="签到码（仅可修改者可见）")

    class Meta(ActivitySerializer.Meta):
        fields = [
            *ActivitySerializer.Meta.fields,
            "agenda",
            "host",
            "host_name",
            "speaker",
            "speaker_name",
            "speaker_label",
            "speaker_is_secretary",
            "minutes",
            "resolutions",
            "signin_opens_at",
            "signin_closes_at",
            "signin_token",
            "attendance_summary",
            "attachments",
            "can_edit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_speaker_label(self, activity) -> str:
        return activity.speaker.name if activity.speaker_id else activity.speaker_name

    def get_attachments(self, activity) -> list[dict]:
        kept = activity.attachments.filter(withdrawn=False).order_by("uploaded_at")
        return AttachmentSerializer(kept, many=True).data

    def get_signin_token(self, activity) -> str | None:
        # Whoever holds the token can sign in without being in the room: only editors see it.
        return activity.signin_token if activity.can_edit else None


class AttendeeField(ScopedPrimaryKeyField):
    """A member on an attendance list: in the user's scope, or already on this activity's list
    (correcting an old record must not fail because an attendee has since moved on)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Member.objects.all(), limit=self.attendees, **kwargs)

    def attendees(self, queryset, user):
        activity = self.context.get("activity")
        query = Q(pk__in=Member.objects.visible_to(user).values("pk"))
        if activity is not None:
            query |= Q(pk__in=activity.attendances.values("member_id"))
        return queryset.filter(query)


class AttendanceEntrySerializer(serializers.Serializer):
    member = AttendeeField(label="党员")
    status = AttendanceStatusField(label="出席情况", default=Attendance.Status.PRESENT)
    leave_reason = serializers.CharField(
        label="请假事由", max_length=200, required=False, default="", allow_blank=True
    )
    role = AttendanceRoleField(label="身份", default=Attendance.Role.MEMBER)

    @staticmethod
    def to_service(data: dict) -> dict:
        member = data.pop("member")
        return {**data, "member_id": member.pk}


class GuestSerializer(serializers.Serializer):
    name = serializers.CharField(label="姓名", max_length=50)
    role = AttendanceRoleField(label="身份", default=Attendance.Role.GUEST)


class ActivityInputSerializer(serializers.Serializer):
    """Changes to a recorded activity (or the completion of a planned one) through activity_record."""

    status = RecordStatusField(
        label="状态", required=False, help_text="计划中的活动须传 completed 登记为已开展"
    )
    kind = ActivityKindField(label="活动类型")
    hearing_body = HearingBodyField(label="听取汇报主体", required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(label="开始时间")
    ends_at = serializers.DateTimeField(label="结束时间", required=False, allow_null=True)
    place = serializers.CharField(label="地点", max_length=200, required=False, allow_blank=True)
    topic = serializers.CharField(label="主题", max_length=200)
    agenda = serializers.CharField(label="议程", required=False, allow_blank=True)
    host = visible(Member, label="主持人", required=False, allow_null=True)
    speaker = visible(Member, label="党课主讲人", required=False, allow_null=True)
    speaker_name = serializers.CharField(
        label="主讲人（非本组织党员）", max_length=50, required=False, allow_blank=True
    )
    minutes = serializers.CharField(label="会议记录", required=False, allow_blank=True)
    resolutions = serializers.CharField(label="决议事项", required=False, allow_blank=True)
    signin_opens_at = serializers.DateTimeField(label="签到开始", required=False, allow_null=True)
    signin_closes_at = serializers.DateTimeField(label="签到截止", required=False, allow_null=True)
    attendance = AttendanceEntrySerializer(
        many=True, required=False, label="出席名单", help_text="传入即整体替换原名单"
    )
    guests = GuestSerializer(many=True, required=False, label="列席人员")
    correction_reason = serializers.CharField(
        label="更正（补录）原因",
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="已结账期间的活动修改或补录须填写，记入审计日志",
    )

    def validate(self, data):
        activity = self.context.get("activity")
        if activity is not None and activity.status == Activity.Status.CANCELLED:
            raise serializers.ValidationError({"status": "已取消的活动不能修改"})
        if (
            activity is not None
            and activity.status == Activity.Status.PLANNED
            and data.get("status") != Activity.Status.COMPLETED
        ):
            raise serializers.ValidationError(
                {"status": "计划中的活动修改即登记为已开展，请传 status=completed"}
            )
        return data

    def to_service(self) -> dict:
        """validated_data under the service's argument names."""
        data = dict(self.validated_data)
        data.pop("status", None)
        if "attendance" in data:
            rows = data["attendance"]
            data["attendance"] = [AttendanceEntrySerializer.to_service(dict(r)) for r in rows]
        if "guests" in data:
            data["guests"] = [dict(row) for row in data["guests"]]
        return data


class ActivityCreateSerializer(ActivityInputSerializer):
    """A new activity: `planned` schedules it ahead, `completed` (default) records it as held."""

    organization = writable(Organization, label="党组织")
    status = CreateStatusField(label="状态", default=Activity.Status.COMPLETED)

    def validate(self, data):
        planned = data["status"] == Activity.Status.PLANNED
        if planned and (data.get("attendance") or data.get("guests")):
            raise serializers.ValidationError(
                {"attendance": "计划中的活动不登记出席情况，开展后再登记"}
            )
        return data


class ActivityCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label="取消原因", max_length=200)


# --- attendance and sign-in -------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(
        source="member.name", read_only=True, default=None, allow_null=True
    )
    role = AttendanceRoleField(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    status = AttendanceStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "member",
            "member_name",
            "guest_name",
            "role",
            "role_display",
            "status",
            "status_display",
            "leave_reason",
            "signed_in_at",
        ]
        read_only_fields = fields


class RosterMemberField(ScopedPrimaryKeyField):
    """A member of the activity's organization, or one already on its attendance list."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Member.objects.all(), limit=self.members, **kwargs)

    def members(self, queryset, user):
        activity = self.context.get("activity")
        if activity is None:  # e.g. the browsable API's blank form: no activity, no choices
            return queryset.none()
        expected = roster(activity.organization).values("pk")
        listed = activity.attendances.values("member_id")
        return queryset.filter(Q(pk__in=expected) | Q(pk__in=listed))


class AttendanceCorrectSerializer(serializers.Serializer):
    member = RosterMemberField(label="党员")
    status = AttendanceStatusField(label="出席情况")
    leave_reason = serializers.CharField(
        label="请假事由", max_length=200, required=False, default="", allow_blank=True
    )
    correction_reason = serializers.CharField(
        label="更正原因", max_length=200, required=False, default="", allow_blank=True
    )


class SignInSerializer(serializers.Serializer):
    token = serializers.CharField(label="签到码", max_length=64)


class SignInResultSerializer(serializers.Serializer):
    activity = serializers.IntegerField(source="activity_id", label="活动编号")
    topic = serializers.CharField(source="activity.topic", label="活动主题")
    organization_name = serializers.CharField(source="activity.organization.name", label="党组织")
    status = AttendanceStatusField(label="出席情况")
    signed_in_at = serializers.DateTimeField(label="签到时间")


class MemberAttendanceSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度")
    present = serializers.IntegerField(label="出席")
    leave = serializers.IntegerField(label="请假")
    absent = serializers.IntegerField(label="缺席")
    total = serializers.IntegerField(label="应参加")
    rate = serializers.FloatField(label="出席率", allow_null=True)


# --- rules ------------------------------------------------------------------------------------


class LifeRuleSerializer(serializers.ModelSerializer):
    layer = RuleLayerField(label="层级", required=False)
    measure = RuleMeasureField(label="考核方式", required=False)
    org_kinds = serializers.ListField(child=OrgKindField(), label="适用组织类型", allow_empty=False)
    activity_kind = ActivityKindField(label="活动类型", required=False, allow_blank=True)
    hearing_body = HearingBodyField(label="听取汇报主体", required=False, allow_blank=True)
    condition = RuleConditionField(label="适用条件", required=False, allow_blank=True)
    period = RulePeriodField(label="周期", required=False)
    period_display = serializers.CharField(source="get_period_display", read_only=True)

    class Meta:
        model = LifeRule
        fields = [
            "id",
            "code",
            "name",
            "layer",
            "measure",
            "org_kinds",
            "activity_kind",
            "hearing_body",
            "condition",
            "period",
            "period_display",
            "min_count",
            "quorum_ratio",
            "min_ratio",
            "remind_months",
            "effective_from",
            "effective_to",
            "source",
            "unverified",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class RuleRetireSerializer(serializers.Serializer):
    effective_to = serializers.DateField(label="停用日期", help_text="规则最后有效的一天")
    reason = serializers.CharField(
        label="停用原因", max_length=200, required=False, default="", allow_blank=True
    )


# --- compliance -------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField(label="期间")
    label = serializers.CharField(label="期间名称")
    start = serializers.DateField(label="开始")
    end = serializers.DateField(label="结束")


class CheckSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.key", label="期间")
    period_label = serializers.CharField(source="period.label", label="期间名称")
    status = ComplianceStatusField(label="结果")
    done = serializers.IntegerField(label="已开展")
    required = serializers.IntegerField(label="应开展")
    detail = serializers.CharField(label="说明")


class RuleResultSerializer(serializers.Serializer):
    code = serializers.CharField(source="rule.code", label="规则编号")
    name = serializers.CharField(source="rule.name", label="规则名称")
    status = ComplianceStatusField(label="结果")
    met = serializers.IntegerField(label="已完成期数")
    missed = serializers.IntegerField(label="未完成期数")
    pending = serializers.IntegerField(label="进行中期数")
    checks = CheckSerializer(many=True, label="分期结果")


class OrgBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = OrgKindField()


class OrgRateSerializer(serializers.Serializer):
    """One organization's figures within a subtree (OrgCompliance)."""

    organization = OrgBriefSerializer(label="党组织")
    met = serializers.IntegerField(label="已完成")
    missed = serializers.IntegerField(label="未完成")
    pending = serializers.IntegerField(label="进行中")
    rate = serializers.FloatField(label="完成率", allow_null=True)


class OrgComplianceSerializer(OrgRateSerializer):
    period = PeriodSerializer(label="期间")
    results = RuleResultSerializer(many=True, label="各项规则")


class RollupSerializer(serializers.Serializer):
    met = serializers.IntegerField(label="已完成")
    missed = serializers.IntegerField(label="未完成")
    pending = serializers.IntegerField(label="进行中")
    rate = serializers.FloatField(label="完成率", allow_null=True)
    organizations = serializers.IntegerField(label="组织数")


class SubtreeComplianceSerializer(serializers.Serializer):
    organization = OrgBriefSerializer(label="党组织")
    period = PeriodSerializer(label="期间")
    rollup = RollupSerializer(label="汇总（含全部下级组织）")
    count = serializers.IntegerField(label="组织数")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OrgRateSerializer(many=True, label="各组织完成率")
