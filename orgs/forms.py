"""Forms of the organization pages: filters and the management actions.

Management forms are plain forms (not ModelForms) so that the service, not the form, changes the
object: the service snapshots the unchanged object for the audit log and the history.
"""

from dateutil.relativedelta import relativedelta
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.rules import rule_value
from members.models import Member
from orgs.models import BRANCH_KINDS, Organization, OrgKind, PositionKind, Unit

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label: str, required: bool = True, initial=timezone.localdate) -> forms.DateField:
    return forms.DateField(label=label, required=required, initial=initial, widget=DATE_WIDGET)


class OrgChoiceField(forms.ModelChoiceField):
    """Organizations indented by depth, so a long list still reads as a tree."""

    def label_from_instance(self, obj):
        return "　" * obj.depth + obj.name


class UnitFilterForm(forms.Form):
    q = forms.CharField(label="单位名称", required=False)
    kind = forms.ChoiceField(
        label="单位类别", required=False, choices=[("", "全部类别"), *Unit.Kind.choices]
    )
    below = forms.BooleanField(label="仅看专职党务干部未达标", required=False)


class OrgActionForm(forms.Form):
    """A management form about one organization, for one user (whose scope limits the choices)."""

    def __init__(self, *args, org: Organization, user, **kwargs):
        self.org, self.user = org, user
        super().__init__(*args, **kwargs)


class OrganizationForm(OrgActionForm):
    """Create a sub-organization, or edit one's plain fields (a new name is recorded as a rename)."""

    name = forms.CharField(label="名称", max_length=120)
    short_name = forms.CharField(label="简称", max_length=60, required=False)
    kind = forms.ChoiceField(label="组织类型", choices=OrgKind.choices)
    unit = forms.ModelChoiceField(label="所在单位", queryset=Unit.objects.none(), required=False)
    established_on = date_field("成立日期", required=False, initial=None)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0, required=False)

    def __init__(self, *args, org: Organization, user, editing: bool = False, **kwargs):
        if editing:
            kwargs.setdefault(
                "initial",
                {
                    "name": org.name,
                    "short_name": org.short_name,
                    "kind": org.kind,
                    "unit": org.unit_id,
                    "established_on": org.established_on,
                    "sort_order": org.sort_order,
                },
            )
        else:
            kwargs.setdefault("initial", {"unit": org.unit_id, "kind": OrgKind.BRANCH})
        super().__init__(*args, org=org, user=user, **kwargs)
        self.editing = editing
        # The units the user sees, plus the one the organization (or its parent) already sits in.
        self.fields["unit"].queryset = Unit.objects.filter(
            Q(pk__in=Unit.objects.visible_to(user).values("pk")) | Q(pk=org.unit_id)
        )

    def clean_sort_order(self):
        return self.cleaned_data["sort_order"] or 0

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        # Members sit in branches only: a branch that still has members keeps a branch kind.
        if (
            self.editing
            and kind not in BRANCH_KINDS
            and self.org.members.in_good_standing().exists()
        ):
            raise forms.ValidationError("该组织仍有党员，只能是党支部或联合党支部")
        return kind


class MoveForm(OrgActionForm):
    parent = OrgChoiceField(label="新的上级党组织", queryset=Organization.objects.none())
    happened_on = date_field("调整日期")

    def __init__(self, *args, org: Organization, user, **kwargs):
        super().__init__(*args, org=org, user=user, **kwargs)
        # Only writable, active organizations outside the moved subtree (and not the current parent).
        self.fields["parent"].queryset = (
            Organization.objects.writable_by(user)
            .active()
            .exclude(path__startswith=org.path)
            .exclude(pk=org.parent_id)
        )


class MergeForm(OrgActionForm):
    into = OrgChoiceField(label="并入组织", queryset=Organization.objects.none())
    happened_on = date_field("合并日期")
    reason = forms.CharField(
        label="合并原因", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, org: Organization, user, **kwargs):
        super().__init__(*args, org=org, user=user, **kwargs)
        self.fields["into"].queryset = (
            Organization.objects.writable_by(user).active().exclude(path__startswith=org.path)
        )


class DissolveForm(OrgActionForm):
    happened_on = date_field("撤销日期")
    reason = forms.CharField(
        label="撤销原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AppointForm(OrgActionForm):
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none())
    kind = forms.ChoiceField(label="职务", choices=PositionKind.choices)
    started_on = date_field("任职日期")

    def __init__(self, *args, org: Organization, user, **kwargs):
        super().__init__(*args, org=org, user=user, **kwargs)
        # Members of this organization or any organization under it, in good standing and visible.
        self.fields["member"].queryset = (
            Member.objects.visible_to(user)
            .in_good_standing()
            .filter(branch__path__startswith=org.path)
            .select_related("branch")
            .order_by("branch__path", "name")
        )
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"


class PositionEndForm(OrgActionForm):
    ended_on = date_field("离任日期")


class TermForm(OrgActionForm):
    started_on = date_field("本届开始（选举日期）")
    expires_on = date_field("届满日期", initial=None)
    note = forms.CharField(label="备注", max_length=255, required=False)

    def __init__(self, *args, org: Organization, user, **kwargs):
        super().__init__(*args, org=org, user=user, **kwargs)
        years = term_years(org.kind)
        if years:
            self.fields[
                "expires_on"
            ].help_text = f"按规定本类组织每届任期{years}年；留空则按此自动计算。"
            self.fields["expires_on"].required = False
        self.term_years = years

    def clean(self):
        data = super().clean()
        started, expires = data.get("started_on"), data.get("expires_on")
        if started and not expires and self.term_years:
            data["expires_on"] = expires = started + relativedelta(years=self.term_years)
        if started and expires and expires <= started:
            self.add_error("expires_on", "届满日期须晚于本届开始日期")
        return data


def term_years(kind: str) -> int | None:
    """Years of a term by organization kind (R-ORG-2); None where the rules set none."""
    key = {OrgKind.JOINT_BRANCH: OrgKind.BRANCH}.get(kind, kind)
    try:
        return rule_value(f"R-ORG-2.term_years.{key}")
    except LookupError:
        return None
