"""Read-only queries for the Monitoring Officer's pages: the triage queue, the case page,
the home panel and the councillor's own view. Every list is built so that its number of
queries does not grow with the number of cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from council.models import Authority, CommitteeMembership, Councillor, User
from council.roles import Role, user_roles
from council.selectors import holders_of
from council.workdays import add_working_days, working_days_between
from protocol.models import Acknowledgement, Version
from protocol.services import DEFAULT_PROTOCOL_SLUG

from .models import OPEN_STAGES, Complaint, Conflict, Evidence, IPConsultation, Stage, TimelineEntry
from .permissions import CASE_OFFICERS, cases_for, councillor_cases_for

QUEUE_PAGE_SIZE = 25
DUE_SOON_WORKING_DAYS = 3

STAGE_TAGS: dict[str, str] = {
    Stage.RECEIVED: "govuk-tag--blue",
    Stage.ACKNOWLEDGED: "govuk-tag--light-blue",
    Stage.ASSESSMENT: "govuk-tag--purple",
    Stage.AWAITING_INFORMATION: "govuk-tag--yellow",
    Stage.NO_FURTHER_ACTION: "govuk-tag--grey",
    Stage.INFORMAL_RESOLUTION: "govuk-tag--turquoise",
    Stage.INVESTIGATION: "govuk-tag--orange",
    Stage.HEARING: "govuk-tag--pink",
    Stage.DECISION: "govuk-tag--green",
    Stage.CLOSED: "govuk-tag--grey",
    Stage.WITHDRAWN: "govuk-tag--grey",
}


def stage_tag(stage: str) -> str:
    return STAGE_TAGS.get(stage, "govuk-tag--grey")


# --- Deadlines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Where a case stands against its next statutory deadline, in working days."""

    state: str  # "due", "overdue", "paused" or "none"
    due_date: date | None = None
    due_for: str = ""
    days_left: int | None = None

    @property
    def label(self) -> str:
        if self.state == "paused":
            return "Clock paused"
        if self.state == "none":
            return "No deadline"
        if self.state == "overdue":
            late = -(self.days_left or 0)
            if late <= 0:
                return "Overdue"
            return f"Overdue by {late} working day{'s' if late != 1 else ''}"
        if self.days_left == 0:
            return "Due today"
        return f"{self.days_left} working day{'s' if self.days_left != 1 else ''} left"

    @property
    def tag_class(self) -> str:
        if self.state == "overdue":
            return "govuk-tag--red"
        if self.state == "paused":
            return "govuk-tag--yellow"
        if self.state == "due" and (self.days_left or 0) <= DUE_SOON_WORKING_DAYS:
            return "govuk-tag--orange"
        return "govuk-tag--grey"


def deadline_for(complaint: Complaint, today: date | None = None) -> Deadline:
    """The next deadline of a case from its stored ``due_date`` (no query)."""
    if complaint.stage == Stage.AWAITING_INFORMATION:
        return Deadline("paused")
    if complaint.due_date is None or not complaint.is_open:
        return Deadline("none")
    today = today or timezone.localdate()
    days = working_days_between(today, complaint.due_date)
    state = "overdue" if complaint.due_date < today else "due"
    return Deadline(state, complaint.due_date, complaint.due_for, days)


# --- The triage queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    stage: str = ""
    authority: Authority | None = None
    status: str = "open"  # "open", "closed" or "all"; ignored when a stage is chosen


