"""Two-factor authentication for staff: the cases tests/council/test_mfa.py does not cover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from council.models import Invitation
from council.roles import MFA_REQUIRED_ROLES, Role
from tests.factories import TEST_PASSWORD, make_user

from .conftest import current_code, sign_in, signed_in_as

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")


def test_staff_without_mfa_cannot_submit_forms_either(client):
    user = make_user(Role.MEMBER_SERVICES, mfa=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("council:invitation_create"), {"email": "someone@council.example", "full_name": "Some One"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)
    assert not Invitation.objects.exists()


def test_staff_without_mfa_cannot_reach_the_django_admin(client):
    user = make_user(Role.ADMINISTRATOR, mfa=False, is_staff=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)


def test_a_staff_role_given_during_a_session_requires_mfa_at_once(client):
    user = make_user(Role.COUNCILLOR)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("training:my_training")).status_code == 200
    user.groups.add(Group.objects.get(name=Role.MEMBER_SERVICES))
    response = client.get(reverse("training:course_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)


@pytest.mark.parametrize("role", sorted(MFA_REQUIRED_ROLES))
def test_staff_cannot_switch_two_factor_authentication_off(client, role):
    user = make_user(role)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


def test_a_councillor_may_switch_it_off():
    """The refusal above is about the role, not a broken page."""
    client = Client()
    user = make_user(Role.COUNCILLOR)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_the_password_alone_never_signs_staff_in(client):
    user = make_user(Role.MONITORING_OFFICER)
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    # Half-way through: no page that needs a signed-in person opens.
    for name in ("complaints:queue", "home", "account_change_password", "mfa_index"):
        response = client.get(reverse(name))
        assert response.wsgi_request.user.is_anonymous, name
    assert signed_in_as(client) is None


def test_a_code_cannot_be_used_twice(client):
    user = make_user(Role.MONITORING_OFFICER)
    # At the start of a 30-second window, so that five seconds later the code is the same.
    with freeze_time("2026-06-01 09:00:00") as frozen:
        code = current_code(user.totp_secret)
        sign_in(client, user)
        client.post(reverse("account_logout"))
        frozen.tick(timedelta(seconds=5))  # the same 30-second window: the same code
        assert current_code(user.totp_secret) == code
        client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_the_code_step_is_tied_to_the_browser_that_gave_the_password(client):
    user = make_user(Role.MONITORING_OFFICER)
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    other = Client()
    response = other.post(reverse("mfa_authenticate"), {"code": current_code(user.totp_secret)})
    assert response.status_code == 302
    assert "_auth_user_id" not in other.session
    assert signed_in_as(other) is None
