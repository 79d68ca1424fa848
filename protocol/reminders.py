"""Reminders to acknowledge the protocol, derived from database state.

A beat task runs :func:`sweep` every 15 minutes. It works out which reminders
are due today from the requirements (no ETA tasks), records each under a
unique key (councillor, version, kind, date) and hands it to the email outbox
under a key of its own, so each is sent exactly once even when sweeps overlap;
a failed send is retried by the outbox without touching the others.

Schedule for an unmet requirement, counted from its due date:
publication (when the requirement is created), 7 days before, on the day, then
weekly while overdue; after PROTOCOL_ESCALATE_AFTER_DAYS overdue, one
escalation to the councillor's Member Services contact and the Monitoring Officer.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from council.notifications import enqueue_batch, send_templated_emails
from council.roles import Role
from council.selectors import holders_of

from .models import Reminder, Requirement, Version

BATCH = 500


def escalate_after_days() -> int:
    return getattr(settings, "PROTOCOL_ESCALATE_AFTER_DAYS", 14)


def due_kinds(requirement: Requirement, today: date) -> list[tuple[str, date]]:
    """The (kind, date) reminders a requirement calls for by ``today``, each keyed by the date it falls due."""
    due = requirement.due_date
    kinds = [(Reminder.Kind.PUBLISHED, timezone.localdate(requirement.created_at))]
    if due - timedelta(days=7) <= today < due:
        kinds.append((Reminder.Kind.DUE_SOON, due - timedelta(days=7)))
    if today == due:
        kinds.append((Reminder.Kind.DUE_TODAY, due))
    overdue_days = (today - due).days
    if overdue_days >= 7:
        kinds.append((Reminder.Kind.OVERDUE, due + timedelta(days=7 * (overdue_days // 7))))
    if overdue_days >= escalate_after_days():
        kinds.append((Reminder.Kind.ESCALATION, due + timedelta(days=escalate_after_days())))
    return kinds


def sweep(today: date | None = None) -> int:
    """Record the reminders due today and queue their emails. Returns how many were queued by this sweep."""
    today = today or timezone.localdate()
    in_force = Version.objects.published().select_related("basis").first()
    if in_force is None:
        return 0
    requirements = Requirement.objects.filter(
        version=in_force.basis, met_at__isnull=True, councillor__is_active=True
    ).only("pk", "councillor_id", "version_id", "due_date", "created_at")
    wanted = [
        Reminder(councillor_id=r.councillor_id, version_id=r.version_id, kind=kind, on_date=on_date)
        for r in requirements.iterator(chunk_size=2000)
        for kind, on_date in due_kinds(r, today)
    ]
    # The unique constraint drops reminders already recorded by an earlier or concurrent sweep.
    Reminder.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
    queued, after = 0, 0
    while (batch := _queue_batch(in_force, after)) is not None:
        after, batch_queued = batch
        queued += batch_queued
    return queued


def _queue_batch(in_force: Version, after: int) -> tuple[int, int] | None:
    """Attach an outbox email to up to BATCH recorded reminders (after pk ``after``) that
    have none yet, in the same few queries however many there are. Returns the last pk seen
    and how many were queued, or None when done."""
    with transaction.atomic():
        pending = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email__isnull=True, no_recipient=False, version=in_force.basis, pk__gt=after)
            .select_related("councillor__user", "councillor__member_services_contact", "councillor__authority")
            .order_by("pk")[:BATCH]
        )
        if not pending:
            return None
        monitoring_officers = _monitoring_officer_emails()
        member_services: list[str] = []
        if any(r.kind == Reminder.Kind.ESCALATION and r.councillor.member_services_contact_id is None for r in pending):
            member_services = _member_services_emails()
        due_dates = dict(
            Requirement.objects.filter(
                version=in_force.basis, councillor_id__in=[r.councillor_id for r in pending]
            ).values_list("councillor_id", "due_date")
        )
        messages = {
            reminder.pk: _message(
                reminder, in_force, monitoring_officers, member_services, due_dates.get(reminder.councillor_id)
            )
            for reminder in pending
        }
        queued = send_templated_emails([m for m in messages.values() if m is not None])
        for reminder in pending:
            message = messages[reminder.pk]
            reminder.email = queued[message["key"]] if message else None
            reminder.no_recipient = message is None
        Reminder.objects.bulk_update(pending, ["email", "no_recipient"])
        new_emails = [r.email.pk for r in pending if r.email is not None and r.email.created]
        enqueue_batch(new_emails)
        return pending[-1].pk, len(new_emails)


def _monitoring_officer_emails() -> list[str]:
    return list(holders_of(Role.MONITORING_OFFICER).values_list("email", flat=True))


def _message(
    reminder: Reminder, in_force: Version, monitoring_officers: list[str], member_services: list[str], due: date | None
) -> dict | None:
    """The outbox message for ``reminder`` (as :func:`council.notifications.send_templated_emails`
    takes it), or None when there is nobody to send it to."""
    councillor = reminder.councillor
    context = {
        "councillor": councillor,
        "version": in_force,
        "reminder": reminder,
        "due_date": due,
        "acknowledge_url": settings.SITE_URL + reverse("protocol:acknowledge"),
        "read_url": settings.SITE_URL + reverse("protocol:current"),
    }
    if reminder.kind == Reminder.Kind.ESCALATION:
        contact = councillor.member_services_contact
        to = ([contact.email] if contact else member_services) + monitoring_officers
        context["profile_url"] = settings.SITE_URL + reverse("council:councillor_detail", args=[councillor.pk])
    else:
        to = [councillor.contact_email]
    to = sorted({address for address in to if address})
    if not to:
        return None
    return {
        "key": f"protocol-reminder:{reminder.pk}",
        "to": to,
        "template": f"protocol_{reminder.kind}",
        "context": context,
    }


def _member_services_emails() -> list[str]:
    return list(holders_of(Role.MEMBER_SERVICES).values_list("email", flat=True))
