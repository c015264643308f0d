from django import forms

from evaluation.metrics import metric_choices
from evaluation.models import EvaluationScheme, Indicator, Star


class SchemeForm(forms.ModelForm):
    class Meta:
        model = EvaluationScheme
        fields = ["name", "sector", "promotion"]


class StarForm(forms.ModelForm):
    class Meta:
        model = Star
        fields = ["order", "name", "description", "pass_points"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "order",
            "name",
            "description",
            "method",
            "points",
            "evidence",
            "metric",
            "threshold",
            "veto_scope",
        ]
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
