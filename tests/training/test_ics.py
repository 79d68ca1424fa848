"""iCalendar content, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from tests.factories import CouncillorFactory
from tests.training.factories import BookingFactory, SessionFactory
from training import ics
from training.models import Booking, Session

pytestmark = pytest.mark.django_db


def test_an_invitation_carries_uid_sequence_times_and_place():
    session = SessionFactory(
        starts_at=datetime(2030, 5, 1, 9, 30, tzinfo=UTC), duration_minutes=90, sequence=3, venue="Town Hall"
    )
    cal = Calendar.from_ical(ics.event_calendar(session))
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTART") == datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 5, 1, 11, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == session.course.title
    assert str(event["LOCATION"]) == "Town Hall"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_an_online_session_gives_its_link_as_the_location():
    session = SessionFactory(venue="", online_url="https://meet.example/abc")
    [event] = Calendar.from_ical(ics.event_calendar(session)).walk("VEVENT")
    assert str(event["LOCATION"]) == "https://meet.example/abc"


def test_a_cancellation_has_method_cancel_and_status_cancelled():
    session = SessionFactory(status=Session.Status.CANCELLED, sequence=2)
    cal = Calendar.from_ical(ics.event_calendar(session, method="CANCEL"))
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == session.uid and int(event["SEQUENCE"]) == 2


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError):
        ics.event_calendar(SessionFactory(), method="PUBLISH")


def test_the_feed_holds_booked_sessions_only_upcoming_and_recent():
    councillor = CouncillorFactory()
    upcoming = BookingFactory(councillor=councillor).session
    recent = BookingFactory(
        councillor=councillor, session=SessionFactory(starts_at=timezone.now() - timedelta(days=30))
    ).session
    BookingFactory(councillor=councillor, session=SessionFactory(starts_at=timezone.now() - timedelta(days=200)))
    BookingFactory(councillor=councillor, status=Booking.Status.WAITING)
    BookingFactory(councillor=councillor, status=Booking.Status.CANCELLED)
    BookingFactory()  # someone else's
    cal = Calendar.from_ical(ics.feed_calendar(councillor))
    assert "METHOD" not in cal
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {upcoming.uid, recent.uid}
