"""Forms of the 软弱涣散 pages: thin parsing; the services validate and save."""

from django import forms
from django.utils import timezone

from accounts.models import User
from orgs.models import OrgKind
from weak_orgs.criteria import DEFINITIONS
from weak_orgs.selectors import leader_choices


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, required=False)


class CriterionForm(forms.Form):
    """A new version of one criterion: its parameters are fields built from the definition."""

    name = forms.CharField(label="名称", max_length=200)
    enabled = forms.BooleanField(label="启用", required=False)
    org_kinds = forms.MultipleChoiceField(
        label="适用组织类型", choices=OrgKind.choices, widget=forms.CheckboxSelectMultiple
    )
    effective_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(label="依据", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, criterion, **kwargs):
        initial = {
            "name": criterion.name,
            "enabled": criterion.enabled,
            "org_kinds": criterion.org_kinds,
            "effective_from": timezone.localdate(),
            "source": criterion.source,
            **{f"param_{k}": v for k, v in criterion.parameters.items()},
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.criterion = criterion
        for param in DEFINITIONS[criterion.code].params:
            label = f"{param.label}{f'（{param.unit}）' if param.unit else ''}"
            if param.choices:
                field = forms.ChoiceField(label=label, choices=param.choices)
            else:
                field = forms.IntegerField(label=label)
            self.fields[f"param_{param.name}"] = field

    def parameters(self) -> dict:
        return {
            key.removeprefix("param_"): value
            for key, value in self.cleaned_data.items()
            if key.startswith("param_")
        }

    def service_names(self) -> dict[str, str]:
        """The service reports a parameter's error as "parameters.<name>"; here it is "param_<name>"."""
        return {
            f"parameters.{key.removeprefix('param_')}": key
            for key in self.fields
            if key.startswith("param_")
        }


class CaseOpenForm(forms.Form):
    organization = forms.CharField(
        label="党组织全称", max_length=120, help_text="填写党组织全称，如“市财政局预算处党支部”"
    )
    reason = forms.CharField(
        label="确认依据",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如巡察、督查发现的问题，或群众反映的情况",
    )


class PlanForm(forms.Form):
    leader = forms.ModelChoiceField(
        label="责任领导（系统用户）", queryset=User.objects.none(), required=False
    )
    leader_name = forms.CharField(
        label="责任领导姓名、职务",
        max_length=100,
        required=False,
        help_text="未选择系统用户时填写，如“市财政局党组成员、副局长 王某”",
    )
    plan = forms.CharField(label="整顿方案", widget=forms.Textarea(attrs={"rows": 5}))
    exit_criteria = forms.CharField(
        label="销号标准（每行一条）", widget=forms.Textarea(attrs={"rows": 4})
    )
    due_on = forms.DateField(
        label="整顿期限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices(case.organization)
        self.fields["leader"].label_from_instance = lambda u: u.display_name

    def exit_texts(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["exit_criteria"].splitlines()]


class ProgressForm(forms.Form):
    body = forms.CharField(label="整顿进展", widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="佐证材料（可选）", required=False)


class LiftForm(forms.Form):
    reason = forms.CharField(label="销号说明", max_length=500)
    override_reason = forms.CharField(
        label="研判仍未消除时的销号理由", max_length=500, required=False
    )
