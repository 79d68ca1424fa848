"""State changes for complaints. Each is one transaction that writes the case
timeline and an audit entry; views and tasks call these and change nothing themselves."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from council.audit import log_action
from council.models import Authority, Councillor, User
from council.notifications import send_templated_email
from council.roles import Role, user_roles
from council.services import DomainError
from council.workdays import add_working_days, working_days_between

from .models import Complaint, Conflict, Decision, Evidence, IPConsultation, Post, Stage, TimelineEntry
from .selectors import people_for_case
from .workflow import ACTIONS, COMPLAINANT, DEADLINE_LABELS, DEADLINES

WALES_MESSAGE = (
    "Complaints about councillors in Wales go to the Public Services Ombudsman for Wales, "
    "not to the council's Monitoring Officer."
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_token(token: str) -> Complaint | None:
    return Complaint.objects.filter(access_token_hash=hash_token(token)).first()


@dataclass
class PostData:
    platform: str
    content: str
    url: str = ""
    posted_at: object = None


@dataclass
class ComplaintData:
    complainant_name: str
    complainant_email: str
    complainant_type: str
    councillors: list[Councillor]
    acting_as_councillor: str
    outcome_sought: str
    posts: list[PostData] = field(default_factory=list)
    complainant_phone: str = ""
    complainant_address: str = ""
    headings: list = field(default_factory=list)
    legal_concerns: list = field(default_factory=list)
    acting_reasons: str = ""
    planning_or_licensing: bool = False
    confidentiality_requested: bool = False
    confidentiality_reasons: str = ""


def principal_authority_for(councillors: list[Councillor]) -> Authority:
    """Whichever body a councillor sits on, the complaint goes to its principal authority's MO."""
    if not councillors:
        raise DomainError("Choose the councillor or councillors the complaint is about.")
    principals = {c.authority.principal_authority for c in councillors}
    if any(a.nation == Authority.Nation.WALES for a in principals):
        raise DomainError(WALES_MESSAGE)
    if len(principals) > 1:
        raise DomainError("Make a separate complaint for councillors of each council.")
    return principals.pop()


def _timeline(complaint, *, actor, kind, summary, text="", complainant=False, councillor=False, **stages):
    return TimelineEntry.objects.create(
        complaint=complaint,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        summary=summary[:300],
        text=text,
        visible_to_complainant=complainant,
        visible_to_councillor=councillor,
        **stages,
    )


_DRAFT_FIELDS = (
    "complainant_name",
    "complainant_email",
    "complainant_type",
    "complainant_phone",
    "complainant_address",
    "acting_as_councillor",
    "acting_reasons",
    "planning_or_licensing",
    "outcome_sought",
    "confidentiality_requested",
    "confidentiality_reasons",
)


@transaction.atomic
def save_draft(*, data: ComplaintData, submitted_by: User | None = None, complaint: Complaint | None = None):
    """Create or update a complaint that has not been submitted. Returns (complaint, token):
    the token (only for a new draft) is the complainant's private link, sent by email."""
    principal = principal_authority_for(data.councillors)
    token = None
    if complaint is None:
        token = secrets.token_urlsafe(32)
        complaint = Complaint(
            access_token_hash=hash_token(token),
            draft_expires_at=timezone.now() + timedelta(days=settings.COMPLAINTS_DRAFT_EXPIRES_DAYS),
            submitted_by=submitted_by,
        )
    else:
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.stage != Stage.DRAFT:
            raise DomainError("This complaint has already been sent to the Monitoring Officer and cannot be changed.")
    for name in _DRAFT_FIELDS:
        setattr(complaint, name, getattr(data, name))
    complaint.complainant_email = complaint.complainant_email.strip().lower()
    complaint.principal_authority = principal
    complaint.save()
    complaint.councillors.set(data.councillors)
    complaint.headings.set(data.headings)
    complaint.legal_concerns.set(data.legal_concerns)
    if data.posts:
        complaint.posts.all().delete()
        Post.objects.bulk_create(
            Post(complaint=complaint, platform=p.platform, url=p.url, posted_at=p.posted_at, content=p.content)
            for p in data.posts
        )
    log_action(actor=submitted_by, action="complaint.draft_saved", obj=complaint, summary="Draft complaint saved")
    if token:
        send_templated_email(
            to=complaint.complainant_email,
            template="complaint_confirm",
            key=f"complaint-confirm:{complaint.pk}",
            context={"complaint": complaint, "link": settings.SITE_URL + reverse("complaints:track", args=[token])},
        )
    return complaint, token


