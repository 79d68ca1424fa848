"""The decision on a case and its decision notice: recording it, the page, the PDF, sending it."""

from __future__ import annotations

import base64
import itertools
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import CodeHeading, Complaint, Decision, IPConsultation, Post, Sanction, Stage, TimelineEntry
from council import pdf
from council.models import AuditEntry, OutboundEmail
from council.roles import Role
from council.workdays import add_working_days
from tests.factories import CouncillorFactory, ParishFactory, make_user

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
TRAP_IMG = '<img src="file:///etc/passwd">'
TRAP_LINK = '<link rel="stylesheet" href="http://example.com/x.css">'


def make_case(stage: str = Stage.HEARING, *, councillor=None, ip_view: str | None = "The IP's view.", **fields):
    """A submitted case at ``stage``, built with the ORM (the workflow is tested elsewhere)."""
    councillor = councillor or CouncillorFactory()
    now = timezone.now()
    values = {
        "reference": f"CC-2026-{next(_numbers):05d}",
        "principal_authority": councillor.authority.principal_authority,
        "stage": stage,
        "complainant_name": "Pat Complainant",
        "complainant_email": "pat@example.org",
        "complainant_phone": "07700 900123",
        "complainant_address": "1 High Street, Oxbridge",
        "complainant_type": Complaint.ComplainantType.PUBLIC,
        "acting_as_councillor": Complaint.ActingAsCouncillor.YES,
        "outcome_sought": "An apology",
        "received_at": now,
        "email_confirmed_at": now,
        "councillor_notified_at": now,
        **fields,
    }
    complaint = Complaint.objects.create(**values)
    complaint.councillors.add(councillor)
    complaint.headings.add(CodeHeading.objects.get(number=1))
    Post.objects.create(complaint=complaint, platform="Facebook", content="Officers are useless.", posted_at=now)
    if ip_view is not None:
        ip = make_user(Role.INDEPENDENT_PERSON, email=f"ip{complaint.pk}@council.example")
        complaint.independent_persons.add(ip)
        IPConsultation.objects.create(
            complaint=complaint, independent_person=ip, stage=stage, view=ip_view, given_at=now if ip_view else None
        )
    return complaint


def decide(complaint: Complaint, **fields) -> Decision:
    values = {"finding": Decision.Finding.NO_BREACH, "findings": "The post was made.", "reasons": "Not a breach."}
    return Decision.objects.create(complaint=complaint, **(values | fields))


def _url(name: str, complaint: Complaint) -> str:
    return reverse(f"complaints:{name}", args=[complaint.pk])


# --- Recording the decision ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [Stage.INVESTIGATION, Stage.HEARING])
def test_the_monitoring_officer_records_the_decision(client, login, outbox, stage):
    mo = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage)
    response = client.post(
        _url("case_decision", complaint),
        {
            "finding": Decision.Finding.BREACH_SANCTIONS,
            "findings": "The councillor posted it.",
            "reasons": "It was disrespectful.",
            "sanctions": [Sanction.CENSURE, Sanction.TRAINING],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("decision_notice", complaint)
    assert "The decision on" in response.content.decode()
    complaint.refresh_from_db()
    decision = complaint.decision
    assert complaint.stage == Stage.DECISION
    assert decision.finding == Decision.Finding.BREACH_SANCTIONS
    assert decision.sanctions == [Sanction.CENSURE, Sanction.TRAINING]
    assert decision.decided_by == mo
    assert decision.ip_view_summary == "The IP's view."
    # The notice is due within 5 working days of the decision.
    assert complaint.due_for == "Decision notice"
    assert complaint.due_date == add_working_days(timezone.localdate(complaint.decided_at), 5)


def test_a_decision_needs_the_independent_persons_view(client, login):
    login(Role.DEPUTY_MONITORING_OFFICER)
    complaint = make_case(Stage.HEARING, ip_view=None)
    response = client.post(
        _url("case_decision", complaint),
        {"finding": Decision.Finding.NO_BREACH, "findings": "Facts.", "reasons": "Reasons."},
    )
    assert response.status_code == 200
    assert "Record the Independent Person" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.stage == Stage.HEARING
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"findings": "F", "reasons": "R"}, "Select the finding"),
        ({"finding": "no_breach", "findings": " ", "reasons": "R"}, "Enter the findings of fact"),
        ({"finding": "no_breach", "findings": "F", "reasons": ""}, "Enter the reasons for the decision"),
        ({"finding": "breach_sanctions", "findings": "F", "reasons": "R"}, "Select at least one sanction"),
        ({"finding": "no_breach", "findings": "F", "reasons": "R", "sanctions": ["censure"]}, "Sanctions follow only"),
        ({"finding": "breach_sanctions", "findings": "F", "reasons": "R", "sanctions": ["suspend"]}, "valid choice"),
        ({"finding": "no_further_action", "findings": "F", "reasons": "R"}, "valid choice"),
    ],
)
def test_bad_decisions_are_refused_with_a_message(client, login, data, message):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(Stage.HEARING)
    response = client.post(_url("case_decision", complaint), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).stage == Stage.HEARING
    assert not Decision.objects.exists()


