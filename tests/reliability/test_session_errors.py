"""A lost database connection while the session is saved is the service's problem (the 500
page), not the person's (the 400 "check your form" page); a session really deleted meanwhile
(signed out in another tab) still is a 400."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from council.roles import Role
from council.sessions import SessionStore
from tests.factories import CouncillorFactory, make_user
from tests.training.factories import SessionFactory

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


def test_a_connection_lost_while_saving_the_session_shows_the_error_page(monkeypatch):
    user = make_user(Role.COUNCILLOR)
    CouncillorFactory(user=user)
    training = SessionFactory()
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The booking is made; then the database goes away before the confirmation is stored in the session.
    monkeypatch.setattr(Session, "save", connection_lost)
    response = client.post(reverse("training:book", args=[training.pk]))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "OperationalError" not in page and "Traceback" not in page


def test_a_session_deleted_meanwhile_is_still_reported_as_such():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).delete()
    store["x"] = 2
    with pytest.raises(UpdateError):
        store.save()
