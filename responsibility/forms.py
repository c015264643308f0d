"""Forms of the responsibility pages: they parse input; responsibility.services decides."""

from django import forms
from django.core.exceptions import ValidationError

from core.uploads import ACCEPT, check_upload
from responsibility.models import TemplateItem


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or documents at once, each checked by core.uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not files:
            raise ValidationError("请选择要上传的文件")
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["attachments"]) from error
        return list(files)


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


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
        fields = ["order", "title", "target", "evidence_hint", "source", "rule_code", "weight"]
        widgets = {"target": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "weight": "完成率按已确认事项的权重合计 ÷ 全部事项权重合计计算（1–10）。",
            "rule_code": "如 R-RESP-3；可不填。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
