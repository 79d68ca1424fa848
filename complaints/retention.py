"""Retention: closed cases are anonymised after settings.COMPLAINTS_RETENTION_YEARS years.

Run nightly by beat (complaints.tasks.anonymise_closed_cases). What identifies or describes a
person goes: the complainant's details, what the posts said and where, the reasons, notes,
views and findings, the link to the councillor(s), the evidence files and the emails sent about
the case. What the statistics need stays: the principal authority, the Code headings, the stage
reached, every date (so stage timings survive) and the outcome (finding and sanctions). A case
under a legal hold is left alone until the hold is lifted.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from council.audit import log_action
from council.models import AuditEntry, OutboundEmail

from .models import Complaint, Decision, Evidence, IPConsultation, Post, Stage, TimelineEntry

ANONYMISED_NAME = "Anonymised"
ANONYMISED_EMAIL = "anonymised@anonymised.invalid"
FINISHED_STAGES = (Stage.CLOSED, Stage.WITHDRAWN)


def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def due_for_anonymising(now: datetime | None = None):
    cutoff = retention_cutoff(now or timezone.now(), settings.COMPLAINTS_RETENTION_YEARS)
    return Complaint.objects.filter(
        stage__in=FINISHED_STAGES, closed_at__lt=cutoff, legal_hold=False, anonymised_at__isnull=True
    )


def anonymise_due(now: datetime | None = None) -> int:
    """Anonymise every case past its retention period and not under a legal hold; returns how many."""
    now = now or timezone.now()
    pks = list(due_for_anonymising(now).order_by("pk").values_list("pk", flat=True))
    return sum(anonymise(pk, now=now) for pk in pks)


@transaction.atomic
def anonymise(pk: int, *, now: datetime | None = None) -> bool:
    """Anonymise one case, checking again under the row lock (a hold may just have been placed)."""
    now = now or timezone.now()
    complaint = due_for_anonymising(now).select_for_update().filter(pk=pk).first()
    if complaint is None:
        return False
    stored = list(Evidence.objects.filter(complaint=complaint).values_list("stored_name", flat=True))
    Evidence.objects.filter(complaint=complaint).delete()
    # Files go only once the rows are gone for good.
    transaction.on_commit(lambda: _delete_files(stored))
    Post.objects.filter(complaint=complaint).update(content="", url="")
    TimelineEntry.objects.filter(complaint=complaint).update(text="")
    IPConsultation.objects.filter(complaint=complaint).update(view="")
    Decision.objects.filter(complaint=complaint).update(findings="", reasons="", ip_view_summary="")
    complaint.councillors.clear()
    _delete_sent_email(complaint)
    # The audit trail keeps who did what and when; what it said (names, file names) goes.
    AuditEntry.objects.filter(object_type=Complaint._meta.label_lower, object_id=str(complaint.pk)).update(
        summary="", data={}
    )
    complaint.complainant_name = ANONYMISED_NAME
    complaint.complainant_email = ANONYMISED_EMAIL
    complaint.complainant_phone = complaint.complainant_address = ""
    complaint.acting_reasons = complaint.outcome_sought = complaint.confidentiality_reasons = ""
    complaint.submitted_by = None
    complaint.access_token_hash = None  # the complainant's private link stops working
    complaint.anonymised_at = now
    complaint.save()
    log_action(
        actor=None,
        action="complaint.anonymised",
        obj=complaint,
        summary=f"{complaint.reference} anonymised after {settings.COMPLAINTS_RETENTION_YEARS} years",
        evidence_files=len(stored),
    )
    return True


def _delete_sent_email(complaint: Complaint) -> None:
    """The outbox keeps a copy of each email about the case (names, addresses, what was said).
    Keys name the case as ``complaint-<kind>:<pk>[:…]``; the digest's key names an officer instead."""
    OutboundEmail.objects.filter(
        key__regex=rf"^complaint-(?!digest:)[a-z-]+:{complaint.pk}(:|$)",
        status__in=[OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED],
    ).delete()


def _delete_files(names: list[str]) -> None:
    storage = storages["private"]
    for name in names:
        with contextlib.suppress(OSError):  # already gone: the row is what made it reachable
            storage.delete(name)
