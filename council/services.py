"""State changes in the who's-who domain. Each is one function, one transaction,
with an audit entry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import log_action
from .models import Councillor, Invitation, User
from .notifications import send_templated_email
from .roles import Role


class DomainError(Exception):
    """A change that is not allowed from the current state; the message is for the person."""


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_person(
    *,
    actor: User,
    email: str,
    full_name: str = "",
    roles: list[str],
    councillor: Councillor | None = None,
) -> Invitation:
    """Invite someone by email: a single-use link, valid for INVITATION_VALID_DAYS days,
    to set a password. Any earlier unused invitation to the same address is revoked."""
    email = email.strip().lower()
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise DomainError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if not roles:
        raise DomainError("Choose at least one role.")
    if User.objects.filter(email__iexact=email, is_active=True).exclude(password__startswith="!").exists():
        raise DomainError(f"{email} already has an account. They can reset their password from the sign-in page.")
    if councillor is not None:
        councillor = Councillor.objects.select_for_update().get(pk=councillor.pk)
        if councillor.user_id and councillor.user.email != email:
            raise DomainError(f"{councillor} is already linked to the account {councillor.user.email}.")
    now = timezone.now()
    Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        roles=sorted(set(roles)),
        councillor=councillor,
        token_hash=_hash_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    send_templated_email(
        to=email,
        template="invitation",
        key=f"invitation:{invitation.pk}",
        context={
            "invitation": invitation,
            "role_names": [Role(r).label for r in invitation.roles],
            "accept_url": settings.SITE_URL + reverse("council:accept_invitation", args=[token]),
            "inviter": actor,
        },
    )
    log_action(actor=actor, action="invitation.sent", obj=invitation, summary=f"Invited {email}", roles=roles)
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token names, whether or not it can still be used."""
    return Invitation.objects.filter(token_hash=_hash_token(token)).select_related("councillor").first()


@transaction.atomic
def accept_invitation(*, token: str, password: str, full_name: str = "") -> User:
    """Create (or reactivate) the account, give it the invited roles, link the
    councillor, and use up the invitation."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=_hash_token(token)).first()
    if invitation is None or not invitation.is_usable:
        raise DomainError(
            "This invitation link has expired or has already been used. Ask Member Services for a new one."
        )
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email)
    user.full_name = full_name.strip() or invitation.full_name or user.full_name
    user.is_active = True
    user.set_password(password)
    if Role.ADMINISTRATOR in invitation.roles:
        user.is_staff = True
    user.save()
    user.groups.add(*Group.objects.filter(name__in=invitation.roles))
    if invitation.councillor_id:
        Councillor.objects.filter(pk=invitation.councillor_id).update(user=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    log_action(actor=user, action="invitation.accepted", obj=invitation, summary=f"{user.email} joined")
    return user


def expire_invitations() -> int:
    """Revoke invitations past their expiry so the list shows them as expired."""
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=timezone.now())
