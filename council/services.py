"""State changes in the who's-who domain. Each is one function, one transaction,
with an audit entry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import log_action
from .models import (
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    Invitation,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)
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
    if councillor is not None and Role.COUNCILLOR not in roles:
        raise DomainError("An invitation for a councillor must include the Councillor role.")
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


INVITATION_UNUSABLE = "This invitation link has expired or has already been used. Ask Member Services for a new one."


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token names, whether or not it can still be used."""
    return Invitation.objects.filter(token_hash=_hash_token(token)).select_related("councillor").first()


@transaction.atomic
def accept_invitation(*, token: str, password: str, full_name: str = "") -> User:
    """Create (or reactivate) the account, give it exactly the invited roles, link
    the councillor, and use up the invitation. The caller validates the password."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=_hash_token(token)).first()
    if invitation is None or not invitation.is_usable:
        raise DomainError(INVITATION_UNUSABLE)
    user = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if user is not None and user.is_active and user.has_usable_password():
        # Someone set up this account since the invitation went out: the link must
        # not become a way to overwrite their password.
        raise DomainError(INVITATION_UNUSABLE)
    councillor = None
    if invitation.councillor_id:
        councillor = Councillor.objects.select_for_update().get(pk=invitation.councillor_id)
        if councillor.user_id and (user is None or councillor.user_id != user.pk):
            raise DomainError(f"{councillor} is already linked to another account. Ask Member Services for help.")
        if user is not None and Councillor.objects.filter(user=user).exclude(pk=councillor.pk).exists():
            raise DomainError("Your account is already linked to another councillor. Ask Member Services for help.")
    if user is None:
        user = User(email=invitation.email)
    user.full_name = full_name.strip() or invitation.full_name or user.full_name
    user.is_active = True
    user.is_staff = Role.ADMINISTRATOR in invitation.roles
    user.set_password(password)
    user.save()
    # Following the emailed link proves the address, so allauth treats it as verified
    # (it refuses to set up two-factor authentication for an unverified address).
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    # Exactly the invited roles: a returning person does not keep roles they held before.
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name__in=invitation.roles))
    user.groups.add(*Group.objects.filter(name__in=invitation.roles))
    if councillor is not None and councillor.user_id != user.pk:
        councillor.user = user
        councillor.save(update_fields=["user", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    log_action(
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        summary=f"{user.email} joined",
        roles=invitation.roles,
        councillor=invitation.councillor_id,
    )
    return user


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Stop an invitation's link from working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(f"The invitation to {invitation.email} has already been accepted.")
    if invitation.revoked_at is not None or invitation.expires_at <= timezone.now():
        raise DomainError(f"The invitation to {invitation.email} no longer works.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_action(
        actor=actor,
        action="invitation.revoked",
        obj=invitation,
        summary=f"Revoked the invitation to {invitation.email}",
    )
    return invitation


def resend_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a fresh link with the same details; the old link stops working."""
    if invitation.accepted_at is not None:
        raise DomainError(f"The invitation to {invitation.email} has already been accepted.")
    return invite_person(
        actor=actor,
        email=invitation.email,
        full_name=invitation.full_name,
        roles=list(invitation.roles),
        councillor=invitation.councillor,
    )


@transaction.atomic
def expire_invitations() -> int:
    """Close invitations past their expiry (``revoked_at`` at or after ``expires_at``
    means "expired", not "revoked"). Their links already stopped working at expiry."""
    now = timezone.now()
    count = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now).update(
        revoked_at=now
    )
    if count:
        log_action(actor=None, action="invitation.expired", summary=f"{count} invitation(s) expired", count=count)
    return count


# --- The councillor directory ------------------------------------------------


def _check_belongs_to_authority(
    *,
    authority: Authority,
    ward: Ward | None,
    political_group: PoliticalGroup | None,
    committees: list[Committee],
    member_services_contact: User | None,
) -> None:
    """A councillor's ward, group and committees must be their own authority's."""
    if ward is not None and ward.authority_id != authority.pk:
        raise DomainError(f"The ward {ward.name} does not belong to {authority.name}.")
    if political_group is not None and political_group.authority_id != authority.pk:
        raise DomainError(f"The political group {political_group.name} does not belong to {authority.name}.")
    wrong = [c.name for c in committees if c.authority_id != authority.pk]
    if wrong:
        raise DomainError(f"These committees do not belong to {authority.name}: {', '.join(sorted(wrong))}.")
    if (
        member_services_contact is not None
        and not member_services_contact.groups.filter(name=Role.MEMBER_SERVICES).exists()
    ):
        raise DomainError(f"{member_services_contact} does not work in Member Services.")


def _save_latest_term(councillor: Councillor, start_date: date, end_date: date | None) -> dict[str, str] | None:
    """Create the councillor's term, or change their most recent one. Returns what changed, if anything."""
    if end_date is not None and end_date <= start_date:
        raise DomainError("The end of the term must be after its start.")
    term = TermOfOffice.objects.select_for_update().filter(councillor=councillor).order_by("-start_date").first()
    clash = TermOfOffice.objects.filter(councillor=councillor, start_date=start_date)
    if term is not None:
        clash = clash.exclude(pk=term.pk)
    if clash.exists():
        raise DomainError(f"{councillor} already has a term starting on {start_date:%d %B %Y}.")
    if term is None:
        TermOfOffice.objects.create(councillor=councillor, start_date=start_date, end_date=end_date)
        return {"term": f"from {start_date.isoformat()} to {end_date.isoformat() if end_date else 'not set'}"}
    if (term.start_date, term.end_date) == (start_date, end_date):
        return None
    before = str(term)
    term.start_date, term.end_date = start_date, end_date
    term.save(update_fields=["start_date", "end_date"])
    return {"term": f"{before} → {term}"}


