"""Who may see a complaint. Views fetch cases only through these helpers."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from council.roles import Role, user_roles

from .models import Complaint, Stage

CASE_OFFICERS = {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER}


def cases_for(user) -> QuerySet[Complaint]:
    """The submitted complaints ``user`` may work on: the Monitoring Officer and deputies of
    the principal authority, and the Independent Persons assigned; never a conflicted person."""
    roles = user_roles(user)
    if not roles & (CASE_OFFICERS | {Role.INDEPENDENT_PERSON}):
        return Complaint.objects.none()
    visible = Q(pk__in=[])
    if roles & CASE_OFFICERS:
        visible |= Q() if user.authority_id is None else Q(principal_authority_id=user.authority_id)
    if Role.INDEPENDENT_PERSON in roles:
        visible |= Q(independent_persons=user)
    return Complaint.objects.exclude(stage=Stage.DRAFT).filter(visible).exclude(conflicts__user=user).distinct()


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
    return Complaint.objects.filter(councillors=councillor, councillor_notified_at__isnull=False)
