"""Member Services' changes to courses and sessions. Each is one transaction with an
audit entry; session changes lock the session row so they cannot interleave with
bookings (training.services.book locks the same row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from council.audit import log_action
from council.models import Committee
from council.services import DomainError

from .models import Booking, Course, Interest, MandatoryRule, Session, Topic

LIVE = (Booking.Status.BOOKED, Booking.Status.WAITING)

# Fields of a session whose change matters to the people booked (and to their calendars).
SESSION_FIELDS = (
    "starts_at",
    "duration_minutes",
    "venue",
    "online_url",
    "trainer",
    "capacity",
    "booking_closes_at",
)


@dataclass(frozen=True)
class RuleSpec:
    """One mandatory-for rule as Member Services enter it."""

    kind: str
    within_months: int | None = None
    committee: Committee | None = None


def _clean_course_fields(title: str, topic: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("Enter the course title.")
    if topic not in Topic.values:
        raise DomainError("Choose a topic from the list.")
    return title


@transaction.atomic
def create_course(*, actor, title: str, topic: str, description: str = "", rules: list[RuleSpec] = ()) -> Course:
    """Add a course, with the rules that say who must complete it."""
    title = _clean_course_fields(title, topic)
    course = Course.objects.create(title=title, topic=topic, description=(description or "").strip())
    log_action(actor=actor, action="training.course_created", obj=course, summary=f"Course added: {course}")
    if rules:
        set_mandatory_rules(actor=actor, course=course, rules=list(rules))
    return course


@transaction.atomic
def update_course(
    *, actor, course: Course, title: str, topic: str, description: str = "", is_active: bool | None = None
) -> Course:
    """Change a course's title, topic, description (and whether it is still offered)."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    course.title = _clean_course_fields(title, topic)
    course.topic = topic
    course.description = (description or "").strip()
    if is_active is not None:
        course.is_active = is_active
    course.save()
    log_action(actor=actor, action="training.course_updated", obj=course, summary=f"Course changed: {course}")
    return course


def _check_rule(rule: RuleSpec) -> None:
    if rule.kind not in MandatoryRule.Kind.values:
        raise DomainError("Choose who must complete the course.")
    if rule.within_months is not None and not 1 <= rule.within_months <= 120:
        raise DomainError("The number of months must be between 1 and 120.")
    if rule.kind == MandatoryRule.Kind.NEW_COUNCILLORS and not rule.within_months:
        raise DomainError("For new councillors, enter within how many months of their start.")
    if rule.kind == MandatoryRule.Kind.COMMITTEE_MEMBERS and rule.committee is None:
        raise DomainError("For members of a committee, choose the committee.")