def _apply_memberships(councillor: Councillor, committees: list[Committee]) -> tuple[list[str], list[str]]:
    """Make the councillor a member of exactly ``committees``, keeping the position
    (chair, substitute…) of memberships they already had. Returns (joined, left) names."""
    current = {m.committee_id: m for m in councillor.committee_memberships.select_related("committee")}
    wanted = {c.pk: c for c in committees}
    joined = [wanted[pk] for pk in wanted.keys() - current.keys()]
    left = [current[pk] for pk in current.keys() - wanted.keys()]
    CommitteeMembership.objects.bulk_create(
        CommitteeMembership(committee=committee, councillor=councillor) for committee in joined
    )
    CommitteeMembership.objects.filter(pk__in=[m.pk for m in left]).delete()
    return sorted(c.name for c in joined), sorted(m.committee.name for m in left)


@transaction.atomic
def create_councillor(
    *,
    actor: User,
    name: str,
    authority: Authority,
    ward: Ward | None = None,
    political_group: PoliticalGroup | None = None,
    email: str = "",
    is_active: bool = True,
    member_services_contact: User | None = None,
    term_start: date | None = None,
    term_end: date | None = None,
    committees: list[Committee] | tuple[Committee, ...] = (),
) -> Councillor:
    """Add a councillor to the directory, with their term of office and committees."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("Enter the councillor's full name.")
    committees = list(committees)
    _check_belongs_to_authority(
        authority=authority,
        ward=ward,
        political_group=political_group,
        committees=committees,
        member_services_contact=member_services_contact,
    )
    councillor = Councillor.objects.create(
        name=name,
        authority=authority,
        ward=ward,
        political_group=political_group,
        email=email.strip().lower(),
        is_active=is_active,
        member_services_contact=member_services_contact,
    )
    if term_start is not None:
        _save_latest_term(councillor, term_start, term_end)
    joined, _ = _apply_memberships(councillor, committees)
    log_action(
        actor=actor,
        action="councillor.created",
        obj=councillor,
        summary=f"Added {councillor} ({authority.name})",
        committees=joined,
    )
    return councillor


# The fields update_councillor may change, and how each appears in the audit entry.
_DIRECTORY_FIELDS = ("name", "authority", "ward", "political_group", "email", "is_active", "member_services_contact")


def _audit_value(value) -> str | bool | None:
    return value if value is None or isinstance(value, bool | str) else str(value)


@transaction.atomic
def update_councillor(
    *,
    actor: User,
    councillor: Councillor,
    name: str,
    authority: Authority,
    ward: Ward | None = None,
    political_group: PoliticalGroup | None = None,
    email: str = "",
    is_active: bool = True,
    member_services_contact: User | None = None,
    term_start: date | None = None,
    term_end: date | None = None,
    committees: list[Committee] | tuple[Committee, ...] = (),
) -> Councillor:
    """Change a councillor's details, their most recent term and their committees.
    Writes one audit entry listing what changed (none if nothing did)."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("Enter the councillor's full name.")
    committees = list(committees)
    _check_belongs_to_authority(
        authority=authority,
        ward=ward,
        political_group=political_group,
        committees=committees,
        member_services_contact=member_services_contact,
    )
    councillor = Councillor.objects.select_for_update().get(pk=councillor.pk)
    new_values = {
        "name": name,
        "authority": authority,
        "ward": ward,
        "political_group": political_group,
        "email": email.strip().lower(),
        "is_active": is_active,
        "member_services_contact": member_services_contact,
    }
    changes: dict[str, object] = {}
    for field in _DIRECTORY_FIELDS:
        before, after = getattr(councillor, field), new_values[field]
        if before != after:
            changes[field] = [_audit_value(before), _audit_value(after)]
            setattr(councillor, field, after)
    if changes:
        councillor.save()
    if term_start is not None and (term_change := _save_latest_term(councillor, term_start, term_end)):
        changes.update(term_change)
    joined, left = _apply_memberships(councillor, committees)
    if joined:
        changes["joined_committees"] = joined
    if left:
        changes["left_committees"] = left
    if changes:
        log_action(
            actor=actor,
            action="councillor.updated",
            obj=councillor,
            summary=f"Changed {councillor}: {', '.join(changes)}",
            changes=changes,
        )
    return councillor


@transaction.atomic
def set_term_of_office(*, actor: User, councillor: Councillor, start_date: date, end_date: date | None) -> Councillor:
    """Set the dates of a councillor's most recent term (creating it if they have none)."""
    councillor = Councillor.objects.select_for_update().get(pk=councillor.pk)
    change = _save_latest_term(councillor, start_date, end_date)
    if change:
        log_action(actor=actor, action="councillor.term_changed", obj=councillor, summary=change["term"], **change)
    return councillor


@transaction.atomic
def set_committee_memberships(*, actor: User, councillor: Councillor, committees: list[Committee]) -> Councillor:
    """Make the councillor a member of exactly these committees of their authority."""
    councillor = Councillor.objects.select_for_update().select_related("authority").get(pk=councillor.pk)
    committees = list(committees)
    wrong = [c.name for c in committees if c.authority_id != councillor.authority_id]
    if wrong:
        raise DomainError(f"These committees do not belong to {councillor.authority.name}: {', '.join(sorted(wrong))}.")
    joined, left = _apply_memberships(councillor, committees)
    if joined or left:
        log_action(
            actor=actor,
            action="councillor.committees_changed",
            obj=councillor,
            summary=f"{councillor}: joined {', '.join(joined) or 'none'}; left {', '.join(left) or 'none'}",
            joined=joined,
            left=left,
        )
    return councillor
