"""Signing in and out, password reset, no open sign-up, and the allauth pages in GOV.UK dress."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from council.models import User
from council.roles import Role
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
NEW_PASSWORD = "lantern orchard pebble violin"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and used TOTP codes live in the (database) cache.
    cache.clear()


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


# --- Signing in and out ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["person@council.example", "Person@Council.EXAMPLE", "  person@council.example "])
def test_it_signs_in_with_email_and_password_in_any_case(client, typed):
    user = make_user(Role.COUNCILLOR, email="person@council.example")
    response = sign_in(client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_password_with_a_linked_error(client):
    make_user(Role.COUNCILLOR, email="person@council.example")
    response = sign_in(client, "person@council.example", "not the password")
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_login"' in content
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_inactive_account(client):
    make_user(Role.COUNCILLOR, email="gone@council.example", is_active=False)
    sign_in(client, "gone@council.example")
    assert "_auth_user_id" not in client.session


def test_it_changes_the_session_key_on_sign_in(client):
    make_user(Role.COUNCILLOR, email="person@council.example")
    client.get(LOGIN_URL)
    session = client.session
    session["marker"] = "before"
    session.save()
    before = session.session_key
    sign_in(client, "person@council.example")
    assert client.session.session_key != before


def test_it_signs_out_with_a_post_from_a_govuk_button(client, login):
    login(Role.COUNCILLOR)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert b'class="govuk-button"' in page.content
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_locks_out_repeated_failed_sign_ins_for_an_email(client):
    make_user(Role.COUNCILLOR, email="person@council.example")
    for _ in range(5):
        response = sign_in(client, "person@council.example", "wrong password")
        assert b"not correct" in response.content
    response = sign_in(client, "person@council.example")
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert b"govuk-error-summary" in response.content
    assert "_auth_user_id" not in client.session


# --- No open sign-up ------------------------------------------------------------------


def test_sign_up_is_closed(client):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert b"You cannot create an account yourself" in page.content

    client.post(
        reverse("account_signup"),
        {"email": "intruder@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert not User.objects.filter(email="intruder@example.com").exists()


# --- Password reset --------------------------------------------------------------------


def test_a_forgotten_password_can_be_reset_by_email(client, django_capture_on_commit_callbacks, outbox):
    user = make_user(Role.COUNCILLOR, email="person@council.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "Person@council.example"})
    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == ["person@council.example"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert b"Choose a new password" in form_page.content
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    client.logout()
    assert sign_in(client, "person@council.example", NEW_PASSWORD).status_code == 302
    # The link worked once.
    assert b"This link has expired" in client.get(link, follow=True).content


def test_a_reset_for_an_unknown_email_gives_no_link_and_the_same_answer(
    client, django_capture_on_commit_callbacks, outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@council.example"})
    # The page says the same as for a real account, so it does not reveal who has one.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all("/password/reset/key/" not in message.body for message in outbox)


def test_a_weak_new_password_is_refused(client, django_capture_on_commit_callbacks, outbox):
    user = make_user(Role.COUNCILLOR, email="person@council.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "person@council.example"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0]
    response = client.post(action, {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b'href="#id_password1"' in response.content
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


# --- Every allauth page is a GOV.UK page ---------------------------------------------------


def _assert_govuk_page(response):
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert 'class="govuk-header' in content
    assert "govuk-footer" in content
    assert "Member portal" in content
    # Every input someone types into has a label.
    for input_id in re.findall(r'<input[^>]*type="(?:text|email|password)"[^>]*id="([^"]+)"', content):
        assert f'for="{input_id}"' in content, input_id


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
    ],
)
def test_the_public_account_pages_use_the_portal_layout(client, url_name):
    _assert_govuk_page(client.get(reverse(url_name)))


def test_a_bad_reset_link_says_so(client):
    response = client.get(reverse("account_reset_password_from_key", args=["1", "nonsense"]), follow=True)
    _assert_govuk_page(response)
    assert b"This link has expired" in response.content


@pytest.mark.parametrize(
    "url_name",
    ["account_logout", "account_change_password", "account_reauthenticate", "mfa_index", "account_email"],
)
def test_the_signed_in_account_pages_use_the_portal_layout(client, login, url_name):
    login(Role.COUNCILLOR)
    _assert_govuk_page(client.get(reverse(url_name)))


def test_changing_a_password_reports_errors_in_a_summary(client, login):
    login(Role.COUNCILLOR)
    response = client.post(
        reverse("account_change_password"), {"oldpassword": "wrong", "password1": "x", "password2": "y"}
    )
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_oldpassword"' in content
    assert "govuk-form-group--error" in content


def test_a_password_can_be_changed(client, login):
    user = login(Role.COUNCILLOR)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
