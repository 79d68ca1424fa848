"""The audit trail of one complaint: who viewed it and who changed it, and when.

Every change is logged by the service that makes it (complaints.services, decisions,
letters, retention). Views of a case are logged here, by the pages that show it: a case file
holds personal and often special-category data, and the Monitoring Officer must be able to
say who has seen it. Entries name the complaint through AuditEntry's generic
``object_type``/``object_id`` (indexed with ``-at``), so no migration is needed.
"""

from __future__ import annotations

from django.db.models import QuerySet

from council.audit import log_action
from council.models import AuditEntry

from .models import Complaint
from .workflow import ACTIONS

OBJECT_TYPE = Complaint._meta.label_lower
AUDIT_PAGE_SIZE = 50

# Views: each is one entry per request of the page or file.
CASE_VIEWED = "complaint.viewed"
IP_VIEW_FORM_VIEWED = "complaint.ip_view_form_viewed"
LETTER_VIEWED = "complaint.letter_viewed"
DECISION_NOTICE_VIEWED = "complaint.decision_notice_viewed"
DECISION_NOTICE_DOWNLOADED = "complaint.decision_notice_downloaded"
CASE_FILE_DOWNLOADED = "complaint.case_file_downloaded"
VIEWED_BY_COUNCILLOR = "complaint.viewed_by_councillor"

# What each action means, in words for the audit page. Workflow actions are added from the table.
LABELS: dict[str, str] = {
    "complaint.draft_saved": "Saved the draft complaint",
    "complaint.email_confirmed": "Confirmed the complainant's email address",
    "complaint.submitted": "Sent the complaint to the Monitoring Officer",
    "complaint.note_added": "Added an internal note",
    "complaint.confidentiality": "Decided on the request for confidentiality",
    "complaint.ip_consulted": "Asked an Independent Person for their view",
    "complaint.ip_view": "Recorded the Independent Person's view",
    "complaint.conflict": "Recorded a conflict of interest",
    "complaint.legal_hold": "Placed or lifted a legal hold",
    "complaint.document_added": "Added a document to the case file",
    "complaint.letter_sent": "Sent a letter",
    "complaint.notice_prepared": "Prepared the decision notice",
    "complaint.decision_notice_sent": "Sent the decision notice",
    "complaint.anonymised": "Anonymised the case at the end of its retention period",
    "complaint.evidence_viewed": "Downloaded a file of evidence",
    CASE_VIEWED: "Viewed the case",
    IP_VIEW_FORM_VIEWED: "Opened the form for the Independent Person's view",
    LETTER_VIEWED: "Viewed a letter generated from the case",
    DECISION_NOTICE_VIEWED: "Viewed the decision notice",
    DECISION_NOTICE_DOWNLOADED: "Downloaded the decision notice (PDF)",
    CASE_FILE_DOWNLOADED: "Downloaded the case file (PDF)",
    VIEWED_BY_COUNCILLOR: "Viewed the complaint about them (the councillor complained about)",
    **{f"complaint.{name}": action.label for name, action in ACTIONS.items()},
}

VIEW_ACTIONS = frozenset(
    {
        CASE_VIEWED,
        IP_VIEW_FORM_VIEWED,
        LETTER_VIEWED,
        DECISION_NOTICE_VIEWED,
        DECISION_NOTICE_DOWNLOADED,
        CASE_FILE_DOWNLOADED,
        VIEWED_BY_COUNCILLOR,
        "complaint.evidence_viewed",
    }
)


def log_view(*, user, complaint: Complaint, action: str, summary: str = "", **data) -> AuditEntry:
    """Record that ``user`` saw ``complaint`` (a page or a file). Called by the view that shows it."""
    return log_action(
        actor=user,
        action=action,
        obj=complaint,
        summary=f"{complaint.reference}: {summary or LABELS.get(action, action)}",
        **data,
    )


def entries_for(complaint: Complaint) -> QuerySet[AuditEntry]:
    """The complaint's audit entries, newest first, with who made each (one query a page)."""
    return (
        AuditEntry.objects.filter(object_type=OBJECT_TYPE, object_id=str(complaint.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def label(entry: AuditEntry) -> str:
    return LABELS.get(entry.action, entry.action)
