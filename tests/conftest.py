"""Shared fixtures. Tests go through the HTTP client as the user would."""

from __future__ import annotations

import pytest
from django.core import mail

from council.celery import app as celery_app
from council.roles import Role
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _eager_celery(settings, request, monkeypatch):
    """Outside the integration tests, tasks run in-process when enqueued, with
    the locmem email backend, so ordinary tests need no broker. The test's
    transaction never commits, so the outbox hands messages over at once."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr("council.notifications.on_commit", lambda callback, robust=False: callback())
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Kept public pages would outlive each test's database; tests/protocol/test_page_cache.py
    # turns the cache on for itself.
    settings.PAGE_CACHE_PREFIXES = []


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login(client):
    """``login(role)`` signs the test client in as a new user holding ``role`` (with MFA set up
    where the role needs it) and returns the user."""

    def _login(role: str | None = None, **kwargs):
        user = make_user(role, **kwargs)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return user

    return _login


@pytest.fixture
def member_services(login):
    return login(Role.MEMBER_SERVICES)


@pytest.fixture
def outbox():
    """Messages that reached the (locmem) mail backend."""
    return mail.outbox
