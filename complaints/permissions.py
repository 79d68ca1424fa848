"""Who may see a complaint. Views fetch cases only through these helpers."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from council.roles import Role, user_roles

from .models import Complaint, Conflict, Stage

CASE_OFFICERS = {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER}


def cases_for(user) -> QuerySet[Complaint]:
    """The submitted complaints ``user`` may work on: the Monitoring Officer and deputies of
    the principal authority, and the Independent Persons assigned; never a conflicted person."""
    roles = user_roles(user)
    if not roles & (CASE_OFFICERS | {Role.INDEPENDENT_PERSON}):
        return Complaint.objects.none()
    cases = Complaint.objects.exclude(stage=Stage.DRAFT)
    # An officer with no authority serves every authority: no filter at all. (``Q(pk__in=[]) | Q()``
    # would match nothing, because OR-ing an empty Q keeps the other side unchanged.)
    if not (roles & CASE_OFFICERS and user.authority_id is None):
        visible = Q()
        if roles & CASE_OFFICERS:
            visible |= Q(principal_authority_id=user.authority_id)
        if Role.INDEPENDENT_PERSON in roles:
            # Subqueries rather than joins, so no row repeats and no DISTINCT is needed: the queue
            # can then walk the (principal_authority, stage, due_date) index in order.
            assigned = Complaint.independent_persons.through.objects.filter(user_id=user.pk)
            visible |= Q(pk__in=assigned.values("complaint_id"))
        cases = cases.filter(visible)
    return cases.exclude(pk__in=Conflict.objects.filter(user_id=user.pk).values("complaint_id"))


def is_case_officer(user) -> bool:
    return bool(user_roles(user) & CASE_OFFICERS)


def get_case_for_user(user, pk: int) -> Complaint:
    """The case, or 404 (not 403: a guessed id must not reveal that a case exists)."""
    complaint = cases_for(user).filter(pk=pk).first()
    if complaint is None:
        raise Http404("No such case.")
    return complaint


def councillor_cases_for(user) -> QuerySet[Complaint]:
    """Complaints about the signed-in councillor that they have been told about."""
    councillor = getattr(user, "councillor", None)
    if councillor is None or Role.COUNCILLOR not in user_roles(user):
        return Complaint.objects.none()
    return cases_told_to(councillor)


def cases_told_to(councillor) -> QuerySet[Complaint]:
    """Complaints about ``councillor`` that they have been told about. Not a check in itself:
    the caller has made sure ``councillor`` is the signed-in councillor's own record."""
    return Complaint.objects.filter(councillors=councillor, councillor_notified_at__isnull=False)
