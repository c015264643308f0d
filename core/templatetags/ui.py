"""Small template helpers: Bootstrap forms, percentages and completion bars, days late."""

from django import forms, template

from core.pages import percent

register = template.Library()


@register.filter
def bs(field):
    """Render a form field with Bootstrap classes (and is-invalid when it has errors)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


register.filter("pct", percent)


@register.filter
def pct_width(value) -> int:
    """0..1 as a progress-bar width in percent."""
    return 0 if value is None else round(value * 100)


@register.filter
def bar_css(value) -> str:
    """Colour of a completion bar: red below 60%, amber below 90%, green above."""
    if value is None or value < 0.6:
        return "bg-danger"
    return "bg-warning" if value < 0.9 else "bg-success"


@register.filter
def days_late(deadline, today) -> int:
    """Whole days from a deadline to today."""
    return (today - deadline).days
