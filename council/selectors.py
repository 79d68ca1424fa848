"""Read queries for the councillor directory. Each list query has a fixed number
of database round trips, whatever the number of councillors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Authority, CommitteeMembership, Councillor, Invitation, User
from .roles import Role


def _usable_invitations():
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


@dataclass(frozen=True)
class CouncillorFilters:
    """What the person asked the list for; ``None`` means "any"."""

    q: str = ""
    authority: Authority | None = None
    ward_id: int | None = None
    political_group_id: int | None = None
    active: bool | None = None
    has_account: bool | None = None


# People write "Cllr Smith" when they mean Smith: the stored name has no title.
_TITLES = ("councillor ", "cllr. ", "cllr ")


def _search_terms(q: str) -> str:
    q = " ".join(q.split())
    lowered = q.lower()
    for title in _TITLES:
        if lowered.startswith(title):
            return q[len(title) :]
    return q


def search_councillors(filters: CouncillorFilters) -> QuerySet[Councillor]:
    """Councillors matching ``filters``, with everything the list shows joined in."""
    qs = Councillor.objects.for_lists().annotate(
        has_pending_invitation=Exists(_usable_invitations().filter(councillor=OuterRef("pk")))
    )
    if q := _search_terms(filters.q):
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(user__email__icontains=q))
    if filters.authority is not None:
        qs = qs.filter(authority=filters.authority)
    if filters.ward_id is not None:
        qs = qs.filter(ward_id=filters.ward_id)
    if filters.political_group_id is not None:
        qs = qs.filter(political_group_id=filters.political_group_id)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.has_account is not None:
        qs = qs.filter(user__isnull=not filters.has_account)
    return qs.order_by("name", "pk")


def get_councillor_for_profile(pk: int) -> Councillor:
    """One councillor with terms, committees and the latest usable invitation, or 404."""
    councillor = (
        Councillor.objects.select_related(
            "authority__principal", "ward", "political_group", "user", "member_services_contact"
        )
        .prefetch_related(
            "terms",
            Prefetch(
                "committee_memberships",
                queryset=CommitteeMembership.objects.select_related("committee").order_by("committee__name"),
            ),
            Prefetch("invitations", queryset=_usable_invitations(), to_attr="usable_invitations"),
        )
        .filter(pk=pk)
        .first()
    )
    if councillor is None:
        raise Http404("No councillor with that number.")
    return councillor


def councillor_for_user(user) -> Councillor | None:
    """The councillor record linked to a portal account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Councillor.objects.select_related("authority", "ward", "political_group").filter(user=user).first()


_NOT_FETCHED = object()


def councillor_for_request(request) -> Councillor | None:
    """``councillor_for_user(request.user)``, fetched once per request: the home page's panels
    (council's, the protocol's, training's, complaints') each need it. Only for pages that
    read; after a change to who is linked, call ``councillor_for_user``."""
    councillor = getattr(request, "_council_councillor", _NOT_FETCHED)
    if councillor is _NOT_FETCHED:
        councillor = request._council_councillor = councillor_for_user(request.user)
    return councillor


def directory_summary() -> dict[str, int]:
    """Counts for Member Services' home panel, in one query."""
    return Councillor.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        active_without_account=Count("pk", filter=Q(is_active=True, user__isnull=True)),
    )


def holders_of(*roles: str) -> QuerySet[User]:
    """Active people holding any of ``roles``: who a notice or reminder goes to."""
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()


def member_services_staff() -> QuerySet[User]:
    """Active people holding the Member Services role: who may be a councillor's contact."""
    return holders_of(Role.MEMBER_SERVICES).order_by("full_name")
