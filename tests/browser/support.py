"""Helpers for the real-browser checks: signing in through the pages, crawling, and axe-core."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urldefrag, urlsplit

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, resolve, reverse

from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Links the crawl does not follow: they end the session, leave the portal's own pages, or fetch a file.
SKIPPED_PREFIXES = ("/admin/", "/static/")
FILE_SUFFIXES = frozenset({".pdf", ".csv", ".xml", ".zip", ".ics", ".txt", ".json", ".docx", ".xlsx"})

_axe = Axe()


# --- Signing in -----------------------------------------------------------------------------------


def current_totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, user, *, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login page as a person would, entering a TOTP code when asked."""
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    _submit(page)
    if urlsplit(page.url).path == reverse("mfa_authenticate"):
        assert user.totp_secret, f"{user.email} was asked for a code but has no authenticator"
        _enter_totp(page, user.totp_secret)
    assert urlsplit(page.url).path != reverse("account_login"), (
        f"Still on the sign-in page after signing in as {user.email}: {visible_errors(page)}"
    )


def _enter_totp(page, secret: str) -> None:
    # A code can go stale if the 30-second window turns over between computing and submitting it;
    # one retry with a fresh code covers that without waiting.
    for _attempt in range(2):
        page.locator("input[name=code]").fill(current_totp(secret))
        _submit(page)
        if urlsplit(page.url).path != reverse("mfa_authenticate"):
            return
    raise AssertionError(f"The authentication code was refused: {visible_errors(page)}")


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()


def visible_errors(page) -> str:
    summary = page.locator(".govuk-error-summary, .govuk-error-message")
    return " | ".join(summary.all_inner_texts()) or "(no error message shown)"


# --- Crawling -------------------------------------------------------------------------------------


def same_site_links(page, origin: str, selector: str = "a[href]") -> list[str]:
    """The portal pages a page links to (absolute URLs without fragments), in page order."""
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    urls: list[str] = []
    for href in hrefs:
        url = urldefrag(href).url
        if url.startswith(origin) and is_followable(urlsplit(url).path) and url not in urls:
            urls.append(url)
    return urls


def is_followable(path: str) -> bool:
    if path == reverse("account_logout") or path.startswith(SKIPPED_PREFIXES):
        return False
    return PurePosixPath(path).suffix.lower() not in FILE_SUFFIXES


def page_kind(url: str) -> str:
    """One page per URL pattern is enough: a councillor's profile stands for every profile."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.view_name or match.route


# --- Checking -------------------------------------------------------------------------------------


@dataclass
class PageProblems:
    """Everything wrong found on the pages one person visited, reported together."""

    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page, url: str, *, expected_status: int = 200) -> None:
        """Open ``url`` and record a wrong status, script errors and every axe-core violation."""
        console: list[str] = []

        def on_console(message) -> None:
            source = message.location.get("url", "") if message.location else ""
            if message.type == "error" and _matters(message.text, source, url, expected_status):
                console.append(message.text if source in ("", url) else f"{message.text} ({source})")

        def on_error(error) -> None:
            console.append(str(error))

        page.on("console", on_console)
        page.on("pageerror", on_error)
        try:
            response = page.goto(url)
            page.wait_for_load_state("load")
        finally:
            page.remove_listener("console", on_console)
            page.remove_listener("pageerror", on_error)
        self.pages.append(url)
        status = response.status if response else None
        if status != expected_status:
            self.problems.append(f"{url}: HTTP {status}, expected {expected_status}")
        self.problems.extend(f"{url}: browser console: {text}" for text in console)
        self.problems.extend(axe_violations(page, url))

    def assert_clean(self, who: str) -> None:
        visited = "\n  ".join(self.pages)
        print(f"As {who}, checked:\n  {visited}")  # shown with -rP, to see what the crawl reached
        assert not self.problems, (
            f"As {who}, {len(self.problems)} problem(s) on {len(self.pages)} page(s):\n"
            + "\n".join(self.problems)
            + f"\nPages visited:\n  {visited}"
        )


def _matters(text: str, source: str, url: str, expected_status: int) -> bool:
    # A CSP refusal, a script error or a missing stylesheet is a real fault; the browser's own
    # favicon request, or the expected error status of the page itself, is not.
    if urlsplit(source).path == "/favicon.ico":
        return False
    return not (source == url and expected_status >= 400 and text.startswith("Failed to load resource"))


def assert_accessible(page) -> None:
    """axe-core finds nothing on the page as it stands (e.g. a form showing its errors)."""
    problems = axe_violations(page, page.url)
    assert not problems, f"{len(problems)} axe-core violation(s):\n" + "\n".join(problems)


def axe_violations(page, url: str) -> list[str]:
    """axe-core's violations on the page, one readable line per element."""
    results = _axe.run(page)
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(
                f"{url}: axe {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    element: {target}\n    html: {node['html'][:200]}"
            )
    return lines
