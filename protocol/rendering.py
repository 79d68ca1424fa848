"""Markdown to safe HTML in GOV.UK style.

Section bodies are Markdown. Raw HTML never passes through: it is escaped
before rendering, and the output is cleaned again with nh3 against an allow
list, so a body can never carry script, styles or event handlers.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

_ALLOWED_TAGS = {
    "p", "ul", "ol", "li", "strong", "em", "a", "blockquote", "h3", "h4", "sup", "div", "hr", "code", "br",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "sup": {"id"}, "li": {"id"}, "div": {"class"}}
_GOVUK_CLASSES = {
    "<p>": '<p class="govuk-body">',
    "<ul>": '<ul class="govuk-list govuk-list--bullet">',
    "<ol>": '<ol class="govuk-list govuk-list--number">',
    "<h3>": '<h3 class="govuk-heading-s">',
    "<h4>": '<h4 class="govuk-heading-s">',
    "<blockquote>": '<blockquote class="govuk-inset-text">',
    "<hr>": '<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">',
}
_FOOTNOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")


def render_markdown(body: str, *, id_prefix: str = "") -> str:
    """Render a section body. ``id_prefix`` keeps footnote anchors unique on a page of many sections."""
    if id_prefix:
        body = _FOOTNOTE_LABEL.sub(lambda m: f"[^{id_prefix}-{m.group(1)}]", body)
    # Escape anything that looks like HTML so it shows as text, not markup.
    text = html.escape(body, quote=False)
    rendered = markdown.markdown(
        text,
        extensions=["footnotes", "sane_lists"],
        extension_configs={"footnotes": {"BACKLINK_TEXT": "↩", "BACKLINK_TITLE": "Back to the text"}},
        output_format="html",
    )
    cleaned = nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    for tag, replacement in _GOVUK_CLASSES.items():
        cleaned = cleaned.replace(tag, replacement)
    return cleaned.replace("<a ", '<a class="govuk-link" ')
