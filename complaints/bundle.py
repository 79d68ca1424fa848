"""The case file bundle: one PDF of everything on a case, for the Monitoring Officer's own file.

It is the Monitoring Officer's record, so it names the complainant and holds their contact
details, every timeline entry (internal notes included) and the Independent Persons' views.
Evidence is listed, not attached: the files stay in private storage, downloaded one by one
(each download audited). Everything typed by a complainant or an officer reaches the PDF
through an autoescaped template, so it is text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from council.models import Councillor

from .models import Complaint, Decision, Evidence, IPConsultation, Sanction, TimelineEntry


@dataclass(frozen=True)
class Dates:
    """The dates on the cover, in the order a case reaches them."""

    received: object
    acknowledged: object
    assessed: object
    decided: object
    closed: object


def filename(complaint: Complaint) -> str:
    return f"case-file-{complaint.reference or complaint.pk}.pdf"


def case_file_context(complaint: Complaint, *, made_by) -> dict:
    """Everything the bundle shows, in a fixed number of queries whatever the size of the case.
    ``complaint`` comes from ``permissions.get_case_for_user``: this only adds what it shows."""
    prefetch_related_objects(
        [complaint],
        Prefetch(
            "councillors",
            queryset=Councillor.objects.select_related("authority", "ward", "political_group").order_by("name"),
        ),
        "headings",
        "legal_concerns",
        "posts",
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by", "post")),
        Prefetch("timeline", queryset=TimelineEntry.objects.select_related("actor")),
        Prefetch("ip_consultations", queryset=IPConsultation.objects.select_related("independent_person")),
    )
    decision = Decision.objects.select_related("decided_by").filter(complaint=complaint).first()
    timeline = list(complaint.timeline.all())
    return {
        "complaint": complaint,
        "authority": complaint.principal_authority,
        "dates": Dates(
            received=complaint.received_at,
            acknowledged=complaint.acknowledged_at,
            assessed=complaint.assessed_at,
            decided=complaint.decided_at,
            closed=complaint.closed_at,
        ),
        "councillors": list(complaint.councillors.all()),
        "headings": list(complaint.headings.all()),
        "legal_concerns": list(complaint.legal_concerns.all()),
        "posts": list(complaint.posts.all()),
        "evidence": list(complaint.evidence.all()),
        "timeline": timeline,
        "notes": [entry for entry in timeline if entry.kind == TimelineEntry.Kind.NOTE],
        "consultations": list(complaint.ip_consultations.all()),
        "decision": decision,
        "sanctions": [Sanction(value).label for value in decision.sanctions if value in Sanction.values]
        if decision
        else [],
        "made_at": timezone.localtime(),
        "made_by": made_by,
        "title": f"Case file {complaint.reference}",
    }
