"""Sessions: a new key at sign-in, nothing left behind at sign-out or after a password change,
and staff signed out after a spell of not using the portal."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from council.middleware import LAST_SEEN_KEY
from council.models import Invitation
from council.roles import MFA_REQUIRED_ROLES, Role
from tests.factories import TEST_PASSWORD, make_user

from .conftest import sign_in, signed_in_as

pytestmark = pytest.mark.django_db

STAFF_ROLES = sorted(MFA_REQUIRED_ROLES)
OTHER_ROLES = sorted(set(Role) - MFA_REQUIRED_ROLES)
NEW_PASSWORD = "a quite different passphrase 42"


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _client_with_cookie(value: str) -> Client:
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = value
    return other


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]


# --- Signing in and out ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.MONITORING_OFFICER])
def test_signing_in_gives_a_new_session_key(client, role):
    user = make_user(role)
    # A visitor's session before signing in (for example, one that started a complaint).
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = _cookie(client)

    sign_in(client, user)

    after = _cookie(client)
    assert after != before
    assert not _session_store()().exists(before)
    # Someone who had planted or copied the old cookie is not signed in by it.
    assert signed_in_as(_client_with_cookie(before)) is None
    assert signed_in_as(client) == user.pk


def test_signing_out_ends_the_session_on_the_server(client):
    user = make_user(Role.MONITORING_OFFICER)
    sign_in(client, user)
    cookie = _cookie(client)
    assert signed_in_as(_client_with_cookie(cookie)) == user.pk

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302

    assert not _session_store()().exists(cookie)
    assert signed_in_as(_client_with_cookie(cookie)) is None
    assert signed_in_as(client) is None


def test_signing_out_takes_a_post(client):
    """A link or an image on another site cannot sign people out: GET only asks to confirm."""
    user = make_user(Role.COUNCILLOR)
    sign_in(client, user)
    assert client.get(reverse("account_logout")).status_code == 200
    assert signed_in_as(client) == user.pk


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.MEMBER_SERVICES])
def test_changing_the_password_signs_out_every_session(client, role):
    assert settings.ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is True
    user = make_user(role)
    sign_in(client, user)
    elsewhere = Client()
    elsewhere.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert signed_in_as(elsewhere) == user.pk

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The other browser's session no longer matches the password (Django's session hash)…
    assert signed_in_as(elsewhere) is None
    # …and allauth signs out the one that made the change (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE).
    assert signed_in_as(client) is None


def test_a_wrong_current_password_changes_nothing_and_keeps_sessions(client):
    user = make_user(Role.COUNCILLOR)
    sign_in(client, user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not my password at all", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert signed_in_as(client) == user.pk


def test_resetting_the_password_signs_out_existing_sessions(client, outbox):
    user = make_user(Role.COUNCILLOR)
    signed_in_browser = Client()
    signed_in_browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", outbox[-1].body).group(0)
    form_page = client.get(urlsplit(link).path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    assert signed_in_as(signed_in_browser) is None
    assert signed_in_as(client) is None  # ACCOUNT_LOGIN_ON_PASSWORD_RESET is off


# --- Staff are signed out when idle ---------------------------------------------------------------


def _staff_client(client, role):
    """A staff member signed in now (call it with the clock frozen: signing in starts the idle clock)."""
    user = make_user(role)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_are_signed_out_after_30_idle_minutes(client, role):
    assert settings.STAFF_IDLE_TIMEOUT_MINUTES == 30
    with freeze_time("2026-06-01 09:00") as frozen:
        user = _staff_client(client, role)
        assert signed_in_as(client) == user.pk
        # Each request within the timeout starts the clock again.
        for _ in range(3):
            frozen.tick(timedelta(minutes=29))
            assert signed_in_as(client) == user.pk

        frozen.tick(timedelta(minutes=31))
        privacy = reverse("privacy")
        response = client.get(privacy)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse("account_login")
        assert parse_qs(location.query) == {"next": [privacy]}

        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "You were signed out because you had not used the portal for 30 minutes" in page.content.decode()
        assert signed_in_as(client) is None


def test_the_idle_timeout_is_a_setting(client, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 5
    with freeze_time("2026-06-01 09:00") as frozen:
        user = _staff_client(client, Role.MEMBER_SERVICES)
        assert signed_in_as(client) == user.pk
        frozen.tick(timedelta(minutes=4, seconds=59))
        assert signed_in_as(client) == user.pk
        frozen.tick(timedelta(minutes=5, seconds=1))
        assert signed_in_as(client) is None


def test_a_form_posted_after_the_timeout_is_not_acted_on(client):
    with freeze_time("2026-06-01 09:00") as frozen:
        _staff_client(client, Role.MEMBER_SERVICES)
        client.get(reverse("home"))
        frozen.tick(timedelta(minutes=45))
        response = client.post(
            reverse("council:invitation_create"), {"email": "new@council.example", "full_name": "New Person"}
        )
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    # Back to the home page afterwards, not to a half-filled form.
    assert parse_qs(urlsplit(response["Location"]).query) == {"next": [reverse("home")]}
    assert not Invitation.objects.filter(email="new@council.example").exists()


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_keep_the_normal_session_age(client, role):
    user = make_user(role)
    with freeze_time("2026-06-01 09:00") as frozen:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert signed_in_as(client) == user.pk
        frozen.tick(timedelta(hours=2))
        assert signed_in_as(client) == user.pk
        # The session itself still ends SESSION_COOKIE_AGE after it was last saved.
        frozen.tick(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        assert signed_in_as(client) is None


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_never_write_the_session_to_record_use(client, role):
    user = make_user(role)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("privacy"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("privacy")).status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert LAST_SEEN_KEY not in client.session


def test_signing_in_starts_the_idle_clock(client):
    user = make_user(Role.MONITORING_OFFICER)
    with freeze_time("2026-06-01 09:00"):
        sign_in(client, user)
        assert client.session[LAST_SEEN_KEY] == int(timezone.now().timestamp())


def test_staff_sessions_record_use_at_most_once_a_minute(client):
    with freeze_time("2026-06-01 09:00") as frozen:
        _staff_client(client, Role.MONITORING_OFFICER)
        started = client.session[LAST_SEEN_KEY]
        with CaptureQueriesContext(connection) as first:
            client.get(reverse("privacy"))
        # Signing in recorded the time: the first page writes nothing more.
        assert _session_writes(first.captured_queries) == []

        frozen.tick(timedelta(seconds=59))
        with CaptureQueriesContext(connection) as within_a_minute:
            client.get(reverse("privacy"))
        assert _session_writes(within_a_minute.captured_queries) == []
        assert client.session[LAST_SEEN_KEY] == started

        frozen.tick(timedelta(seconds=2))
        with CaptureQueriesContext(connection) as after_a_minute:
            client.get(reverse("privacy"))
        assert len(_session_writes(after_a_minute.captured_queries)) == 1
        assert client.session[LAST_SEEN_KEY] == started + 61


def test_a_clock_that_goes_back_does_not_sign_staff_out(client):
    with freeze_time("2026-06-01 09:00"):
        user = _staff_client(client, Role.MONITORING_OFFICER)
        assert signed_in_as(client) == user.pk
    with freeze_time("2026-06-01 08:00"):
        assert signed_in_as(client) == user.pk
    with freeze_time("2026-06-01 09:10"):
        assert signed_in_as(client) == user.pk


def test_signing_in_again_after_the_timeout_works(client):
    user = make_user(Role.MONITORING_OFFICER)
    with freeze_time(timezone.now()) as frozen:
        sign_in(client, user)
        assert signed_in_as(client) == user.pk
        frozen.tick(timedelta(minutes=31))
        assert signed_in_as(client) is None
        frozen.tick(timedelta(minutes=1))  # a fresh TOTP code
        sign_in(client, user)
        assert signed_in_as(client) == user.pk
