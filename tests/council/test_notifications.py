"""The outbox: every email is stored with the change that caused it, and
delivered exactly once, even when the broker is down."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from django.core import mail

from council.celery import app as celery_app
from council.models import OutboundEmail
from council.notifications import _enqueue, deliver, deliver_due_email, queue_email, send_templated_email
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@contextmanager
def _dead_broker():
    """Point the project's Celery app at a port where nothing listens. (Celery reads the
    CELERY_BROKER_URL environment variable before its own configuration, so set both.)"""

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    dead = "redis://127.0.0.1:1/0"
    previous, previous_env = celery_app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = dead
    reset_pools()
    try:
        yield
    finally:
        if previous_env is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        celery_app.conf.broker_url = previous
        celery_app.conf.task_always_eager = True
        reset_pools()


def test_it_sends_a_templated_email_in_text_and_html(outbox):
    inviter = make_user(full_name="Mo Officer")
    send_templated_email(
        to="new.person@council.example",
        template="invitation",
        key="k1",
        context={
            "invitation": type("I", (), {"full_name": "Ann", "expires_at": None})(),
            "role_names": ["Councillor"],
            "accept_url": "http://x/accept",
            "inviter": inviter,
        },
    )
    assert len(outbox) == 1
    assert outbox[0].to == ["new.person@council.example"]
    assert "http://x/accept" in outbox[0].body
    assert outbox[0].alternatives[0][1] == "text/html"


def test_a_key_makes_a_send_idempotent(outbox):
    first = queue_email(to="a@council.example", subject="Hi", body_text="x", key="same")
    second = queue_email(to="a@council.example", subject="Hi", body_text="x", key="same")
    assert first.pk == second.pk
    assert len(outbox) == 1


def test_a_message_is_delivered_once_however_often_it_is_claimed(outbox):
    message = queue_email(to="a@council.example", subject="Hi", body_text="x")
    assert deliver(message.pk) is False  # already sent when it was enqueued
    assert deliver_due_email() == 0
    assert len(outbox) == 1


def test_with_the_broker_down_the_message_waits_and_the_sweep_sends_it(monkeypatch, outbox):
    monkeypatch.setattr("council.notifications.on_commit", lambda callback, robust=False: None)
    message = queue_email(to="a@council.example", subject="Hi", body_text="x")
    with _dead_broker():
        assert celery_app.connection_for_write().as_uri().endswith("@127.0.0.1:1/0")
        assert _enqueue([message.pk]) is False  # logs a warning, raises nothing
    assert len(outbox) == 0
    assert deliver_due_email() == 1
    assert len(outbox) == 1
    assert OutboundEmail.objects.get(pk=message.pk).status == OutboundEmail.Status.SENT
    assert mail.outbox[0].subject == "Hi"
