"""Every page a person can reach from their home page passes axe-core, in a real Chromium.

Each role signs in through the login page (with a TOTP code where the role needs one), then the
crawl opens the home page, every portal page it links to, and the pages those link to (one page
per URL pattern: one councillor's profile stands for all), and runs axe-core on each.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from council.roles import Role
from tests.browser.support import PageProblems, page_kind, same_site_links, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Home page = depth 0. Depth 3 reaches e.g. home → councillor list → a profile → its edit page.
MAX_DEPTH = 3
HEADER_NAVIGATION = ".govuk-header a[href]"


def crawl(page, origin: str, *, start: str = "/", max_depth: int = MAX_DEPTH) -> PageProblems:
    report = PageProblems()
    seen: set[str] = set()
    frontier = [origin + start]
    for depth in range(max_depth + 1):
        found: list[str] = []
        for url in frontier:
            kind = page_kind(url)
            if kind in seen:
                continue
            seen.add(kind)
            report.check(page, url)
            # Beyond the last level only the header navigation is followed, so every section
            # the person can reach from the menu is checked whatever its depth.
            found += same_site_links(page, origin, "a[href]" if depth < max_depth else HEADER_NAVIGATION)
        frontier = found
    for url in frontier:
        if page_kind(url) not in seen:
            seen.add(page_kind(url))
            report.check(page, url)
    return report


@pytest.mark.parametrize("role", Role.values)
def test_every_page_a_role_reaches_from_home_is_accessible(page, live_server, directory_data, role):
    # The Administrator is the one role that may use the Django admin.
    user = make_user(role, is_staff=role == Role.ADMINISTRATOR)
    sign_in(page, user)
    report = crawl(page, live_server.url)
    assert len(report.pages) > 1, f"As {Role(role).label}, the home page linked to no portal pages"
    report.assert_clean(Role(role).label)


PUBLIC_PAGES = [
    ("home", 200),
    ("account_login", 200),
    ("account_reset_password", 200),
    ("account_signup", 200),  # sign-up is closed: the page says how to get an account
    ("accessibility", 200),
    ("privacy", 200),
]


def test_public_pages_are_accessible(page, live_server):
    report = PageProblems()
    for name, status in PUBLIC_PAGES:
        report.check(page, live_server.url + reverse(name), expected_status=status)
    report.check(page, live_server.url + "/no-such-page/", expected_status=404)
    page.goto("/")
    for url in same_site_links(page, live_server.url):
        if url not in report.pages:
            report.check(page, url)
    report.assert_clean("an anonymous visitor")


def test_error_pages_for_a_signed_in_person_are_accessible(page, live_server):
    sign_in(page, make_user(Role.COUNCILLOR))
    report = PageProblems()
    report.check(page, live_server.url + reverse("council:councillor_list"), expected_status=403)
    report.check(page, live_server.url + "/no-such-page/", expected_status=404)
    report.assert_clean("a councillor meeting error pages")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(page):
    page.goto(reverse("account_login"))
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent.trim()]")
    assert "govuk-skip-link" in focused[0], f"The first Tab focused {focused}, not the skip link"
    box = page.locator(".govuk-skip-link").bounding_box()
    assert box and box["height"] > 1, "The skip link stays invisible when it has focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content", (
        "Activating the skip link did not move focus to <main id=main-content>"
    )
