"""The case workflow: every action against every stage for every kind of actor, working-day
deadlines across bank holidays and paused time, and the triage queue's order and query count."""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from complaints import services
from complaints.models import Complaint, IPConsultation, Post, Stage
from complaints.workflow import ACTIONS, COMPLAINANT
from council.roles import Role
from council.services import DomainError
from council.workdays import add_working_days
from tests.factories import AuthorityFactory, CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

SUBMITTED_STAGES = [stage for stage in Stage.values if stage != Stage.DRAFT]
# Stages a case reaches only after the councillor has been told (at the initial assessment).
_TOLD_STAGES = set(SUBMITTED_STAGES) - {Stage.RECEIVED, Stage.ACKNOWLEDGED}


# --- Helpers shared by the complaints case-work tests ---------------------------------------------


def make_case(
    *,
    stage: str = Stage.RECEIVED,
    councillor=None,
    authority=None,
    received_at: datetime | None = None,
    posted_at: datetime | None = None,
    **fields,
) -> Complaint:
    """A submitted complaint at ``stage``, built directly (as the services would leave it)."""
    councillor = councillor or CouncillorFactory(authority=authority or AuthorityFactory())
    now = received_at or timezone.now()
    values = {
        "principal_authority": councillor.authority.principal_authority,
        "stage": stage,
        "complainant_name": "Pat Complainant",
        "complainant_email": "pat.complainant@example.com",
        "complainant_phone": "01234 567890",
        "complainant_type": Complaint.ComplainantType.PUBLIC,
        "acting_as_councillor": Complaint.ActingAsCouncillor.YES,
        "outcome_sought": "An apology",
        "received_at": now,
        "email_confirmed_at": now,
    }
    if stage == Stage.AWAITING_INFORMATION:
        values.update(resume_stage=Stage.ASSESSMENT, paused_since=timezone.localdate(now))
    if stage in _TOLD_STAGES:
        values["councillor_notified_at"] = now
    if stage in (Stage.INVESTIGATION, Stage.HEARING, Stage.DECISION, Stage.NO_FURTHER_ACTION):
        values["assessed_at"] = now
    if stage in (Stage.DECISION, Stage.CLOSED):
        values["decided_at"] = now
    values.update(fields)
    complaint = Complaint.objects.create(**values)
    complaint.reference = f"CC-{now:%Y}-{complaint.pk:05d}"
    services._refresh_deadline(complaint)
    complaint.save()
    complaint.councillors.add(councillor)
    Post.objects.create(
        complaint=complaint,
        platform="Facebook",
        url="https://www.facebook.com/posts/1",
        posted_at=posted_at or now - timedelta(days=2),
        content="Something the councillor said.",
    )
    return complaint


def give_ip_view(complaint: Complaint, person=None) -> IPConsultation:
    person = person or make_user(Role.INDEPENDENT_PERSON)
    consultation = services.assign_independent_person(actor=None, complaint=complaint, person=person)
    return services.record_ip_view(actor=person, consultation=consultation, view="No breach in my view.")


def sign_in(client, user) -> None:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def transition_url(complaint: Complaint, action: str) -> str:
    return reverse("complaints:case_transition", args=[complaint.pk, action])


# --- The (stage, action, role) table ---------------------------------------------------------------

ACTORS = [
    Role.MONITORING_OFFICER,
    Role.DEPUTY_MONITORING_OFFICER,
    Role.INDEPENDENT_PERSON,
    Role.MEMBER_SERVICES,
    COMPLAINANT,
]


def _allowed(stage: str, action: str, actor: str) -> bool:
    rule = ACTIONS[action]
    return stage in rule.sources and actor in rule.actors


TABLE = [
    pytest.param(stage, action, actor, _allowed(stage, action, actor), id=f"{stage}-{action}-{actor}")
    for stage in SUBMITTED_STAGES
    for action in ACTIONS
    for actor in ACTORS
]


