"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A select whose options are written in Python rather than through a template each: lists
    of authorities run to hundreds, and a template per option made up most of
    the page's time. The markup is the same as Django's own."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for o in options:
                selected = " selected" if o["selected"] else ""
                parts.append(f'<option value="{escape(o["value"])}"{selected}>{escape(o["label"])}</option>')
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        # Every part above was escaped (format_html or escape).
        return mark_safe("".join(parts))