@transaction.atomic
def confirm_email(*, complaint: Complaint) -> Complaint:
    """Following the emailed link proves the complainant's address."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.email_confirmed_at is None:
        complaint.email_confirmed_at = timezone.now()
        complaint.save(update_fields=["email_confirmed_at"])
        log_action(actor=None, action="complaint.email_confirmed", obj=complaint, summary="Email address confirmed")
    return complaint


def _refresh_deadline(complaint: Complaint) -> None:
    rule = DEADLINES.get(complaint.stage)
    if rule is None or complaint.stage == Stage.AWAITING_INFORMATION:
        complaint.due_date, complaint.due_for = None, ""
        return
    setting, start_field = rule
    start = getattr(complaint, start_field) or complaint.received_at
    days = getattr(settings, setting) + complaint.paused_working_days
    complaint.due_date = add_working_days(timezone.localdate(start), days)
    complaint.due_for = DEADLINE_LABELS[setting]


def _officer_emails(complaint: Complaint) -> list[str]:
    officers = people_for_case(complaint, {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER})
    return sorted(set(officers.values_list("email", flat=True)))


@transaction.atomic
def submit(*, complaint: Complaint, actor: User | None = None) -> Complaint:
    """Send a draft to the Monitoring Officer: give it a reference, start the clock, tell the officers."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.stage != Stage.DRAFT:
        raise DomainError("This complaint has already been sent to the Monitoring Officer.")
    if complaint.submitted_by_id is None and complaint.email_confirmed_at is None:
        raise DomainError("Confirm your email address first: follow the link we sent you.")
    principal_authority_for(list(complaint.councillors.select_related("authority__principal")))
    now = timezone.now()
    complaint.stage, complaint.received_at, complaint.draft_expires_at = Stage.RECEIVED, now, None
    complaint.reference = f"CC-{now:%Y}-{complaint.pk:05d}"
    _refresh_deadline(complaint)
    complaint.save()
    _timeline(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.TRANSITION,
        summary="Complaint received by the Monitoring Officer",
        complainant=True,
        from_stage=Stage.DRAFT,
        to_stage=Stage.RECEIVED,
    )
    log_action(actor=actor, action="complaint.submitted", obj=complaint, summary=f"Complaint {complaint.reference}")
    case_url = settings.SITE_URL + reverse("complaints:case", args=[complaint.pk])
    for email in _officer_emails(complaint):
        send_templated_email(
            to=email,
            template="complaint_received",
            key=f"complaint-received:{complaint.pk}:{email}",
            context={"complaint": complaint, "case_url": case_url},
        )
    send_templated_email(
        to=complaint.complainant_email,
        template="complaint_submitted",
        key=f"complaint-submitted:{complaint.pk}",
        context={"complaint": complaint},
    )
    return complaint


