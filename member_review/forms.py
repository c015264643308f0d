from datetime import timedelta

from django import forms
from django.utils import timezone

from member_review.models import Grade, Rectification
from orgs.models import BRANCH_KINDS, Organization

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class OpenForm(forms.Form):
    branch = forms.ModelChoiceField(
        label="党支部",
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput({"class": "form-control"}),
    )
    self_assessment_due = forms.DateField(label="自评截止日期", widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["branch"].queryset = (
            Organization.objects.writable_by(user).active().filter(kind__in=BRANCH_KINDS)
        )
        self.fields["year"].initial = today.year
        self.fields["self_assessment_due"].initial = today + timedelta(days=14)


class SelfAssessmentForm(forms.Form):
    self_assessment = forms.CharField(
        label="个人自评",
        max_length=5000,
        widget=forms.Textarea(
            attrs={
                "class": "form-control",
                "rows": 6,
                "placeholder": "对照党员标准，从政治表现、学习、履职尽责、作风纪律等方面进行自我评价",
            }
        ),
    )
    self_grade = forms.ChoiceField(
        label="自评等次（可不填）",
        required=False,
        choices=[("", "不填写"), *Grade.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class FollowUpForm(forms.Form):
    noted_on = forms.DateField(label="日期", widget=DATE)
    text = forms.CharField(
        label="帮教跟踪情况",
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="处理结果",
        choices=[c for c in Rectification.Outcome.choices if c[0] != Rectification.Outcome.PENDING],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    outcome_on = forms.DateField(label="处理日期", widget=DATE)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=255,
        widget=forms.TextInput({"class": "form-control"}),
    )
