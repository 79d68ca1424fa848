"""The decision on a case and its decision notice (page, PDF, and sending it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from council.access import capability_required
from council.exports import download
from council.roles import Capability
from council.services import DomainError

from . import case_audit, decisions, services
from .decision_forms import DecisionForm
from .models import Decision
from .permissions import get_case_for_user, is_case_officer


def _officer_case(request, pk: int):
    """The case, for the Monitoring Officer and deputies only: an Independent Person may read
    the notice but neither decides nor sends it (403 before any lookup, so nothing leaks)."""
    if not is_case_officer(request.user):
        raise PermissionDenied
    return get_case_for_user(request.user, pk)


@capability_required(Capability.HANDLE_COMPLAINTS)
def case_decision(request, pk: int):
    complaint = _officer_case(request, pk)
    if complaint.stage not in decisions.DECIDING_STAGES:
        return render(request, "complaints/decision_form.html", {"complaint": complaint, "form": None})
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_decision(actor=request.user, complaint=complaint, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The decision on {complaint.reference} has been recorded.")
            return redirect("complaints:decision_notice", pk=complaint.pk)
    return render(
        request,
        "complaints/decision_form.html",
        {"complaint": complaint, "form": form, "notice_within": settings.COMPLAINTS_DECISION_NOTICE_WITHIN},
    )


@capability_required(Capability.HANDLE_COMPLAINTS)
def decision_notice(request, pk: int):
    if request.method == "POST":
        return _prepare_notice(request, pk)
    complaint = get_case_for_user(request.user, pk)
    decision = Decision.objects.filter(complaint=complaint).first()
    officer = is_case_officer(request.user)
    context = {
        "complaint": complaint,
        "decision": decision,
        "can_send": officer,
        "can_prepare": officer and complaint.stage in decisions.ASSESSMENT_OUTCOMES,
        "can_decide": officer and complaint.stage in decisions.DECIDING_STAGES,
    }
    if decision is not None:
        context.update(decisions.notice_context(complaint, decision))
        if officer and decision.notice_sent_at is None:
            context["recipient_count"] = len(decisions.notice_recipients(complaint))
        case_audit.log_view(user=request.user, complaint=complaint, action=case_audit.DECISION_NOTICE_VIEWED)
    return render(request, "complaints/decision_notice.html", context)


def _prepare_notice(request, pk: int):
    complaint = _officer_case(request, pk)
    try:
        decisions.prepare_assessment_notice(actor=request.user, complaint=complaint)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("complaints:decision_notice", pk=complaint.pk)


@capability_required(Capability.HANDLE_COMPLAINTS)
def decision_notice_pdf(request, pk: int):
    complaint = get_case_for_user(request.user, pk)
    decision = Decision.objects.filter(complaint=complaint).first()
    if decision is None:
        messages.error(request, "No decision has been recorded on this case yet, so there is no notice to download.")
        return redirect("complaints:decision_notice", pk=complaint.pk)
    from council.pdf import render_pdf  # WeasyPrint is slow to import: only where a PDF is made

    pdf = render_pdf("pdf/decision_notice.html", decisions.notice_context(complaint, decision))
    case_audit.log_view(user=request.user, complaint=complaint, action=case_audit.DECISION_NOTICE_DOWNLOADED)
    return download(pdf, filename=decisions.notice_filename(complaint))


@capability_required(Capability.HANDLE_COMPLAINTS)
def decision_notice_send(request, pk: int):
    complaint = _officer_case(request, pk)
    if request.method != "POST":
        return redirect("complaints:decision_notice", pk=complaint.pk)
    try:
        recipients = decisions.send_decision_notice(actor=request.user, complaint=complaint)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The decision notice has been sent to {len(recipients)} recipient(s).")
    return redirect("complaints:decision_notice", pk=complaint.pk)
