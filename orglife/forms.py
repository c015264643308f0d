"""Forms of the activity pages. Rules live in orglife.services; forms parse the phone's input and pass it on."""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone

from core.uploads import MultipleFileField
from orglife import attachments
from orglife.models import Activity, ActivityKind, Attendance, HearingBody

# Pages print names only: loading the encrypted columns would decrypt every ID and phone number for nothing.
ENCRYPTED_MEMBER_FIELDS = ("member__id_number_enc", "member__phone_enc")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MODE_SCHEDULE, MODE_RECORD = "schedule", "record"
GUEST_ROLES = [(r.value, r.label) for r in Attendance.Role if r != Attendance.Role.MEMBER]
# Service error keys that have a differently named field on this form.
TEXT_FIELDS = (
    "kind",
    "hearing_body",
    "place",
    "topic",
    "agenda",
    "speaker_name",
    "minutes",
    "resolutions",
)
FIELD_FOR_ERROR = {"starts_at": "held_on", "ends_at": "end_time", "signin_closes_at": "end_time"}


def member_label(member) -> str:
    return member.name


class ActivityForm(forms.Form):
    """What was (or will be) held: the organization is chosen before the form, the attendance beside it."""

    organization = forms.ModelChoiceField(label="党组织", queryset=None, widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="登记方式",
        choices=[(MODE_RECORD, "已开展（现在登记）"), (MODE_SCHEDULE, "计划（提前安排）")],
        widget=forms.RadioSelect,
        initial=MODE_RECORD,
    )
    kind = forms.ChoiceField(
        label="活动类型", choices=[("", "请选择活动类型")] + ActivityKind.choices
    )
    hearing_body = forms.ChoiceField(
        label="听取汇报主体", required=False, choices=[("", "请选择")] + HearingBody.choices
    )
    held_on = forms.DateField(label="日期", widget=DATE_INPUT)
    start_time = forms.TimeField(label="开始时间", widget=TIME_INPUT)
    end_time = forms.TimeField(label="结束时间", required=False, widget=TIME_INPUT)
    place = forms.CharField(label="地点", max_length=200, required=False)
    topic = forms.CharField(label="主题", max_length=200)
    host = forms.ModelChoiceField(
        label="主持人", queryset=None, required=False, empty_label="请选择"
    )
    speaker = forms.ModelChoiceField(
        label="党课主讲人", queryset=None, required=False, empty_label="本组织党员中选择"
    )
    speaker_name = forms.CharField(
        label="主讲人（非本组织党员）",
        max_length=50,
        required=False,
        help_text="主讲人不是本组织党员时填写姓名和职务",
    )
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    resolutions = forms.CharField(
        label="决议事项", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(
        label="附件（照片、PDF、Word）",
        required=False,
        help_text=f"可多选；每个文件不超过{attachments.max_bytes() // 1048576} MB",
    )
    correction_reason = forms.CharField(
        label="更正（补录）原因",
        max_length=200,
        required=False,
        help_text="该期间已结账，修改或补录须说明原因，记入审计日志",
    )
    # Service errors on the attendance sheet land here so the template shows them beside it.
    attendance = forms.CharField(label="出席情况", required=False, widget=forms.HiddenInput)
    guests = forms.CharField(label="列席人员", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organizations, members, with_mode=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        for name in ("host", "speaker"):
            self.fields[name].queryset = members
            self.fields[name].label_from_instance = member_label
        if not with_mode:
            del self.fields["mode"]

    def clean(self):
        data = super().clean()
        day, start, end = data.get("held_on"), data.get("start_time"), data.get("end_time")
        if day and start:
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end)) if end else None
            if end and end <= start:
                self.add_error("end_time", "结束时间须晚于开始时间")
        kind = data.get("kind")
        if kind == ActivityKind.WORK_REPORT_HEARING and not data.get("hearing_body"):
            self.add_error("hearing_body", "听取机关工委工作汇报须选择听取主体（常委会或分管领导）")
        if kind != ActivityKind.WORK_REPORT_HEARING:
            data["hearing_body"] = ""
        if kind != ActivityKind.PARTY_LESSON:
            data["speaker"], data["speaker_name"] = None, ""
        elif data.get("speaker") and data.get("speaker_name"):
            self.add_error("speaker_name", "已在本组织党员中选择主讲人，无需再填写姓名")
        return data

    def activity_fields(self) -> dict:
        """The cleaned values under the service's field names."""
        data = self.cleaned_data
        fields = {key: data.get(key) or "" for key in TEXT_FIELDS}
        fields.update(
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            host=data.get("host"),
            speaker=data.get("speaker"),
        )
        return fields

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on the matching field; unknown keys become form errors naming the field."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            name = FIELD_FOR_ERROR.get(key, key)
            if name in self.fields:
                self.add_error(name, messages)
            else:
                label = _activity_label(key)
                self.add_error(None, [f"{label}：{m}" if label else m for m in messages])

    @staticmethod
    def initial_for(activity: Activity) -> dict:
        local_start = timezone.localtime(activity.starts_at)
        return {
            "organization": activity.organization_id,
            "kind": activity.kind,
            "hearing_body": activity.hearing_body,
            "held_on": local_start.date(),
            "start_time": local_start.time(),
            "end_time": timezone.localtime(activity.ends_at).time() if activity.ends_at else None,
            "place": activity.place,
            "topic": activity.topic,
            "agenda": activity.agenda,
            "host": activity.host_id,
            "speaker": activity.speaker_id,
            "speaker_name": activity.speaker_name,
            "minutes": activity.minutes,
            "resolutions": activity.resolutions,
        }