def test_the_table_allows_something_for_each_actor_that_should_act():
    allowed = {actor for _, _, actor, ok in (p.values for p in TABLE) if ok}
    assert allowed == {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, COMPLAINANT}


def _attempt(client, complaint: Complaint, action: str, actor: str) -> None:
    """Try the action as the user would: officers and others through the case page's
    confirmation form, the complainant through the service their private link calls."""
    if actor == COMPLAINANT:
        with contextlib.suppress(DomainError):
            services.transition(
                actor=None, complaint=complaint, action=action, reason="Changed my mind", as_complainant=True
            )
        return
    user = make_user(actor)
    if actor == Role.INDEPENDENT_PERSON:
        complaint.independent_persons.add(user)  # assigned, so the case is visible to them
    sign_in(client, user)
    if action == "record_decision" and actor in (Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER):
        # The decision has its own page (findings, reasons, sanctions); the button leads there.
        response = client.post(transition_url(complaint, action), {"reason": "Because"})
        assert response.status_code == 302
        assert response["Location"] == reverse("complaints:case_decision", args=[complaint.pk])
        give_ip_view(complaint)
        with contextlib.suppress(DomainError):
            services.record_decision(
                actor=user,
                complaint=complaint,
                finding="no_breach",
                findings="Facts.",
                reasons="Reasons.",
                sanctions=[],
            )
        return
    response = client.post(transition_url(complaint, action), {"reason": "Because"})
    if actor in (Role.INDEPENDENT_PERSON, Role.MEMBER_SERVICES):
        assert response.status_code == 403
    elif response.status_code == 200:
        # Refused: the error is shown in the error summary.
        assert "govuk-error-summary" in response.content.decode()
    else:
        assert response.status_code == 302


@pytest.mark.parametrize(("stage", "action", "actor", "allowed"), TABLE)
def test_workflow_table(client, stage, action, actor, allowed):
    complaint = make_case(stage=stage)
    _attempt(client, complaint, action, actor)
    complaint.refresh_from_db()
    rule = ACTIONS[action]
    if allowed:
        assert complaint.stage == (rule.target or Stage.ASSESSMENT)
        assert complaint.timeline.filter(kind="transition", from_stage=stage, to_stage=complaint.stage).exists()
    else:
        assert complaint.stage == stage
        assert not complaint.timeline.filter(kind="transition").exists()


