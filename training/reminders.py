"""Training reminders, derived from database state by a beat sweep (no ETA tasks).

:func:`sweep` runs every 15 minutes (``training.tasks.send_training_reminders``). It
works out which reminders are due now and records each as a TrainingReminder under
a unique key, queueing its email in the same transaction under the same key in the
outbox. A second or concurrent sweep finds the key taken and sends nothing, so
each reminder goes exactly once.

* ``week_before:<booking>``: a councillor with a place, 7 days (or fewer, but more
  than 1) before the session, if they booked before the week began.
* ``day_before:<booking>``: the day before the session (or the day itself), if they
  booked before then.
  Both only while the session is scheduled and still to come, with an .ics.
* ``mandatory_due:<councillor>:<course>``: once, when a mandatory course falls due
  within ``TRAINING_MANDATORY_DUE_SOON_DAYS``.
* ``mandatory_overdue:<councillor>:<course>:<YYYY-MM>``: monthly while overdue. The
  month is that of the latest monthly anniversary of the due date (so someone who
  becomes overdue on 30 January is not reminded again on 1 February); for training
  needed before sitting on a committee (no due date) it is the calendar month.
Councillors with a place booked on an upcoming session of the course are not chased.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from council.models import Councillor

from . import ics, mandatory
from .models import Booking, Session, TrainingReminder
from .notifications import record_and_send

Kind = TrainingReminder.Kind


def sweep(today: date | None = None) -> int:
    """Record and queue the reminders due now. Returns how many this run queued."""
    today = today or timezone.localdate()
    wanted = list(_session_reminders(today)) + list(_mandatory_reminders(today))
    taken = _taken({item["key"] for item in wanted})
    queued = 0
    for item in wanted:
        if item["key"] in taken:
            continue
        # One transaction each: a reminder and its email are committed together, and a
        # concurrent sweep that recorded the key first makes this one send nothing.
        with transaction.atomic():
            queued += record_and_send(**item) is not None
    return queued


def _taken(keys: set[str]) -> set[str]:
    found: set[str] = set()
    keys_list = sorted(keys)
    for i in range(0, len(keys_list), 500):
        found.update(TrainingReminder.objects.filter(key__in=keys_list[i : i + 500]).values_list("key", flat=True))
    return found


def _session_reminders(today: date):
    now = timezone.now()
    bookings = (
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            councillor__is_active=True,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=now,
            session__starts_at__lt=now + timedelta(days=9),
        )
        .select_related("session__course", "councillor__user")
        .order_by("session__starts_at", "pk")
    )
    attachments: dict[int, dict] = {}
    for booking in bookings:
        session = booking.session
        start_day = timezone.localdate(session.starts_at)
        days = (start_day - today).days
        confirmed = timezone.localdate(booking.promoted_at or booking.requested_at)
        if days <= 1 and confirmed < start_day - timedelta(days=1):
            kind = Kind.DAY_BEFORE
        elif 1 < days <= 7 and confirmed < start_day - timedelta(days=7):
            kind = Kind.WEEK_BEFORE
        else:
            continue
        if session.pk not in attachments:
            attachments[session.pk] = ics.attachment(session, method="REQUEST")
        yield {
            "key": f"{kind}:{booking.pk}",
            "kind": kind,
            "councillor": booking.councillor,
            "session": session,
            "template": f"training_{kind}",
            "context": {"booking": booking, "days": days},
            "attachments": [attachments[session.pk]],
        }


def _mandatory_reminders(today: date):
    soon = today + timedelta(days=settings.TRAINING_MANDATORY_DUE_SOON_DAYS)
    result = mandatory.matrix(today=today, statuses=[mandatory.OUTSTANDING, mandatory.OVERDUE])
    for row in result.rows:
        for requirement in row.requirements:
            item = _mandatory_item(row.councillor, requirement, today, soon)
            if item is not None:
                yield item


def _mandatory_item(councillor: Councillor, requirement: mandatory.Requirement, today: date, soon: date):
    course = requirement.course
    context = {"requirement": requirement, "due_date": requirement.due}
    if requirement.status == mandatory.OUTSTANDING and requirement.due is not None and today <= requirement.due <= soon:
        key, kind = f"{Kind.MANDATORY_DUE}:{councillor.pk}:{course.pk}", Kind.MANDATORY_DUE
    elif requirement.status == mandatory.OVERDUE:
        key, kind = (
            f"{Kind.MANDATORY_OVERDUE}:{councillor.pk}:{course.pk}:{_overdue_month(requirement, today)}",
            (Kind.MANDATORY_OVERDUE),
        )
    else:
        return None
    return {
        "key": key,
        "kind": kind,
        "councillor": councillor,
        "course": course,
        "template": f"training_{kind}",
        "context": context,
    }


def _overdue_month(requirement: mandatory.Requirement, today: date) -> str:
    due = requirement.due
    if due is None:
        return f"{today:%Y-%m}"
    months = (today.year - due.year) * 12 + today.month - due.month
    if mandatory.add_months(due, months) > today:
        months -= 1
    return f"{mandatory.add_months(due, months):%Y-%m}"
