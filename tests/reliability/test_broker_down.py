"""The broker is down while people use the site: a member of the public makes and sends a
complaint, and a councillor books a training place. Both are saved and both see their
confirmation; the emails wait in the outbox. When the broker is back, the beat's outbox sweep on
a real worker delivers each message to a real SMTP server exactly once."""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter

import pytest
from django.core.cache import cache
from django.urls import reverse

from complaints import intake
from complaints.models import Complaint, Stage
from council.models import OutboundEmail
from council.notifications import deliver_due_email
from council.roles import Role
from council.tasks import deliver_email_batch, deliver_pending_email
from tests.complaints.factories import form_data
from tests.factories import AuthorityFactory, CouncillorFactory, make_user
from tests.reliability.conftest import broker_down
from tests.training.factories import SessionFactory
from training.models import Booking

pytestmark = [pytest.mark.integration, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/complaints/track/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_work_done_while_the_broker_is_down_is_saved_and_emailed_once_when_it_is_back(
    client, smtp, caplog, tasks_run, request
):
    principal = AuthorityFactory()
    about = CouncillorFactory(authority=principal)
    mo = make_user(Role.MONITORING_OFFICER, authority=principal)
    councillor_user = make_user(Role.COUNCILLOR)
    councillor = CouncillorFactory(authority=principal, user=councillor_user)
    session = SessionFactory()
    complainant = f"pat.{uuid.uuid4().hex[:8]}@example.com"
    # This visitor has started no drafts this hour (the limit's counters live in the shared cache).
    cache.delete_many([intake._bucket("ip", "127.0.0.1"), intake._bucket("email", complainant)])

    with broker_down(), caplog.at_level(logging.WARNING, logger="council.notifications"):
        started = client.post(reverse("complaints:new"), form_data(about, complainant_email=complainant), follow=True)
        assert started.status_code == 200
        assert started.redirect_chain[-1][0] == reverse("complaints:check_email")
        assert complainant in started.content.decode()

        complaint = Complaint.objects.get(complainant_email=complainant)
        # The link the visitor would follow is in the message waiting in the outbox.
        link = _link(OutboundEmail.objects.get(key=f"complaint-confirm:{complaint.pk}").body_text)
        assert client.get(link).status_code == 200
        sent = client.post(link, {"send": ""}, follow=True)
        assert sent.status_code == 200
        complaint.refresh_from_db()
        assert complaint.stage == Stage.RECEIVED and complaint.reference
        assert f"Your complaint has been sent to the Monitoring Officer. Your reference is {complaint.reference}" in (
            sent.content.decode()
        )

        client.force_login(councillor_user, backend="django.contrib.auth.backends.ModelBackend")
        booked = client.post(reverse("training:book", args=[session.pk]), follow=True)
        assert booked.status_code == 200
        assert f"You have a place on {session.course.title}" in booked.content.decode()

    booking = Booking.objects.get(session=session, councillor=councillor)
    assert booking.status == Booking.Status.BOOKED
    expected = {
        f"complaint-confirm:{complaint.pk}": complainant,
        f"complaint-received:{complaint.pk}:{mo.email}": mo.email,
        f"complaint-submitted:{complaint.pk}": complainant,
        f"training:confirmation:{booking.pk}": councillor.email,
    }
    waiting = {m.key: m for m in OutboundEmail.objects.all()}
    assert set(waiting) == set(expected)
    assert {(m.status, m.attempts, m.sent_at) for m in waiting.values()} == {(OutboundEmail.Status.PENDING, 0, None)}
    # The broker really refused them: each hand-over failed and was left to the sweep.
    refused = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue email")]
    assert len(refused) == len(expected)
    assert smtp.inbox.messages == []

    # The broker is back: a real worker, and beat's outbox sweep (twice: sweeps may overlap).
    request.getfixturevalue("celery_worker")
    deliver_pending_email.delay()
    deliver_pending_email.delay()
    tasks_run.wait_for(deliver_pending_email, 2)

    # Each message arrived exactly once, and nothing is left to send however often it is retried.
    assert Counter(smtp.inbox.recipients()) == Counter(expected.values())
    assert len({m["Subject"] for m in smtp.inbox.messages}) == len(expected)
    assert complaint.reference in next(m["Subject"] for m in smtp.inbox.messages if m["To"] == mo.email)
    assert deliver_due_email() == 0
    assert deliver_email_batch.apply(args=[[m.pk for m in waiting.values()]]).get() == 0
    assert len(smtp.inbox.messages) == len(expected)
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}
