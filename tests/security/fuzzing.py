"""Hypothesis strategies for hostile form input, and the checks every response must pass.

A form is read from its page (tests/security/htmlforms.py); each field then gets something a
careless or malicious person might send: the value the page offered, nothing at all, a list
where one value is expected, very long text, control characters (NUL included), mixed scripts
and right-to-left marks, HTML and <script>, SQL and format-string fragments, numbers in other
scripts, or random bytes as a file. The marker ``MARK`` is markup: wherever stored text is shown
it must appear escaped, never as a tag.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from council.models import OutboundEmail

from .htmlforms import FormField

MARK = "<b id=fuzzmark>"
SCRIPT = "<script>alert('fuzz')</script>"

HOSTILE_TEXT = [
    "",
    " ",
    MARK,
    f"Name {MARK} here",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "'; DROP TABLE council_user; --",
    '1" UNION SELECT password FROM council_user --',
    "%s %d %(name)s {0} {name} {{7*7}} ${7*7} {% debug %}",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c\x1b[31m\x7f",
    "\u202eevil\u202c \u200f\u200e\u200b\ufeff",
    "مرحبا שלום 你好 Ωμέγα Привет 🙂👍🏽",
    "Zalgo z̷̢͔a̸̗͐l̵̨͝g̶̱̈o̴̰͘",
    "²",
    "①",
    "١٢٣",
    "٣",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "3.5",
    "true",
    "null",
    "[]",
    '{"a": 1}',
    "LONG:A",
    "LONG:é",
    "../../../../etc/passwd",
    "%00%2e%2e%2f",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "nobody@example.com",
    "x" * 300 + "@example.com",
    "31/02/2026",
    "2026-13-45",
    "25:61",
]

FILE_NAMES = [
    "evidence.png",
    "../../etc/passwd",
    "a\x00b.pdf",
    f"{MARK}.csv",
    "x" * 300 + ".txt",
    "councillors.csv",
    "feed.xml",
    "صورة.jpg",
]
FILE_CONTENTS = [
    b"",
    b"name,email\n" + MARK.encode() + b",a@b.c\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\0" * 32,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><councillorsbyward>&e;</councillorsbyward>",
    b"<html><script>alert(1)</script></html>",
    b"\xff\xfe\x00\x00garbage",
]

EXTRA_KEYS = ["id", "pk", "user", "councillor", "authority", "roles", "is_staff", "next", "action", "step", "page"]


def _pick(values: list) -> st.SearchStrategy:
    """One of ``values``, drawn by position so that Hypothesis never prints the whole list."""
    return st.integers(min_value=0, max_value=len(values) - 1).map(values.__getitem__)


def _expand(value: str) -> str:
    # Very long text is made when drawn, for the same reason.
    if value.startswith("LONG:"):
        return value.removeprefix("LONG:") * 10_000
    return value


text = st.one_of(
    _pick(HOSTILE_TEXT).map(_expand),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def _marked(value: str) -> st.SearchStrategy[str]:
    """The page's own value with something hostile appended (often still valid, so it is stored)."""
    return st.sampled_from([MARK, SCRIPT, "\u202e", " \x00", "é" * 50]).map(lambda extra: f"{value}{extra}")


def file_strategy() -> st.SearchStrategy[SimpleUploadedFile]:
    return st.builds(
        lambda name, content: SimpleUploadedFile(name, content),
        _pick(FILE_NAMES),
        st.one_of(_pick(FILE_CONTENTS), st.binary(max_size=2048)),
    )


def field_value(field: FormField, *, marked_text: str) -> st.SearchStrategy:
    """Everything one field might be sent as (or ``None``: left out)."""
    if field.kind == "file":
        single = file_strategy()
        return st.one_of(st.none(), single, st.lists(single, min_size=2, max_size=3))
    if field.kind in ("text", "textarea"):
        base = field.value or marked_text
        single = st.one_of(st.just(field.value), text, _marked(base))
    elif field.options:
        single = st.one_of(_pick(field.options), text)
    else:
        single = text
    if field.kind == "submit":
        return st.one_of(st.none(), single)
    if field.kind == "checkbox" or field.multiple:
        return st.one_of(st.none(), single, st.lists(single, max_size=4))
    return st.one_of(single, single, st.none(), st.lists(single, min_size=2, max_size=3))


def form_data(fields: dict[str, FormField], *, marked_text: str = f"Text {MARK}") -> st.SearchStrategy[dict]:
    """A whole submission: each field as above, plus a few fields no form has."""
    per_field = {
        name: field_value(field, marked_text=marked_text)
        for name, field in fields.items()
        if name != "csrfmiddlewaretoken"
    }
    extras = st.dictionaries(st.one_of(st.sampled_from(EXTRA_KEYS), st.text(min_size=1, max_size=8)), text, max_size=3)

    def combine(values: dict, extra: dict) -> dict:
        data = {name: value for name, value in values.items() if value is not None}
        for key, value in extra.items():
            data.setdefault(key, value)
        return data

    return st.builds(combine, st.fixed_dictionaries(per_field), extras)


# How a submission is sent: as a browser sends a form, or as JSON (which no view reads as a form).
ENCODINGS = st.sampled_from(["form", "form", "form", "form", "json"])


def send(client, method: str, path: str, data: dict, encoding: str):
    if method == "get":
        plain = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile | list) or _texts(v)}
        return client.get(path, plain)
    if encoding == "json":
        body = json.dumps({k: v for k, v in data.items() if not _has_file(v)})
        return client.post(path, body, content_type="application/json")
    return client.post(path, data)


def _texts(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _has_file(value) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(v, SimpleUploadedFile) for v in items)


# --- What every response must satisfy -------------------------------------------------------------


def check_response(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        assert location.scheme in ("", "http", "https") and location.netloc in ("", "testserver"), (
            f"{what}: redirects off the site to {response['Location']!r}"
        )
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html") and not getattr(response, "streaming", False):
        html = response.content.decode(errors="replace")
        assert MARK not in html, f"{what}: the marker {MARK!r} was rendered as markup"
        assert SCRIPT not in html, f"{what}: a <script> that was sent came back unescaped"


def check_after(client, response, what: str) -> None:
    """Check the response, and the page a redirect leads to (where stored text is shown)."""
    check_response(response, what)
    if response.status_code in (301, 302, 303) and urlsplit(response["Location"]).netloc in ("", "testserver"):
        follow = client.get(urlsplit(response["Location"]).path + _query(response["Location"]))
        check_response(follow, f"{what} → {response['Location']}")


def _query(location: str) -> str:
    query = urlsplit(location).query
    return f"?{query}" if query else ""


def check_emails(what: str) -> None:
    """HTML emails carry what people typed too: escaped, like the pages."""
    leaked = OutboundEmail.objects.filter(body_html__contains=MARK).values_list("subject", flat=True)[:1]
    assert not leaked, f"{what}: an HTML email has the marker as markup (subject {leaked[0]!r})"


def fuzz_settings(max_examples: int):
    """Few examples per form, so the whole file stays quick; FUZZ_SCALE=10 runs ten times as many."""
    return settings(
        max_examples=max_examples * int(os.environ.get("FUZZ_SCALE", "1")),
        deadline=None,
        database=None,  # no .hypothesis folder in the checkout
        derandomize=bool(os.environ.get("CI")),  # CI is repeatable; local runs explore
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        # No shrinking: the database keeps what earlier examples did, so a smaller example need
        # not fail the same way, and shrinking a whole form costs minutes. The failing
        # submission is printed as it was drawn.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        print_blob=True,
    )