@transaction.atomic
def transition(*, actor, complaint: Complaint, action: str, reason: str = "", as_complainant: bool = False):
    """Move a case on by one action of the workflow table, recording who, when and why."""
    rule = ACTIONS.get(action)
    if rule is None:
        raise DomainError("That is not an action this case can take.")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    kinds = {COMPLAINANT} if as_complainant else set(user_roles(actor))
    if not rule.actors & kinds:
        raise DomainError(f"You cannot {rule.label.lower()}.")
    if complaint.stage not in rule.sources:
        raise DomainError(f"A case that is '{complaint.get_stage_display()}' cannot {rule.label.lower()}.")
    if rule.needs_reason and not reason.strip():
        raise DomainError("Give the reason: it goes on the case timeline.")
    if rule.needs_ip_view and not complaint.ip_consultations.filter(given_at__isnull=False).exists():
        raise DomainError("Record the Independent Person's view before deciding an investigated complaint.")
    today, now = timezone.localdate(), timezone.now()
    source = complaint.stage
    target = rule.target or complaint.resume_stage
    if target == Stage.AWAITING_INFORMATION:
        complaint.resume_stage, complaint.paused_since = source, today
    elif source == Stage.AWAITING_INFORMATION:
        complaint.paused_working_days += max(0, working_days_between(complaint.paused_since, today))
        complaint.resume_stage, complaint.paused_since = "", None
    stamps = {
        Stage.ACKNOWLEDGED: "acknowledged_at",
        Stage.NO_FURTHER_ACTION: "assessed_at",
        Stage.INFORMAL_RESOLUTION: "assessed_at",
        Stage.INVESTIGATION: "assessed_at",
        Stage.DECISION: "decided_at",
        Stage.CLOSED: "closed_at",
        Stage.WITHDRAWN: "closed_at",
    }
    if target in stamps:
        setattr(complaint, stamps[target], now)
    complaint.stage = target
    if rule.tells_councillor and complaint.councillor_notified_at is None and target != Stage.WITHDRAWN:
        complaint.councillor_notified_at = now
        _tell_councillors(complaint)
    _refresh_deadline(complaint)
    complaint.save()
    _timeline(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.TRANSITION,
        summary=f"{complaint.get_stage_display()}" + (" (by the complainant)" if as_complainant else ""),
        text=reason.strip(),
        complainant=rule.tells_complainant,
        councillor=complaint.councillor_notified_at is not None,
        from_stage=source,
        to_stage=target,
    )
    log_action(
        actor=actor,
        action=f"complaint.{action}",
        obj=complaint,
        summary=f"{complaint.reference}: {Stage(source).label} → {Stage(target).label}",
    )
    if rule.tells_complainant:
        send_templated_email(
            to=complaint.complainant_email,
            template="complaint_status",
            key=f"complaint-status:{complaint.pk}:{complaint.timeline.count()}",
            context={"complaint": complaint},
        )
    return complaint


def _tell_councillors(complaint: Complaint) -> None:
    """The councillor is told when the arrangements say (at initial assessment), with the
    complainant's name withheld where the Monitoring Officer granted confidentiality."""
    for councillor in complaint.councillors.select_related("user"):
        address = councillor.contact_email
        if address:
            send_templated_email(
                to=address,
                template="complaint_councillor_notified",
                key=f"complaint-councillor:{complaint.pk}:{councillor.pk}",
                context={"complaint": complaint, "councillor": councillor},
            )


@transaction.atomic
def add_note(*, actor, complaint: Complaint, text: str) -> TimelineEntry:
    if not text.strip():
        raise DomainError("Write the note.")
    entry = _timeline(complaint, actor=actor, kind=TimelineEntry.Kind.NOTE, summary="Internal note", text=text.strip())
    log_action(actor=actor, action="complaint.note_added", obj=complaint, summary=f"Note on {complaint.reference}")
    return entry


@transaction.atomic
def set_confidentiality(*, actor, complaint: Complaint, granted: bool, reason: str) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint.confidentiality_granted = granted
    complaint.save(update_fields=["confidentiality_granted"])
    summary = "Complainant's identity withheld" if granted else "Request to withhold identity refused"
    _timeline(complaint, actor=actor, kind=TimelineEntry.Kind.OTHER, summary=summary, text=reason, complainant=True)
    log_action(actor=actor, action="complaint.confidentiality", obj=complaint, summary=summary, granted=granted)
    return complaint


@transaction.atomic
def assign_independent_person(*, actor, complaint: Complaint, person: User) -> IPConsultation:
    if not person.groups.filter(name=Role.INDEPENDENT_PERSON).exists():
        raise DomainError(f"{person} is not an Independent Person.")
    if Conflict.objects.filter(complaint=complaint, user=person).exists():
        raise DomainError(f"{person} has a conflict of interest on this case.")
    complaint.independent_persons.add(person)
    consultation = IPConsultation.objects.create(complaint=complaint, independent_person=person, stage=complaint.stage)
    _timeline(complaint, actor=actor, kind=TimelineEntry.Kind.IP_VIEW, summary=f"View sought from {person}")
    log_action(actor=actor, action="complaint.ip_consulted", obj=complaint, summary=f"Consulted {person}")
    return consultation


