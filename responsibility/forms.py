"""Forms of the responsibility pages: they parse input; responsibility.services decides."""

from django import forms

from core.uploads import MultipleFileField
from responsibility.models import TemplateItem
from responsibility.services import TEMPLATE_ITEM_FIELDS


class ProgressForm(forms.Form):
    percent = forms.IntegerField(
        label="完成进度（%）",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 10}),
    )
    progress_note = forms.CharField(
        label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_text = forms.CharField(
        label="佐证材料说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500)


class EvidenceForm(forms.Form):
    attachments = MultipleFileField(label="上传佐证材料（照片、PDF、Word）")


class TemplateItemForm(forms.ModelForm):
    class Meta:
        model = TemplateItem
        fields = list(TEMPLATE_ITEM_FIELDS)
        widgets = {"target": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "weight": "完成率按已确认事项的权重合计 ÷ 全部事项权重合计计算（1–10）。",
            "rule_code": "如 R-RESP-3；可不填。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
