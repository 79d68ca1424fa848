"""Read the forms on a page the way a browser would: each form's method, action and fields
(text inputs, text areas, selects with their options, radios and checkboxes with their values,
file inputs and named submit buttons)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TEXT_TYPES = {"text", "email", "url", "search", "tel", "password", "number", "date", "time", "hidden", ""}


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, file, submit
    options: list[str] = field(default_factory=list)  # choices of a select, radio or checkbox group
    value: str = ""  # the value the page filled in (or the first selected/checked option)
    multiple: bool = False


@dataclass
class HtmlForm:
    method: str
    action: str  # the path the form posts to
    fields: dict[str, FormField] = field(default_factory=dict)
    enctype: str = ""

    def add(self, name: str, kind: str, *, option: str | None = None, value: str = "", selected: bool = False):
        existing = self.fields.get(name)
        if existing is None:
            existing = self.fields[name] = FormField(name=name, kind=kind)
            if option is None:
                existing.value = value
        if option is not None:
            if option not in existing.options:
                existing.options.append(option)
            if selected and not existing.value:
                existing.value = option
        return existing


class _Parser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: FormField | None = None
        self.option: dict | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page_path, a.get("action") or self.page_path)).path
            self.form = HtmlForm(method=(a.get("method") or "get").lower(), action=action, enctype=a.get("enctype", ""))
            self.forms.append(self.form)
            return
        if self.form is None or ("name" not in a and tag != "option"):
            if tag == "option" and self.select is not None:
                self.option = a
                self.text = []
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                field_ = self.form.add(name, kind, option=a.get("value", "on"), selected="checked" in a)
                field_.multiple = field_.multiple or kind == "checkbox"
            elif kind == "file":
                self.form.add(name, "file").multiple = "multiple" in a
            elif kind in ("submit", "image", "button"):
                self.form.add(name, "submit", option=a.get("value", ""), selected=False)
            elif kind in TEXT_TYPES or kind not in ("reset",):
                self.form.add(name, "text", value=a.get("value", ""))
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self.form.add(name, "submit", option=a.get("value", ""))
        elif tag == "select":
            self.select = self.form.add(name, "select")
            self.select.multiple = "multiple" in a
        elif tag == "textarea":
            self.textarea = name
            self.text = []
        elif tag == "option" and self.select is not None:
            self.option = a
            self.text = []

    def handle_data(self, data):
        if self.textarea is not None or self.option is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.add(self.textarea, "textarea", value="".join(self.text).lstrip("\n"))
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value = self.option.get("value", "".join(self.text).strip())
            if value not in self.select.options:
                self.select.options.append(value)
            if "selected" in self.option and not self.select.value:
                self.select.value = value
            self.option = None
        elif tag == "select":
            self.select = None


def forms_on(html: str, page_path: str) -> list[HtmlForm]:
    parser = _Parser(page_path)
    parser.feed(html)
    parser.close()
    return parser.forms


def merged_form(html: str, page_path: str, *, action: str, method: str = "post") -> HtmlForm | None:
    """All the fields of the page's forms that send ``method`` to ``action``, as one form (a page
    may split one action over several forms, for example one button per row)."""
    found = [f for f in forms_on(html, page_path) if f.method == method and f.action == action]
    if not found:
        return None
    merged = HtmlForm(method=method, action=action, enctype=found[0].enctype)
    for form in found:
        for name, field_ in form.fields.items():
            if name not in merged.fields:
                merged.fields[name] = FormField(
                    name=name, kind=field_.kind, options=list(field_.options), value=field_.value
                )
                merged.fields[name].multiple = field_.multiple
            else:
                target = merged.fields[name]
                target.options += [o for o in field_.options if o not in target.options]
    return merged
