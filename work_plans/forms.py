"""Forms of the work-plan pages: they parse input; work_plans.services decides."""

from django import forms

from core.uploads import MultipleFileField
from orgs.models import Organization, OrgKind
from work_plans.models import PlanTask, WorkPlan
from work_plans.services import OWNER_KINDS

OWNER_LIST_DEPTH = 2  # named owners offered down to two levels below; deeper ones go by kind


class PlanForm(forms.ModelForm):
    class Meta:
        model = WorkPlan
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")


class PlanCreateForm(PlanForm):
    organization = forms.ModelChoiceField(
        label="制定组织", queryset=Organization.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    class Meta(PlanForm.Meta):
        fields = ["organization", "year", "title", "description"]

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.order_fields(["organization", "year", "title", "description"])


class OrgChoiceField(forms.ModelMultipleChoiceField):
    """Organizations indented under the plan's organization."""

    base_depth = 0

    def label_from_instance(self, obj):
        return "　" * max(0, obj.depth - self.base_depth - 1) + obj.name


class TaskForm(forms.ModelForm):
    owners = OrgChoiceField(label="责任组织", queryset=Organization.objects.none(), required=False)
    owner_kinds = forms.MultipleChoiceField(
        label="按类型批量分配",
        required=False,
        choices=[(k.value, f"全部{k.label}") for k in OWNER_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选后，本计划制定组织下属该类型的全部党组织各分配一份任务。",
    )

    class Meta:
        model = PlanTask
        fields = ["order", "title", "category", "deadline", "description", "expected_outcome"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "expected_outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, plan: WorkPlan, **kwargs):
        super().__init__(*args, **kwargs)
        base = plan.organization
        owners = (
            Organization.objects.active()
            .filter(path__startswith=base.path, depth__lte=base.depth + OWNER_LIST_DEPTH)
            .exclude(pk=base.pk)
            .exclude(kind=OrgKind.GROUP)
            .order_by("path")
        )
        if self.instance.pk:
            owners = owners.exclude(work_plan_assignments__task=self.instance)
            self.fields["owners"].label = "增加责任组织"
        self.fields["owners"].queryset = owners
        self.fields["owners"].base_depth = base.depth
        self.fields["owners"].widget.attrs["size"] = 8
        for name, field in self.fields.items():
            if name != "owner_kinds":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["category"].widget.attrs["class"] = "form-select form-select-sm"


class ReportForm(forms.Form):
    percent = forms.IntegerField(
        label="完成进度（%）",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 10}),
    )
    note = forms.CharField(
        label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_text = forms.CharField(
        label="佐证材料说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = MultipleFileField(label="佐证材料（照片、PDF、Word）", required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500)
