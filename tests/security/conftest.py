"""Shared helpers for the security tests: signing in the way a person does (password, then a
code for staff), and a clean cache so rate limits and used codes from one test never leak into
the next."""

from __future__ import annotations

import os

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from tests.factories import TEST_PASSWORD

# Hypothesis keeps a cache of its own; keep it under var/ (ignored) rather than in the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(settings.VAR_DIR / "hypothesis"))


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and used TOTP codes live in the shared cache (Redis in CI).
    cache.clear()
    yield
    cache.clear()


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def sign_in(client, user, password: str = TEST_PASSWORD):
    """Sign in through the real forms: the password, then (for staff) the TOTP code."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    if response["Location"] == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": current_code(user.totp_secret)})
        assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    return response


def signed_in_as(client):
    """The id of the person the client's cookie signs in, or None."""
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    return user.pk if user.is_authenticated else None
