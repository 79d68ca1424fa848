"""The Monitoring Officer's side of complaints: the triage queue, the case page and the
actions on it, and the councillor's own view of complaints about them.

Cases are fetched only through complaints.permissions / selectors, which answer 404 to
anyone who may not see a case (a conflicted officer, another authority's officer, an
Independent Person not assigned, a councillor guessing ids). Independent Persons may see
their cases and record their own views; everything else on a case is for the Monitoring
Officer and deputies, so other actions answer 403 to them.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_http_methods

from council.access import capability_required, role_required
from council.audit import log_action
from council.pagination import get_page, pagination
from council.roles import Capability, Role, user_roles
from council.services import DomainError

from . import case_audit, letters, selectors, services
from .case_forms import (
    AssignIndependentPersonForm,
    ConfidentialityForm,
    ConflictForm,
    DocumentForm,
    IPViewForm,
    LegalHoldForm,
    NoteForm,
    QueueFilterForm,
    ReasonForm,
)
from .models import Complaint, Evidence, IPConsultation
from .permissions import get_case_for_user, is_case_officer
from .workflow import ACTIONS, available_actions

# Evidence the browser may show as what it is; anything else is sent as opaque bytes.
SAFE_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


# --- Helpers ---------------------------------------------------------------------------------------


def _officer_case(request: HttpRequest, pk: int) -> Complaint:
    """A case the user may see (else 404) and act on as an officer (else 403)."""
    complaint = get_case_for_user(request.user, pk)
    if not is_case_officer(request.user):
        raise PermissionDenied
    return complaint


def _form_page(
    request: HttpRequest, complaint: Complaint, form, *, title: str, intro: str = "", **extra
) -> HttpResponse:
    return render(
        request,
        "complaints/case_form.html",
        {"complaint": complaint, "form": form, "title": title, "intro": intro, **extra},
    )


def _back_to_case(complaint: Complaint, anchor: str = "") -> HttpResponse:
    return redirect(reverse("complaints:case", args=[complaint.pk]) + (f"#{anchor}" if anchor else ""))


# --- The triage queue ------------------------------------------------------------------------------


@capability_required(Capability.HANDLE_COMPLAINTS)
def queue(request: HttpRequest) -> HttpResponse:
    """The cases this person may work on, overdue first."""
    authorities = selectors.authority_choices() if selectors.shows_authority_filter(request.user) else None
    form = QueueFilterForm(request.GET or None, authorities=authorities)
    filters = selectors.QueueFilters(**form.filters())
    paginator = Paginator(selectors.queue_for(request.user, filters), selectors.QUEUE_PAGE_SIZE)
    page = get_page(request, paginator)
    selectors.annotate_rows(page.object_list)
    return render(
        request,
        "complaints/queue.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination(request, page),
            "filtered": bool(request.GET.keys() - {"page"}),
            "filters": filters,
            "officer": is_case_officer(request.user),
        },
    )


# --- The case page ---------------------------------------------------------------------------------


@capability_required(Capability.HANDLE_COMPLAINTS)
def case(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.case_detail(request.user, pk)
    # Every opening of a case is on its audit trail: the Monitoring Officer must be able to say who saw it.
    case_audit.log_view(user=request.user, complaint=complaint, action=case_audit.CASE_VIEWED)
    officer = is_case_officer(request.user)
    consultations = list(complaint.ip_consultations.all())
    return render(
        request,
        "complaints/case.html",
        {
            "complaint": complaint,
            "officer": officer,
            "stage_tag": selectors.stage_tag(complaint.stage),
            "deadline": selectors.deadline_for(complaint),
            "actions": available_actions(complaint.stage, user_roles(request.user)) if officer else [],
            "councillors": _councillors_with_status(complaint),
            "consultations": consultations,
            "own_consultations": [c for c in consultations if c.independent_person_id == request.user.pk],
            "timeline": selectors.visible_timeline(complaint, request.user),
            "identity_withheld": selectors.identity_withheld(complaint),
            "letters": letters.LETTERS.values() if officer else [],
            "note_form": NoteForm(action=reverse("complaints:case_note", args=[complaint.pk])) if officer else None,
            # A missing reverse one-to-one raises an AttributeError subclass.
            "decision": getattr(complaint, "decision", None),
        },
    )


def _councillors_with_status(complaint: Complaint) -> list[tuple[Any, list]]:
    statuses = selectors.protocol_statuses(complaint)
    return [(councillor, statuses.get(councillor.pk, [])) for councillor in complaint.councillors.all()]


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm a workflow action (with its reason where the table needs one), then take it."""
    complaint = _officer_case(request, pk)
    rule = ACTIONS.get(action)
    if rule is None:
        raise Http404("No such action.")
    if action == "record_decision":
        # A decision needs findings, reasons and sanctions: it has its own page.
        return redirect("complaints:case_decision", pk=complaint.pk)
    form = ReasonForm(request.POST or None, needs_reason=rule.needs_reason, submit_label=rule.label)
    if request.method == "POST" and form.is_valid():
        try:
            services.transition(
                actor=request.user, complaint=complaint, action=action, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            complaint.refresh_from_db()
            messages.success(request, f"{complaint.reference} is now ‘{complaint.get_stage_display()}’.")
            return _back_to_case(complaint)
    available = rule in available_actions(complaint.stage, user_roles(request.user))
    warn_identity = (
        rule.tells_councillor and complaint.councillor_notified_at is None and selectors.identity_withheld(complaint)
    )
    return render(
        request,
        "complaints/case_transition.html",
        {
            "complaint": complaint,
            "rule": rule,
            "form": form,
            "available": available,
            "tells_councillor_now": rule.tells_councillor and complaint.councillor_notified_at is None,
            "warn_identity": warn_identity,
            "undecided_confidentiality": complaint.confidentiality_requested
            and complaint.confidentiality_granted is None,
        },
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _officer_case(request, pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_note(actor=request.user, complaint=complaint, text=form.cleaned_data["text"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The note has been added to the timeline.")
            return _back_to_case(complaint, "timeline")
    return _form_page(request, complaint, form, title="Add an internal note")


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _officer_case(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_document(
                actor=request.user,
                complaint=complaint,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except (DomainError, ValidationError) as exc:
            form.add_error("file", exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "The document has been added to the case file.")
            return _back_to_case(complaint, "evidence")
    return _form_page(request, complaint, form, title="Add a document to the case file")


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_assign_ip(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _officer_case(request, pk)
    form = AssignIndependentPersonForm(request.POST or None, people=selectors.independent_person_choices(complaint))
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.assign_independent_person(actor=request.user, complaint=complaint, person=person)
        except DomainError as exc:
            form.add_error("person", str(exc))
        else:
            messages.success(request, f"{person} has been asked for their view and can now see this case.")
            return _back_to_case(complaint, "independent-person")
    return _form_page(
        request,
        complaint,
        form,
        title="Ask an Independent Person for their view",
        intro="The Independent Person you choose will be able to see this case and record their view on it.",
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_ip_view(request: HttpRequest, pk: int, consultation: int) -> HttpResponse:
    """The assigned Independent Person records their own view; an officer may record it on their behalf."""
    complaint = get_case_for_user(request.user, pk)
    item = get_object_or_404(
        IPConsultation.objects.select_related("independent_person"), pk=consultation, complaint=complaint
    )
    own = item.independent_person_id == request.user.pk
    officer = is_case_officer(request.user)
    if not (own or officer):
        raise PermissionDenied
    on_behalf = not own
    form = IPViewForm(request.POST or None, on_behalf=on_behalf)
    if item.given_at is None and request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.record_ip_view(actor=request.user, consultation=item, view=form.cleaned_data["view"])
                if on_behalf:
                    services.add_note(
                        actor=request.user,
                        complaint=complaint,
                        text=f"{request.user} recorded the view of {item.independent_person} on their behalf.",
                    )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The Independent Person's view has been recorded.")
            return _back_to_case(complaint, "independent-person")
    elif item.given_at is not None and request.method == "POST":
        messages.info(request, "This view has already been recorded.")
        return _back_to_case(complaint, "independent-person")
    case_audit.log_view(
        user=request.user, complaint=complaint, action=case_audit.IP_VIEW_FORM_VIEWED, consultation=item.pk
    )
    return render(
        request,
        "complaints/case_ip_view.html",
        {"complaint": complaint, "consultation": item, "form": form, "own": own},
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that an officer or Independent Person must not see this case."""
    complaint = _officer_case(request, pk)
    form = ConflictForm(request.POST or None, people=selectors.conflict_choices(complaint))
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["user"]
        try:
            services.record_conflict(
                actor=request.user, complaint=complaint, user=person, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if person.pk == request.user.pk:
                messages.success(
                    request, f"Your conflict on {complaint.reference} is recorded: you can no longer see it."
                )
                return redirect("complaints:queue")
            messages.success(request, f"The conflict is recorded: {person} can no longer see this case.")
            return _back_to_case(complaint, "conflicts")
    return _form_page(
        request,
        complaint,
        form,
        title="Record a conflict of interest",
        intro="A Monitoring Officer, deputy or Independent Person with a conflict of interest cannot see the case. "
        "If you record a conflict for yourself, you will lose access to it straight away.",
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_confidentiality(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide on the complainant's request to withhold their identity from the councillor."""
    complaint = _officer_case(request, pk)
    if not complaint.confidentiality_requested:
        messages.info(request, "The complainant did not ask for their identity to be withheld.")
        return _back_to_case(complaint, "complaint")
    initial = {}
    if complaint.confidentiality_granted is not None:
        initial["decision"] = "grant" if complaint.confidentiality_granted else "refuse"
    form = ConfidentialityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        granted = form.cleaned_data["decision"] == "grant"
        try:
            services.set_confidentiality(
                actor=request.user, complaint=complaint, granted=granted, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "The complainant's identity will be withheld from the councillor."
                if granted
                else "The complainant's identity will be disclosed to the councillor.",
            )
            return _back_to_case(complaint, "complaint")
    return _form_page(
        request,
        complaint,
        form,
        title="Decide on the request for confidentiality",
        details=[("The complainant's reasons", complaint.confidentiality_reasons or "None given")],
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Place or lift a legal hold, which keeps a closed case from being anonymised."""
    complaint = _officer_case(request, pk)
    form = LegalHoldForm(request.POST or None, currently_held=complaint.legal_hold)
    if request.method == "POST" and form.is_valid():
        hold = form.cleaned_data["hold"]
        try:
            services.set_legal_hold(
                actor=request.user, complaint=complaint, hold=hold, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The legal hold is in place." if hold else "The legal hold has been lifted.")
            return _back_to_case(complaint, "retention")
    return _form_page(
        request,
        complaint,
        form,
        title="Lift the legal hold" if complaint.legal_hold else "Place a legal hold",
        intro="While a legal hold is in place, the case is kept in full after its retention period ends."
        if not complaint.legal_hold
        else "Once the hold is lifted, the case is anonymised when its retention period ends.",
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def case_letter(request: HttpRequest, pk: int, letter: str) -> HttpResponse:
    """A letter to a party, generated from the case, to copy or send by email."""
    complaint = _officer_case(request, pk)
    chosen = letters.get_letter(letter)
    complaint = selectors.case_detail(request.user, complaint.pk)
    unavailable = letters.unavailable_because(chosen, complaint)
    error = ""
    if request.method == "POST":
        try:
            sent = letters.send_letter(actor=request.user, complaint=complaint, letter=chosen)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request, f"The letter has been sent to {len(sent)} recipient{'s' if len(sent) != 1 else ''}."
            )
            return _back_to_case(complaint, "timeline")
    rendered = [] if unavailable else letters.render(chosen, complaint, sender=request.user)
    case_audit.log_view(
        user=request.user,
        complaint=complaint,
        action=case_audit.LETTER_VIEWED,
        summary=f"letter viewed: {chosen.title}",
        letter=chosen.slug,
    )
    return render(
        request,
        "complaints/case_letter.html",
        {
            "complaint": complaint,
            "letter": chosen,
            "rendered": rendered,
            "unavailable": unavailable,
            "error": error,
            "can_send": any(item.email for item in rendered),
        },
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
def evidence_download(request: HttpRequest, pk: int, evidence: int) -> FileResponse:
    """A file of evidence, to those who may see the case, always as a download."""
    complaint = get_case_for_user(request.user, pk)
    item = get_object_or_404(Evidence, pk=evidence, complaint=complaint)
    try:
        handle = storages["private"].open(item.stored_name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation) as exc:
        raise Http404("The file is missing.") from exc
    log_action(
        actor=request.user,
        action="complaint.evidence_viewed",
        obj=complaint,
        summary=f"{complaint.reference}: evidence {item.pk} downloaded",
        evidence=item.pk,
    )
    content_type = item.content_type if item.content_type in SAFE_CONTENT_TYPES else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=_safe_filename(item), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _safe_filename(item: Evidence) -> str:
    """The original name without any path, quotes or control characters; a plain fallback if nothing is left."""
    name = os.path.basename((item.original_name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable())
    try:
        name = get_valid_filename(name)
    except SuspiciousFileOperation:
        name = ""
    if not name:
        name = f"evidence-{item.pk}" + (mimetypes.guess_extension(item.content_type) or "")
    return name[:150]


# --- The councillor complained about ---------------------------------------------------------------


@role_required(Role.COUNCILLOR)
def my_cases(request: HttpRequest) -> HttpResponse:
    """Complaints about the signed-in councillor that they have been told of."""
    cases = list(selectors.councillor_case_list(request.user))
    for item in cases:
        item.stage_tag = selectors.stage_tag(item.stage)
    return render(request, "complaints/my_cases.html", {"cases": cases})


@role_required(Role.COUNCILLOR)
def my_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Only what has been disclosed to the councillor: never notes, views, evidence or contact details."""
    complaint = selectors.councillor_case(request.user, pk)
    case_audit.log_view(user=request.user, complaint=complaint, action=case_audit.VIEWED_BY_COUNCILLOR)
    return render(
        request,
        "complaints/my_case.html",
        {
            "complaint": complaint,
            "stage_tag": selectors.stage_tag(complaint.stage),
            "identity_withheld": selectors.identity_withheld(complaint),
            "timeline": list(complaint.timeline.all()),
        },
    )


__all__ = [
    "case",
    "case_assign_ip",
    "case_confidentiality",
    "case_conflict",
    "case_ip_view",
    "case_legal_hold",
    "case_letter",
    "case_note",
    "case_transition",
    "evidence_download",
    "my_case",
    "my_cases",
    "queue",
]
