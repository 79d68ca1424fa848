"""Two-factor authentication: required for the roles that see personal data."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache
from django.urls import reverse

from council.roles import MFA_REQUIRED_ROLES, Role
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

HOME = reverse("home")
ACTIVATE = reverse("mfa_activate_totp")
NO_MFA_ROLES = sorted(set(Role) - MFA_REQUIRED_ROLES)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Used TOTP codes and rate-limit counters live in the (database) cache.
    cache.clear()


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def wrong_code(secret: str) -> str:
    valid = {format_hotp_value(hotp_value(secret, c)) for c in yield_hotp_counters_from_time()}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def test_the_roles_are_split_as_the_issue_says():
    assert {
        Role.MONITORING_OFFICER,
        Role.DEPUTY_MONITORING_OFFICER,
        Role.INDEPENDENT_PERSON,
        Role.MEMBER_SERVICES,
        Role.ADMINISTRATOR,
    } == MFA_REQUIRED_ROLES
    assert set(NO_MFA_ROLES) == {Role.COUNCILLOR, Role.COMMUNICATIONS, Role.REPORT_VIEWER}


@pytest.mark.parametrize("role", sorted(MFA_REQUIRED_ROLES))
def test_staff_without_mfa_must_set_it_up_before_anything_else(client, role):
    user = make_user(role, mfa=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)
    # Other pages are closed too, but not the account pages (or they could never set it up).
    assert client.get(reverse("privacy"))["Location"].startswith(ACTIVATE)
    assert client.get(reverse("account_change_password")).status_code == 200

    # allauth asks for the password again before changing security settings.
    response = client.get(ACTIVATE)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(
        reverse("account_reauthenticate") + "?next=" + ACTIVATE, {"password": TEST_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    content = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in content
    assert secret in content  # the key in text, for people who cannot scan the QR code

    response = client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes_page.status_code == 200
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    assert codes
    assert all(code in codes_page.content.decode() for code in codes)
    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("role", NO_MFA_ROLES)
def test_other_roles_are_not_made_to_set_up_mfa(client, login, role):
    login(role)
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_does_not_activate_mfa(client):
    user = make_user(Role.MEMBER_SERVICES, mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(ACTIVATE)
    secret = page.context["form"].secret
    response = client.post(ACTIVATE, {"code": wrong_code(secret)})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_code"' in content
    assert "Incorrect code" in content
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get(HOME)["Location"].startswith(ACTIVATE)


def test_signing_in_with_mfa_asks_for_the_code(client):
    user = make_user(Role.MONITORING_OFFICER)
    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert page.content.decode().count("<h1") == 1
    assert b'for="id_code"' in page.content

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(user.totp_secret)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_at_sign_in_is_refused(client):
    user = make_user(Role.MONITORING_OFFICER)
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": wrong_code(user.totp_secret)})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert b"govuk-error-summary" in response.content
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once_at_sign_in(client, login):
    user = login(Role.ADMINISTRATOR)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.post(reverse("mfa_generate_recovery_codes"))
    code = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()[0]
    client.logout()

    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code})["Location"] == HOME
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url_name",
    ["mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_deactivate_totp"],
)
def test_the_mfa_pages_use_the_portal_layout(client, login, url_name):
    user = login(Role.MEMBER_SERVICES)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    if url_name == "mfa_view_recovery_codes":
        client.post(reverse("mfa_generate_recovery_codes"))
    response = client.get(reverse(url_name))
    assert response.status_code == 200, response.get("Location")
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert "govuk-header" in content
    assert user.get_full_name() in content


def test_recovery_codes_can_be_downloaded(client, login):
    login(Role.MEMBER_SERVICES)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.post(reverse("mfa_generate_recovery_codes"))
    response = client.get(reverse("mfa_download_recovery_codes"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