@transaction.atomic
def set_mandatory_rules(*, actor, course: Course, rules: list[RuleSpec]) -> list[MandatoryRule]:
    """Replace the course's mandatory-for rules with ``rules`` (an empty list: not mandatory)."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    for rule in rules:
        _check_rule(rule)
    seen = {(r.kind, r.within_months, r.committee.pk if r.committee else None) for r in rules}
    if len(seen) != len(rules):
        raise DomainError("The same rule is entered twice.")
    course.mandatory_rules.all().delete()
    created = [
        MandatoryRule.objects.create(
            course=course,
            kind=r.kind,
            within_months=r.within_months,
            committee=r.committee if r.kind == MandatoryRule.Kind.COMMITTEE_MEMBERS else None,
        )
        for r in rules
    ]
    log_action(
        actor=actor,
        action="training.rules_set",
        obj=course,
        summary=f"Mandatory rules for {course}: " + ("; ".join(str(r) for r in created) or "none"),
    )
    return created


def _check_session_values(values: dict, *, now: datetime, booked: int = 0) -> None:
    starts_at = values["starts_at"]
    if starts_at <= now:
        raise DomainError("The session must start in the future.")
    if not values.get("duration_minutes") or values["duration_minutes"] < 1:
        raise DomainError("Enter the length of the session in minutes.")
    if values.get("capacity") is None or values["capacity"] < 1:
        raise DomainError("The session must have at least 1 place.")
    if not (values.get("venue") or "").strip() and not (values.get("online_url") or "").strip():
        raise DomainError("Enter a venue or an online joining link.")
    closes = values.get("booking_closes_at")
    if closes is not None and closes >= starts_at:
        raise DomainError("Booking must close before the session starts.")
    if values["capacity"] < booked:
        raise DomainError(
            f"{booked} councillor{'s are' if booked != 1 else ' is'} booked, so the session needs at least "
            f"{booked} place{'s' if booked != 1 else ''}. Cancel bookings first to make it smaller."
        )


@transaction.atomic
def create_session(*, actor, course: Course, **values) -> Session:
    """Add a session of a course. Councillors who registered interest in the course are told
    (and their interest is marked as answered)."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    values = {k: values.get(k) for k in SESSION_FIELDS if k in values}
    values.setdefault("duration_minutes", 120)
    for text in ("venue", "online_url", "trainer"):
        values[text] = (values.get(text) or "").strip()
    _check_session_values(values, now=timezone.now())
    session = Session.objects.create(course=course, **values)
    log_action(actor=actor, action="training.session_created", obj=session, summary=f"Session added: {session}")
    open_interest = Interest.objects.filter(course=course, notified_at__isnull=True)
    if open_interest.exists():
        from . import notifications

        notifications.interest_session_added(session=session)
        open_interest.update(notified_at=timezone.now())
    return session


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def update_session(*, actor, session: Session, **values) -> Session:
    """Change a session. When anything councillors rely on changes, the calendar SEQUENCE goes up
    and everyone booked or waiting is told. More places go to the waiting list at once; fewer
    places than are booked is refused."""
    session = _locked(session)
    if session.status != Session.Status.SCHEDULED:
        raise DomainError("This session has been cancelled, so it cannot be changed.")
    changes = {k: values[k] for k in SESSION_FIELDS if k in values}
    for text in ("venue", "online_url", "trainer"):
        if text in changes:
            changes[text] = (changes[text] or "").strip()
    merged = {k: getattr(session, k) for k in SESSION_FIELDS} | changes
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    # A session already under way may still have its details corrected, but not be moved into the past.
    now = timezone.now() if merged["starts_at"] != session.starts_at else min(timezone.now(), session.starts_at)
    _check_session_values(merged, now=now - timedelta(seconds=1), booked=booked)
    changed = [k for k in SESSION_FIELDS if merged[k] != getattr(session, k)]
    if not changed:
        return session
    for key in changed:
        setattr(session, key, merged[key])
    # Capacity and booking deadline alone do not change the calendar entry.
    calendar_change = bool(set(changed) - {"capacity", "booking_closes_at"})
    if calendar_change:
        session.sequence += 1
    session.save()
    log_action(
        actor=actor,
        action="training.session_updated",
        obj=session,
        summary=f"Session changed ({', '.join(changed)}): {session}",
    )
    if "capacity" in changed:
        from .services import promote_waiting

        promote_waiting(session=session)
    if calendar_change:
        from . import notifications

        notifications.session_changed(session=session)
    return session


@transaction.atomic
def cancel_session(*, actor, session: Session, reason: str = "") -> Session:
    """Cancel a session: every booking and waiting-list place is cancelled, everyone booked or
    waiting is told, and their calendars get a cancellation."""
    session = _locked(session)
    if session.status == Session.Status.CANCELLED:
        raise DomainError("This session has already been cancelled.")
    now = timezone.now()
    session.status = Session.Status.CANCELLED
    session.sequence += 1
    session.save(update_fields=["status", "sequence", "updated_at"])
    # Tell people before their bookings are cancelled, so the notification can find booked and waiting.
    from . import notifications

    notifications.session_cancelled(session=session)
    cancelled = Booking.objects.filter(session=session, status__in=LIVE).update(
        status=Booking.Status.CANCELLED, cancelled_at=now
    )
    log_action(
        actor=actor,
        action="training.session_cancelled",
        obj=session,
        summary=f"Session cancelled ({cancelled} booking{'s' if cancelled != 1 else ''}): {session}",
        reason=(reason or "").strip()[:500],
    )
    return session
