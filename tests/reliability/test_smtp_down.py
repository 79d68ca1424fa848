"""The SMTP server is down. Each delivery attempt is recorded and backed off (1, 2, 4… minutes),
a message that runs out of attempts is marked failed, and people can still use the site and
book. When the server comes back, the messages still waiting go, once each."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from council.models import OutboundEmail
from council.notifications import deliver_due_email
from council.roles import Role
from council.tasks import deliver_email_batch, deliver_pending_email
from tests.factories import CouncillorFactory, make_user
from tests.training.factories import SessionFactory

pytestmark = [pytest.mark.integration, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

MAX_ATTEMPTS = 3


def _time_passes(message: OutboundEmail) -> None:
    """The backoff has run out: the message is due again."""
    OutboundEmail.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def _book(client, session) -> str:
    response = client.post(reverse("training:book", args=[session.pk]), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_with_smtp_down_attempts_back_off_then_fail_and_the_rest_go_when_it_is_back(
    client, settings, smtp_down, celery_worker, tasks_run
):
    settings.EMAIL_MAX_ATTEMPTS = MAX_ATTEMPTS
    user = make_user(Role.COUNCILLOR)
    councillor = CouncillorFactory(user=user)
    first, second = SessionFactory(), SessionFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    # Booking works with the mail server down; the worker's try is recorded and backed off.
    before = timezone.now()
    assert f"You have a place on {first.course.title}" in _book(client, first)
    tasks_run.wait_for(deliver_email_batch)
    message = OutboundEmail.objects.get()
    assert (message.status, message.attempts, message.sent_at) == (OutboundEmail.Status.PENDING, 1, None)
    assert "ConnectionRefusedError" in message.last_error
    assert before + timedelta(minutes=1) <= message.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    # Not due yet, so the sweep leaves it alone.
    assert deliver_due_email() == 0
    assert OutboundEmail.objects.get().attempts == 1

    # Beat's sweep tries again when it is due; each failure doubles the wait.
    for attempt in range(2, MAX_ATTEMPTS + 1):
        _time_passes(message)
        before = timezone.now()
        deliver_pending_email.delay()
        tasks_run.wait_for(deliver_pending_email, attempt - 1)
        message.refresh_from_db()
        assert message.attempts == attempt
        backoff = timedelta(minutes=2 ** (attempt - 1))
        assert before + backoff <= message.next_attempt_at <= timezone.now() + backoff
    # The last try marks it failed: it is not tried again.
    assert message.status == OutboundEmail.Status.FAILED
    _time_passes(message)
    assert deliver_due_email() == 0
    assert OutboundEmail.objects.get(pk=message.pk).attempts == MAX_ATTEMPTS

    # Other work goes on: pages load, another place is booked.
    assert client.get(reverse("training:sessions")).status_code == 200
    assert client.get(reverse("training:my_training")).status_code == 200
    assert f"You have a place on {second.course.title}" in _book(client, second)
    tasks_run.wait_for(deliver_email_batch, 2)
    waiting = OutboundEmail.objects.exclude(pk=message.pk).get()
    assert (waiting.status, waiting.attempts) == (OutboundEmail.Status.PENDING, 1)

    # The server is back: the waiting message goes, once; the failed one stays failed.
    smtp_down.start()
    _time_passes(waiting)
    runs = tasks_run.counts[deliver_pending_email.name]
    deliver_pending_email.delay()
    deliver_pending_email.delay()
    tasks_run.wait_for(deliver_pending_email, runs + 2)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (OutboundEmail.Status.SENT, 2)
    assert Counter(smtp_down.inbox.recipients()) == {councillor.email: 1}
    assert second.course.title in smtp_down.inbox.messages[0]["Subject"] + str(
        smtp_down.inbox.messages[0].get_body(("plain",)).get_content()
    )
    assert OutboundEmail.objects.get(pk=message.pk).status == OutboundEmail.Status.FAILED