@transaction.atomic
def record_ip_view(*, actor, consultation: IPConsultation, view: str) -> IPConsultation:
    if not view.strip():
        raise DomainError("Write the Independent Person's view.")
    consultation = IPConsultation.objects.select_for_update().get(pk=consultation.pk)
    consultation.view, consultation.given_at = view.strip(), timezone.now()
    consultation.save(update_fields=["view", "given_at"])
    _timeline(
        consultation.complaint,
        actor=actor,
        kind=TimelineEntry.Kind.IP_VIEW,
        summary=f"View given by {consultation.independent_person}",
        text=consultation.view,
    )
    log_action(actor=actor, action="complaint.ip_view", obj=consultation.complaint, summary="Independent Person's view")
    return consultation


@transaction.atomic
def record_conflict(*, actor, complaint: Complaint, user: User, reason: str) -> Conflict:
    if not reason.strip():
        raise DomainError("Give the reason for the conflict.")
    conflict, _ = Conflict.objects.get_or_create(
        complaint=complaint, user=user, defaults={"reason": reason.strip(), "recorded_by": actor}
    )
    complaint.independent_persons.remove(user)
    _timeline(complaint, actor=actor, kind=TimelineEntry.Kind.CONFLICT, summary=f"Conflict recorded for {user}")
    log_action(actor=actor, action="complaint.conflict", obj=complaint, summary=f"{user} conflicted")
    return conflict


@transaction.atomic
def record_decision(
    *, actor, complaint: Complaint, finding: str, findings: str, reasons: str, sanctions: list[str]
) -> Decision:
    """Record the decision on an investigated case and move it to 'Decision made'."""
    if finding not in Decision.Finding.values:
        raise DomainError("Choose the finding.")
    if sanctions and finding != Decision.Finding.BREACH_SANCTIONS:
        raise DomainError("Sanctions follow only a finding of breach with sanctions.")
    if finding == Decision.Finding.BREACH_SANCTIONS and not sanctions:
        raise DomainError("Choose at least one sanction.")
    if not findings.strip() or not reasons.strip():
        raise DomainError("Write the findings and the reasons.")
    complaint = transition(actor=actor, complaint=complaint, action="record_decision", reason=reasons)
    ip_views = "\n\n".join(complaint.ip_consultations.exclude(view="").values_list("view", flat=True))
    decision, _ = Decision.objects.update_or_create(
        complaint=complaint,
        defaults={
            "finding": finding,
            "findings": findings.strip(),
            "reasons": reasons.strip(),
            "sanctions": sanctions,
            "ip_view_summary": ip_views,
            "decided_by": actor,
            "decided_at": complaint.decided_at,
        },
    )
    return decision


@transaction.atomic
def set_legal_hold(*, actor, complaint: Complaint, hold: bool, reason: str) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint.legal_hold = hold
    complaint.save(update_fields=["legal_hold"])
    summary = "Legal hold placed" if hold else "Legal hold lifted"
    _timeline(complaint, actor=actor, kind=TimelineEntry.Kind.OTHER, summary=summary, text=reason)
    log_action(actor=actor, action="complaint.legal_hold", obj=complaint, summary=summary)
    return complaint


def add_document(*, actor, complaint: Complaint, upload, description: str = "") -> Evidence:
    """Add a document to the case file (an investigator's report, a reply from the
    councillor …). The file is checked like the complainant's evidence; if saving fails,
    nothing is left on disk."""
    from . import uploads

    checked = uploads.check_upload(upload)
    with uploads.removed_if_failed() as saved, transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        uploads.check_total(complaint, checked.size)
        document = uploads.store(complaint=complaint, checked=checked, post=None, saved=saved)
        document.uploaded_by, document.description = actor, description.strip()[:300]
        document.save(update_fields=["uploaded_by", "description"])
        _timeline(
            complaint,
            actor=actor,
            kind=TimelineEntry.Kind.EVIDENCE,
            summary=f"Document added: {document.original_name}",
            text=document.description,
        )
        log_action(actor=actor, action="complaint.document_added", obj=complaint, summary=document.original_name)
    return document
