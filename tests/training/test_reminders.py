"""Reminders from the beat sweep: each sent once, however often the sweep runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from icalendar import Calendar

from council.models import OutboundEmail
from tests.factories import CommitteeMembershipFactory, CouncillorFactory, TermOfOfficeFactory
from tests.training.factories import BookingFactory, MandatoryRuleFactory, SessionFactory, TrainingRecordFactory
from training import reminders
from training.models import MandatoryRule, Session, TrainingReminder
from training.tasks import send_training_reminders

pytestmark = pytest.mark.django_db

START = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)  # 10:00 in London


def _booked_session(**session_kwargs):
    with freeze_time("2026-07-01 10:00:00"):
        session = SessionFactory(starts_at=START, **session_kwargs)
        booking = BookingFactory(session=session)
    return booking


def _keys() -> set[str]:
    return set(TrainingReminder.objects.values_list("key", flat=True))


def test_week_and_day_before_reminders_go_once_each_with_an_invitation(outbox):
    booking = _booked_session()
    with freeze_time("2026-07-10 08:00:00"):  # ten days before: nothing yet
        assert reminders.sweep() == 0
    with freeze_time("2026-07-13 08:00:00"):
        assert reminders.sweep() == 1
        assert reminders.sweep() == 0
    with freeze_time("2026-07-16 08:00:00"):
        assert reminders.sweep() == 0
    with freeze_time("2026-07-19 08:00:00"):
        assert send_training_reminders() == 1
        assert send_training_reminders() == 0
    with freeze_time("2026-07-21 08:00:00"):  # after the session
        assert reminders.sweep() == 0
    assert _keys() == {f"week_before:{booking.pk}", f"day_before:{booking.pk}"}
    assert len(outbox) == 2
    assert OutboundEmail.objects.filter(key__startswith="training:").count() == 2
    for message in outbox:
        assert message.to == [booking.councillor.email]
        [(_filename, content, _mimetype)] = message.attachments
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == booking.session.uid
    assert "tomorrow" in outbox[1].subject


def test_no_reminders_for_a_cancelled_session_or_a_cancelled_or_waiting_booking(outbox):
    _booked_session(status=Session.Status.CANCELLED)
    _booked_session().session.bookings.update(status="cancelled")
    _booked_session().session.bookings.update(status="waiting")
    with freeze_time("2026-07-19 08:00:00"):
        assert reminders.sweep() == 0
    assert outbox == []


def test_a_booking_made_the_day_before_gets_no_day_before_reminder():
    with freeze_time("2026-07-19 08:00:00"):
        session = SessionFactory(starts_at=START)
        BookingFactory(session=session)
        assert reminders.sweep() == 0


def _overdue_councillor():
    rule = MandatoryRuleFactory(kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6)
    councillor = CouncillorFactory()
    TermOfOfficeFactory(councillor=councillor, start_date=date(2025, 12, 10))  # due 10 June 2026
    return rule, councillor


def test_mandatory_training_due_soon_once_then_overdue_monthly(outbox):
    rule, councillor = _overdue_councillor()
    with freeze_time("2026-05-01 09:00:00"):  # 40 days before: not yet
        assert reminders.sweep() == 0
    with freeze_time("2026-05-20 09:00:00"):
        assert reminders.sweep() == 1
    with freeze_time("2026-06-01 09:00:00"):
        assert reminders.sweep() == 0
    with freeze_time("2026-06-11 09:00:00"):
        assert reminders.sweep() == 1
        assert reminders.sweep() == 0
    with freeze_time("2026-07-01 09:00:00"):  # not yet a month overdue
        assert reminders.sweep() == 0
    with freeze_time("2026-07-10 09:00:00"):
        assert reminders.sweep() == 1
    c, k = councillor.pk, rule.course.pk
    assert _keys() == {
        f"mandatory_due:{c}:{k}",
        f"mandatory_overdue:{c}:{k}:2026-06",
        f"mandatory_overdue:{c}:{k}:2026-07",
    }
    assert [m.subject.split(":")[0] for m in outbox] == [
        "Mandatory training due by 10 June 2026",
        "Overdue mandatory training",
        "Overdue mandatory training",
    ]


def test_completed_or_booked_mandatory_training_is_not_chased(outbox):
    rule, done = _overdue_councillor()
    TrainingRecordFactory(councillor=done, course=rule.course)
    booked = CouncillorFactory()
    TermOfOfficeFactory(councillor=booked, start_date=date(2025, 12, 10))
    with freeze_time("2026-06-20 09:00:00"):
        BookingFactory(councillor=booked, session=SessionFactory(course=rule.course))
        assert reminders.sweep() == 0


def test_committee_training_needed_before_sitting_is_overdue_each_month(outbox):
    membership = CommitteeMembershipFactory()
    MandatoryRuleFactory(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=membership.committee, within_months=None)
    with freeze_time("2026-06-20 09:00:00"):
        assert reminders.sweep() == 1
        assert reminders.sweep() == 0
    with freeze_time("2026-07-01 09:00:00"):
        assert reminders.sweep() == 1
    assert membership.committee.name in outbox[0].body
