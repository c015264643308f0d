"""Small template helpers for Bootstrap forms."""

from django import forms, template

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
