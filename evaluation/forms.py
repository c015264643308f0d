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
