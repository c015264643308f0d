from django import forms

from core.uploads import ACCEPT
from dual_excellence.models import Category, Round

# The services accept exactly the fields these forms edit: one list each.
from dual_excellence.services import CATEGORY_FIELDS, ROUND_FIELDS


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = list(ROUND_FIELDS)
        widgets = {
            "nomination_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = list(CATEGORY_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class NewRoundForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    organization = forms.ModelChoiceField(label="机关工委", queryset=None, empty_label=None)

    def __init__(self, *args, committees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = committees


class NominationForm(forms.Form):
    KIND_CHOICES = (("organization", "推荐党组织"), ("member", "推荐党员"))

    category = forms.ModelChoiceField(label="荣誉类别", queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label="推荐对象", choices=KIND_CHOICES, widget=forms.RadioSelect, initial="organization"
    )
    organization = forms.ModelChoiceField(
        label="党组织", queryset=None, help_text="推荐党员时，先选择其所在党组织"
    )
    member = forms.IntegerField(label="党员", required=False, widget=forms.Select)
    reason = forms.CharField(label="推荐理由（主要事迹）", widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.CharField(
        label="佐证材料说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_file = forms.FileField(
        label="佐证材料附件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text="可选：照片、PDF 或 Word，不超过 20 MB",
    )

    def __init__(self, *args, categories, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["organization"].queryset = organizations

    def clean(self):
        data = super().clean()
        if data.get("kind") == "member" and not data.get("member"):
            self.add_error("member", "请选择推荐的党员")
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果", choices=(("accept", "通过"), ("reject", "不通过"))
    )
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
