"""The public side of complaints: the start page, the complaint form, the private link a
complainant follows, and the safeguarding form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from council.access import public
from council.notifications import send_templated_email
from council.services import DomainError

from . import intake, services
from .forms import (
    ComplaintForm,
    CouncillorSearchForm,
    EqualityForm,
    SafeguardingForm,
    WithdrawForm,
    initial_for_user,
    initial_from_complaint,
)
from .models import Complaint, Stage
from .workflow import ACTIONS

# The honeypot: a field people never see (and so leave blank) but form-filling robots complete.
HONEYPOT = "website"
SESSION_EMAIL = "complaints_check_email"
SESSION_SENT = "complaints_sent_reference"
SESSION_SAFEGUARDING = "complaints_safeguarding_sent"


@public
def start(request):
    return render(request, "complaints/start.html")


@public
def wales(request):
    return render(request, "complaints/wales.html")


@public
def councillor_search(request):
    """Find a councillor (of the principal council or a parish) to complain about."""
    form = CouncillorSearchForm(request.GET or None)
    results = form.results() if form.is_bound else []
    return render(
        request, "complaints/new_councillors.html", {"form": form, "results": results, "searched": form.is_bound}
    )


# --- Making a complaint -------------------------------------------------------------------------


def _user(request):
    return request.user if request.user.is_authenticated else None


def _render_form(request, form: ComplaintForm, *, equality: EqualityForm | None = None, complaint=None, token=""):
    context = {
        "form": form,
        "equality_form": equality,
        "complaint": complaint,
        "token": token,
        "honeypot": HONEYPOT,
        # Browsers cannot refill a file input, so say that chosen files must be chosen again.
        "files_dropped": bool(request.FILES),
    }
    return render(request, "complaints/new.html", context, status=200)


@public
def new(request):
    """The complaint form. A visitor's complaint waits for them to confirm their email address;
    a signed-in person's is sent to the Monitoring Officer at once."""
    user = _user(request)
    initial = initial_for_user(user) if user else {}
    if request.method != "POST":
        picked = request.GET.get("councillor", "")
        if picked.isdigit():
            initial["councillors"] = [picked]
        equality = EqualityForm() if user else None
        return _render_form(request, ComplaintForm(initial=initial, user=user), equality=equality)
    if request.POST.get(HONEYPOT):
        return _pretend_sent(request)
    searching = "search" in request.POST
    form = ComplaintForm(request.POST, request.FILES, initial=initial, user=user, quiet=searching)
    equality = EqualityForm(request.POST) if user else None
    if searching or not form.is_valid():
        return _render_form(request, form, equality=equality)
    data = form.complaint_data()
    if intake.over_limit(ip=intake.client_ip(request), email=data.complainant_email):
        return render(request, "complaints/new_too_many.html", status=429)
    then = None
    if user is not None:
        answers = equality.answers() if equality is not None else {}

        def then(complaint: Complaint) -> None:
            services.submit(complaint=complaint, actor=user)
            intake.record_equality(authority=complaint.principal_authority, answers=answers)

    try:
        complaint, _token = intake.save_with_evidence(data=data, files=form.uploads(), submitted_by=user, then=then)
    except DomainError as error:
        form.add_error(None, str(error))
        return _render_form(request, form, equality=equality)
    if user is not None:
        complaint.refresh_from_db()
        request.session[SESSION_SENT] = complaint.reference
    else:
        request.session[SESSION_EMAIL] = complaint.complainant_email
    return redirect("complaints:check_email")


def _pretend_sent(request):
    """A robot filled in the honeypot: look as if it worked, save nothing."""
    request.session[SESSION_EMAIL] = request.POST.get("complainant_email", "")[:254]
    return redirect("complaints:check_email")


@public
def check_email(request):
    reference = request.session.pop(SESSION_SENT, None)
    if reference:
        return render(request, "complaints/new_sent.html", {"reference": reference})
    context = {"email": request.session.get(SESSION_EMAIL, ""), "days": settings.COMPLAINTS_DRAFT_EXPIRES_DAYS}
    return render(request, "complaints/check_email.html", context)


# --- The complainant's private link ------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """The link's token is a password: keep it out of referrers, caches and the request log."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    # Django logs every 4xx with the path, which holds the token.
    response._has_been_logged = True
    return response


def _find(request, token: str) -> tuple[Complaint | None, HttpResponse | None]:
    """The complaint the link names, or the page to show instead (unknown link, expired draft)."""
    complaint = services.find_by_token(token)
    if complaint is None:
        return None, _private(render(request, "complaints/track_not_found.html", status=404))
    if complaint.stage == Stage.DRAFT and complaint.draft_expires_at and complaint.draft_expires_at <= timezone.now():
        return None, _private(
            render(
                request, "complaints/track_expired.html", {"days": settings.COMPLAINTS_DRAFT_EXPIRES_DAYS}, status=410
            )
        )
    return complaint, None


