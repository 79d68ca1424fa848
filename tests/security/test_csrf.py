"""Every URL refuses a POST without a CSRF token, even from someone allowed to use it.

The URL patterns are walked the way the authorisation matrix walks them, and each is posted to
by a signed-in person the matrix says may use it (with a client that enforces CSRF checks, as a
browser's requests are checked). A view made exempt would need a row in ``EXEMPT`` with its
reason; there are none.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import reverse

from council.roles import Role
from tests.council.test_authorisation_matrix import (
    ADMIN_LOGIN,
    ANONYMOUS,
    FORBIDDEN,
    LOGIN,
    _sample_data,
    endpoints,
    expected_row,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

FAILURE_HEADER = "X-Test-CSRF-Failure"

# URL names deliberately exempt from CSRF checks, each with the reason. Keep it empty unless a
# machine (not a browser) must post to the URL with no session.
EXEMPT: dict[str, str] = {}


def csrf_failure(request, reason: str = ""):
    """Stands in for Django's CSRF failure page, so the test can tell a CSRF refusal from a 403
    for any other reason."""
    response = HttpResponseForbidden(f"CSRF verification failed: {reason}")
    response[FAILURE_HEADER] = reason or "yes"
    return response


@pytest.fixture
def csrf_failure_view(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_failure"


def _allowed_actor(row: dict[str, str]) -> str:
    """A role that may use the URL (its GET is not refused); anonymous only for public-only URLs."""
    for role in Role.values:
        if row[role] not in (FORBIDDEN, LOGIN, ADMIN_LOGIN):
            return role
    return ANONYMOUS


class _Users:
    def __init__(self):
        self._users = {}

    def get(self, role: str):
        if role == ANONYMOUS:
            return None
        if role not in self._users:
            user = make_user(role, is_staff=role == Role.ADMINISTRATOR)
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
            self._users[role] = user
        return self._users[role]


def test_no_view_is_exempt_from_csrf_checks_without_a_reason():
    exempt = sorted(e.key for e in endpoints() if getattr(e.callback, "csrf_exempt", False))
    assert set(exempt) <= set(EXEMPT), f"Views exempt from CSRF checks with no reason in EXEMPT: {exempt}"


def test_every_url_refuses_a_post_without_a_csrf_token(csrf_failure_view):
    data = _sample_data()
    users = _Users()
    wrong = []
    for endpoint in endpoints():
        if endpoint.key in EXEMPT:
            continue
        row = expected_row(endpoint)
        assert row is not None, f"{endpoint.key} is not in the authorisation matrix"
        actor = _allowed_actor(row)
        client = Client(enforce_csrf_checks=True)
        user = users.get(actor)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = endpoint.url(data)
        response = client.post(url, {"anything": "at all"})
        if response.status_code != 403 or not response.has_header(FAILURE_HEADER):
            wrong.append(f"{endpoint.key:45} POST {url} as {actor}: {response.status_code}")
    assert not wrong, "POSTs without a CSRF token that were not refused:\n  " + "\n  ".join(wrong)


def test_the_same_post_with_the_token_is_not_refused(csrf_failure_view):
    """The check above is not vacuous: with the page's token the form is accepted."""
    user = make_user(Role.MEMBER_SERVICES)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("council:invitation_create"))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("council:invitation_create"),
        {"csrfmiddlewaretoken": str(token), "email": "someone@council.example", "full_name": "Some One"},
    )
    assert not response.has_header(FAILURE_HEADER)
    assert response.status_code in (200, 302)


def test_an_anonymous_post_to_the_public_forms_needs_the_token_too(csrf_failure_view):
    client = Client(enforce_csrf_checks=True)
    for name in ("complaints:new", "complaints:safeguarding", "account_login", "account_reset_password"):
        response = client.post(reverse(name), {"email": "a@example.com"})
        assert response.status_code == 403 and response.has_header(FAILURE_HEADER), name