def _activity_label(key: str) -> str:
    try:
        return str(Activity._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:  # a key such as "__all__" has no field
        return ""


@dataclass
class SheetRow:
    """One roster member's line on the attendance checklist."""

    member: object
    status: str = Attendance.Status.PRESENT
    leave_reason: str = ""
    role: str = Attendance.Role.MEMBER
    signed_in_at: datetime | None = None
    error: str = ""


@dataclass
class AttendanceSheet:
    """The attendance checklist: every roster member present/leave/absent, invited guests, and leaders
    doing 双重组织生活 chosen among members. Parses the POST into the service's attendance and guests lists.

    POST names: st-<member id>, lr-<member id>; guest_name/guest_role (repeated); leader (member ids).
    """

    rows: list[SheetRow]
    guests: list[dict] = field(default_factory=list)
    leaders: list = field(default_factory=list)  # Member objects
    errors: list[str] = field(default_factory=list)

    @classmethod
    def blank(cls, members, activity: Activity | None = None) -> "AttendanceSheet":
        """The sheet before any input: everyone present, or what the activity already holds."""
        if activity is None:
            return cls([SheetRow(m) for m in members])
        existing = list(
            activity.attendances.select_related("member").defer(*ENCRYPTED_MEMBER_FIELDS)
        )
        by_member = {a.member_id: a for a in existing if a.member_id}
        # Completing a planned activity after QR sign-in: whoever did not sign in starts as absent.
        default = Attendance.Status.ABSENT if by_member else Attendance.Status.PRESENT
        rows = []
        for member in members:
            row = by_member.get(member.pk)
            rows.append(
                SheetRow(member, row.status, row.leave_reason, row.role, row.signed_in_at)
                if row
                else SheetRow(member, default)
            )
        roster_ids = {m.pk for m in members}
        leaders = [
            a.member
            for a in existing
            if a.member_id
            and (a.role == Attendance.Role.DUAL_ORG_LIFE or a.member_id not in roster_ids)
        ]
        guests = [{"name": a.guest_name, "role": a.role} for a in existing if not a.member_id]
        return cls(rows, guests, leaders)

    @classmethod
    def from_post(cls, post, members, leader_choices) -> "AttendanceSheet":
        """leader_choices: the members the user may pick as leaders (a queryset, filtered by the posted ids)."""
        sheet = cls([])
        for member in members:
            row = SheetRow(
                member,
                post.get(f"st-{member.pk}", Attendance.Status.PRESENT),
                post.get(f"lr-{member.pk}", "").strip(),
            )
            if row.status not in Attendance.Status.values:
                row.error = "请选择出席、请假或缺席"
            elif row.status == Attendance.Status.LEAVE and not row.leave_reason:
                row.error = "请假须填写请假事由"
            if row.error:
                sheet.errors.append(f"{member.name}：{row.error}")
            sheet.rows.append(row)
        roles = dict(GUEST_ROLES)
        for name, role in zip(post.getlist("guest_name"), post.getlist("guest_role"), strict=False):
            if not name.strip():
                continue
            if role not in roles:
                sheet.errors.append(f"列席人员“{name.strip()}”的身份无效")
            sheet.guests.append({"name": name.strip()[:50], "role": role})
        ids = {int(v) for v in post.getlist("leader") if v.isdigit()}
        sheet.leaders = list(leader_choices.filter(pk__in=ids)) if ids else []
        if len(sheet.leaders) < len(ids):
            sheet.errors.append("所选双重组织生活领导干部不存在或不在您的管理范围内")
        return sheet

    def is_valid(self) -> bool:
        return not self.errors

    def attendance(self) -> list[dict]:
        leader_ids = {m.pk for m in self.leaders}
        out = [
            {
                "member_id": r.member.pk,
                "status": r.status,
                "leave_reason": r.leave_reason,
                "role": Attendance.Role.DUAL_ORG_LIFE
                if r.member.pk in leader_ids
                else Attendance.Role.MEMBER,
            }
            for r in self.rows
        ]
        roster_ids = {r.member.pk for r in self.rows}
        out += [
            {
                "member_id": m.pk,
                "status": Attendance.Status.PRESENT,
                "role": Attendance.Role.DUAL_ORG_LIFE,
            }
            for m in self.leaders
            if m.pk not in roster_ids
        ]
        return out


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200)


class AttendanceCorrectForm(forms.Form):
    status = forms.ChoiceField(
        label="出席情况", choices=Attendance.Status.choices, widget=forms.RadioSelect
    )
    leave_reason = forms.CharField(label="请假事由", max_length=200, required=False)
    correction_reason = forms.CharField(label="更正原因", max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)


class UploadForm(forms.Form):
    attachments = MultipleFileField(label="上传附件（照片、PDF、Word）")
