"""What the page views of several apps share: the year asked about, percentages, error messages, and
the organization a roll-up is drilled into (?org=) with its breadcrumb."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.access import get_in_scope

YEARS_BACK = 3  # the year menus offer the last three years, this one and the next


class YearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


def year_param(request) -> int:
    """?year= when it is a plausible year, else the current one."""
    form = YearForm(request.GET)
    return form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year


def year_choices(current: int) -> list[int]:
    """The year menu, newest first; always holds the year being shown."""
    this_year = timezone.localdate().year
    return sorted({*range(this_year - YEARS_BACK, this_year + 2), current}, reverse=True)


def percent(value) -> str:
    """0..1 as a whole percentage; "—" when there is nothing to measure."""
    return "—" if value is None else f"{value * 100:.0f}%"


def messages_of(exc: ValidationError) -> str:
    """A service's refusal as one line for a message or a form error."""
    return "；".join(exc.messages)


def form_errors(form) -> str:
    """An invalid form's field errors as one line: "label：error，error；label：…"."""
    return "；".join(f"{form.fields[k].label}：{'，'.join(v)}" for k, v in form.errors.items())


def errors_to_form(form, exc: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """A service's refusal shown on the form: each field's errors on that field (named as in
    `renamed` where the form calls it otherwise), the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        field = (renamed or {}).get(name, name)
        form.add_error(field if field in form.fields else None, errors)


def chosen_in_scope(request, visible, param: str = "org"):
    """The object ?org= names, or None without the parameter; outside `visible` a 404 (audited)."""
    value = request.GET.get(param, "")
    if not value:
        return None
    return get_in_scope(request, visible, pk=int(value) if value.isdigit() else 0)


def visible_ancestors(user, organization) -> list:
    """Breadcrumb: the organizations above `organization` the user may also see, top first."""
    if organization is None:
        return []
    from orgs.models import Organization  # orgs builds on core: import late

    return list(
        Organization.objects.visible_to(user)
        .filter(path__in=organization.ancestor_paths())
        .order_by("path")
    )