def test_a_decision_is_not_open_before_investigation(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(Stage.ASSESSMENT)
    response = client.get(_url("case_decision", complaint))
    assert "can be recorded when the case is at investigation" in response.content.decode()
    client.post(_url("case_decision", complaint), {"finding": "no_breach", "findings": "F", "reasons": "R"})
    assert not Decision.objects.exists()


@pytest.mark.parametrize("name", ["case_decision", "decision_notice_send"])
def test_an_independent_person_may_neither_decide_nor_send(client, login, name):
    complaint = make_case(Stage.HEARING)
    ip = complaint.independent_persons.get()
    client.force_login(ip)
    assert client.get(_url(name, complaint)).status_code == 403
    assert client.post(_url(name, complaint), {"finding": "no_breach"}).status_code == 403


def test_an_officer_of_another_authority_does_not_find_the_case(client, login):
    complaint = make_case(Stage.HEARING)
    login(Role.MONITORING_OFFICER, authority=ParishFactory().principal)
    for name in ("case_decision", "decision_notice", "decision_notice_pdf", "decision_notice_send"):
        assert client.get(_url(name, complaint)).status_code == 404


# --- The notice page ------------------------------------------------------------------------------


def test_the_notice_page_shows_the_decision(client, login):
    complaint = make_case(Stage.DECISION)
    decide(
        complaint,
        finding=Decision.Finding.BREACH_SANCTIONS,
        sanctions=[Sanction.PUBLISH],
        ip_view_summary="The IP agreed.",
    )
    login(Role.MONITORING_OFFICER)
    page = client.get(_url("decision_notice", complaint)).content.decode()
    councillor = complaint.councillors.get()
    for text in [
        complaint.reference,
        complaint.principal_authority.name,
        f"Councillor {councillor.name}, {councillor.authority.name}",
        "1. Respect",
        "Officers are useless.",
        "Pat Complainant",
        "Breach of the Code, with sanctions",
        "The post was made.",
        "Not a breach.",
        "Publication of the finding",
        "The IP agreed.",
        "There is no right of appeal",
        "usually published",
        "Send the decision notice",
    ]:
        assert text in page, text
    for private in ("pat@example.org", "07700 900123", "1 High Street"):
        assert private not in page


def test_the_complainant_is_not_named_when_confidentiality_was_granted(client, login):
    complaint = make_case(Stage.DECISION, confidentiality_granted=True)
    decide(complaint)
    login(Role.MONITORING_OFFICER)
    page = client.get(_url("decision_notice", complaint)).content.decode()
    assert "Pat Complainant" not in page
    assert "Withheld at the complainant" in page
    assert "usually published" not in page  # no breach found


def test_the_assigned_independent_person_may_read_the_notice_but_not_send_it(client):
    complaint = make_case(Stage.DECISION)
    decide(complaint)
    client.force_login(complaint.independent_persons.get())
    page = client.get(_url("decision_notice", complaint)).content.decode()
    assert "Not a breach." in page
    assert "Send the decision notice" not in page


def test_before_a_decision_the_notice_page_says_so(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(Stage.HEARING)
    page = client.get(_url("decision_notice", complaint)).content.decode()
    assert "No decision has been recorded" in page
    assert client.get(_url("decision_notice_pdf", complaint))["Location"] == _url("decision_notice", complaint)


@pytest.mark.parametrize(
    ("stage", "finding"),
    [(Stage.NO_FURTHER_ACTION, "No further action"), (Stage.INFORMAL_RESOLUTION, "Informal resolution")],
)
def test_an_assessment_outcome_gets_a_notice_from_its_reason(client, login, stage, finding):
    mo = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage, assessed_at=timezone.now())
    TimelineEntry.objects.create(
        complaint=complaint,
        actor=mo,
        kind=TimelineEntry.Kind.TRANSITION,
        from_stage=Stage.ASSESSMENT,
        to_stage=stage,
        summary="Outcome",
        text="Trivial: the post was deleted within minutes.",
    )
    assert "Prepare the decision notice" in client.get(_url("decision_notice", complaint)).content.decode()
    page = client.post(_url("decision_notice", complaint), follow=True).content.decode()
    decision = Decision.objects.get(complaint=complaint)
    assert decision.finding == stage  # the finding has the same value as the stage
    assert decision.reasons == "Trivial: the post was deleted within minutes."
    assert f"{finding}." in page
    assert "Trivial: the post was deleted within minutes." in page
    assert AuditEntry.objects.filter(action="complaint.notice_prepared").count() == 1
    client.post(_url("decision_notice", complaint))  # asking again changes nothing
    assert Decision.objects.filter(complaint=complaint).count() == 1


def test_an_assessment_notice_needs_the_recorded_reason(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(Stage.NO_FURTHER_ACTION)
    page = client.post(_url("decision_notice", complaint), follow=True).content.decode()
    assert "The reason for the outcome was not recorded" in page
    assert not Decision.objects.exists()


# --- The PDF --------------------------------------------------------------------------------------


def test_the_notice_downloads_as_a_tagged_pdf(client, login):
    complaint = make_case(Stage.DECISION)
    decide(complaint)
    login(Role.MONITORING_OFFICER)
    response = client.get(_url("decision_notice_pdf", complaint))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="decision-notice-{complaint.reference}.pdf"'
    assert response.content.startswith(b"%PDF-1.7")
    _assert_accessible_pdf(pdf.render_document("pdf/decision_notice.html", _notice_context(complaint)), complaint)


def _notice_context(complaint: Complaint) -> dict:
    from complaints.decisions import notice_context

    return notice_context(complaint, complaint.decision)


def _assert_accessible_pdf(document, complaint: Complaint) -> None:
    """PDF/UA-1: tagged, with the title and language the template gives."""
    assert document.metadata.title == f"Decision notice {complaint.reference}"
    assert document.metadata.lang == "en-GB"
    raw = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=True)
    assert b"/StructTreeRoot" in raw
    assert b"/MarkInfo" in raw
    assert b"/Lang (en-GB)" in raw
    assert b"pdfuaid:part" in raw
    assert b"/DisplayDocTitle true" in raw
    for tag in (b"/H1", b"/H2", b"/L"):
        assert b"/S " + tag in raw, tag


def _laid_out_text(document) -> str:
    """The text WeasyPrint put on the pages (what a reader of the PDF sees)."""
    texts = []

    def walk(box):
        if hasattr(box, "text"):
            texts.append(box.text)
        for child in getattr(box, "children", []):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts)


