"""State changes for training. Each is one transaction with an audit entry.

Booking locks the session row (``select_for_update``) so that concurrent
requests are served one at a time: a session is never overbooked, and the
waiting list keeps arrival order.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from council.audit import log_action
from council.models import Councillor
from council.services import DomainError

from .models import Booking, CalendarFeed, Course, Interest, Session, TrainingRecord

LIVE = (Booking.Status.BOOKED, Booking.Status.WAITING)


def _locked_session(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def book(*, actor, session: Session, councillor: Councillor, on_behalf: bool = False) -> Booking:
    """Book a place, or join the waiting list when the session is full.

    Member Services booking on a councillor's behalf (``on_behalf``) may book after
    booking has closed; councillors may not."""
    session = _locked_session(session)
    now = timezone.now()
    if session.status != Session.Status.SCHEDULED:
        raise DomainError("This session has been cancelled.")
    if session.starts_at <= now:
        raise DomainError("This session has already started.")
    if not on_behalf and session.booking_closes_at and session.booking_closes_at <= now:
        raise DomainError("Booking for this session has closed. Contact Member Services.")
    if not councillor.is_active:
        raise DomainError(f"{councillor} is not a serving councillor.")
    if Booking.objects.filter(session=session, councillor=councillor, status__in=LIVE).exists():
        raise DomainError(f"{councillor} already has a place or is on the waiting list.")
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    status = Booking.Status.BOOKED if booked < session.capacity else Booking.Status.WAITING
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                session=session, councillor=councillor, status=status, requested_at=now, booked_by=actor
            )
    except IntegrityError as exc:
        raise DomainError(f"{councillor} already has a place or is on the waiting list.") from exc
    log_action(
        actor=actor,
        action="training.booked" if status == Booking.Status.BOOKED else "training.waiting",
        obj=booking,
        summary=f"{councillor}: {booking.get_status_display().lower()} for {session}",
    )
    _after_commit_notify(booking, "booked" if status == Booking.Status.BOOKED else "waiting")
    return booking


@transaction.atomic
def cancel_booking(*, actor, booking: Booking) -> Booking | None:
    """Cancel a place or leave the waiting list. A freed place goes to the first on
    the waiting list at once. Returns the promoted booking, if any."""
    session = _locked_session(booking.session)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in LIVE:
        raise DomainError("This booking has already been cancelled.")
    freed = booking.status == Booking.Status.BOOKED
    booking.status, booking.cancelled_at = Booking.Status.CANCELLED, timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    log_action(actor=actor, action="training.cancelled", obj=booking, summary=f"{booking.councillor}: cancelled")
    _after_commit_notify(booking, "booking_cancelled")
    return promote_waiting(session=session) if freed else None


def promote_waiting(*, session: Session) -> Booking | None:
    """Give free places to the waiting list in arrival order. Call with the session row locked."""
    promoted = None
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    while booked < session.capacity:
        first = (
            Booking.objects.select_for_update()
            .filter(session=session, status=Booking.Status.WAITING)
            .order_by("requested_at", "pk")
            .first()
        )
        if first is None:
            break
        first.status, first.promoted_at = Booking.Status.BOOKED, timezone.now()
        first.save(update_fields=["status", "promoted_at"])
        log_action(actor=None, action="training.promoted", obj=first, summary=f"{first.councillor}: promoted")
        _after_commit_notify(first, "promoted")
        promoted = promoted or first
        booked += 1
    return promoted


def _after_commit_notify(booking: Booking, event: str) -> None:
    """Emails for booking events come from training.notifications (confirmation with an
    .ics, promotion, cancellation), keyed so each is sent once."""
    from . import notifications

    notifications.booking_event(booking=booking, event=event)


# --- Interest, attendance, records and calendar feeds ----------------------

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Evidence of external training: a certificate or a photo of one.
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"}


@transaction.atomic
def register_interest(actor, course: Course, councillor: Councillor) -> Interest:
    """Record that a councillor wants a course; they are told when a session is added."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    if not course.is_active:
        raise DomainError("This course is no longer offered.")
    if not councillor.is_active:
        raise DomainError(f"{councillor} is not a serving councillor.")
    if Interest.objects.filter(course=course, councillor=councillor, notified_at__isnull=True).exists():
        raise DomainError(f"{councillor} has already asked to be told about new sessions of {course}.")
    try:
        with transaction.atomic():
            interest = Interest.objects.create(course=course, councillor=councillor, registered_by=actor)
    except IntegrityError as exc:
        raise DomainError(f"{councillor} has already asked to be told about new sessions of {course}.") from exc
    log_action(actor=actor, action="training.interest", obj=interest, summary=f"{councillor}: interested in {course}")
    return interest


