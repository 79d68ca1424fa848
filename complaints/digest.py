"""The Monitoring Officer's daily digest: cases due within a few working days, and overdue ones.

Run by beat every morning (complaints.tasks.send_daily_digest), and safe to run twice or
at the same time: a DigestEntry (unique per officer, case and day) records what went in a
digest, and the email's outbox key is per officer per day, so each officer gets at most one
digest a day and each case appears in it at most once.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from council.models import OutboundEmail, User
from council.notifications import send_templated_email
from council.roles import Role
from council.selectors import holders_of
from council.workdays import add_working_days, working_days_between

from .models import DigestEntry, Stage
from .permissions import cases_for

DIGEST_WITHIN = 3  # working days ahead


def digest_key(officer: User, today: date) -> str:
    return f"complaint-digest:{officer.pk}:{today.isoformat()}"


def send_daily_digest(today: date | None = None) -> int:
    """Email each active Monitoring Officer and deputy the cases they can see that are due within
    DIGEST_WITHIN working days or overdue. Returns how many digests were sent by this run."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, DIGEST_WITHIN)
    officers = holders_of(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER)
    return sum(_send_digest(officer, today, horizon) for officer in officers)


@transaction.atomic
def _send_digest(officer: User, today: date, horizon: date) -> int:
    key = digest_key(officer, today)
    if OutboundEmail.objects.filter(key=key).exists():
        return 0  # already had today's digest
    due = list(
        cases_for(officer)
        .open()
        .exclude(stage=Stage.AWAITING_INFORMATION)  # the clock is paused
        .filter(due_date__isnull=False, due_date__lte=horizon)
        .order_by("due_date", "pk")
        .values("pk", "reference", "stage", "due_for", "due_date")
    )
    if not due:
        return 0
    pks = [row["pk"] for row in due]
    before = set(
        DigestEntry.objects.filter(user=officer, on_date=today, complaint_id__in=pks).values_list(
            "complaint_id", flat=True
        )
    )
    DigestEntry.objects.bulk_create(
        [DigestEntry(user=officer, complaint_id=pk, on_date=today) for pk in pks if pk not in before],
        ignore_conflicts=True,
    )
    rows = [_row(case, today) for case in due if case["pk"] not in before]
    if not rows:
        return 0
    message = send_templated_email(
        to=officer.email,
        template="complaint_digest",
        key=key,
        context={
            "officer": officer,
            "rows": rows,
            "today": today,
            "within": DIGEST_WITHIN,
            "queue_url": settings.SITE_URL + reverse("complaints:queue"),
        },
    )
    return int(getattr(message, "created", True))


def _row(case: dict, today: date) -> dict:
    """One line of the digest: no personal data, only the case's reference and its clock."""
    days_left = working_days_between(today, case["due_date"])
    return {
        "reference": case["reference"],
        "stage": Stage(case["stage"]).label,
        "due_for": case["due_for"],
        "due_date": case["due_date"],
        "days_left": days_left,
        "overdue_by": -days_left,
        "url": settings.SITE_URL + reverse("complaints:case", args=[case["pk"]]),
    }
