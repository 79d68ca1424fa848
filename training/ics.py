"""iCalendar (.ics) for training sessions: one event for an email, or a councillor's feed.

The event's UID is stable per session and SEQUENCE goes up whenever the session
changes, so calendar programs update (or, with METHOD:CANCEL, remove) the entry
they already have instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from council.models import Councillor

from .models import Booking, Session

PRODID = "-//Council member portal//Training//EN"
FEED_HISTORY = timedelta(days=90)


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", f"{settings.COUNCIL_NAME} training")
    return cal


def _location(session: Session) -> str:
    return session.venue or session.online_url or "To be confirmed"


def _description(session: Session) -> str:
    lines = [session.course.description.strip()] if session.course.description.strip() else []
    if session.trainer:
        lines.append(f"Trainer: {session.trainer}")
    if session.venue and session.online_url:
        lines.append(f"Join online: {session.online_url}")
    lines.append(f"Details: {settings.SITE_URL}{session.get_absolute_url()}")
    return "\n".join(lines)


def _event(session: Session, *, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.course.title)
    event.add("location", _location(session))
    event.add("description", _description(session))
    if session.online_url:
        event.add("url", session.online_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def event_calendar(session: Session, *, method: str = "REQUEST") -> bytes:
    """A calendar with the one session, for an email attachment. ``method`` is REQUEST to add
    or update the entry, CANCEL to remove it (also used when only the booking was cancelled)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unknown iCalendar method {method!r}")
    cal = _calendar(method)
    cancelled = method == "CANCEL" or session.status == Session.Status.CANCELLED
    cal.add_component(_event(session, cancelled=cancelled))
    return cal.to_ical()


def feed_calendar(councillor: Councillor) -> bytes:
    """The councillor's private feed: sessions they have a place on, upcoming and the last 90 days.
    Cancelled sessions stay in the feed (as CANCELLED) while their booking does, so calendars drop them."""
    since = timezone.now() - FEED_HISTORY
    sessions = (
        Session.objects.filter(
            bookings__councillor=councillor, bookings__status=Booking.Status.BOOKED, starts_at__gte=since
        )
        .select_related("course")
        .order_by("starts_at")
        .distinct()
    )
    cal = _calendar(None)
    for session in sessions:
        cal.add_component(_event(session, cancelled=session.status == Session.Status.CANCELLED))
    return cal.to_ical()


def attachment(session: Session, *, method: str = "REQUEST") -> dict:
    """An outbox attachment dict for :func:`council.notifications.send_templated_email`."""
    return {
        "filename": "cancel.ics" if method == "CANCEL" else "invite.ics",
        "content": event_calendar(session, method=method).decode("utf-8"),
        "mimetype": "text/calendar",
    }