def test_typed_markup_reaches_the_pdf_as_text_and_is_never_fetched(client, login, monkeypatch):
    asked: list[str] = []
    original = pdf.StaticFilesFetcher.fetch
    monkeypatch.setattr(
        pdf.StaticFilesFetcher,
        "fetch",
        lambda self, url, headers=None: asked.append(url) or original(self, url, headers),
    )
    complaint = make_case(Stage.DECISION)
    decide(complaint, findings=f"Findings {TRAP_IMG}", reasons=f"Reasons {TRAP_LINK}")
    login(Role.MONITORING_OFFICER)
    assert client.get(_url("decision_notice_pdf", complaint)).status_code == 200
    context = _notice_context(complaint)
    html = pdf.render_html("pdf/decision_notice.html", context)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert TRAP_IMG not in html and TRAP_LINK not in html
    text = _laid_out_text(pdf.render_document("pdf/decision_notice.html", context))
    assert TRAP_IMG in text
    assert "http://example.com/x.css" in text
    # Only the stylesheet was fetched, from the static files.
    assert asked and all(url == pdf.ASSET_ORIGIN + "/static/css/pdf.css" for url in asked)


# --- The fetcher ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/static/css/pdf.css",
        "ftp://example.com/x",
        f"{pdf.ASSET_ORIGIN}/etc/passwd",
        f"{pdf.ASSET_ORIGIN}/static/../../../../etc/passwd",
        f"{pdf.ASSET_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
        f"{pdf.ASSET_ORIGIN}/static/css/missing.css",
        f"{pdf.ASSET_ORIGIN}:8443/static/css/pdf.css",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.StaticFilesFetcher().fetch(url)


