"""The audit trail of each complaint: every view and every change writes an entry tied to the
case, and the Monitoring Officer (and deputies, no one else) can read who did what and when."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from complaints import services
from complaints.case_audit import AUDIT_PAGE_SIZE
from complaints.models import Complaint, Decision, Evidence, Stage
from council.audit import log_action
from council.models import AuditEntry
from council.roles import Role
from tests.complaints.factories import PNG
from tests.complaints.test_workflow import make_case, sign_in
from tests.factories import AuthorityFactory, make_user

pytestmark = pytest.mark.django_db

OFFICERS = [Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER]
NOT_OFFICERS = [role for role in Role.values if role not in {*OFFICERS, Role.INDEPENDENT_PERSON}]


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return storages["private"]


def _url(name: str, complaint: Complaint, *args) -> str:
    return reverse(f"complaints:{name}", args=[complaint.pk, *args])


def _entries(complaint: Complaint, action: str):
    return AuditEntry.objects.filter(object_type="complaints.complaint", object_id=str(complaint.pk), action=action)


def _rows(page: str) -> list[str]:
    """The audit table's rows, as plain text."""
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


# --- Every view of a case is recorded ------------------------------------------------------------


def _case_page(client, complaint, private_storage) -> tuple[str, str]:
    return Role.MONITORING_OFFICER, _url("case", complaint)


def _case_page_as_ip(client, complaint, private_storage) -> tuple[str, str]:
    return Role.INDEPENDENT_PERSON, _url("case", complaint)


def _ip_view_form(client, complaint, private_storage) -> tuple[str, str]:
    consultation = complaint.ip_consultations.get()
    return Role.INDEPENDENT_PERSON, _url("case_ip_view", complaint, consultation.pk)


def _evidence_download(client, complaint, private_storage) -> tuple[str, str]:
    stored = private_storage.save(f"complaints/{complaint.pk}/0123456789abcdef", ContentFile(PNG))
    item = Evidence.objects.create(
        complaint=complaint,
        original_name="shot.png",
        stored_name=stored,
        content_type="image/png",
        size=len(PNG),
        sha256="0" * 64,
    )
    return Role.INDEPENDENT_PERSON, _url("evidence_download", complaint, item.pk)


def _decided(complaint: Complaint) -> None:
    Decision.objects.create(
        complaint=complaint, finding=Decision.Finding.NO_BREACH, findings="Facts", reasons="Reasons"
    )


def _decision_notice(client, complaint, private_storage) -> tuple[str, str]:
    _decided(complaint)
    return Role.MONITORING_OFFICER, _url("decision_notice", complaint)


def _decision_notice_pdf(client, complaint, private_storage) -> tuple[str, str]:
    _decided(complaint)
    return Role.INDEPENDENT_PERSON, _url("decision_notice_pdf", complaint)


def _case_file(client, complaint, private_storage) -> tuple[str, str]:
    return Role.DEPUTY_MONITORING_OFFICER, _url("case_bundle_pdf", complaint)


def _letter(client, complaint, private_storage) -> tuple[str, str]:
    return Role.MONITORING_OFFICER, _url("case_letter", complaint, "acknowledgement")


def _councillor_view(client, complaint, private_storage) -> tuple[str, str]:
    return Role.COUNCILLOR, reverse("complaints:my_case", args=[complaint.pk])


VIEWS: dict[str, tuple[Callable, str]] = {
    "case page": (_case_page, "complaint.viewed"),
    "case page by the Independent Person": (_case_page_as_ip, "complaint.viewed"),
    "Independent Person's view form": (_ip_view_form, "complaint.ip_view_form_viewed"),
    "evidence download": (_evidence_download, "complaint.evidence_viewed"),
    "decision notice page": (_decision_notice, "complaint.decision_notice_viewed"),
    "decision notice PDF": (_decision_notice_pdf, "complaint.decision_notice_downloaded"),
    "case file PDF": (_case_file, "complaint.case_file_downloaded"),
    "letter page": (_letter, "complaint.letter_viewed"),
    "the councillor's own view": (_councillor_view, "complaint.viewed_by_councillor"),
}