def test_an_action_needing_a_reason_is_refused_without_one(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    response = client.post(transition_url(complaint, "no_further_action"), {"reason": "  "})
    assert response.status_code == 200
    assert "Enter the reason" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.stage == Stage.ASSESSMENT


def test_a_refused_action_shows_why_and_changes_nothing(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.RECEIVED)
    response = client.post(transition_url(complaint, "close"), {"reason": "Done"})
    assert response.status_code == 200
    assert "cannot close the case" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.stage == Stage.RECEIVED


def test_the_confirmation_page_asks_for_the_reason(client, login):
    login(Role.DEPUTY_MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    page = client.get(transition_url(complaint, "refer_for_investigation")).content.decode()
    assert '<h1 class="govuk-heading-xl">Refer for investigation</h1>' in page
    assert 'name="reason"' in page


def test_an_unknown_action_is_not_found(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()
    assert client.get(transition_url(complaint, "suspend")).status_code == 404


def test_record_decision_is_refused_without_an_independent_persons_view(login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.HEARING)
    with pytest.raises(DomainError, match="Independent Person's view"):
        services.record_decision(
            actor=officer, complaint=complaint, finding="no_breach", findings="Facts.", reasons="Reasons.", sanctions=[]
        )
    with pytest.raises(DomainError, match="Independent Person's view"):
        services.transition(actor=officer, complaint=complaint, action="record_decision", reason="")
    # A view asked for but not yet given does not count either.
    services.assign_independent_person(actor=officer, complaint=complaint, person=make_user(Role.INDEPENDENT_PERSON))
    with pytest.raises(DomainError):
        services.transition(actor=officer, complaint=complaint, action="record_decision", reason="")
    complaint.refresh_from_db()
    assert complaint.stage == Stage.HEARING
    assert not hasattr(complaint, "decision")


# --- Working-day deadlines -------------------------------------------------------------------------


def _submitted(councillor=None) -> Complaint:
    councillor = councillor or CouncillorFactory()
    complaint, _ = services.save_draft(
        data=services.ComplaintData(
            complainant_name="Pat Complainant",
            complainant_email="pat.complainant@example.com",
            complainant_type=Complaint.ComplainantType.PUBLIC,
            councillors=[councillor],
            acting_as_councillor=Complaint.ActingAsCouncillor.YES,
            outcome_sought="An apology",
            posts=[services.PostData(platform="X", content="A post.")],
        )
    )
    services.confirm_email(complaint=complaint)
    return services.submit(complaint=complaint)


def test_acknowledgement_is_due_five_working_days_after_receipt_across_christmas():
    with freeze_time("2026-12-23 10:00"):
        complaint = _submitted()
    # 24 Dec; then Christmas Day, the weekend, Boxing Day (observed Monday 28th) and New Year's Day do not count.
    assert complaint.due_date == date(2027, 1, 4)
    assert complaint.due_for == "Acknowledgement"


def test_assessment_deadline_counts_working_days_from_receipt():
    officer = make_user(Role.MONITORING_OFFICER)
    with freeze_time("2026-03-02 10:00"):
        complaint = _submitted()
    with freeze_time("2026-03-03 10:00"):
        complaint = services.transition(actor=officer, complaint=complaint, action="acknowledge")
    assert complaint.due_date == add_working_days(date(2026, 3, 2), 20) == date(2026, 3, 30)
    assert complaint.due_for == "Initial assessment"


@pytest.mark.parametrize(
    ("paused_on", "resumed_on", "paused_days"),
    [
        ("2026-03-10", "2026-03-17", 5),  # a week: five working days
        ("2026-04-01", "2026-04-08", 3),  # over Easter: Good Friday and Easter Monday do not count
    ],
)
def test_waiting_for_information_moves_the_deadline_by_the_working_days_paused(paused_on, resumed_on, paused_days):
    officer = make_user(Role.MONITORING_OFFICER)
    with freeze_time("2026-03-02 10:00"):
        complaint = _submitted()
        complaint = services.transition(actor=officer, complaint=complaint, action="acknowledge")
        complaint = services.transition(actor=officer, complaint=complaint, action="start_assessment")
    before = complaint.due_date
    with freeze_time(f"{paused_on} 10:00"):
        complaint = services.transition(
            actor=officer, complaint=complaint, action="request_information", reason="Please send screenshots."
        )
    assert complaint.stage == Stage.AWAITING_INFORMATION
    assert complaint.due_date is None  # the clock is paused
    with freeze_time(f"{resumed_on} 10:00"):
        complaint = services.transition(actor=officer, complaint=complaint, action="information_received")
    assert complaint.stage == Stage.ASSESSMENT
    assert complaint.paused_working_days == paused_days
    assert complaint.due_date == add_working_days(date(2026, 3, 2), 20 + paused_days)
    assert complaint.due_date > before


# --- The triage queue ------------------------------------------------------------------------------


def _queue_references(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/complaints/cases/\d+/">(CC-[\d-]+)</a>', html)


def test_the_queue_puts_overdue_cases_first_then_soonest_due_and_paused_last(client, login):
    login(Role.MONITORING_OFFICER)
    with freeze_time("2026-01-05 10:00"):
        overdue = make_case(stage=Stage.RECEIVED)  # acknowledgement was due 12 January
    with freeze_time("2026-03-02 10:00"):
        later = make_case(stage=Stage.ASSESSMENT)
        paused = make_case(stage=Stage.AWAITING_INFORMATION)
    with freeze_time("2026-03-05 10:00"):
        soon = make_case(stage=Stage.RECEIVED)
        closed = make_case(stage=Stage.CLOSED)
    with freeze_time("2026-03-09 10:00"):
        page = client.get(reverse("complaints:queue")).content.decode()
    assert _queue_references(page) == [overdue.reference, soon.reference, later.reference, paused.reference]
    assert "Overdue by 40 working days" in page
    assert "Clock paused" in page
    assert "3 working days left" in page  # 5 working days from 5 March is 12 March
    assert closed.reference not in page


def test_closed_cases_are_reachable_by_filter(client, login):
    login(Role.MONITORING_OFFICER)
    open_case = make_case(stage=Stage.ASSESSMENT)
    closed = make_case(stage=Stage.CLOSED)
    withdrawn = make_case(stage=Stage.WITHDRAWN)
    page = client.get(reverse("complaints:queue"), {"status": "closed"}).content.decode()
    assert set(_queue_references(page)) == {closed.reference, withdrawn.reference}
    page = client.get(reverse("complaints:queue"), {"stage": Stage.CLOSED}).content.decode()
    assert _queue_references(page) == [closed.reference]
    page = client.get(reverse("complaints:queue"), {"status": "all"}).content.decode()
    assert set(_queue_references(page)) == {open_case.reference, closed.reference, withdrawn.reference}


def test_the_queue_filters_by_stage_and_authority(client, login):
    login(Role.MONITORING_OFFICER)  # serves every authority, so may choose one
    here = make_case(stage=Stage.ASSESSMENT)
    there = make_case(stage=Stage.ASSESSMENT)
    received = make_case(stage=Stage.RECEIVED, authority=here.principal_authority)
    page = client.get(reverse("complaints:queue"), {"authority": here.principal_authority.pk}).content.decode()
    assert set(_queue_references(page)) == {here.reference, received.reference}
    page = client.get(
        reverse("complaints:queue"), {"authority": here.principal_authority.pk, "stage": Stage.ASSESSMENT}
    ).content.decode()
    assert _queue_references(page) == [here.reference]
    assert there.reference not in page


def test_a_nonsense_filter_is_reported_and_ignored(client, login):
    login(Role.MONITORING_OFFICER)
    case = make_case()
    response = client.get(reverse("complaints:queue"), {"stage": "suspended", "authority": "abc"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a stage from the list" in page
    assert "Choose an authority from the list" in page
    assert case.reference in page


def test_an_officer_of_one_authority_gets_no_authority_filter(client, login):
    case = make_case()
    login(Role.MONITORING_OFFICER, authority=case.principal_authority)
    page = client.get(reverse("complaints:queue")).content.decode()
    assert 'name="authority"' not in page
    assert case.reference in page


def test_the_queue_paginates_25_a_page(client, login):
    login(Role.MONITORING_OFFICER)
    authority = AuthorityFactory()
    for _ in range(27):
        make_case(authority=authority)
    first = client.get(reverse("complaints:queue")).content.decode()
    second = client.get(reverse("complaints:queue"), {"page": 2}).content.decode()
    assert len(_queue_references(first)) == 25
    assert len(_queue_references(second)) == 2
    assert "govuk-pagination" in first
    assert "Showing 1 to 25 of 27 cases" in first


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("complaints:queue"))
    assert response.status_code == 200
    return len(queries)


def test_the_queue_makes_the_same_small_number_of_queries_for_3_or_30_cases(client, login):
    officer = login(Role.MONITORING_OFFICER)
    ip = make_user(Role.INDEPENDENT_PERSON)
    authority = AuthorityFactory()

    def add(n: int) -> None:
        for _ in range(n):
            case = make_case(authority=authority)
            case.councillors.add(CouncillorFactory(authority=authority))
            case.independent_persons.add(ip)

    add(3)
    sign_in(client, officer)
    few = _queue_queries(client)
    add(27)
    many = _queue_queries(client)
    assert few == many
    assert many <= 15