def test_the_fetcher_serves_static_files_and_data_urls():
    response = pdf.StaticFilesFetcher().fetch(pdf.ASSET_ORIGIN + "/static/css/pdf.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert pdf.StaticFilesFetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_a_template_naming_other_urls_renders_without_fetching_them(settings, tmp_path, caplog):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "trap.html").write_text(
        '{% extends "pdf/base.html" %}{% block document_title %}Trap{% endblock document_title %}'
        '{% block head %}<link rel="stylesheet" href="http://example.com/x.css">{% endblock head %}'
        '{% block content %}<h1>Trap</h1><img src="file:///etc/passwd" alt="">{% endblock content %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with caplog.at_level(logging.WARNING, logger="council.pdf"):
        assert pdf.render_pdf("pdf/trap.html").startswith(b"%PDF")
    refused = [r.getMessage() for r in caplog.records if r.name == "council.pdf"]
    assert any("file:///etc/passwd" in m for m in refused)
    assert any("http://example.com/x.css" in m for m in refused)


# --- Sending --------------------------------------------------------------------------------------


def test_sending_the_notice_emails_each_party_once_with_the_pdf(client, login, outbox):
    parish = ParishFactory(clerk_email="clerk@parish.example")
    councillor = CouncillorFactory(authority=parish, email="cllr@parish.example")
    complaint = make_case(Stage.DECISION, councillor=councillor)
    second_ip = make_user(Role.INDEPENDENT_PERSON, email="ip.two@council.example")
    complaint.independent_persons.add(second_ip)
    decide(complaint)
    mo = login(Role.MONITORING_OFFICER)
    response = client.post(_url("decision_notice_send", complaint), follow=True)
    assert "has been sent to 5 recipient(s)" in response.content.decode()
    first_ip = complaint.independent_persons.exclude(pk=second_ip.pk).get()
    assert sorted(m.to[0] for m in outbox) == sorted(
        ["cllr@parish.example", "clerk@parish.example", "pat@example.org", first_ip.email, "ip.two@council.example"]
    )
    message = outbox[0]
    assert message.subject == f"Decision notice: complaint {complaint.reference}"
    assert "Not a breach." in message.body
    assert message.alternatives[0][1] == "text/html"
    filename, content, mimetype = message.attachments[0]
    assert filename == f"decision-notice-{complaint.reference}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    stored = OutboundEmail.objects.filter(key__startswith=f"complaint-decision-notice:{complaint.pk}:").first()
    assert base64.b64decode(stored.attachments[0]["content"]) == content
    decision = Decision.objects.get(complaint=complaint)
    assert decision.notice_sent_at is not None
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.LETTER)
    assert entry.visible_to_complainant and entry.visible_to_councillor
    assert AuditEntry.objects.filter(action="complaint.decision_notice_sent", actor=mo).count() == 1
    complaint.refresh_from_db()
    assert complaint.due_date is None  # the notice was the deadline


def test_the_notice_is_sent_only_once(client, login, outbox):
    complaint = make_case(Stage.DECISION)
    decide(complaint)
    login(Role.MONITORING_OFFICER)
    client.post(_url("decision_notice_send", complaint))
    sent = len(outbox)
    page = client.post(_url("decision_notice_send", complaint), follow=True).content.decode()
    assert "already sent on" in page
    assert len(outbox) == sent
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.LETTER).count() == 1
    assert "Send the decision notice" not in page


def test_sending_before_a_decision_is_refused(client, login, outbox):
    complaint = make_case(Stage.HEARING)
    login(Role.MONITORING_OFFICER)
    page = client.post(_url("decision_notice_send", complaint), follow=True).content.decode()
    assert "Record the decision before sending" in page
    assert outbox == []
    assert client.get(_url("decision_notice_send", complaint))["Location"] == _url("decision_notice", complaint)