@public
def track(request, token: str):
    """Confirm the address and review the draft; after submission, follow its progress."""
    complaint, problem = _find(request, token)
    if problem is not None:
        return problem
    if complaint.stage != Stage.DRAFT:
        return _private(_status_page(request, complaint, token))
    if complaint.email_confirmed_at is None:
        complaint = services.confirm_email(complaint=complaint)
    if request.method == "POST" and "send" in request.POST:
        return _private(_send(request, complaint, token))
    if request.GET.get("change") or request.method == "POST":
        return _private(_change(request, complaint, token))
    return _private(_review(request, complaint, token, EqualityForm()))


def _review(request, complaint: Complaint, token: str, equality: EqualityForm, status: int = 200) -> HttpResponse:
    complaint = (
        Complaint.objects.prefetch_related("councillors__authority", "posts__evidence", "headings", "legal_concerns")
        .select_related("principal_authority")
        .get(pk=complaint.pk)
    )
    loose = complaint.evidence.filter(post__isnull=True)
    context = {"complaint": complaint, "token": token, "equality_form": equality, "loose_evidence": loose}
    return render(request, "complaints/track_review.html", context, status=status)


def _send(request, complaint: Complaint, token: str) -> HttpResponse:
    equality = EqualityForm(request.POST)
    if not equality.is_valid():
        return _review(request, complaint, token, equality)
    try:
        with transaction.atomic():
            complaint = services.submit(complaint=complaint)
            intake.record_equality(authority=complaint.principal_authority, answers=equality.answers())
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("complaints:track", token=token)
    messages.success(
        request, f"Your complaint has been sent to the Monitoring Officer. Your reference is {complaint.reference}."
    )
    return redirect("complaints:track", token=token)


def _change(request, complaint: Complaint, token: str) -> HttpResponse:
    if request.method != "POST":
        form = ComplaintForm(initial=initial_from_complaint(complaint), complaint=complaint)
        return _render_form(request, form, complaint=complaint, token=token)
    searching = "search" in request.POST
    initial = initial_from_complaint(complaint)
    form = ComplaintForm(request.POST, request.FILES, initial=initial, complaint=complaint, quiet=searching)
    if searching or not form.is_valid():
        return _render_form(request, form, complaint=complaint, token=token)
    try:
        intake.save_with_evidence(
            data=form.complaint_data(), files=form.uploads(), complaint=complaint, remove=form.evidence_to_remove()
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return _render_form(request, form, complaint=complaint, token=token)
    messages.success(request, "Your changes have been saved. Check them, then send your complaint.")
    return redirect("complaints:track", token=token)


def _status_page(request, complaint: Complaint, token: str) -> HttpResponse:
    timeline = complaint.timeline.filter(visible_to_complainant=True).order_by("at", "pk")
    context = {
        "complaint": complaint,
        "token": token,
        "timeline": timeline,
        "can_withdraw": complaint.stage in ACTIONS["withdraw"].sources,
    }
    return render(request, "complaints/track_status.html", context)


@public
def track_withdraw(request, token: str):
    complaint, problem = _find(request, token)
    if problem is not None:
        return problem
    if complaint.stage == Stage.DRAFT:
        return _private(redirect("complaints:track", token=token))
    if complaint.stage not in ACTIONS["withdraw"].sources:
        messages.info(request, f"A complaint that is ‘{complaint.get_stage_display()}’ cannot be withdrawn.")
        return _private(redirect("complaints:track", token=token))
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transition(
                actor=None,
                complaint=complaint,
                action="withdraw",
                reason=form.cleaned_data["reason"],
                as_complainant=True,
            )
        except DomainError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, "Your complaint has been withdrawn. We have told the Monitoring Officer.")
            return _private(redirect("complaints:track", token=token))
    context = {"complaint": complaint, "token": token, "form": form}
    return _private(render(request, "complaints/track_withdraw.html", context))


# --- Safeguarding -------------------------------------------------------------------------------


@public
def safeguarding(request):
    """A concern about someone's safety goes straight to the safeguarding lead(s) by email. It is
    not a conduct complaint: nothing is stored in the complaint tables."""
    if request.method != "POST":
        if request.session.pop(SESSION_SAFEGUARDING, False):
            return render(request, "complaints/safeguarding_sent.html")
        return render(request, "complaints/safeguarding.html", {"form": SafeguardingForm(), "honeypot": HONEYPOT})
    if request.POST.get(HONEYPOT):
        request.session[SESSION_SAFEGUARDING] = True
        return redirect("complaints:safeguarding")
    form = SafeguardingForm(request.POST)
    if not form.is_valid():
        return render(request, "complaints/safeguarding.html", {"form": form, "honeypot": HONEYPOT})
    if intake.safeguarding_over_limit(ip=intake.client_ip(request)):
        return render(request, "complaints/new_too_many.html", status=429)
    send_templated_email(
        to=settings.COMPLAINTS_SAFEGUARDING_EMAILS,
        template="safeguarding_concern",
        context={**form.cleaned_data, "received_at": timezone.now()},
    )
    request.session[SESSION_SAFEGUARDING] = True
    return redirect("complaints:safeguarding")
