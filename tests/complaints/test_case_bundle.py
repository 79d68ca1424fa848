"""The case file bundle: one PDF of a whole case for the Monitoring Officer's own file.

Who may download it, what it holds (opened with pypdf as a reader would), that what people
typed stays text, that each download is audited, and that its queries do not grow with the case.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints import services
from complaints.models import CodeHeading, Complaint, Decision, Evidence, Post, Stage
from council import pdf
from council.models import AuditEntry
from council.roles import Role
from tests.complaints.test_report_pdf_pypdf import _struct_types
from tests.complaints.test_workflow import give_ip_view, make_case, sign_in
from tests.factories import AuthorityFactory, CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

HOSTILE = '<img src="file:///etc/passwd">'
OFFICERS = [Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER]
NOT_OFFICERS = [role for role in Role.values if role not in {*OFFICERS, Role.INDEPENDENT_PERSON}]


def _url(complaint: Complaint) -> str:
    return reverse("complaints:case_bundle_pdf", args=[complaint.pk])


def _evidence(complaint: Complaint, number: int, *, by=None, description: str = "", name: str = "") -> Evidence:
    return Evidence.objects.create(
        complaint=complaint,
        original_name=name or f"screenshot-{number}.png",
        stored_name=f"complaints/{complaint.pk}/{number:032x}",
        content_type="image/png",
        size=2048 * number,
        sha256="0" * 64,
        uploaded_by=by,
        description=description,
    )


def _text(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.content))
    # Collapse the line breaks the layout puts into long values.
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _full_case(officer) -> Complaint:
    """A case with something in every part of the file."""
    complaint = make_case(
        stage=Stage.ASSESSMENT,
        complainant_address="1 High Street, Oxbridge",
        confidentiality_requested=True,
        confidentiality_reasons="I work for the councillor's brother",
        outcome_sought="A public apology",
        acknowledged_at=timezone.now(),
    )
    complaint.headings.add(CodeHeading.objects.create(number=1, title="Respect"))
    _evidence(complaint, 1)
    _evidence(complaint, 2, by=officer, description="The councillor's reply")
    services.set_confidentiality(actor=officer, complaint=complaint, granted=True, reason="A fair reason")
    services.add_note(actor=officer, complaint=complaint, text="Spoke to the clerk about the thread.")
    give_ip_view(complaint)
    return complaint


# --- Who may download it ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICERS)
def test_the_monitoring_officer_and_deputy_download_the_case_file(client, login, role):
    complaint = make_case()
    login(role)
    response = client.get(_url(complaint))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-file-{complaint.reference}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_an_assigned_independent_person_is_refused_the_case_file(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    ip = login(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    assert client.get(reverse("complaints:case", args=[complaint.pk])).status_code == 200
    assert client.get(_url(complaint)).status_code == 403
    assert not AuditEntry.objects.filter(action="complaint.case_file_downloaded").exists()


@pytest.mark.parametrize("role", NOT_OFFICERS)
def test_other_roles_are_refused_the_case_file(client, login, role):
    complaint = make_case()
    login(role)
    assert client.get(_url(complaint)).status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(_url(make_case()))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_conflicted_monitoring_officer_gets_not_found(client, login):
    complaint = make_case()
    officer = login(Role.MONITORING_OFFICER)
    services.record_conflict(actor=None, complaint=complaint, user=officer, reason="Related to the councillor")
    assert client.get(_url(complaint)).status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.case_file_downloaded").exists()


def test_an_officer_of_another_authority_gets_not_found(client, login):
    complaint = make_case()
    login(Role.MONITORING_OFFICER, authority=AuthorityFactory())
    assert client.get(_url(complaint)).status_code == 404


def test_a_draft_is_not_found(client, login):
    complaint = make_case(stage=Stage.DRAFT)
    login(Role.MONITORING_OFFICER)
    assert client.get(_url(complaint)).status_code == 404


def test_the_case_page_links_to_the_case_file_for_officers_only(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    link = f'href="{_url(complaint)}"'
    login(Role.DEPUTY_MONITORING_OFFICER)
    assert link in client.get(reverse("complaints:case", args=[complaint.pk])).content.decode()
    ip = login(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=complaint, person=ip)
    page = client.get(reverse("complaints:case", args=[complaint.pk])).content.decode()
    assert link not in page
    assert "Download case file (PDF)" not in page


# --- What it holds --------------------------------------------------------------------------------


def test_the_case_file_is_a_tagged_pdf_with_the_whole_case(client, login):
    officer = login(Role.MONITORING_OFFICER, full_name="Morgan Officer")
    complaint = _full_case(officer)
    councillor = complaint.councillors.get()

    reader, text = _text(client.get(_url(complaint)))

    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"Case file {complaint.reference}"
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= _struct_types(catalog["/StructTreeRoot"], set())
    expected = [
        # The cover.
        settings.COUNCIL_NAME,
        f"Case file: complaint {complaint.reference}",
        complaint.principal_authority.name,
        "Initial assessment",
        f"Councillor {councillor.name}",
        # The complaint, with the complainant's details: it is the Monitoring Officer's own file.
        "Pat Complainant",
        "pat.complainant@example.com",
        "01234 567890",
        "1 High Street, Oxbridge",
        "Member of the public",
        "Something the councillor said.",
        "https://www.facebook.com/posts/1",
        "1. Respect",
        "A public apology",
        "I work for the councillor's brother",
        "Granted: the complainant's identity is withheld from the councillor",
        # The evidence list: names, types, sizes, and who added officers' documents.
        "screenshot-1.png",
        "screenshot-2.png",
        "image/png",
        "2.0 KB",
        "Morgan Officer (officer): The councillor's reply",
        "The complainant",
        # The timeline and the notes.
        "Complainant's identity withheld",
        "Spoke to the clerk about the thread.",
        "No breach in my view.",
        # Made by whom, and a warning.
        "by Morgan Officer. Contains personal data.",
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, missing
    assert "No decision has been recorded." in text
    assert text.index("The complaint") < text.index("Evidence") < text.index("Timeline") < text.index("Case notes")


def test_the_case_file_gives_the_dates_and_the_decision(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(
        stage=Stage.CLOSED,
        received_at=timezone.make_aware(datetime(2026, 1, 5, 10)),
        acknowledged_at=timezone.make_aware(datetime(2026, 1, 6, 10)),
        assessed_at=timezone.make_aware(datetime(2026, 1, 20, 10)),
        closed_at=timezone.make_aware(datetime(2026, 3, 2, 10)),
    )
    Decision.objects.create(
        complaint=complaint,
        finding=Decision.Finding.BREACH_SANCTIONS,
        findings="The post was made from the councillor's account.",
        reasons="The post was disrespectful to a resident.",
        sanctions=["censure", "training"],
        decided_by=officer,
        decided_at=complaint.closed_at - timedelta(days=3),
    )
    _reader, text = _text(client.get(_url(complaint)))
    for date_text in ("5 January 2026", "6 January 2026", "20 January 2026", "2 March 2026", "27 February 2026"):
        assert date_text in text
    assert "Breach of the Code, with sanctions" in text
    assert "The post was made from the councillor's account." in text
    assert "The post was disrespectful to a resident." in text
    assert "Censure; Training ordered" in text


def test_what_people_typed_is_text_in_the_pdf_and_fetches_nothing(client, login, monkeypatch):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(complainant_name=HOSTILE, outcome_sought=HOSTILE, acting_reasons=HOSTILE)
    Post.objects.create(complaint=complaint, platform="X", url="javascript:alert(1)", content=HOSTILE)
    _evidence(complaint, 1, name=HOSTILE)
    services.add_note(actor=officer, complaint=complaint, text=HOSTILE)
    fetched: list[str] = []
    real_fetch = pdf.StaticFilesFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(pdf.StaticFilesFetcher, "fetch", spy)

    response = client.get(_url(complaint))

    assert response.status_code == 200
    _reader, text = _text(response)
    assert text.count(HOSTILE) >= 6  # name, outcome, reasons, post, file name, note
    assert "javascript:alert(1)" in text
    assert fetched and all(url.startswith(pdf.ASSET_ORIGIN + "/static/") for url in fetched)
    assert b"/URI" not in response.content  # no link annotations: addresses are text only


# --- The audit trail and the cost ---------------------------------------------------------------


def test_each_download_is_on_the_audit_trail(client, login):
    complaint = make_case()
    officer = login(Role.DEPUTY_MONITORING_OFFICER)
    client.get(_url(complaint))
    client.get(_url(complaint))
    entries = AuditEntry.objects.filter(action="complaint.case_file_downloaded")
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == officer
    assert (entry.object_type, entry.object_id) == ("complaints.complaint", str(complaint.pk))
    assert complaint.reference in entry.summary


def test_the_case_file_makes_a_fixed_small_number_of_queries(client, login, django_assert_max_num_queries):
    officer = login(Role.MONITORING_OFFICER)

    def count(complaint) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(complaint)).status_code == 200
        return len(queries)

    small = make_case(stage=Stage.ASSESSMENT)
    big = make_case(stage=Stage.INVESTIGATION)
    authority = big.councillors.get().authority
    for number in range(1, 6):
        big.councillors.add(CouncillorFactory(authority=authority))
        Post.objects.create(complaint=big, platform="X", content=f"Post {number}", posted_at=timezone.now())
        _evidence(big, number, by=make_user(Role.DEPUTY_MONITORING_OFFICER) if number % 2 else None)
        services.add_note(actor=officer, complaint=big, text=f"Note {number}")
        give_ip_view(big)
    big.headings.add(*(CodeHeading.objects.create(number=n, title=f"Heading {n}") for n in range(1, 4)))
    Decision.objects.create(
        complaint=big, finding=Decision.Finding.NO_BREACH, findings="F", reasons="R", decided_by=officer
    )
    sign_in(client, officer)
    client.get(_url(small))  # the first request of a session notes when it was last used
    assert count(small) == count(big)
    with django_assert_max_num_queries(15):
        client.get(_url(big))
