"""Protocol reminders end to end: beat's task on a real worker, the outbox, a real SMTP server."""

from __future__ import annotations

import pytest

from council.models import OutboundEmail
from protocol import services
from protocol.importer import parse_protocol
from protocol.models import Reminder
from protocol.tasks import send_protocol_reminders
from tests.factories import CouncillorFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_sweep_on_a_real_worker_emails_each_councillor_once(smtp_server, celery_worker):
    councillors = [CouncillorFactory() for _ in range(5)]
    version = services.import_version(actor=None, parsed=parse_protocol("Protocol\n\nIntro\nRead it.\n"))
    services.publish_version(actor=None, version=version)

    send_protocol_reminders.delay()
    send_protocol_reminders.delay()  # an overlapping second sweep sends nothing more

    for councillor in councillors:
        smtp_server.wait_for(lambda m, c=councillor: m["To"] == c.email)
    assert Reminder.objects.count() == 5
    assert OutboundEmail.objects.count() == 5
    # Nothing else arrives: every outbox message is sent, and there were exactly five.
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(c.email for c in councillors)
