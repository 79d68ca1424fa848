"""Fixtures for the real-browser checks: one Debian Chromium per session, a fresh context per test.

Never downloads a browser. Without /usr/bin/chromium the checks are skipped on a developer's
machine, but in CI (``CI`` set) they fail loudly instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS
from tests.factories import AuthorityFactory, CouncillorFactory, PoliticalGroupFactory, WardFactory

# Playwright's sync API runs an event loop in the test thread, which makes Django refuse ORM calls
# from that thread (creating users and data in the test) unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser checks (apt-get install chromium).")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser checks skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _local_cache(settings):
    # allauth's login rate limits need a cache; the database cache's table is not in the test
    # database, and a shared Redis would carry counts between runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def directory_data():
    """A principal council with a few councillors, so lists and profiles have content."""
    authority = AuthorityFactory(name="Oxbridge City Council")
    ward = WardFactory(authority=authority, name="Castle")
    group = PoliticalGroupFactory(authority=authority, name="Independent")
    return [CouncillorFactory(authority=authority, ward=ward, political_group=group) for _ in range(3)]
