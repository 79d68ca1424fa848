"""Inviting people to the portal, and accepting an invitation."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .access import capability_required, public
from .ids import parse_id
from .invitation_forms import AcceptInvitationForm, InvitationForm
from .models import Councillor, Invitation
from .roles import MFA_REQUIRED_ROLES, Capability, Role

# The list shows the most recent invitations; older ones stay in the audit log.
LIST_LIMIT = 200

STATUS_FILTERS = {
    "pending": ("Waiting", Q(accepted_at__isnull=True, revoked_at__isnull=True)),
    "accepted": ("Accepted", Q(accepted_at__isnull=False)),
    "closed": ("Expired or withdrawn", Q(accepted_at__isnull=True, revoked_at__isnull=False)),
}


def invitation_status(invitation: Invitation, now) -> tuple[str, str]:
    """What the list says about an invitation, and the GOV.UK tag colour."""
    if invitation.accepted_at is not None:
        return "Accepted", "govuk-tag--green"
    if invitation.revoked_at is not None and invitation.revoked_at < invitation.expires_at:
        return "Withdrawn", "govuk-tag--grey"
    if invitation.revoked_at is not None or invitation.expires_at <= now:
        return "Expired", "govuk-tag--red"
    return "Waiting", "govuk-tag--blue"


@capability_required(Capability.INVITE_USERS)
def invitation_list(request: HttpRequest) -> HttpResponse:
    """Recent invitations with their status; POST resends or withdraws one."""
    if request.method == "POST":
        return _act_on_invitation(request)
    status = request.GET.get("status", "")
    invitations = Invitation.objects.select_related("invited_by", "councillor").order_by("-created_at", "-pk")
    if status in STATUS_FILTERS:
        invitations = invitations.filter(STATUS_FILTERS[status][1])
    else:
        status = ""
    now = timezone.now()
    rows = [
        {
            "invitation": invitation,
            "status": invitation_status(invitation, now),
            "role_labels": [Role(r).label for r in invitation.roles if r in Role.values],
        }
        for invitation in invitations[:LIST_LIMIT]
    ]
    return render(
        request,
        "council/invitation_list.html",
        {
            "rows": rows,
            "status": status,
            "filters": [(key, label) for key, (label, _) in STATUS_FILTERS.items()],
            "limit": LIST_LIMIT,
        },
    )


def _act_on_invitation(request: HttpRequest) -> HttpResponse:
    pk = request.POST.get("invitation", "")
    invitation = Invitation.objects.filter(pk=pk).first() if _is_id(pk) else None
    action = request.POST.get("action")
    if invitation is None or action not in {"resend", "revoke"}:
        messages.error(request, "That invitation could not be found. Refresh the page and try again.")
        return redirect("council:invitation_list")
    try:
        if action == "resend":
            services.resend_invitation(actor=request.user, invitation=invitation)
            messages.success(
                request, f"A new invitation has been sent to {invitation.email}. The old link no longer works."
            )
        else:
            services.revoke_invitation(actor=request.user, invitation=invitation)
            messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
    except services.DomainError as error:
        messages.error(request, str(error))
    return redirect("council:invitation_list")


def _is_id(value: str) -> bool:
    return parse_id(value) is not None


@capability_required(Capability.INVITE_USERS)
def invitation_create(request: HttpRequest) -> HttpResponse:
    """Invite anyone, with any roles."""
    return _invite(request, councillor=None)


@capability_required(Capability.INVITE_USERS)
def invite_councillor(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite a councillor from their profile: their details filled in, the Councillor role chosen."""
    councillor = get_object_or_404(Councillor.objects.select_related("authority", "user"), pk=pk)
    return _invite(request, councillor=councillor)


def _invite(request: HttpRequest, *, councillor: Councillor | None) -> HttpResponse:
    if councillor is None:
        initial: dict = {}
    else:
        initial = {"email": councillor.email, "full_name": councillor.name, "roles": [Role.COUNCILLOR]}
    form = InvitationForm(request.POST or None, initial=initial, councillor=councillor)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_person(
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.cleaned_data["roles"],
                councillor=form.chosen_councillor,
            )
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"An invitation has been sent to {form.cleaned_data['email']}.")
            if councillor is not None:
                return redirect(councillor.get_absolute_url())
            return redirect("council:invitation_list")
    return render(
        request,
        "council/invitation_form.html",
        {"form": form, "councillor": councillor, "valid_days": settings.INVITATION_VALID_DAYS},
    )


@public
@never_cache
@sensitive_post_parameters("password1", "password2")
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: choose a password, and you are signed in."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "council/invitation_invalid.html", {"reason": "unknown"}, status=404)
    if not invitation.is_usable:
        return render(request, "council/invitation_invalid.html", {"reason": "used"}, status=410)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token, password=form.cleaned_data["password1"], full_name=form.cleaned_data["full_name"]
            )
        except services.DomainError as error:
            return render(
                request, "council/invitation_invalid.html", {"reason": "refused", "message": str(error)}, status=410
            )
        response = perform_login(request, user, email_verification="none", redirect_url=reverse("home"))
        # They proved who they are a moment ago, so setting up two-factor
        # authentication next does not ask for the new password again.
        record_authentication(request, user, method="password", email=user.email, reauthenticated=True)
        return response
    roles = [Role(r) for r in invitation.roles if r in Role.values]
    return render(
        request,
        "council/invitation_accept.html",
        {
            "form": form,
            "invitation": invitation,
            "invited_roles": [role.label for role in roles],
            "needs_mfa": bool(set(roles) & MFA_REQUIRED_ROLES),
        },
    )
