"""Display helpers of the work-plan pages."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0..1 as a whole percentage; "—" when there is nothing to measure."""
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def pct_width(value) -> int:
    return 0 if value is None else round(value * 100)


@register.filter
def bar_css(value) -> str:
    """Red below 60%, amber below 90%, green above."""
    if value is None or value < 0.6:
        return "bg-danger"
    return "bg-warning" if value < 0.9 else "bg-success"


@register.filter
def days_late(deadline, today) -> int:
    return (today - deadline).days