@transaction.atomic
def record_attendance(actor, booking: Booking, attended: bool, absence_reason: str = "") -> Booking:
    """Mark a booked councillor attended (they get a training record) or absent (any record from
    this session goes). Marking again changes the mark."""
    booking = Booking.objects.select_for_update().select_related("session__course", "councillor").get(pk=booking.pk)
    session = booking.session
    absence_reason = (absence_reason or "").strip()
    if booking.status != Booking.Status.BOOKED:
        raise DomainError("Only councillors with a place on the session can be marked attended or absent.")
    if session.status != Session.Status.SCHEDULED:
        raise DomainError("This session was cancelled, so there is no attendance to record.")
    if session.starts_at > timezone.now():
        raise DomainError("Attendance can be recorded once the session has started.")
    if len(absence_reason) > 300:
        raise DomainError("The reason for absence must be 300 characters or fewer.")
    if attended:
        booking.attendance, booking.absence_reason = Booking.Attendance.ATTENDED, ""
        TrainingRecord.objects.get_or_create(
            councillor=booking.councillor,
            session=session,
            defaults={
                "course": session.course,
                "title": session.course.title,
                "completed_on": timezone.localdate(session.starts_at),
                "source": TrainingRecord.Source.SESSION,
                "provider": session.trainer,
                "recorded_by": actor,
            },
        )
    else:
        booking.attendance, booking.absence_reason = Booking.Attendance.ABSENT, absence_reason
        TrainingRecord.objects.filter(councillor=booking.councillor, session=session).delete()
    booking.save(update_fields=["attendance", "absence_reason"])
    log_action(
        actor=actor,
        action=f"training.{booking.attendance}",
        obj=booking,
        summary=f"{booking.councillor}: {booking.get_attendance_display().lower()} at {session}",
        reason=booking.absence_reason,
    )
    return booking


def _check_evidence(evidence) -> tuple[str, bytes, str]:
    """(display name, content, extension) of an acceptable evidence file, else DomainError.
    The type comes from the content (complaints.uploads.sniff), never from the file name."""
    from django.core.exceptions import ValidationError
    from django.template.defaultfilters import filesizeformat

    from complaints.uploads import safe_name, sniff

    name = safe_name(getattr(evidence, "name", ""))
    too_big = f"{name} is too big: the evidence must be smaller than {filesizeformat(EVIDENCE_MAX_BYTES)}"
    if (evidence.size or 0) > EVIDENCE_MAX_BYTES:
        raise DomainError(too_big)
    data = evidence.read()
    if len(data) > EVIDENCE_MAX_BYTES:
        raise DomainError(too_big)
    if not data:
        raise DomainError(f"{name} is empty")
    try:
        extension, content_type = sniff(data, name)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from exc
    if content_type not in EVIDENCE_TYPES:
        raise DomainError(f"{name} is not a PDF or a picture. Send the evidence as a PDF, JPEG or PNG")
    return name, data, extension


@transaction.atomic
def add_manual_record(
    actor,
    councillor: Councillor,
    title: str,
    completed_on,
    course: Course | None = None,
    provider: str = "",
    notes: str = "",
    evidence=None,
) -> TrainingRecord:
    """Record training done elsewhere (e.g. an external conference), with optional evidence
    (PDF or picture, up to 5 MB) kept in private storage under a random name."""
    import secrets

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    title, provider, notes = (title or "").strip(), (provider or "").strip(), (notes or "").strip()
    if not title and course is not None:
        title = course.title
    if not title:
        raise DomainError("Enter what the training was")
    if len(title) > 200 or len(provider) > 200:
        raise DomainError("The title and provider must each be 200 characters or fewer")
    if completed_on is None:
        raise DomainError("Enter the date the training was completed")
    if completed_on > timezone.localdate():
        raise DomainError("The date the training was completed must be today or in the past")
    evidence_name = stored = ""
    if evidence is not None:
        evidence_name, data, extension = _check_evidence(evidence)
        stored = storages["private"].save(f"training/{secrets.token_hex(16)}{extension}", ContentFile(data))
    try:
        record = TrainingRecord.objects.create(
            councillor=councillor,
            course=course,
            title=title,
            completed_on=completed_on,
            source=TrainingRecord.Source.MANUAL,
            provider=provider,
            notes=notes,
            evidence_name=evidence_name[:255],
            evidence_stored_name=stored,
            recorded_by=actor,
        )
        log_action(actor=actor, action="training.record_added", obj=record, summary=f"{councillor}: {title} recorded")
    except BaseException:
        # Do not leave the file behind when the record could not be written.
        if stored:
            storages["private"].delete(stored)
        raise
    return record


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_calendar_token(councillor: Councillor, *, actor=None) -> str:
    """A new secret for the councillor's private calendar feed URL; the old URL stops working."""
    import secrets

    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        councillor=councillor, defaults={"token_hash": _token_hash(token), "created_at": timezone.now()}
    )
    log_action(actor=actor, action="training.calendar_token", obj=councillor, summary=f"{councillor}: new feed URL")
    return token


def councillor_for_calendar_token(token: str) -> Councillor | None:
    """The serving councillor whose feed URL carries ``token``, or None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("councillor")
        .filter(token_hash=_token_hash(token), councillor__is_active=True)
        .first()
    )
    return feed.councillor if feed else None
