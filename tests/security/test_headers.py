"""Security headers and the Content Security Policy, on the pages people use, and the cookie and
transport settings of a production deployment (checked in a subprocess with DJANGO_ENV=production,
as tests/council/test_settings.py does)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress

from council.roles import Role
from tests.council.test_authorisation_matrix import ANONYMOUS, PAGE, _sample_data, endpoints, expected_row
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Pages of these people are fetched; together they reach every HTML page of the portal.
ACTORS = [ANONYMOUS, Role.COUNCILLOR, Role.MEMBER_SERVICES, Role.MONITORING_OFFICER]

# A script element with no src, unless it is a data block (JSON), which browsers never run.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_headers(response) -> list[str]:
    """What is wrong with a response's security headers (nothing, for a good one)."""
    problems = []
    csp_header = response.get("Content-Security-Policy", "")
    csp = parse_csp(csp_header)
    if not csp:
        problems.append("no Content-Security-Policy")
    else:
        scripts = csp.get("script-src", csp.get("default-src", []))
        styles = csp.get("style-src", csp.get("default-src", []))
        if not scripts or any(w in scripts for w in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:")):
            problems.append(f"script-src too loose: {scripts}")
        if "'unsafe-inline'" in styles:
            problems.append(f"style-src allows inline styles: {styles}")
        if csp.get("object-src") != ["'none'"] and "sandbox" not in csp:
            problems.append("object-src is not 'none'")
        if "base-uri" not in csp and "sandbox" not in csp:
            problems.append("no base-uri")
    framing_refused = csp.get("frame-ancestors") == ["'none'"] or response.get("X-Frame-Options") == "DENY"
    if not framing_refused:
        problems.append("may be framed (no frame-ancestors 'none' and no X-Frame-Options DENY)")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append(f"Cross-Origin-Opener-Policy is {response.get('Cross-Origin-Opener-Policy')!r}")
    return problems


def check_markup(html: str) -> list[str]:
    """Markup the CSP would block: inline scripts, event-handler attributes and style attributes."""
    problems = []
    if match := INLINE_SCRIPT.search(html):
        problems.append(f"inline script: {match.group(0)[:80]}")
    if match := EVENT_HANDLER.search(html):
        problems.append(f"event-handler attribute: {match.group(0)[:80]}")
    if match := STYLE_ATTRIBUTE.search(html):
        problems.append(f"style attribute: {match.group(0)[:80]}")
    return problems


def test_the_policy_is_strict(client):
    response = client.get("/")
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert check_headers(response) == []


@pytest.mark.parametrize("actor", ACTORS)
def test_every_html_page_sends_the_headers_and_has_no_inline_script_or_style(client, actor):
    data = _sample_data()
    if actor != ANONYMOUS:
        user = make_user(actor)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    wrong = []
    seen = 0
    for endpoint in endpoints():
        row = expected_row(endpoint)
        # PDFs pass through the same middleware; they are slow to make, so they are left out here.
        if row is None or row[actor] != PAGE or endpoint.route.startswith("admin/") or ".pdf" in endpoint.route:
            continue
        if actor != ANONYMOUS:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = endpoint.url(data)
        response = client.get(url)
        if response.status_code != 200:
            continue  # the matrix reports wrong outcomes
        problems = check_headers(response)
        if response["Content-Type"].startswith("text/html"):
            seen += 1
            problems += check_markup(response.content.decode())
        wrong += [f"{endpoint.key} ({url}): {p}" for p in problems]
    assert seen > 3
    assert not wrong, f"As {actor}:\n  " + "\n  ".join(wrong)


def test_error_pages_send_the_headers_too(client, login):
    login(Role.COUNCILLOR)
    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404
    assert check_headers(not_found) == []
    forbidden = client.get("/directory/councillors/")
    assert forbidden.status_code == 403
    assert check_headers(forbidden) == []


# --- Production -----------------------------------------------------------------------------------

PRODUCTION_PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

names = [
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "DEBUG",
]
out = {"settings": {name: getattr(settings, name) for name in names}}
# Pages that need no database; the hashed static file names need collectstatic, which a test
# need not run, so only the static storage is swapped.
plain_static = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
with override_settings(STORAGES=plain_static):
    client = Client()
    page = client.get("/complaints/safeguarding/", secure=True, HTTP_HOST="portal.example")
    plain = client.get("/privacy/", HTTP_HOST="portal.example")
cookie = page.cookies.get(settings.CSRF_COOKIE_NAME)
out["page"] = {"status": page.status_code, "headers": dict(page.headers)}
out["plain"] = {"status": plain.status_code, "location": plain.get("Location", "")}
out["csrf_cookie"] = {"secure": bool(cookie and cookie["secure"]), "httponly": bool(cookie and cookie["httponly"])}
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "council.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 20 + "Q7!x" * 10,
        "ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line.removeprefix("PROBE"))


def test_production_cookies_are_secure_and_http_only(production):
    settings = production["settings"]
    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["csrf_cookie"] == {"secure": True, "httponly": True}


def test_production_sends_hsts_and_redirects_to_https(production):
    settings = production["settings"]
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    headers = production["page"]["headers"]
    assert production["page"]["status"] == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert production["plain"]["status"] == 301
    assert production["plain"]["location"] == "https://portal.example/privacy/"


def test_production_pages_send_the_same_security_headers(production):
    class Headers(dict):
        def get(self, key, default=None):
            return super().get(key, default)

    assert check_headers(Headers(production["page"]["headers"])) == []