def queue_for(user, filters: QueueFilters | None = None) -> QuerySet[Complaint]:
    """The cases ``user`` may work on, overdue first, then soonest due; paused and
    undated cases last. Rows carry their councillors (with council) and Independent
    Persons, fetched in one query each whatever the number of rows."""
    filters = filters or QueueFilters()
    cases = cases_for(user)
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    elif filters.status == "open":
        cases = cases.filter(stage__in=OPEN_STAGES)
    elif filters.status == "closed":
        cases = cases.exclude(stage__in=OPEN_STAGES)
    if filters.authority is not None:
        cases = cases.filter(principal_authority=filters.authority)
    return (
        cases.select_related("principal_authority")
        # The queue shows none of the complaint's text: leave it in the database.
        .defer(
            "complainant_address", "acting_reasons", "outcome_sought", "confidentiality_reasons", "complainant_phone"
        )
        .prefetch_related(
            Prefetch("councillors", queryset=Councillor.objects.select_related("authority").order_by("name")),
            Prefetch("independent_persons", queryset=User.objects.order_by("full_name", "email")),
        )
        # Overdue cases have the earliest dates, so one ascending sort puts them first.
        .order_by(F("due_date").asc(nulls_last=True), "received_at", "pk")
    )


def annotate_rows(cases: list[Complaint], today: date | None = None) -> list[Complaint]:
    """Attach each row's deadline and stage tag for the template."""
    today = today or timezone.localdate()
    for complaint in cases:
        complaint.deadline = deadline_for(complaint, today)
        complaint.stage_tag = stage_tag(complaint.stage)
    return cases


def authority_choices() -> QuerySet[Authority]:
    return Authority.objects.filter(kind=Authority.Kind.PRINCIPAL).order_by("name")


def shows_authority_filter(user) -> bool:
    """Only an officer serving every authority needs to choose one."""
    return bool(user_roles(user) & CASE_OFFICERS) and user.authority_id is None


def queue_summary(user, today: date | None = None) -> dict[str, int]:
    """Counts for the home panel, in one query."""
    today = today or timezone.localdate()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    return (
        cases_for(user)
        .filter(stage__in=OPEN_STAGES)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
        )
    )


# --- The case page --------------------------------------------------------------------------------