@pytest.mark.parametrize("name", VIEWS)
def test_each_view_of_a_case_writes_an_audit_entry_tied_to_it(client, private_storage, name):
    complaint = make_case(stage=Stage.ASSESSMENT)
    make_view, action = VIEWS[name]
    ip = make_user(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    role, url = make_view(client, complaint, private_storage)
    if role == Role.INDEPENDENT_PERSON:
        viewer = ip
    elif role == Role.COUNCILLOR:
        viewer = make_user(Role.COUNCILLOR)
        councillor = complaint.councillors.get()
        councillor.user = viewer
        councillor.save()
    else:
        viewer = make_user(role)
    sign_in(client, viewer)

    assert client.get(url).status_code == 200

    (entry,) = _entries(complaint, action)
    assert entry.actor == viewer
    assert complaint.reference in entry.summary


def test_a_refused_or_missing_case_writes_no_view(client, login):
    complaint = make_case()
    officer = login(Role.MONITORING_OFFICER)
    services.record_conflict(actor=None, complaint=complaint, user=officer, reason="Friend of the councillor")
    assert client.get(_url("case", complaint)).status_code == 404
    login(Role.COMMUNICATIONS)
    assert client.get(_url("case", complaint)).status_code == 403
    assert not _entries(complaint, "complaint.viewed").exists()


# --- Every change of a case is recorded -----------------------------------------------------------


def _note(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_note", complaint), {"text": "Spoke to the clerk."}


def _acknowledge(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_transition", complaint, "acknowledge"), {"reason": ""}


def _confidentiality(complaint: Complaint) -> tuple[str, dict]:
    Complaint.objects.filter(pk=complaint.pk).update(confidentiality_requested=True)
    return _url("case_confidentiality", complaint), {"decision": "grant", "reason": "Risk of reprisal"}


def _legal_hold(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_legal_hold", complaint), {"hold": "1", "reason": "Litigation"}


def _assign_ip(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_assign_ip", complaint), {"person": make_user(Role.INDEPENDENT_PERSON).pk}


def _ip_view(complaint: Complaint) -> tuple[str, dict]:
    person = make_user(Role.INDEPENDENT_PERSON)
    consultation = services.assign_independent_person(actor=None, complaint=complaint, person=person)
    return _url("case_ip_view", complaint, consultation.pk), {"view": "No breach in my view."}


def _conflict(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_conflict", complaint), {"user": make_user(Role.INDEPENDENT_PERSON).pk, "reason": "Neighbour"}


def _letter_sent(complaint: Complaint) -> tuple[str, dict]:
    return _url("case_letter", complaint, "acknowledgement"), {}


def _document(complaint: Complaint) -> tuple[str, dict]:
    upload = SimpleUploadedFile("reply.png", PNG, content_type="image/png")
    return _url("case_document", complaint), {"file": upload, "description": "The councillor's reply"}


CHANGES: dict[str, tuple[Callable, str]] = {
    "internal note": (_note, "complaint.note_added"),
    "workflow action": (_acknowledge, "complaint.acknowledge"),
    "confidentiality": (_confidentiality, "complaint.confidentiality"),
    "legal hold": (_legal_hold, "complaint.legal_hold"),
    "Independent Person asked": (_assign_ip, "complaint.ip_consulted"),
    "Independent Person's view": (_ip_view, "complaint.ip_view"),
    "conflict of interest": (_conflict, "complaint.conflict"),
    "letter sent": (_letter_sent, "complaint.letter_sent"),
    "document added": (_document, "complaint.document_added"),
}


@pytest.mark.parametrize("name", CHANGES)
def test_each_change_writes_an_audit_entry_tied_to_the_case(client, login, private_storage, name):
    complaint = make_case(stage=Stage.RECEIVED)
    officer = login(Role.MONITORING_OFFICER)
    make_change, action = CHANGES[name]
    url, data = make_change(complaint)

    assert client.post(url, data).status_code == 302

    (entry,) = _entries(complaint, action)
    assert entry.actor == officer


def test_confirming_the_complainants_email_is_recorded(client):
    complaint = make_case(stage=Stage.DRAFT, email_confirmed_at=None)
    services.confirm_email(complaint=complaint)
    services.confirm_email(complaint=complaint)  # once only: nothing changes the second time
    assert _entries(complaint, "complaint.email_confirmed").count() == 1


# --- The audit page -------------------------------------------------------------------------------


def test_the_audit_page_shows_who_viewed_and_changed_the_case_newest_first(client, login):
    complaint = make_case(stage=Stage.RECEIVED)
    viewer = make_user(Role.DEPUTY_MONITORING_OFFICER, full_name="Dana Deputy")
    sign_in(client, viewer)
    with freeze_time("2026-03-04 10:15:00"):
        client.get(_url("case", complaint))
    with freeze_time("2026-03-04 10:20:30"):
        client.post(_url("case_note", complaint), {"text": "Rang the complainant."})
    with freeze_time("2026-03-04 10:25:00"):
        client.post(_url("case_transition", complaint, "withdraw"), {"reason": "Withdrawn by phone"})
    other = make_case()
    log_action(actor=viewer, action="complaint.viewed", obj=other, summary="Another case")
    login(Role.MONITORING_OFFICER)

    response = client.get(_url("case_audit", complaint))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Who has viewed or changed this case" in page
    rows = _rows(page)
    assert len(rows) == 3
    assert rows[0].startswith("4 Mar 2026, 10:25:00 Dana Deputy")
    assert "Changed Withdraw the complaint" in rows[0]
    assert rows[1].startswith("4 Mar 2026, 10:20:30 Dana Deputy")
    assert "Changed Added an internal note" in rows[1]
    assert rows[2].startswith("4 Mar 2026, 10:15:00 Dana Deputy")
    assert "Viewed Viewed the case" in rows[2]
    assert "Another case" not in page
    # Reading the audit trail is not itself recorded.
    assert AuditEntry.objects.filter(object_id=str(complaint.pk)).count() == 3


def test_an_entry_without_a_signed_in_person_says_so(client, login):
    complaint = make_case()
    services.transition(
        actor=None, complaint=complaint, action="withdraw", reason="Changed my mind", as_complainant=True
    )
    login(Role.MONITORING_OFFICER)
    (row,) = _rows(client.get(_url("case_audit", complaint)).content.decode())
    assert "Not signed in (the complainant, or the portal itself)" in row


def test_the_case_page_links_to_the_audit_trail_for_officers_only(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    link = f'href="{_url("case_audit", complaint)}"'
    login(Role.MONITORING_OFFICER)
    assert link in client.get(_url("case", complaint)).content.decode()
    ip = login(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    page = client.get(_url("case", complaint)).content.decode()
    assert link not in page
    assert "Who has viewed or changed this case" not in page


@pytest.mark.parametrize("role", OFFICERS)
def test_the_monitoring_officer_and_deputy_see_the_audit_page(client, login, role):
    complaint = make_case()
    login(role)
    assert client.get(_url("case_audit", complaint)).status_code == 200


def test_an_assigned_independent_person_cannot_see_the_audit_page(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    ip = login(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    assert client.get(_url("case", complaint)).status_code == 200
    assert client.get(_url("case_audit", complaint)).status_code == 403


@pytest.mark.parametrize("role", NOT_OFFICERS)
def test_other_roles_cannot_see_the_audit_page(client, login, role):
    complaint = make_case()
    login(role)
    assert client.get(_url("case_audit", complaint)).status_code == 403


def test_a_conflicted_monitoring_officer_gets_not_found(client, login):
    complaint = make_case()
    officer = login(Role.MONITORING_OFFICER)
    services.record_conflict(actor=None, complaint=complaint, user=officer, reason="Friend of the councillor")
    assert client.get(_url("case_audit", complaint)).status_code == 404


def test_an_officer_of_another_authority_gets_not_found(client, login):
    complaint = make_case()
    login(Role.MONITORING_OFFICER, authority=AuthorityFactory())
    assert client.get(_url("case_audit", complaint)).status_code == 404


def _fill(complaint: Complaint, count: int) -> None:
    actors = [make_user(Role.MONITORING_OFFICER), make_user(Role.INDEPENDENT_PERSON), None]
    start = timezone.make_aware(datetime(2026, 1, 5, 9))
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=start + timedelta(minutes=number),
            actor=actors[number % len(actors)],
            action="complaint.viewed",
            object_type="complaints.complaint",
            object_id=str(complaint.pk),
            summary=f"{complaint.reference}: entry {number}",
        )
        for number in range(count)
    )


def test_the_audit_page_makes_the_same_queries_for_5_or_50_entries(client, login):
    officer = login(Role.MONITORING_OFFICER)
    few, many = make_case(), make_case()
    _fill(few, 5)
    _fill(many, 50)

    def count(complaint) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url("case_audit", complaint)).status_code == 200
        return len(queries)

    sign_in(client, officer)
    client.get(_url("case_audit", few))  # the first request of a session notes when it was last used
    assert count(few) == count(many) <= 8


def test_a_long_trail_is_paginated(client, login):
    complaint = make_case()
    _fill(complaint, AUDIT_PAGE_SIZE * 2 + 3)
    login(Role.MONITORING_OFFICER)

    first = client.get(_url("case_audit", complaint)).content.decode()
    assert len(_rows(first)) == AUDIT_PAGE_SIZE
    assert f"entry {AUDIT_PAGE_SIZE * 2 + 2}<" in first  # the newest first
    assert 'class="govuk-pagination"' in first

    last = client.get(_url("case_audit", complaint), {"page": "3"}).content.decode()
    rows = _rows(last)
    assert len(rows) == 3
    assert rows[-1].endswith("entry 0")

    # A page that does not exist shows the nearest one, with a message; never an error.
    response = client.get(_url("case_audit", complaint), {"page": "99"})
    assert response.status_code == 200
    assert "There is no page 99" in response.content.decode()
