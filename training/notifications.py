"""Training emails, each recorded as a TrainingReminder under a unique key and sent once.

The reminder row and the outbox message are written in the caller's transaction;
the outbox hands the message to Celery only when that transaction commits, so a
booking that rolls back sends nothing. A repeated call with the same key (a
retried request, two sweeps at once) finds the key taken and sends nothing more.

Where a calendar entry is involved the email carries an .ics: REQUEST to add or
update it (booked, promoted, session changed), CANCEL to remove it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from council.models import Councillor
from council.notifications import send_templated_email

from . import ics
from .models import Booking, Course, Interest, Session, TrainingReminder

Kind = TrainingReminder.Kind
# Waiting-list confirmations have no Kind choice of their own (no model change in this issue).
WAITING_KIND = "waiting"

_BOOKING_EVENTS = {
    # event: (reminder kind, template, .ics method or None)
    "booked": (Kind.CONFIRMATION, "training_booked", "REQUEST"),
    "waiting": (WAITING_KIND, "training_waiting", None),
    "promoted": (Kind.PROMOTED, "training_promoted", "REQUEST"),
    "booking_cancelled": (Kind.BOOKING_CANCELLED, "training_booking_cancelled", "CANCEL"),
}


def outbox_key(key: str) -> str:
    """The outbox key for a training reminder: the reminder's own key, namespaced for the shared outbox."""
    return f"training:{key}"


def record_and_send(
    *,
    key: str,
    kind: str,
    councillor: Councillor,
    template: str,
    context: dict,
    session: Session | None = None,
    course: Course | None = None,
    attachments: list[dict] | None = None,
) -> TrainingReminder | None:
    """Record the reminder under ``key`` and queue its email. Returns None (sending nothing)
    when the key was already used or the councillor has no email address."""
    to = councillor.contact_email
    if not to:
        return None
    try:
        # A savepoint: a duplicate key must not break the caller's transaction.
        with transaction.atomic():
            reminder = TrainingReminder.objects.create(
                key=key, kind=kind, councillor=councillor, session=session, course=course
            )
    except IntegrityError:
        return None
    context = {
        "councillor": councillor,
        "session": session,
        "course": course or (session.course if session else None),
        "training_url": settings.SITE_URL + reverse("training:my_training"),
        **context,
    }
    if session is not None:
        context.setdefault("session_url", settings.SITE_URL + session.get_absolute_url())
    reminder.email = send_templated_email(
        to=[to], template=template, context=context, key=outbox_key(key), attachments=attachments
    )
    reminder.save(update_fields=["email"])
    return reminder


def _had_calendar_entry(booking: Booking) -> bool:
    """Whether we sent this booking a calendar invitation (booked, or promoted from the waiting list)."""
    keys = [f"{Kind.CONFIRMATION}:{booking.pk}", f"{Kind.PROMOTED}:{booking.pk}"]
    return booking.promoted_at is not None or TrainingReminder.objects.filter(key__in=keys).exists()


def booking_event(*, booking: Booking, event: str) -> TrainingReminder | None:
    """Tell the councillor about their booking: ``event`` is booked, waiting, promoted or booking_cancelled."""
    kind, template, method = _BOOKING_EVENTS[event]
    session = booking.session
    if event == "booking_cancelled" and not _had_calendar_entry(booking):
        method = None  # they were only on the waiting list: nothing in their calendar to remove
    attachments = [ics.attachment(session, method=method)] if method else None
    return record_and_send(
        key=f"{kind}:{booking.pk}",
        kind=kind,
        councillor=booking.councillor,
        session=session,
        template=template,
        context={"booking": booking},
        attachments=attachments,
    )


def _live_bookings(session: Session) -> list[Booking]:
    return list(
        Booking.objects.filter(session=session, status__in=[Booking.Status.BOOKED, Booking.Status.WAITING])
        .select_related("councillor__user")
        .order_by("requested_at", "pk")
    )


def session_changed(*, session: Session) -> int:
    """Tell everyone booked or waiting that the session changed; those booked get an updated
    calendar entry (same UID, higher SEQUENCE). Returns how many were told."""
    session = Session.objects.select_related("course").get(pk=session.pk)
    request = None
    sent = 0
    for booking in _live_bookings(session):
        booked = booking.status == Booking.Status.BOOKED
        if booked and request is None:
            request = ics.attachment(session, method="REQUEST")
        sent += bool(
            record_and_send(
                key=f"{Kind.SESSION_CHANGED}:{session.pk}:{session.sequence}:{booking.councillor_id}",
                kind=Kind.SESSION_CHANGED,
                councillor=booking.councillor,
                session=session,
                template="training_session_changed",
                context={"booking": booking, "booked": booked},
                attachments=[request] if booked else None,
            )
        )
    return sent


def session_cancelled(*, session: Session) -> int:
    """Tell everyone booked or waiting that the session is cancelled; those booked get a calendar
    cancellation. Call before their bookings are cancelled. Returns how many were told."""
    session = Session.objects.select_related("course").get(pk=session.pk)
    cancel = None
    sent = 0
    for booking in _live_bookings(session):
        booked = booking.status == Booking.Status.BOOKED
        if booked and cancel is None:
            cancel = ics.attachment(session, method="CANCEL")
        sent += bool(
            record_and_send(
                key=f"{Kind.SESSION_CANCELLED}:{session.pk}:{booking.councillor_id}",
                kind=Kind.SESSION_CANCELLED,
                councillor=booking.councillor,
                session=session,
                template="training_session_cancelled",
                context={"booking": booking, "booked": booked},
                attachments=[cancel] if booked else None,
            )
        )
    return sent


def interest_session_added(*, session: Session) -> int:
    """Tell councillors with an open interest in the course that a session has been added.
    Call before their interest is marked as answered. Returns how many were told."""
    session = Session.objects.select_related("course").get(pk=session.pk)
    interests = Interest.objects.filter(course=session.course, notified_at__isnull=True).select_related(
        "councillor__user"
    )
    sent = 0
    for interest in interests:
        if not interest.councillor.is_active:
            continue
        sent += bool(
            record_and_send(
                key=f"{Kind.INTEREST}:{session.pk}:{interest.councillor_id}",
                kind=Kind.INTEREST,
                councillor=interest.councillor,
                session=session,
                template="training_interest_session_added",
                context={"interest": interest},
            )
        )
    return sent
