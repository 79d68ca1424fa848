"""Signing in, in a real browser: error states are accessible, and staff roles without two-factor
authentication are made to set it up before anything else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from council.roles import Role
from tests.browser.support import PageProblems, assert_accessible, current_totp, sign_in, visible_errors
from tests.factories import TEST_PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _path(page) -> str:
    return urlsplit(page.url).path


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_a_wrong_password_gives_an_accessible_error_and_no_session(page):
    user = make_user(Role.COUNCILLOR)
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("not the password at all")
    _submit(page)
    assert _path(page) == reverse("account_login")
    assert page.locator(".govuk-error-summary").is_visible(), "No error summary after a wrong password"
    assert_accessible(page)
    page.goto(reverse("council:councillor_list"))
    assert _path(page) == reverse("account_login"), "A failed sign-in left the visitor signed in"


def test_a_wrong_security_code_is_refused_accessibly(page):
    user = make_user(Role.MONITORING_OFFICER)
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    _submit(page)
    assert _path(page) == reverse("mfa_authenticate"), "A Monitoring Officer was not asked for a security code"
    assert_accessible(page)
    page.locator("input[name=code]").fill("000000" if current_totp(user.totp_secret) != "000000" else "111111")
    _submit(page)
    assert _path(page) == reverse("mfa_authenticate")
    assert "code" in visible_errors(page).lower(), f"No clear error for a wrong code: {visible_errors(page)}"
    assert_accessible(page)


def test_staff_without_two_factor_must_set_it_up_before_anything_else(page, live_server):
    user = make_user(Role.MEMBER_SERVICES, mfa=False)
    sign_in(page, user)
    report = PageProblems()
    if _path(page) == reverse("account_reauthenticate"):
        # allauth asks for the password again before adding an authenticator, even straight
        # after signing in (a sign-in does not count as re-authenticating).
        report.check(page, page.url)
        page.locator("input[name=password]").fill(TEST_PASSWORD)
        _submit(page)
    assert _path(page) == reverse("mfa_activate_totp"), f"Signed in to {page.url}, not the two-factor set-up page"
    report.check(page, page.url)
    report.assert_clean("Member Services setting up two-factor authentication")

    page.goto(reverse("council:councillor_list"))
    assert _path(page) == reverse("mfa_activate_totp"), "The directory opened before two-factor was set up"

    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("input[name=code]").fill(current_totp(secret))
    _submit(page)
    assert _path(page) != reverse("mfa_activate_totp"), f"Setting up two-factor failed: {visible_errors(page)}"
    page.goto(reverse("council:councillor_list"))
    assert _path(page) == reverse("council:councillor_list")
