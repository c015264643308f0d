"""Forms of supervision pages; choices are always limited to the user's scope."""

from datetime import UTC, datetime

from django import forms
from django.utils import timezone

from accounts.models import User
from core import roles
from core import uploads as evidence_files
from core.scoping import scope_for
from members.models import Member
from orgs.models import Organization
from supervision.models import (
    AccountabilityCase,
    Finding,
    FindingCategory,
    Inspection,
)
from supervision.selectors import inspector_choices, strictly_below, supervised_orgs

# type=date inputs take ISO dates only; the locale format would leave them blank.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type sniffing, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", evidence_files.MultipleFileInput(attrs={"accept": evidence_files.ACCEPT})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _epoch_ms(value: str):
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class FindingForm(forms.Form):
    """The phone form: where, what, how serious, by when, and the photos taken on the spot."""

    # Picked through the HTMX search (thousands of organizations); still validated against scope here.
    organization = forms.ModelChoiceField(
        label="责任组织",
        queryset=Organization.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "请搜索并选择责任组织",
            "invalid_choice": "请选择本人可检查的组织",
        },
    )
    inspection = forms.ModelChoiceField(
        label="所属检查",
        queryset=Inspection.objects.none(),
        required=False,
        empty_label="（不属于某次检查）",
    )
    category = forms.ModelChoiceField(label="问题类别", queryset=FindingCategory.objects.none())
    severity = forms.ChoiceField(
        label="严重程度", choices=Finding.Severity.choices, initial=Finding.Severity.MINOR
    )
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label="地点", max_length=120, required=False)
    deadline = forms.DateField(label="整改期限", widget=DATE)
    photos = MultipleFileField(
        label="现场照片",
        widget=evidence_files.MultipleFileInput(
            attrs={"accept": "image/*", "capture": "environment"}
        ),
    )
    latitude = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )
    photo_times = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = supervised_orgs(user)
        self.fields["category"].queryset = FindingCategory.objects.filter(is_active=True)
        self.fields["inspection"].queryset = Inspection.objects.visible_to(user).filter(
            ends_on__gte=timezone.localdate() - timezone.timedelta(days=30)
        )

    def chosen_organization(self):
        """The organization picked before a failed submission, to show it again."""
        value = str(self["organization"].value() or "")
        if not value.isdigit():
            return None
        return self.fields["organization"].queryset.filter(pk=int(value)).first()

    def photo_list(self):
        """Photos with the phone's position and each file's own time (lastModified)."""
        from supervision.services import Photo

        data = self.cleaned_data
        times = [_epoch_ms(t) for t in (data.get("photo_times") or "").split(",")]
        return [
            Photo(
                upload,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                taken_at=times[i] if i < len(times) else None,
            )
            for i, upload in enumerate(data.get("photos") or [])
        ]


class StepForm(forms.Form):
    """Plan, progress or submission of the responsible organization, with files."""

    text = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="佐证材料")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    deadline = forms.DateField(label="申请延至", widget=DATE)
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}))


class DecideExtensionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批结果", choices=[("1", "批准延期"), ("0", "不予延期")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="审批意见", required=False, max_length=500)


class SignOffForm(forms.Form):
    text = forms.CharField(label="验收意见", required=False, max_length=500)


class ReopenForm(ReasonForm):
    deadline = forms.DateField(label="新整改期限", widget=DATE)


class ExemptionForm(forms.Form):
    person_name = forms.CharField(label="申请免责人（空为组织）", max_length=60, required=False)
    grounds = forms.CharField(label="容错情形与理由", widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批结果", choices=[("1", "批准免责"), ("0", "不予免责")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="审批意见", required=False, max_length=500)


class InspectionForm(forms.ModelForm):
    organizations = forms.ModelMultipleChoiceField(
        label="检查对象",
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    team = forms.ModelMultipleChoiceField(
        label="检查组成员", queryset=User.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip

    class Meta:
        model = Inspection
        fields = ["kind", "title", "organizer", "organizations", "topics", "team", "leader",
                  "starts_on", "ends_on"]  # fmt: skip
        widgets = {"starts_on": DATE, "ends_on": DATE, "topics": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        writable = Organization.objects.filter(scope.q("path", roles.WRITE)).active()
        self.fields["organizer"].queryset = writable.exclude(
            kind__in=("branch", "joint_branch", "group")
        )
        self.fields["organizations"].queryset = supervised_orgs(user)
        inspectors = inspector_choices(user)
        self.fields["team"].queryset = inspectors
        self.fields["leader"].queryset = inspectors


class CategoryForm(forms.ModelForm):
    class Meta:
        model = FindingCategory
        fields = ["code", "name", "group", "description", "sort_order"]


class CaseForm(forms.ModelForm):
    organization = forms.ModelChoiceField(label="被问责组织", queryset=Organization.objects.none())
    member = forms.ModelChoiceField(
        label="被问责党员", queryset=Member.objects.none(), required=False
    )
    findings = forms.ModelMultipleChoiceField(
        label="关联问题", queryset=Finding.objects.none(), required=False
    )

    class Meta:
        model = AccountabilityCase
        fields = ["organization", "findings", "member", "person_name", "kind", "decision",
                  "decided_on", "authority"]  # fmt: skip
        widgets = {"decided_on": DATE, "decision": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, finding=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = supervised_orgs(user)
        self.fields["findings"].queryset = Finding.objects.visible_to(user).filter(
            strictly_below(user, "organization__path")
        ) if finding is None else Finding.objects.filter(pk=finding.pk)  # fmt: skip
        self.fields["member"].queryset = Member.objects.filter(
            strictly_below(user, "branch__path")
        ).order_by("name") if finding is None else Member.objects.filter(
            branch__path__startswith=finding.organization.path
        ).order_by("name")  # fmt: skip


class NoticeForm(forms.Form):
    issuer = forms.ModelChoiceField(label="发布组织", queryset=Organization.objects.none())
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(label="通报正文", widget=forms.Textarea(attrs={"rows": 8}))
    audience = forms.ModelMultipleChoiceField(
        label="通报范围", queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip
    cases = forms.ModelMultipleChoiceField(
        label="典型案例", queryset=AccountabilityCase.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        writable = Organization.objects.filter(scope_for(user).q("path", roles.WRITE)).active()
        self.fields["issuer"].queryset = writable.exclude(
            kind__in=("branch", "joint_branch", "group")
        )
        self.fields["audience"].queryset = writable.order_by("path")
        self.fields["cases"].queryset = AccountabilityCase.objects.visible_to(user)
