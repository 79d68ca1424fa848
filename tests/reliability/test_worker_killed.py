"""A worker is SIGKILLed half-way through the protocol reminders (as the OOM killer or a lost
host would do it: no clean-up at all). A second worker and beat's sweeps finish the job: every
councillor gets their reminder exactly once, nothing is lost and nothing is sent twice.

The worker runs in a process of its own (``celery -A council worker``, as the Procfile starts it)
against the test database, so this needs PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F

from council.celery import app as celery_app
from council.models import Councillor, OutboundEmail
from council.notifications import STALE_CLAIM
from council.tasks import deliver_email_batch, deliver_pending_email
from protocol import services
from protocol.importer import parse_protocol
from protocol.models import Reminder
from protocol.tasks import send_protocol_reminders
from tests.factories import AuthorityFactory
from tests.reliability.conftest import wait_until, worker_args

pytestmark = [pytest.mark.integration, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

COUNCILLORS = 300  # three delivery batches of 100
KILLED_AFTER = 40  # messages the SMTP server accepts before it stops answering, mid-way through the first batch


def test_a_worker_killed_mid_way_through_the_reminders_loses_nothing_and_repeats_nothing(spawn, smtp):
    authority = AuthorityFactory()
    Councillor.objects.bulk_create(
        Councillor(authority=authority, name=f"Member {i}", email=f"member{i}@council.example")
        for i in range(COUNCILLORS)
    )
    version = services.import_version(actor=None, parsed=parse_protocol("Protocol\n\nIntro\nRead it.\n"))
    services.publish_version(actor=None, version=version)
    celery_app.control.purge()  # nothing from an earlier run may reach these workers

    # One thread, so that when the server freezes the worker is waiting on that message and
    # nothing else: the kill lands at a known point, mid-batch.
    smtp.inbox.freeze_after = KILLED_AFTER
    first = spawn("worker-1", worker_args("first", concurrency=1), EMAIL_URL=smtp.url)
    send_protocol_reminders.delay()
    wait_until(smtp.inbox.frozen.is_set, timeout=60, what="the first worker to be sending")
    first.kill()
    smtp.inbox.thaw()  # the message it was sending was never accepted

    assert Reminder.objects.count() == COUNCILLORS
    assert len(smtp.inbox.messages) == KILLED_AFTER
    # What the dead worker delivered is recorded as sent; the rest of its batch is claimed by nobody alive.
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == KILLED_AFTER
    dead_claims = set(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING).values_list("claim_token", flat=True)
    )
    assert len(dead_claims) == 1

    # A new worker takes the batches still queued.
    second = spawn("worker-2", worker_args("second"), EMAIL_URL=smtp.url)
    second.wait_for_log("ready.")
    wait_until(
        lambda: second.tasks_succeeded(deliver_email_batch) >= COUNCILLORS // 100 - 1,
        what="the second worker to deliver the queued batches",
    )
    # Ten minutes on, the dead worker's claims are stale, and beat's sweeps run on the new worker.
    OutboundEmail.objects.filter(claim_token__in=dead_claims, status=OutboundEmail.Status.SENDING).update(
        claimed_at=F("claimed_at") - STALE_CLAIM
    )
    deliver_pending_email.delay()
    send_protocol_reminders.delay()
    wait_until(
        lambda: second.tasks_succeeded(deliver_pending_email) and second.tasks_succeeded(send_protocol_reminders),
        what="beat's sweeps on the second worker",
    )

    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists(), second.tail()
    # Every councillor got exactly one reminder, and each reminder has exactly one message.
    expected = [f"member{i}@council.example" for i in range(COUNCILLORS)]
    received = Counter(smtp.inbox.recipients())
    assert [address for address, count in received.items() if count > 1] == []
    assert sorted(received) == sorted(expected)
    assert Reminder.objects.count() == COUNCILLORS
    assert Reminder.objects.filter(email__isnull=True).count() == 0
    assert OutboundEmail.objects.count() == COUNCILLORS
    assert Reminder.objects.values("email").distinct().count() == COUNCILLORS
