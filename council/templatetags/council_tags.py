from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def error_anchor(bound_field, field_id: str) -> str:
    """The id an error summary should link to: GOV.UK links a group of radios or
    checkboxes to its first option (numbered from 1 by crispy-forms-gds) and a date
    to its first input, so following the link puts focus on something to change."""
    if field_id != bound_field.auto_id:
        return field_id
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field_id}_1"
    if isinstance(widget, forms.MultiWidget):
        return f"{field_id}_0"
    return field_id
