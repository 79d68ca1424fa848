"""A broker outage during submission loses nothing: the complaint is saved, the Monitoring
Officer's notification waits in the outbox, and once the broker is back the outbox sweep on a
real worker delivers it to a real SMTP server, once."""

from __future__ import annotations

import time

import pytest

from complaints.models import Complaint, Stage
from council.celery import app as celery_app
from council.models import OutboundEmail
from council.notifications import deliver_due_email
from council.roles import Role
from council.tasks import deliver_pending_email
from tests.factories import CouncillorFactory, make_user
from tests.reliability.conftest import broker_down

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_until(condition, timeout: float = 30.0) -> None:
    """Poll (never sleep blindly) until ``condition()`` holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _complaint_form(councillor) -> dict[str, str]:
    """What an officer posts on the complaint form: one councillor, one post."""
    return {
        "complainant_name": "Olive Officer",
        "complainant_email": "officer@council.example",
        "complainant_type": "officer",
        "councillors": [str(councillor.pk)],
        "post0_platform": "Facebook",
        "post0_content": "Officers are useless.",
        "acting_as_councillor": "yes",
        "acting_reasons": "The page is called Councillor Smith",
        "planning_or_licensing": "no",
        "outcome_sought": "An apology",
        "continue": "",
    }


def test_a_complaint_submitted_while_the_broker_is_down_is_notified_once_it_is_back(client, smtp_server, request):
    mo = make_user(Role.MONITORING_OFFICER, email="mo@council.example")
    officer = make_user(Role.MEMBER_SERVICES, email="officer@council.example")
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    celery_app.conf.task_always_eager = False

    councillor = CouncillorFactory()
    with broker_down():
        assert celery_app.connection_for_write().as_uri().endswith("@127.0.0.1:1/0")
        response = client.post("/complaints/new/", _complaint_form(councillor))
    assert response.status_code == 302, response.content.decode()[:2000]

    # Saved, with its reference and clock, despite the outage.
    complaint = Complaint.objects.get(councillors=councillor)
    assert complaint.submitted_by == officer
    assert complaint.stage == Stage.RECEIVED
    assert complaint.reference
    notice = OutboundEmail.objects.get(key=f"complaint-received:{complaint.pk}:{mo.email}")
    assert notice.status == OutboundEmail.Status.PENDING
    assert notice.sent_at is None
    assert smtp_server.messages == []

    # The broker is back: start a worker and let the outbox sweep run on it.
    request.getfixturevalue("celery_worker")
    deliver_pending_email.delay()

    message = smtp_server.wait_for(lambda m: m["To"] == mo.email)
    assert complaint.reference in message["Subject"] + message.get_body(("plain",)).get_content()
    _wait_until(lambda: not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists())
    assert deliver_due_email() == 0  # a second sweep finds nothing left to send
    assert [m["To"] for m in smtp_server.messages].count(mo.email) == 1
