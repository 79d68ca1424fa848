"""Decision notices: what the notice says, who gets it, and sending it once.

The notice is generated from the case's :class:`~complaints.models.Decision`. A
hearing's decision is recorded by ``services.record_decision``; an assessment
outcome (no further action, informal resolution) gets its Decision here, from
the reason the Monitoring Officer gave when making that outcome.
"""

from __future__ import annotations

import base64

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from council.audit import log_action
from council.models import Authority
from council.notifications import send_templated_email
from council.services import DomainError

from .models import Complaint, Decision, Sanction, Stage, TimelineEntry
from .services import _timeline

# Assessment outcomes whose notice is generated from the reason for the outcome.
ASSESSMENT_OUTCOMES: dict[str, str] = {
    Stage.NO_FURTHER_ACTION: Decision.Finding.NO_FURTHER_ACTION,
    Stage.INFORMAL_RESOLUTION: Decision.Finding.INFORMAL_RESOLUTION,
}
# Where a hearing's decision can be recorded (the workflow's record_decision action).
DECIDING_STAGES = (Stage.INVESTIGATION, Stage.HEARING)
BREACH_FINDINGS = (Decision.Finding.BREACH_NO_ACTION, Decision.Finding.BREACH_SANCTIONS)
POST_WORDS = 80  # the notice summarises each post; the full text stays on the case file


def notice_filename(complaint: Complaint) -> str:
    return f"decision-notice-{complaint.reference or complaint.pk}.pdf"


def ip_views(complaint: Complaint) -> str:
    return "\n\n".join(complaint.ip_consultations.exclude(view="").values_list("view", flat=True))


@transaction.atomic
def prepare_assessment_notice(*, actor, complaint: Complaint) -> Decision:
    """The Decision behind the notice of an assessment outcome (no further action or informal
    resolution), from the reason recorded with that outcome. Returns the existing one if any."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    existing = Decision.objects.filter(complaint=complaint).first()
    if existing is not None:
        return existing
    finding = ASSESSMENT_OUTCOMES.get(complaint.stage)
    if finding is None:
        raise DomainError("A decision notice can be prepared once the case has an outcome or a decision.")
    outcome = (
        complaint.timeline.filter(kind=TimelineEntry.Kind.TRANSITION, to_stage=complaint.stage)
        .order_by("-at", "-pk")
        .first()
    )
    if outcome is None or not outcome.text.strip():
        raise DomainError("The reason for the outcome was not recorded, so the notice cannot be prepared.")
    decision = Decision.objects.create(
        complaint=complaint,
        finding=finding,
        findings="",
        reasons=outcome.text.strip(),
        sanctions=[],
        ip_view_summary=ip_views(complaint),
        decided_by=outcome.actor or (actor if getattr(actor, "is_authenticated", False) else None),
        decided_at=complaint.assessed_at or outcome.at,
    )
    log_action(
        actor=actor,
        action="complaint.notice_prepared",
        obj=complaint,
        summary=f"Decision notice prepared for {complaint.reference}",
    )
    return decision


def next_steps(decision: Decision) -> list[str]:
    """What the parties may do next, under the arrangements in England today."""
    steps = [
        "There is no right of appeal against this decision under the current arrangements in England.",
        "If you think the council did not handle the complaint properly, you may complain to the "
        "Local Government and Social Care Ombudsman, who looks at how a complaint was handled but "
        "not at the decision itself.",
    ]
    if decision.finding in BREACH_FINDINGS:
        steps.insert(
            1, "A finding that the Code of Conduct was breached is usually published on the council's website."
        )
    if Sanction.TRAINING in decision.sanctions:
        steps.append("Member Services will contact the councillor to arrange the training ordered.")
    return steps


def notice_context(complaint: Complaint, decision: Decision) -> dict:
    """Everything the notice shows, for the page, the PDF and the email alike."""
    councillors = list(complaint.councillors.select_related("authority"))
    sanctions = [Sanction(value).label for value in decision.sanctions if value in Sanction.values]
    return {
        "complaint": complaint,
        "decision": decision,
        "councillors": councillors,
        "headings": list(complaint.headings.all()),
        "posts": list(complaint.posts.all()),
        "post_words": POST_WORDS,
        # The complainant is named unless the Monitoring Officer granted confidentiality.
        "complainant_name": "" if complaint.confidentiality_granted else complaint.complainant_name,
        "sanctions": sanctions,
        "is_breach": decision.finding in BREACH_FINDINGS,
        "next_steps": next_steps(decision),
        "notice_date": timezone.localdate(decision.notice_sent_at) if decision.notice_sent_at else timezone.localdate(),
        "title": f"Decision notice {complaint.reference}",
    }


def notice_recipients(complaint: Complaint) -> list[str]:
    """The councillor(s), the complainant, the assigned Independent Person(s) and, for a parish
    or town councillor, the clerk of that council: each address once."""
    addresses = []
    for councillor in complaint.councillors.select_related("user", "authority"):
        addresses.append(councillor.contact_email)
        if councillor.authority.kind != Authority.Kind.PRINCIPAL:
            addresses.append(councillor.authority.clerk_email)
    addresses.append(complaint.complainant_email)
    addresses += (
        complaint.independent_persons.filter(is_active=True)
        .exclude(complaint_conflicts__complaint=complaint)
        .values_list("email", flat=True)
    )
    unique: dict[str, None] = {}
    for address in addresses:
        if address and address.strip():
            unique.setdefault(address.strip().lower(), None)
    return list(unique)


@transaction.atomic
def send_decision_notice(*, actor, complaint: Complaint) -> list[str]:
    """Email the decision notice (text, HTML and the PDF) to everyone who must have it, once.
    Returns the addresses it went to."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    decision = Decision.objects.select_for_update().filter(complaint=complaint).first()
    if decision is None:
        raise DomainError("Record the decision before sending the decision notice.")
    if complaint.anonymised_at is not None:
        raise DomainError("This case has been anonymised; its notice can no longer be sent.")
    if decision.notice_sent_at is not None:
        sent = date_format(timezone.localtime(decision.notice_sent_at), "j F Y")
        raise DomainError(f"The decision notice was already sent on {sent}.")
    recipients = notice_recipients(complaint)
    decision.notice_sent_at = timezone.now()
    decision.save(update_fields=["notice_sent_at"])
    if complaint.stage == Stage.DECISION:
        # The notice was the deadline running at this stage.
        complaint.due_date, complaint.due_for = None, ""
        complaint.save(update_fields=["due_date", "due_for"])
    from council.pdf import render_pdf  # WeasyPrint is slow to import: only where a PDF is made

    context = notice_context(complaint, decision)
    attachment = {
        "filename": notice_filename(complaint),
        "content": base64.b64encode(render_pdf("pdf/decision_notice.html", context)).decode("ascii"),
        "mimetype": "application/pdf",
        "encoding": "base64",
    }
    for address in recipients:
        send_templated_email(
            to=address,
            template="complaint_decision_notice",
            key=f"complaint-decision-notice:{complaint.pk}:{address}",
            context=context,
            attachments=[attachment],
        )
    _timeline(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.LETTER,
        summary="Decision notice sent",
        text=f"Sent to {len(recipients)} recipient(s): the councillor, the complainant and others entitled to it.",
        complainant=True,
        councillor=True,
    )
    log_action(
        actor=actor,
        action="complaint.decision_notice_sent",
        obj=complaint,
        summary=f"Decision notice for {complaint.reference} sent to {len(recipients)} recipient(s)",
        recipients=len(recipients),
    )
    return recipients
