"""Booking, cancellation, the waiting list and the emails they send (through the services)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from council.models import AuditEntry, OutboundEmail
from council.services import DomainError
from tests.factories import CouncillorFactory
from tests.training.factories import BookingFactory, CourseFactory, InterestFactory, SessionFactory
from training import notifications, services
from training.models import Booking, Session, TrainingRecord, TrainingReminder

pytestmark = pytest.mark.django_db


def _ics(message) -> Calendar | None:
    for filename, content, mimetype in message.attachments:
        if filename.endswith(".ics"):
            assert mimetype.startswith("text/calendar")
            return Calendar.from_ical(content)
    return None


def _to(outbox, councillor) -> list:
    return [m for m in outbox if m.to == [councillor.email]]


def test_booking_gives_a_place_and_a_calendar_invitation(outbox):
    session = SessionFactory(capacity=2)
    councillor = CouncillorFactory()
    booking = services.book(actor=None, session=session, councillor=councillor)
    assert booking.status == Booking.Status.BOOKED
    [message] = _to(outbox, councillor)
    assert "You have a place" in message.subject
    cal = _ics(message)
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == session.uid
    assert TrainingReminder.objects.filter(key=f"confirmation:{booking.pk}", councillor=councillor).exists()
    assert OutboundEmail.objects.filter(key=f"training:confirmation:{booking.pk}").exists()
    assert AuditEntry.objects.filter(action="training.booked").exists()


def test_a_full_session_puts_people_on_the_waiting_list_without_a_calendar_entry(outbox):
    session = SessionFactory(capacity=1)
    first, second = CouncillorFactory(), CouncillorFactory()
    services.book(actor=None, session=session, councillor=first)
    waiting = services.book(actor=None, session=session, councillor=second)
    assert waiting.status == Booking.Status.WAITING
    [message] = _to(outbox, second)
    assert "waiting list" in message.subject
    assert _ics(message) is None


def test_cancelling_a_place_promotes_the_first_on_the_waiting_list(outbox):
    session = SessionFactory(capacity=1)
    booked, first_waiting, second_waiting = CouncillorFactory(), CouncillorFactory(), CouncillorFactory()
    place = services.book(actor=None, session=session, councillor=booked)
    services.book(actor=None, session=session, councillor=first_waiting)
    services.book(actor=None, session=session, councillor=second_waiting)
    outbox.clear()

    promoted = services.cancel_booking(actor=None, booking=place)

    assert promoted.councillor == first_waiting
    assert promoted.status == Booking.Status.BOOKED and promoted.promoted_at is not None
    assert Booking.objects.get(councillor=second_waiting).status == Booking.Status.WAITING
    [cancelled] = _to(outbox, booked)
    assert str(_ics(cancelled)["METHOD"]) == "CANCEL"
    [told] = _to(outbox, first_waiting)
    assert "place has come up" in told.subject
    assert str(_ics(told)["METHOD"]) == "REQUEST"
    assert _to(outbox, second_waiting) == []


def test_leaving_the_waiting_list_promotes_nobody_and_sends_no_calendar_cancellation(outbox):
    session = SessionFactory(capacity=1)
    services.book(actor=None, session=session, councillor=CouncillorFactory())
    leaver = CouncillorFactory()
    waiting = services.book(actor=None, session=session, councillor=leaver)
    outbox.clear()
    assert services.cancel_booking(actor=None, booking=waiting) is None
    [message] = _to(outbox, leaver)
    assert _ics(message) is None


@pytest.mark.parametrize(
    ("session_kwargs", "on_behalf", "message"),
    [
        ({"status": Session.Status.CANCELLED}, False, "cancelled"),
        ({"booking_closes_at": timezone.now() - timedelta(hours=1)}, False, "Booking for this session has closed"),
        ({"starts_at": timezone.now() - timedelta(minutes=5)}, True, "already started"),
    ],
)
def test_booking_is_refused_with_a_reason(session_kwargs, on_behalf, message):
    session = SessionFactory(**session_kwargs)
    with pytest.raises(DomainError, match=message):
        services.book(actor=None, session=session, councillor=CouncillorFactory(), on_behalf=on_behalf)
    assert not Booking.objects.exists()


def test_member_services_may_book_after_booking_closed():
    session = SessionFactory(booking_closes_at=timezone.now() - timedelta(hours=1))
    booking = services.book(actor=None, session=session, councillor=CouncillorFactory(), on_behalf=True)
    assert booking.status == Booking.Status.BOOKED


def test_a_second_booking_for_the_same_session_is_refused():
    session = SessionFactory()
    councillor = CouncillorFactory()
    services.book(actor=None, session=session, councillor=councillor)
    with pytest.raises(DomainError, match="already has a place"):
        services.book(actor=None, session=session, councillor=councillor)
    assert Booking.objects.count() == 1


def test_cancelling_twice_is_refused():
    booking = services.book(actor=None, session=SessionFactory(), councillor=CouncillorFactory())
    services.cancel_booking(actor=None, booking=booking)
    with pytest.raises(DomainError, match="already been cancelled"):
        services.cancel_booking(actor=None, booking=booking)


def test_a_session_change_tells_booked_and_waiting_once_with_an_updated_invitation(outbox):
    session = SessionFactory(capacity=1)
    booked, waiting = CouncillorFactory(), CouncillorFactory()
    services.book(actor=None, session=session, councillor=booked)
    services.book(actor=None, session=session, councillor=waiting)
    outbox.clear()
    session.venue, session.sequence = "Council Chamber", session.sequence + 1
    session.save()

    assert notifications.session_changed(session=session) == 2
    assert notifications.session_changed(session=session) == 0  # a repeat sends nothing

    [to_booked] = _to(outbox, booked)
    [event] = _ics(to_booked).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1 and "Council Chamber" in str(event["LOCATION"])
    [to_waiting] = _to(outbox, waiting)
    assert _ics(to_waiting) is None and "waiting list" in to_waiting.body


def test_a_cancelled_session_tells_booked_and_waiting_and_cancels_the_calendar_entry(outbox):
    session = SessionFactory(capacity=1)
    booked, waiting = CouncillorFactory(), CouncillorFactory()
    services.book(actor=None, session=session, councillor=booked)
    services.book(actor=None, session=session, councillor=waiting)
    outbox.clear()
    session.status, session.sequence = Session.Status.CANCELLED, session.sequence + 1
    session.save()

    assert notifications.session_cancelled(session=session) == 2
    assert notifications.session_cancelled(session=session) == 0

    [to_booked] = _to(outbox, booked)
    cal = _ics(to_booked)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    [to_waiting] = _to(outbox, waiting)
    assert _ics(to_waiting) is None


def test_those_interested_are_told_of_a_new_session(outbox):
    interest = InterestFactory()
    session = SessionFactory(course=interest.course)
    assert notifications.interest_session_added(session=session) == 1
    [message] = _to(outbox, interest.councillor)
    assert interest.course.title in message.subject


def test_no_email_address_means_no_email_and_no_error(outbox):
    councillor = CouncillorFactory(email="")
    services.book(actor=None, session=SessionFactory(), councillor=councillor)
    assert outbox == []


def test_the_councillors_account_address_is_used_when_there_is_no_council_address(outbox):
    from tests.factories import make_user

    user = make_user("councillor")
    councillor = CouncillorFactory(email="", user=user)
    services.book(actor=None, session=SessionFactory(), councillor=councillor)
    assert [m.to for m in outbox] == [[user.email]]


def test_register_interest_once():
    course, councillor = CourseFactory(), CouncillorFactory()
    services.register_interest(actor=None, course=course, councillor=councillor)
    with pytest.raises(DomainError, match="already asked"):
        services.register_interest(actor=None, course=course, councillor=councillor)


def _past_booking():
    session = SessionFactory(starts_at=timezone.now() - timedelta(hours=3))
    return BookingFactory(session=session)


def test_attended_becomes_a_training_record_and_absent_removes_it():
    booking = _past_booking()
    services.record_attendance(actor=None, booking=booking, attended=True)
    record = TrainingRecord.objects.get()
    assert record.course == booking.session.course and record.source == TrainingRecord.Source.SESSION
    services.record_attendance(actor=None, booking=booking, attended=True)  # marking again adds nothing
    assert TrainingRecord.objects.count() == 1
    booking = services.record_attendance(actor=None, booking=booking, attended=False, absence_reason="Ill")
    assert booking.attendance == Booking.Attendance.ABSENT and booking.absence_reason == "Ill"
    assert not TrainingRecord.objects.exists()


def test_attendance_cannot_be_recorded_before_the_session():
    booking = BookingFactory()
    with pytest.raises(DomainError, match="once the session has started"):
        services.record_attendance(actor=None, booking=booking, attended=True)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_manual_record_with_pdf_evidence_is_stored_privately():
    councillor = CouncillorFactory()
    evidence = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    record = services.add_manual_record(
        actor=None, councillor=councillor, title="LGA conference", completed_on=date(2026, 3, 1), evidence=evidence
    )
    assert record.evidence_name == "certificate.pdf"
    assert record.evidence_stored_name.startswith("training/") and record.evidence_stored_name.endswith(".pdf")
    assert storages["private"].open(record.evidence_stored_name).read() == PDF
    storages["private"].delete(record.evidence_stored_name)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.pdf", b"MZ\x90\x00" + b"\x00" * 100, "program"),
        ("notes.pdf", b"just some text", "not a PDF or a picture"),
        ("huge.pdf", PDF + b"0" * (5 * 1024 * 1024), "too big"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_recorded(name, content, message):
    evidence = SimpleUploadedFile(name, content)
    with pytest.raises(DomainError, match=message):
        services.add_manual_record(
            actor=None, councillor=CouncillorFactory(), title="X", completed_on=date(2026, 3, 1), evidence=evidence
        )
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize(
    ("title", "completed_on", "message"),
    [("", date(2026, 1, 1), "Enter what the training was"), ("X", None, "Enter the date")],
)
def test_a_manual_record_needs_a_title_and_date(title, completed_on, message):
    with pytest.raises(DomainError, match=message):
        services.add_manual_record(actor=None, councillor=CouncillorFactory(), title=title, completed_on=completed_on)


def test_a_manual_record_cannot_be_in_the_future():
    with pytest.raises(DomainError, match="today or in the past"):
        services.add_manual_record(
            actor=None,
            councillor=CouncillorFactory(),
            title="X",
            completed_on=timezone.localdate() + timedelta(days=1),
        )


def test_a_new_calendar_token_replaces_the_old_one():
    councillor = CouncillorFactory()
    old = services.issue_calendar_token(councillor)
    assert services.councillor_for_calendar_token(old) == councillor
    new = services.issue_calendar_token(councillor)
    assert services.councillor_for_calendar_token(old) is None
    assert services.councillor_for_calendar_token(new) == councillor
    assert services.councillor_for_calendar_token("") is None
