"""Member forms. Validation rules live in members.services; forms only parse input and pass it on."""

from datetime import date
from html import escape

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.validators import id_number_birth_date, normalize_id_number
from members import services
from members.models import Member
from orgs.models import BRANCH_KINDS, Organization, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Statuses a write role may set from the detail page; "正常" comes back only through an import or transfer in.
ENDING_STATUSES = [c for c in Member.Status.choices if c[0] != Member.Status.ACTIVE]


def writable_branches(user):
    return (
        Organization.objects.writable_by(user)
        .filter(kind__in=BRANCH_KINDS)
        .active()
        .select_related("parent")
        .order_by("path")
    )


def branch_label(branch: Organization) -> str:
    """Branch names repeat across departments (机关第一党支部 …): show the parent too."""
    return f"{branch.parent.name} / {branch.name}" if branch.parent_id else branch.name


def branch_field(label: str) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        label=label, queryset=Organization.objects.none(), empty_label="请选择党支部"
    )
    field.label_from_instance = branch_label
    return field


def selectable_units(user):
    """Units the user reads, plus the units of organizations they write (a branch secretary's own unit)."""
    writable = Organization.objects.writable_by(user)
    visible = Organization.objects.visible_to(user)
    return Unit.objects.filter(
        Q(organization__in=visible) | Q(organizations__in=writable), is_active=True
    ).distinct()


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the matching fields; others become form errors naming the field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
            continue
        try:
            label = Member._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # a non-field key such as "__all__"
            label = ""
        form.add_error(None, [f"{label}：{m}" if label else m for m in messages])


def select_html(bound) -> str:
    """A filter <select> built in one pass: Django's per-option widget templates take ~0.3 ms each,
    which is most of the page time when a city administrator's tree has a thousand organizations."""
    field = bound.field
    current = "" if bound.value() in (None, "") else str(bound.value())
    if isinstance(field, forms.ModelChoiceField):
        rows = (
            field.queryset.order_by("path").values_list("pk", "name", "depth")
            if field.queryset.model is Organization
            else ((u.pk, u.name, 0) for u in field.queryset)
        )
        rows = list(rows)
        top = min((depth for _, _, depth in rows), default=0)
        options = [("", "全部")] + [
            (str(pk), "\u3000" * (depth - top) + name) for pk, name, depth in rows
        ]
    else:
        options = [(str(value), label if value != "" else "全部") for value, label in field.choices]
    css = "form-select is-invalid" if bound.errors else "form-select"
    # html.escape on plain strings: format_html per option costs ~25 ms over a city's 1,600 options.
    body = "".join(
        f'<option value="{escape(v)}"{" selected" if v == current else ""}>{escape(str(label))}</option>'
        for v, label in options
    )
    return mark_safe(  # noqa: S308 - every interpolated value is escaped above
        f'<select class="{css}" name="{escape(bound.html_name)}" id="{escape(bound.id_for_label)}">{body}</select>'
    )


class MemberForm(forms.Form):
    """Create or edit a member record; on edit, a blank ID or phone number keeps the stored one."""

    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Member.Gender.choices)
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    phone = forms.CharField(label="手机号", max_length=11, required=False)
    education = forms.ChoiceField(
        label="学历", choices=[("", "—")] + Member.Education.choices, required=False
    )
    unit = forms.ModelChoiceField(
        label="工作单位", queryset=Unit.objects.none(), required=False, empty_label="—"
    )
    post = forms.CharField(label="职务（岗位）", max_length=100, required=False)
    joined_on = forms.DateField(label="入党日期", widget=DATE_INPUT)
    confirmed_on = forms.DateField(label="转正日期", widget=DATE_INPUT, required=False)
    membership_kind = forms.ChoiceField(label="党员类型", choices=Member.MembershipKind.choices)
    category = forms.ChoiceField(label="党员类别", choices=Member.Category.choices)
    branch = branch_field("所在党支部")

    MODEL_FIELDS = (
        "name",
        "gender",
        "ethnicity",
        "education",
        "unit",
        "post",
        "joined_on",
        "confirmed_on",
        "membership_kind",
        "category",
        "branch",
    )

    def __init__(
        self, *args, user, instance: Member | None = None, masked_id="", masked_phone="", **kwargs
    ):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs.setdefault(
                "initial", {name: getattr(instance, name) for name in self.MODEL_FIELDS}
            )
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = writable_branches(user)
        units = selectable_units(user)
        if instance is not None and instance.unit_id:
            units = Unit.objects.filter(Q(pk__in=units.values("pk")) | Q(pk=instance.unit_id))
        self.fields["unit"].queryset = units
        if instance is None:
            self.fields["id_number"].required = True
        else:
            self.fields["id_number"].help_text = f"当前：{masked_id or '未登记'}。留空则不修改。"
            self.fields["phone"].help_text = f"当前：{masked_phone or '未登记'}。留空则不修改。"
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def changes(self) -> dict:
        """The values to hand to the service: unchanged ID/phone numbers are left out on edit."""
        data = {name: self.cleaned_data.get(name) for name in self.MODEL_FIELDS}
        for key in ("education", "post"):
            data[key] = data[key] or ""
        id_number = normalize_id_number(self.cleaned_data.get("id_number", ""))
        phone = (self.cleaned_data.get("phone") or "").strip()
        if self.instance is None or id_number:
            data["id_number"] = id_number
            # The birth date is read from the ID number, so the two never disagree.
            data["birth_date"] = id_number_birth_date(id_number) if len(id_number) == 18 else None
        if self.instance is None or phone:
            data["phone"] = phone
        return data

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = self._candidate()
        try:
            services.member_validate(candidate)
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned

    def _candidate(self) -> Member:
        """An unsaved copy with the submitted values, checked by the same rules the service applies."""
        if self.instance is not None:
            candidate = Member.objects.get(pk=self.instance.pk)
        else:
            candidate = Member(birth_date=date(1900, 1, 1))
        for key, value in self.changes().items():
            setattr(candidate, key, value)
        if candidate.birth_date is None:
            candidate.birth_date = date(
                1900, 1, 1
            )  # the ID-number error already explains the problem
        return candidate

    def save(self, actor) -> Member:
        data = self.changes()
        if self.instance is None:
            return services.member_create(actor=actor, **data)
        return services.member_update(member=self.instance, actor=actor, **data)


class TransferForm(forms.Form):
    to_branch = branch_field("转入党支部")
    on = forms.DateField(label="转接日期", widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label="转接原因", max_length=200)

    def __init__(self, *args, user, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["to_branch"].queryset = writable_branches(user).exclude(pk=member.branch_id)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError("不能晚于今天")
        if on < self.member.joined_on:
            raise ValidationError("不能早于入党日期")
        return on


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="党籍状态变为", choices=ENDING_STATUSES)
    on = forms.DateField(label="生效日期", widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(
        label="原因及依据", max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == self.member.status:
            raise ValidationError("与当前状态相同，无需变更")
        return status

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError("不能晚于今天")
        if on < self.member.joined_on:
            raise ValidationError("不能早于入党日期")
        return on


class LookupForm(forms.Form):
    id_number = forms.CharField(
        label="身份证号",
        max_length=18,
        min_length=15,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "18位身份证号"}),
    )