def case_detail(user, pk: int) -> Complaint:
    """A case with everything its page shows, or 404 for anyone who may not see it
    (the same rule as ``permissions.get_case_for_user``). A fixed number of queries."""
    councillors = Councillor.objects.select_related("authority", "ward", "political_group").prefetch_related(
        Prefetch(
            "committee_memberships",
            queryset=CommitteeMembership.objects.select_related("committee").order_by("committee__name"),
        )
    )
    complaint = (
        cases_for(user)
        .select_related("principal_authority", "decision")
        .prefetch_related(
            Prefetch("councillors", queryset=councillors.order_by("name")),
            "headings",
            "legal_concerns",
            "posts",
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
            Prefetch("timeline", queryset=TimelineEntry.objects.select_related("actor")),
            Prefetch("ip_consultations", queryset=IPConsultation.objects.select_related("independent_person")),
            Prefetch("conflicts", queryset=Conflict.objects.select_related("user", "recorded_by")),
        )
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404("No such case.")
    _mark_links(complaint)
    return complaint


def safe_link(url: str) -> str:
    """The post's address if it is a web address; anything else (javascript:, data:) is shown as text only."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def _mark_links(complaint: Complaint) -> None:
    for post in complaint.posts.all():
        post.safe_url = safe_link(post.url)


def visible_timeline(complaint: Complaint, user) -> list[TimelineEntry]:
    """Officers see every entry; an Independent Person sees all but the officers' internal notes."""
    entries = list(complaint.timeline.all())
    if user_roles(user) & CASE_OFFICERS:
        return entries
    return [e for e in entries if e.kind != TimelineEntry.Kind.NOTE]


def people_for_case(complaint: Complaint, roles: set[str]) -> QuerySet[User]:
    """Active holders of ``roles`` serving the case's authority, not conflicted on it."""
    return (
        holders_of(*roles)
        .filter(Q(authority__isnull=True) | Q(authority_id=complaint.principal_authority_id))
        .exclude(pk__in=Conflict.objects.filter(complaint=complaint).values("user_id"))
        .distinct()
        .order_by("full_name", "email")
    )


def independent_person_choices(complaint: Complaint) -> QuerySet[User]:
    assigned = complaint.independent_persons.through.objects.filter(complaint=complaint).values("user_id")
    return people_for_case(complaint, {Role.INDEPENDENT_PERSON}).exclude(pk__in=assigned)


def conflict_choices(complaint: Complaint) -> QuerySet[User]:
    return people_for_case(
        complaint, {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, Role.INDEPENDENT_PERSON}
    )


# --- The councillor's protocol acknowledgement at the date of a post ------------------------------


@dataclass(frozen=True)
class ProtocolStatus:
    state: str  # "acknowledged", "not_acknowledged", "no_protocol" or "unknown_date"
    version: Version | None = None
    acknowledged_at: datetime | None = None

    @property
    def label(self) -> str:
        if self.state == "acknowledged":
            return f"Acknowledged on {timezone.localtime(self.acknowledged_at):%-d %B %Y}"
        return {
            "not_acknowledged": "Not acknowledged",
            "no_protocol": "No protocol in force",
            "unknown_date": "Date of the post not known",
        }[self.state]

    @property
    def tag_class(self) -> str:
        return {"acknowledged": "govuk-tag--green", "not_acknowledged": "govuk-tag--red"}.get(
            self.state, "govuk-tag--grey"
        )


def _in_force_at(versions: list[Version], moment: datetime) -> Version | None:
    for version in versions:
        if version.published_at <= moment and (version.superseded_at is None or version.superseded_at > moment):
            return version
    return None


def protocol_statuses(complaint: Complaint) -> dict[int, list[tuple[object, ProtocolStatus]]]:
    """For each councillor (by pk): for each post, whether they had acknowledged the protocol
    version in force on the date of the post (or the material version it carries over from)
    before posting. Two queries whatever the number of councillors and posts."""
    councillors = list(complaint.councillors.all())
    posts = list(complaint.posts.all())
    versions = list(
        Version.objects.filter(protocol__slug=DEFAULT_PROTOCOL_SLUG, published_at__isnull=False).order_by(
            "-published_at"
        )
    )
    acknowledgements = list(
        Acknowledgement.objects.filter(councillor__in=[c.pk for c in councillors])
        .select_related("version")
        .order_by("acknowledged_at")
    )
    result: dict[int, list[tuple[object, ProtocolStatus]]] = {}
    for councillor in councillors:
        own = [a for a in acknowledgements if a.councillor_id == councillor.pk]
        result[councillor.pk] = [(post, _status_at(post.posted_at, versions, own)) for post in posts]
    return result


def _status_at(moment: datetime | None, versions: list[Version], acks: list[Acknowledgement]) -> ProtocolStatus:
    if moment is None:
        return ProtocolStatus("unknown_date")
    version = _in_force_at(versions, moment)
    if version is None:
        return ProtocolStatus("no_protocol")
    basis = version.basis_id or version.pk
    for ack in acks:  # oldest first
        covers = ack.version_id in (version.pk, basis) or ack.version.basis_id == basis
        if covers and ack.acknowledged_at <= moment:
            return ProtocolStatus("acknowledged", version, ack.acknowledged_at)
    return ProtocolStatus("not_acknowledged", version)


# --- The councillor's own view --------------------------------------------------------------------


def councillor_case_list(user) -> QuerySet[Complaint]:
    return councillor_cases_for(user).order_by("-councillor_notified_at", "-pk")


def councillor_case(user, pk: int) -> Complaint:
    """A complaint about the signed-in councillor, with only what has been disclosed to them."""
    complaint = (
        councillor_cases_for(user)
        .prefetch_related(
            "posts",
            "headings",
            Prefetch("timeline", queryset=TimelineEntry.objects.filter(visible_to_councillor=True)),
        )
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    _mark_links(complaint)
    return complaint


def identity_withheld(complaint: Complaint) -> bool:
    """Whether the complainant's name is kept from the councillor: when the Monitoring Officer
    granted confidentiality, and while a request for it is still undecided."""
    if complaint.confidentiality_granted is None:
        return complaint.confidentiality_requested
    return complaint.confidentiality_granted
