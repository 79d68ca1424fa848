"""Training reminders end to end: beat's task on a real worker, the outbox, a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from council.models import OutboundEmail
from tests.factories import CommitteeMembershipFactory
from tests.training.factories import BookingFactory, MandatoryRuleFactory, SessionFactory
from training.models import MandatoryRule, TrainingReminder
from training.tasks import send_training_reminders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_sweep_on_a_real_worker_sends_each_reminder_once(smtp_server, celery_worker):
    now = timezone.now()
    tomorrow = BookingFactory(
        session=SessionFactory(starts_at=now + timedelta(days=1)), requested_at=now - timedelta(days=10)
    )
    next_week = BookingFactory(
        session=SessionFactory(starts_at=now + timedelta(days=5)), requested_at=now - timedelta(days=20)
    )
    membership = CommitteeMembershipFactory()
    MandatoryRuleFactory(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=membership.committee, within_months=None)

    send_training_reminders.delay()
    send_training_reminders.delay()  # an overlapping second sweep sends nothing more

    day_before = smtp_server.wait_for(lambda m: m["To"] == tomorrow.councillor.email)
    smtp_server.wait_for(lambda m: m["To"] == next_week.councillor.email)
    smtp_server.wait_for(lambda m: m["To"] == membership.councillor.email)
    assert "tomorrow" in day_before["Subject"]
    [invite] = [part for part in day_before.iter_attachments() if part.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(invite.get_content()).walk("VEVENT")
    assert str(event["UID"]) == tomorrow.session.uid

    assert TrainingReminder.objects.count() == 3
    assert OutboundEmail.objects.count() == 3
    expected = [tomorrow.councillor.email, next_week.councillor.email, membership.councillor.email]
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(expected)
