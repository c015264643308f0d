from django import forms

from evaluation.metrics import metric_choices
from evaluation.models import EvaluationScheme, Indicator, Star

# The services accept exactly the fields the forms edit: one list each.
from evaluation.services import INDICATOR_FIELDS, SCHEME_FIELDS, STAR_FIELDS


class SchemeForm(forms.ModelForm):
    class Meta:
        model = EvaluationScheme
        fields = list(SCHEME_FIELDS)


class StarForm(forms.ModelForm):
    class Meta:
        model = Star
        fields = list(STAR_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = list(INDICATOR_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "threshold": "自动计算时填写，比例如90%填0.9",
            "veto_scope": "一票否决项填写",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"] = forms.ChoiceField(
            label="数据指标", required=False, choices=[("", "—")] + metric_choices()
        )


class CopyForm(forms.Form):
    year = forms.IntegerField(label="新方案年度", min_value=2000, max_value=2100)


class CycleForm(forms.Form):
    scheme = forms.ModelChoiceField(label="评星方案", queryset=EvaluationScheme.objects.none())
    self_assessment_due = forms.DateField(
        label="自评截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    review_due = forms.DateField(
        label="审核截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    approval_due = forms.DateField(
        label="审定截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    notice_days = forms.IntegerField(label="公示天数", min_value=1, max_value=30, initial=5)

    def __init__(self, *args, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schemes is not None:
            self.fields["scheme"].queryset = schemes


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label="佐证材料")
    indicator = forms.IntegerField(label="对应指标", required=False)


def score_form_entries(data, scores, *, review: bool) -> dict:
    """Entries for the cycle services from the posted self-assessment or review form."""
    entries = {}
    for score in scores:
        pk = score.indicator_id
        method = score.indicator.method
        entry = {}
        if method == Indicator.Method.MANUAL:
            entry["points"] = (data.get(f"points_{pk}") or "").strip()
        elif method == Indicator.Method.VETO:
            entry["veto"] = data.get(f"veto_{pk}") == "on"
        if not review:
            entry["evidence"] = data.get(f"evidence_{pk}", "")
            entry["activity_ids"] = [v for v in data.getlist(f"activities_{pk}") if v.isdigit()]
        entries[pk] = entry
    return entries
