"""A real notification through a page, a real Celery worker on the configured
broker, and a real SMTP server that receives it."""

from __future__ import annotations

import pytest
from django.db import connection

from council.models import OutboundEmail
from council.notifications import deliver_due_email
from tests.factories import make_user

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_it_delivers_a_password_reset_email_through_the_worker(client, smtp_server, celery_worker):
    user = make_user(email="reset.me@council.example")

    response = client.post("/accounts/password/reset/", {"email": "reset.me@council.example"})

    assert response.status_code == 302
    message = smtp_server.wait_for(lambda m: m["To"] == user.email)
    assert "password" in message["Subject"].lower()
    assert "/accounts/password/reset/key/" in message.get_body(("plain",)).get_content()
    stored = OutboundEmail.objects.get(to=[user.email])
    assert stored.status == OutboundEmail.Status.SENT
    assert stored.attempts == 1


def test_it_retries_then_marks_a_message_failed_when_smtp_is_down(settings, smtp_server):
    """With the SMTP server unreachable, each try is recorded and the last marks it failed."""
    from council.notifications import queue_email

    settings.EMAIL_PORT = 1  # nothing listens there
    settings.EMAIL_MAX_ATTEMPTS = 2
    message = queue_email(to="x@council.example", subject="Hello", body_text="Hi", key="smtp-down")
    OutboundEmail.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at.replace(year=2000))

    assert deliver_due_email() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundEmail.Status.PENDING, 1)
    assert message.next_attempt_at > message.created_at  # backed off

    OutboundEmail.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at.replace(year=2000))
    deliver_due_email()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundEmail.Status.FAILED, 2)
    assert message.last_error
    assert connection.vendor in {"sqlite", "postgresql"}
