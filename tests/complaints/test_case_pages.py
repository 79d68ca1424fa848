"""The case page and the Monitoring Officer's actions on it: notes, Independent Persons,
conflicts, confidentiality, legal hold, letters; and the home panels."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from complaints import services
from complaints.models import CodeHeading, Post, Stage, TimelineEntry
from council.models import Committee, CommitteeMembership
from council.roles import Role
from protocol import services as protocol_services
from tests.complaints.test_workflow import give_ip_view, make_case, sign_in
from tests.factories import CouncillorFactory, make_user
from tests.protocol.factories import make_draft

pytestmark = pytest.mark.django_db


def _url(name: str, complaint, *args) -> str:
    return reverse(f"complaints:{name}", args=[complaint.pk, *args])


def _page(client, complaint) -> str:
    response = client.get(_url("case", complaint))
    assert response.status_code == 200
    return response.content.decode()


def _aware(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


# --- The case page -----------------------------------------------------------------------------------


def test_the_case_page_shows_the_complaint_councillor_posts_and_actions(client, login):
    login(Role.MONITORING_OFFICER)
    councillor = CouncillorFactory()
    planning = Committee.objects.create(authority=councillor.authority, name="Planning Committee", is_regulatory=True)
    scrutiny = Committee.objects.create(authority=councillor.authority, name="Scrutiny Committee")
    CommitteeMembership.objects.create(committee=planning, councillor=councillor)
    CommitteeMembership.objects.create(committee=scrutiny, councillor=councillor, position="chair")
    complaint = make_case(stage=Stage.ASSESSMENT, councillor=councillor, complainant_address="1 High Street")
    complaint.headings.add(CodeHeading.objects.get(number=1))
    Post.objects.create(complaint=complaint, platform="X", url="javascript:alert(1)", content="Second post")
    page = _page(client, complaint)
    for text in (
        complaint.reference,
        "Pat Complainant",
        "pat.complainant@example.com",
        "01234 567890",
        "1 High Street",
        councillor.name,
        councillor.authority.name,
        councillor.ward.name,
        councillor.political_group.name,
        "Planning Committee",
        "Regulatory",
        "Scrutiny Committee (chair)",
        "Something the councillor said.",
        "1. Respect",
        "Initial assessment",
    ):
        assert text in page, text
    assert (
        '<a class="govuk-link" href="https://www.facebook.com/posts/1" rel="noopener noreferrer nofollow">'
        "https://www.facebook.com/posts/1</a>" in page
    )
    assert 'href="javascript:' not in page  # shown as text only
    assert 'target="_blank"' not in page
    for action in ("no_further_action", "informal_resolution", "refer_for_investigation", "request_information"):
        assert _url("case_transition", complaint, action) in page
    assert _url("case_transition", complaint, "acknowledge") not in page
    assert "Identity withheld from the councillor" not in page


def test_the_case_page_tags_a_withheld_identity_but_still_shows_it_to_the_officer(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(confidentiality_requested=True, confidentiality_granted=True)
    page = _page(client, complaint)
    assert "Pat Complainant" in page
    assert "Identity withheld from the councillor" in page


def test_the_case_page_shows_the_whole_timeline_with_notes_to_officers(client, login):
    officer = login(Role.DEPUTY_MONITORING_OFFICER)
    complaint = make_case(stage=Stage.RECEIVED)
    services.transition(actor=officer, complaint=complaint, action="acknowledge")
    services.add_note(actor=officer, complaint=complaint, text="Looks trivial")
    page = _page(client, complaint)
    assert "Looks trivial" in page
    assert "Internal note" in page
    assert "Acknowledged" in page


class TestProtocolStatusAtTheDateOfThePost:
    def _publish(self, when: str, **kwargs):
        with freeze_time(when):
            return protocol_services.publish_version(actor=None, version=make_draft(**kwargs))

    def _acknowledge(self, councillor, version, when: str):
        with freeze_time(when):
            protocol_services.acknowledge(
                actor=None, councillor=councillor, version=version, typed_name=councillor.name
            )

    def test_no_protocol_in_force(self, client, login):
        login(Role.MONITORING_OFFICER)
        complaint = make_case(posted_at=_aware("2026-01-10 12:00"))
        assert "No protocol in force" in _page(client, complaint)

    def test_acknowledged_before_the_post(self, client, login):
        login(Role.MONITORING_OFFICER)
        councillor = CouncillorFactory()
        version = self._publish("2026-01-01 09:00")
        self._acknowledge(councillor, version, "2026-01-05 09:00")
        complaint = make_case(councillor=councillor, posted_at=_aware("2026-02-01 12:00"))
        page = _page(client, complaint)
        assert "Acknowledged on 5 January 2026" in page
        assert "version 1 in force" in page

    def test_acknowledged_only_after_the_post(self, client, login):
        login(Role.MONITORING_OFFICER)
        councillor = CouncillorFactory()
        version = self._publish("2026-01-01 09:00")
        self._acknowledge(councillor, version, "2026-03-01 09:00")
        complaint = make_case(councillor=councillor, posted_at=_aware("2026-02-01 12:00"))
        assert "Not acknowledged" in _page(client, complaint)

    def test_the_version_in_force_on_the_date_of_the_post_counts_not_the_current_one(self, client, login):
        login(Role.MONITORING_OFFICER)
        councillor = CouncillorFactory()
        first = self._publish("2026-01-01 09:00")
        self._acknowledge(councillor, first, "2026-01-05 09:00")
        second = self._publish("2026-03-01 09:00")  # material: needs acknowledging again
        old_post = make_case(councillor=councillor, posted_at=_aware("2026-02-01 12:00"))
        new_post = make_case(councillor=councillor, posted_at=_aware("2026-04-01 12:00"))
        assert "Acknowledged on 5 January 2026" in _page(client, old_post)
        page = _page(client, new_post)
        assert "Not acknowledged" in page
        assert f"version {second.number} in force" in page

    def test_a_minor_version_carries_over_the_acknowledgement_of_its_basis(self, client, login):
        login(Role.MONITORING_OFFICER)
        councillor = CouncillorFactory()
        first = self._publish("2026-01-01 09:00")
        self._acknowledge(councillor, first, "2026-01-05 09:00")
        self._publish("2026-03-01 09:00", change_kind="minor")
        complaint = make_case(councillor=councillor, posted_at=_aware("2026-04-01 12:00"))
        page = _page(client, complaint)
        assert "Acknowledged on 5 January 2026" in page
        assert "version 2 in force" in page


def test_the_case_page_makes_a_fixed_small_number_of_queries(client, login):
    officer = login(Role.MONITORING_OFFICER)

    def count(complaint) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url("case", complaint)).status_code == 200
        return len(queries)

    small = make_case(stage=Stage.ASSESSMENT)
    big = make_case(stage=Stage.ASSESSMENT)
    authority = big.councillors.get().authority
    for _ in range(4):
        councillor = CouncillorFactory(authority=authority)
        committee = Committee.objects.create(authority=councillor.authority, name=f"Committee {councillor.pk}")
        CommitteeMembership.objects.create(committee=committee, councillor=councillor)
        big.councillors.add(councillor)
        Post.objects.create(complaint=big, platform="X", content="More", posted_at=timezone.now())
        services.add_note(actor=officer, complaint=big, text="A note")
        give_ip_view(big)
    sign_in(client, officer)
    assert count(small) == count(big) <= 25


# --- Transitions through the page ----------------------------------------------------------------


def test_taking_an_action_moves_the_case_on_and_says_so(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    response = client.post(_url("case_transition", complaint, "no_further_action"), {"reason": "Trivial"}, follow=True)
    page = response.content.decode()
    assert "is now ‘No further action’" in page
    complaint.refresh_from_db()
    assert complaint.stage == Stage.NO_FURTHER_ACTION
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.TRANSITION)
    assert entry.text == "Trivial"


def test_the_record_decision_button_leads_to_the_decision_page(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.HEARING)
    assert _url("case_decision", complaint) in _page(client, complaint)
    response = client.get(_url("case_transition", complaint, "record_decision"))
    assert response["Location"] == _url("case_decision", complaint)


def test_starting_the_assessment_warns_about_an_undecided_confidentiality_request(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ACKNOWLEDGED, confidentiality_requested=True)
    page = client.get(_url("case_transition", complaint, "start_assessment")).content.decode()
    assert "you have not decided yet" in page
    assert "without the complainant's name" in page


# --- Notes ----------------------------------------------------------------------------------------


def test_an_officer_adds_an_internal_note(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case()
    response = client.post(_url("case_note", complaint), {"text": "Called the clerk"})
    assert response.status_code == 302
    entry = complaint.timeline.get()
    assert (entry.kind, entry.text, entry.actor) == (TimelineEntry.Kind.NOTE, "Called the clerk", officer)
    assert not entry.visible_to_complainant and not entry.visible_to_councillor


def test_an_empty_note_is_refused(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()
    response = client.post(_url("case_note", complaint), {"text": "   "})
    assert response.status_code == 200
    assert "Enter the note" in response.content.decode()
    assert not complaint.timeline.exists()


# --- Independent Persons --------------------------------------------------------------------------


def test_an_officer_asks_an_independent_person_for_a_view(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    ip = make_user(Role.INDEPENDENT_PERSON)
    conflicted = make_user(Role.INDEPENDENT_PERSON)
    not_an_ip = make_user(Role.MEMBER_SERVICES)
    services.record_conflict(actor=None, complaint=complaint, user=conflicted, reason="Neighbour")
    form = client.get(_url("case_assign_ip", complaint)).content.decode()
    assert ip.email in form
    assert conflicted.email not in form
    assert not_an_ip.email not in form
    response = client.post(_url("case_assign_ip", complaint), {"person": conflicted.pk})
    assert "Choose an Independent Person from the list" in response.content.decode()
    assert client.post(_url("case_assign_ip", complaint), {"person": ip.pk}).status_code == 302
    assert list(complaint.independent_persons.all()) == [ip]
    assert complaint.ip_consultations.get().independent_person == ip


def test_the_independent_person_records_their_own_view(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    ip = login(Role.INDEPENDENT_PERSON)
    consultation = services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    page = _page(client, complaint)
    assert "Record your view" in page
    url = _url("case_ip_view", complaint, consultation.pk)
    assert "Enter the view" in client.post(url, {"view": " "}).content.decode()
    assert client.post(url, {"view": "Not a breach."}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.view == "Not a breach." and consultation.given_at is not None
    assert not complaint.timeline.filter(kind=TimelineEntry.Kind.NOTE).exists()
    # A recorded view cannot be overwritten.
    client.post(url, {"view": "Changed my mind."})
    consultation.refresh_from_db()
    assert consultation.view == "Not a breach."


def test_an_officer_records_a_view_on_the_independent_persons_behalf_with_a_note(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    ip = make_user(Role.INDEPENDENT_PERSON)
    consultation = services.assign_independent_person(actor=officer, complaint=complaint, person=ip)
    response = client.post(_url("case_ip_view", complaint, consultation.pk), {"view": "Given by phone."})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.view == "Given by phone."
    note = complaint.timeline.get(kind=TimelineEntry.Kind.NOTE)
    assert "on their behalf" in note.text and str(ip) in note.text


def test_another_independent_person_may_not_record_a_view(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    first, second = make_user(Role.INDEPENDENT_PERSON), make_user(Role.INDEPENDENT_PERSON)
    consultation = services.assign_independent_person(actor=None, complaint=complaint, person=first)
    services.assign_independent_person(actor=None, complaint=complaint, person=second)
    sign_in(client, second)
    url = _url("case_ip_view", complaint, consultation.pk)
    assert client.post(url, {"view": "Mine"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.given_at is None


def test_a_consultation_of_another_case_is_not_found(client, login):
    login(Role.MONITORING_OFFICER)
    complaint, other = make_case(), make_case()
    consultation = services.assign_independent_person(
        actor=None, complaint=other, person=make_user(Role.INDEPENDENT_PERSON)
    )
    assert client.get(_url("case_ip_view", complaint, consultation.pk)).status_code == 404


# --- Conflicts, confidentiality, legal hold -------------------------------------------------------


def test_a_conflict_needs_a_person_and_a_reason(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()
    page = client.post(_url("case_conflict", complaint), {"user": "", "reason": ""}).content.decode()
    assert "Choose who is conflicted" in page
    assert "Enter the reason" in page
    assert not complaint.conflicts.exists()


def test_an_officer_recording_their_own_conflict_loses_the_case(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case()
    response = client.post(_url("case_conflict", complaint), {"user": officer.pk, "reason": "I know the complainant"})
    assert response["Location"] == reverse("complaints:queue")
    assert client.get(_url("case", complaint)).status_code == 404


def test_the_officer_decides_on_confidentiality(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(confidentiality_requested=True, confidentiality_reasons="I work for the council")
    form = client.get(_url("case_confidentiality", complaint)).content.decode()
    assert "I work for the council" in form
    page = client.post(_url("case_confidentiality", complaint), {"decision": "grant"}).content.decode()
    assert "Enter the reason" in page
    complaint.refresh_from_db()
    assert complaint.confidentiality_granted is None
    response = client.post(_url("case_confidentiality", complaint), {"decision": "grant", "reason": "Risk of reprisal"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.confidentiality_granted is True


def test_confidentiality_cannot_be_decided_when_not_requested(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()
    response = client.post(_url("case_confidentiality", complaint), {"decision": "grant", "reason": "x"}, follow=True)
    assert "did not ask for their identity to be withheld" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.confidentiality_granted is None


@pytest.mark.parametrize("role", [Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER])
def test_officers_place_and_lift_a_legal_hold(client, login, role):
    login(role)
    complaint = make_case(stage=Stage.CLOSED)
    url = _url("case_legal_hold", complaint)
    assert "Enter the reason" in client.post(url, {"hold": "1", "reason": ""}).content.decode()
    assert client.post(url, {"hold": "1", "reason": "Litigation"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.legal_hold
    # The same form sent twice does not undo itself.
    assert "already in place" in client.post(url, {"hold": "1", "reason": "Again"}).content.decode()
    assert "Lift the legal hold" in client.get(url).content.decode()
    assert client.post(url, {"hold": "0", "reason": "Settled"}).status_code == 302
    complaint.refresh_from_db()
    assert not complaint.legal_hold


# --- Letters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["acknowledgement", "councillor-comment", "request-information"])
def test_each_letter_is_generated_from_the_case(client, login, slug):
    officer = login(Role.MONITORING_OFFICER, full_name="Morgan Officer")
    complaint = make_case(stage=Stage.ASSESSMENT)
    page = client.get(_url("case_letter", complaint, slug)).content.decode()
    assert complaint.reference in page
    assert officer.full_name in page
    assert "Monitoring Officer" in page
    assert "Send by email" in page


def test_an_unknown_letter_is_not_found(client, login):
    login(Role.MONITORING_OFFICER)
    assert client.get(_url("case_letter", make_case(), "threat")).status_code == 404


def test_the_request_for_information_letter_quotes_the_request(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT)
    services.transition(
        actor=officer, complaint=complaint, action="request_information", reason="Please send the full thread."
    )
    page = client.get(_url("case_letter", complaint, "request-information")).content.decode()
    assert "Please send the full thread." in page


def test_sending_a_letter_emails_it_and_writes_the_timeline(client, login, outbox):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.RECEIVED)
    response = client.post(_url("case_letter", complaint, "acknowledgement"))
    assert response.status_code == 302
    (message,) = outbox
    assert message.to == ["pat.complainant@example.com"]
    assert complaint.reference in message.subject
    assert "Dear Pat Complainant" in message.body
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.LETTER)
    assert entry.visible_to_complainant and not entry.visible_to_councillor


def test_the_councillor_letter_waits_until_the_councillor_is_told(client, login, outbox):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ACKNOWLEDGED)
    page = client.get(_url("case_letter", complaint, "councillor-comment")).content.decode()
    assert "available after that" in page
    assert "Send by email" not in page
    response = client.post(_url("case_letter", complaint, "councillor-comment"))
    assert "available after that" in response.content.decode()
    assert not outbox
    assert not complaint.timeline.exists()


@pytest.mark.parametrize(("granted", "named"), [(True, False), (False, True)])
def test_the_councillor_letter_withholds_the_name_when_confidentiality_is_granted(
    client, login, outbox, granted, named
):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ASSESSMENT, confidentiality_requested=True, confidentiality_granted=granted)
    councillor = complaint.councillors.get()
    client.post(_url("case_letter", complaint, "councillor-comment"))
    (message,) = outbox
    assert message.to == [councillor.email]
    assert f"Dear Councillor {councillor.name}" in message.body
    assert ("Pat Complainant" in message.body) is named
    assert "Something the councillor said." in message.body
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.LETTER)
    assert entry.visible_to_councillor and not entry.visible_to_complainant


# --- Home panels ----------------------------------------------------------------------------------


def test_the_home_page_shows_case_counts_to_officers(client, login):
    login(Role.MONITORING_OFFICER)
    with freeze_time("2026-01-05 10:00"):
        make_case(stage=Stage.RECEIVED)  # overdue by March
    with freeze_time("2026-03-05 10:00"):
        make_case(stage=Stage.RECEIVED)  # due 12 March
    with freeze_time("2026-03-09 10:00"):
        make_case(stage=Stage.ASSESSMENT)  # due in April
        make_case(stage=Stage.CLOSED)
        page = client.get(reverse("home")).content.decode()
    assert "Code of conduct complaints" in page
    assert reverse("complaints:queue") in page
    for label, value in [("Open cases", "3"), ("Overdue", "1"), ("Due in the next 3 working days", "1")]:
        row = re.search(rf"<dt[^>]*>{label}</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S)
        assert row, label
        assert re.sub(r"<[^>]+>", "", row.group(1)).strip() == value, label
    assert 'govuk-tag--red">1</strong>' in page


def test_the_home_page_links_a_councillor_to_complaints_about_them(client):
    complaint = make_case(stage=Stage.ASSESSMENT)
    councillor = complaint.councillors.get()
    user = make_user(Role.COUNCILLOR)
    councillor.user = user
    councillor.save()
    sign_in(client, user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("complaints:my_cases") in page
    other = make_user(Role.COUNCILLOR)
    sign_in(client, other)
    assert reverse("complaints:my_cases") not in client.get(reverse("home")).content.decode()


def test_member_services_get_no_complaints_panel(client, member_services):
    make_case()
    page = client.get(reverse("home")).content.decode()
    assert "Code of conduct complaints" not in page
