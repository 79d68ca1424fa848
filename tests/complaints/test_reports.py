"""Complaint reports: the Monitoring Officer's register and the standards annual report."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import register_pdf, report_views, reports
from complaints.models import CodeHeading, Complaint, Conflict, Decision, Stage
from council import pdf
from council.roles import Role
from tests.factories import AuthorityFactory, CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

REGISTER = reverse("complaints:report_register")
ANNUAL = reverse("complaints:report_annual")
TRAP_IMG = '<img src="file:///etc/passwd">'
_numbers = itertools.count(1)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


def make_case(stage: str = Stage.ASSESSMENT, *, councillor=None, received=None, headings=(1,), **fields) -> Complaint:
    """A submitted case, built with the ORM (the workflow is tested elsewhere)."""
    councillor = councillor or CouncillorFactory()
    complaint = Complaint.objects.create(
        reference=f"CC-2025-{next(_numbers):05d}",
        principal_authority=councillor.authority.principal_authority,
        stage=stage,
        complainant_name="Pat Complainant",
        complainant_email="pat@example.org",
        complainant_type=Complaint.ComplainantType.PUBLIC,
        acting_as_councillor=Complaint.ActingAsCouncillor.YES,
        outcome_sought="An apology",
        received_at=received or at(2025, 6, 2),
        **fields,
    )
    complaint.councillors.add(councillor)
    complaint.headings.add(*CodeHeading.objects.filter(number__in=headings))
    return complaint


# --- Who may see them --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "register", "annual"),
    [
        (Role.MONITORING_OFFICER, 200, 200),
        (Role.DEPUTY_MONITORING_OFFICER, 200, 200),
        (Role.REPORT_VIEWER, 403, 200),
        (Role.MEMBER_SERVICES, 403, 200),
        (Role.ADMINISTRATOR, 403, 200),
        (Role.INDEPENDENT_PERSON, 403, 403),
        (Role.COUNCILLOR, 403, 403),
        (Role.COMMUNICATIONS, 403, 403),
    ],
)
def test_who_may_see_each_report(client, login, role, register, annual):
    login(role)
    for url, status in ((REGISTER, register), (ANNUAL, annual)):
        for query in ("", "?format=csv", "?format=pdf"):
            assert client.get(url + query).status_code == status, (url, query)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (REGISTER, ANNUAL):
        assert client.get(url)["Location"].startswith(reverse("account_login"))


# --- The register -----------------------------------------------------------------------------------


def test_the_register_lists_only_the_cases_the_officer_may_see(client, login):
    officer = login(Role.MONITORING_OFFICER)
    shown = make_case()
    conflicted = make_case()
    Conflict.objects.create(complaint=conflicted, user=officer, reason="Neighbour")
    draft = make_case(Stage.DRAFT)
    response = client.get(REGISTER)
    page = response.content.decode()
    assert shown.reference in page
    assert conflicted.reference not in page
    assert f"Draft complaint {draft.pk}" not in page
    rows = list(csv.reader(io.StringIO(client.get(REGISTER + "?format=csv").content.decode())))
    assert [row[0] for row in rows[1:]] == [shown.reference]


def test_an_officer_of_one_authority_sees_only_its_cases(client, login):
    ours = make_case()
    theirs = make_case()
    login(Role.MONITORING_OFFICER, authority=ours.principal_authority)
    page = client.get(REGISTER).content.decode()
    assert ours.reference in page
    assert theirs.reference not in page


def test_the_register_filters_by_period_and_stage(client, login):
    login(Role.MONITORING_OFFICER)
    june = make_case(Stage.ASSESSMENT, received=at(2025, 6, 2))
    june_closed = make_case(Stage.CLOSED, received=at(2025, 6, 20), closed_at=at(2025, 7, 1))
    august = make_case(Stage.ASSESSMENT, received=at(2025, 8, 2))
    query = {"date_from_0": "1", "date_from_1": "6", "date_from_2": "2025", "date_to_0": "30", "date_to_1": "6"}
    query |= {"date_to_2": "2025", "stage": "assessment"}
    page = client.get(REGISTER, query).content.decode()
    assert june.reference in page
    assert june_closed.reference not in page
    assert august.reference not in page
    query["stage"] = ""
    page = client.get(REGISTER, query).content.decode()
    assert june_closed.reference in page
    assert "1 Jul 2025" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from_0": "31", "date_from_1": "2", "date_from_2": "2025"}, "The date must be a real date"),
        ({"date_from_0": "1", "date_from_1": "2", "date_from_2": "99999"}, "The date must be a real date"),
        ({"date_from_0": "1", "date_from_1": "", "date_from_2": "2025"}, "Enter the month"),
        ({"date_from_0": "x", "date_from_1": "2", "date_from_2": "2025"}, "Enter a valid date"),
        ({"date_from_0": "1", "date_from_1": "2", "date_from_2": "1900"}, "Enter a date between 2000 and 2100"),
        (
            {"date_from_0": "2", "date_from_1": "2", "date_from_2": "2025"}
            | {"date_to_0": "1", "date_to_1": "2", "date_to_2": "2025"},
            "The end of the period must be the same as or after the start",
        ),
        ({"stage": "nonsense"}, "Choose a stage from the list"),
    ],
)
@pytest.mark.parametrize("export", ["", "csv", "pdf"])
def test_bad_filters_get_a_clear_message(client, login, query, message, export):
    login(Role.MONITORING_OFFICER)
    make_case()
    response = client.get(REGISTER, {**query, "format": export})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert "<title>Error: Complaint register" in page


def test_bad_dates_on_the_annual_report_get_a_clear_message(client, login):
    login(Role.REPORT_VIEWER)
    response = client.get(ANNUAL, {"date_to_0": "30", "date_to_1": "2", "date_to_2": "2026", "format": "pdf"})
    assert response.status_code == 200
    assert "The date must be a real date" in response.content.decode()


def _register_queries(client, count: int) -> int:
    Complaint.objects.all().delete()
    for _ in range(count):
        make_case()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(REGISTER).status_code == 200
    return len(queries)


def test_the_register_page_makes_the_same_number_of_queries_for_3_or_30_rows(client, login):
    login(Role.MONITORING_OFFICER)
    assert _register_queries(client, 3) == _register_queries(client, 30)


def test_typed_markup_appears_as_text(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(councillor=CouncillorFactory(name=f"Sam {TRAP_IMG}"))
    page = client.get(REGISTER).content.decode()
    assert TRAP_IMG not in page
    assert "Sam &lt;img src=&quot;file:///etc/passwd&quot;&gt;" in page
    html = pdf.render_html(
        "pdf/complaint_register.html",
        register_pdf.context(reports.register_rows(reports.register_cases(make_user())), None, ""),
    )
    assert TRAP_IMG not in html
    rows = reports.register_rows(Complaint.objects.filter(pk=complaint.pk))
    html = pdf.render_html("pdf/complaint_register.html", register_pdf.context(rows, None, ""))
    assert TRAP_IMG not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html


def test_the_register_csv_has_every_column_and_guards_against_formulas(client, login):
    login(Role.MONITORING_OFFICER)
    councillor = CouncillorFactory(name='=HYPERLINK("http://evil.example")')
    complaint = make_case(Stage.CLOSED, councillor=councillor, closed_at=at(2025, 7, 1))
    Decision.objects.create(complaint=complaint, finding=Decision.Finding.NO_BREACH, findings="F", reasons="R")
    response = client.get(REGISTER, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="complaint-register-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Reference", "Received", "Councillors", "Principal authority", "Stage", "Outcome", "Closed"]
    assert rows[1] == [
        complaint.reference,
        "2025-06-02",
        f'\'=HYPERLINK("http://evil.example") ({councillor.authority.name})',
        complaint.principal_authority.name,
        "Closed",
        "No breach of the Code",
        "2025-07-01",
    ]


def test_exporting_the_register_is_audited(client, login):
    from council.models import AuditEntry

    officer = login(Role.MONITORING_OFFICER)
    make_case()
    client.get(REGISTER, {"format": "csv"})
    entry = AuditEntry.objects.get(action="complaints.register_exported")
    assert entry.actor == officer
    assert entry.data == {"format": "csv", "rows": 1}


def _laid_out_text(document) -> str:
    """The text WeasyPrint put on the pages (what a reader of the PDF sees): the PDF's own
    streams are compressed and hold glyph ids, so the text is read from the laid-out boxes."""
    texts = []

    def walk(box):
        if hasattr(box, "text"):
            texts.append(box.text)
        for child in getattr(box, "children", []):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts)


def test_the_register_downloads_as_a_tagged_pdf(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()
    response = client.get(REGISTER, {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    # The download is opened with pypdf in test_report_pdf_pypdf.py; here the tag names are checked in
    # the same document written uncompressed, and the text in its laid-out boxes.
    rows = reports.register_rows(Complaint.objects.all())
    document = pdf.render_document("pdf/complaint_register.html", register_pdf.context(rows, None, ""))
    assert document.metadata.title == "Complaint register"
    assert document.metadata.lang == "en-GB"
    raw = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=True)
    for marker in (b"/StructTreeRoot", b"/MarkInfo", b"/Lang (en-GB)", b"/DisplayDocTitle true", b"/Title"):
        assert marker in raw, marker
    for tag in (b"/H1", b"/Table", b"/THead", b"/TH", b"/TD"):
        assert b"/S " + tag in raw, tag
    assert complaint.reference in _laid_out_text(document)


def test_the_register_pdf_repeats_its_header_on_every_page(login):
    for _ in range(60):
        make_case()
    rows = reports.register_rows(Complaint.objects.all())
    document = pdf.render_document("pdf/complaint_register.html", register_pdf.context(rows, None, ""))
    assert len(document.pages) > 1
    assert _laid_out_text(document).count("Councillors (council)") == len(document.pages)


def test_a_register_too_big_for_a_pdf_asks_for_a_shorter_period(client, login, monkeypatch):
    monkeypatch.setattr(report_views, "REGISTER_PDF_MAX_ROWS", 1)
    login(Role.MONITORING_OFFICER)
    make_case()
    make_case()
    response = client.get(REGISTER, {"format": "pdf"})
    assert response["Content-Type"].startswith("text/html")
    assert "choose a shorter period, or download the CSV" in response.content.decode()


# --- The annual report --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 3, 31), date(2024, 4, 1), date(2025, 3, 31)),
        (date(2026, 4, 1), date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 12, 31), date(2025, 4, 1), date(2026, 3, 31)),
    ],
)
def test_the_default_period_is_the_last_full_financial_year(today, start, end):
    assert reports.last_financial_year(today) == reports.Period(start, end)


@pytest.fixture
def known_year():
    """Three complaints in 2025-26 (June has no bank holidays), one before it, one draft."""
    first, second = AuthorityFactory(name="Alpha District Council"), AuthorityFactory(name="Beta Borough Council")
    decided = make_case(
        Stage.CLOSED,
        councillor=CouncillorFactory(authority=first, name="Chris Named"),
        headings=(1, 2),
        received=at(2025, 6, 2),
        acknowledged_at=at(2025, 6, 4),  # 2 working days
        assessed_at=at(2025, 6, 16),  # 10
    )
    Decision.objects.create(complaint=decided, finding=Decision.Finding.NO_BREACH, findings="F", reasons="R")
    make_case(
        Stage.WITHDRAWN,
        councillor=CouncillorFactory(authority=first),
        received=at(2025, 6, 2),
        acknowledged_at=at(2025, 6, 10),  # 6: late
        assessed_at=at(2025, 7, 7),  # 25: late
    )
    make_case(
        Stage.ACKNOWLEDGED,
        councillor=CouncillorFactory(authority=second),
        received=at(2025, 9, 1),
        acknowledged_at=at(2025, 9, 8),  # 5: on the day
    )
    make_case(Stage.CLOSED, councillor=CouncillorFactory(authority=first), received=at(2024, 12, 1))
    make_case(Stage.DRAFT, councillor=CouncillorFactory(authority=first), received=None)


def test_the_annual_figures_for_a_known_year(known_year):
    report = reports.annual_report(reports.Period(date(2025, 4, 1), date(2026, 3, 31)))
    assert report["total"] == 3
    months = dict(report["by_month"])
    assert len(months) == 12
    assert months[date(2025, 6, 1)] == 2
    assert months[date(2025, 9, 1)] == 1
    assert sum(months.values()) == 3
    assert report["by_authority"] == [("Alpha District Council", 2), ("Beta Borough Council", 1)]
    headings = {heading.number: str(heading) for heading in CodeHeading.objects.filter(number__in=(1, 2))}
    assert report["by_heading"] == [(headings[1], 3), (headings[2], 1)]
    assert sorted(report["by_outcome"]) == [("No breach of the Code", 1), ("Open: acknowledged", 1), ("Withdrawn", 1)]
    acknowledgement, assessment = report["timings"]
    assert (acknowledgement.measured, acknowledgement.median, acknowledgement.within) == (3, 5, 2)
    assert acknowledgement.percent_within == 67
    assert (assessment.measured, assessment.median, assessment.within) == (2, 17.5, 1)
    assert assessment.percent_within == 50


def test_the_annual_report_page_pdf_and_csv_name_nobody(client, login, known_year, settings):
    login(Role.REPORT_VIEWER)
    query = {"date_from_0": "1", "date_from_1": "4", "date_from_2": "2025"}
    query |= {"date_to_0": "31", "date_to_1": "3", "date_to_2": "2026"}
    page = client.get(ANNUAL, query).content.decode()
    assert "3 complaints received 1 April 2025 to 31 March 2026" in page
    assert "June 2025" in page
    assert "67% (2)" in page
    for name in ("Chris Named", "Pat Complainant", "pat@example.org"):
        assert name not in page
    rows = list(csv.reader(io.StringIO(client.get(ANNUAL, {**query, "format": "csv"}).content.decode())))
    assert ["By authority", "Alpha District Council", "2"] in rows
    assert ["By outcome", "Withdrawn", "1"] in rows
    assert ["Acknowledgement (target 5 working days)", "Median working days", "5"] in rows
    assert not any("Chris Named" in cell for row in rows for cell in row)
    response = client.get(ANNUAL, {**query, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    report = reports.annual_report(reports.Period(date(2025, 4, 1), date(2026, 3, 31)))
    document = pdf.render_document("pdf/annual_report.html", report_views.annual_pdf_context(report))
    assert document.metadata.title == "Standards annual report"
    assert document.metadata.lang == "en-GB"
    text = _laid_out_text(document)
    assert "Alpha District Council" in text
    assert "Chris Named" not in text


def test_the_annual_report_defaults_to_the_last_financial_year(client, login):
    login(Role.REPORT_VIEWER)
    period = reports.last_financial_year()
    assert str(period) in client.get(ANNUAL).content.decode()


def test_months_and_working_days_follow_local_dates_and_bank_holidays():
    """Received at 00:30 BST on 1 April counts in April, of the year that starts that day; a stage's
    working days skip Good Friday and Easter Monday and end on the local date of the acknowledgement."""
    make_case(received=datetime(2025, 3, 31, 23, 30, tzinfo=UTC), acknowledged_at=at(2025, 4, 8))  # 5
    make_case(
        received=at(2025, 4, 17),  # Maundy Thursday
        acknowledged_at=datetime(2025, 4, 22, 23, 30, tzinfo=UTC),  # 00:30 on Wednesday 23 April: 2
    )
    make_case(received=datetime(2025, 3, 31, 22, 30, tzinfo=UTC))  # 23:30 on 31 March: the year before
    make_case(received=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 April 2026: the year after
    report = reports.annual_report(reports.Period(date(2025, 4, 1), date(2026, 3, 31)))
    assert report["total"] == 2
    assert dict(report["by_month"])[date(2025, 4, 1)] == 2
    acknowledgement, assessment = report["timings"]
    assert (acknowledgement.measured, acknowledgement.median, acknowledgement.within) == (2, 3.5, 2)
    assert (assessment.measured, assessment.median) == (0, None)


def _complaints_by_authority(counts: dict[str, int]) -> None:
    for name, count in counts.items():
        councillor = CouncillorFactory(authority=AuthorityFactory(name=name))
        for _ in range(count):
            make_case(Stage.ACKNOWLEDGED, councillor=councillor, received=at(2025, 6, 2))


# The financial year 2025-26, as the period form sends it.
FY_2025 = {
    **{"date_from_0": "1", "date_from_1": "4", "date_from_2": "2025"},
    **{"date_to_0": "31", "date_to_1": "3", "date_to_2": "2026"},
}


def test_the_by_authority_table_names_the_busiest_authorities_and_sums_the_rest(client, login, monkeypatch):
    """A committee reads the authorities with the most complaints; at national scale the rest would fill
    pages. The page and the PDF list the top ones and one row for the others; the CSV lists them all."""
    monkeypatch.setattr(reports, "AUTHORITY_ROWS", 2)
    _complaints_by_authority(
        {"Delta Council": 4, "Alpha Council": 3, "Echo Council": 2, "Bravo Council": 1, "Charlie Council": 1}
    )
    login(Role.REPORT_VIEWER)
    report = reports.annual_report(reports.Period(date(2025, 4, 1), date(2026, 3, 31)))
    assert report["by_authority"] == [
        ("Delta Council", 4),
        ("Alpha Council", 3),
        ("Echo Council", 2),
        ("Bravo Council", 1),
        ("Charlie Council", 1),
    ]
    note = "Complaints concerned councillors of 5 authorities. The 2 with the most complaints are listed"

    page = client.get(ANNUAL, FY_2025).content.decode()
    table = page[page.index("By authority") : page.index("By Code of Conduct heading")]
    assert note in table
    assert table.index("Delta Council") < table.index("Alpha Council") < table.index("The other 3 authorities")
    assert ">4</td>" in table[table.index("The other 3 authorities") :]  # 2 + 1 + 1
    for summed in ("Echo Council", "Bravo Council", "Charlie Council"):
        assert summed not in table

    rows = list(csv.reader(io.StringIO(client.get(ANNUAL, {**FY_2025, "format": "csv"}).content.decode())))
    assert [row[1:] for row in rows if row[0] == "By authority"] == [
        [name, str(count)] for name, count in report["by_authority"]
    ]

    response = client.get(ANNUAL, {**FY_2025, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    document = pdf.render_document("pdf/annual_report.html", report_views.annual_pdf_context(report))
    text = _laid_out_text(document)
    assert "The other 3 authorities" in text
    assert "Echo Council" not in text
    assert "councillors of 5 authorities" in text
    # Still a tagged PDF/UA-1 document: its tables keep their header cells.
    raw = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=True)
    for marker in (b"/StructTreeRoot", b"/MarkInfo", b"/Lang (en-GB)", b"/DisplayDocTitle true"):
        assert marker in raw, marker
    for tag in (b"/H1", b"/H2", b"/Table", b"/TH", b"/TD"):
        assert b"/S " + tag in raw, tag


def test_one_authority_beyond_the_top_is_named_not_summed(client, login, monkeypatch):
    monkeypatch.setattr(reports, "AUTHORITY_ROWS", 2)
    _complaints_by_authority({"Delta Council": 3, "Alpha Council": 2, "Echo Council": 1})
    login(Role.REPORT_VIEWER)
    page = client.get(ANNUAL, FY_2025).content.decode()
    assert "Echo Council" in page
    assert "The other" not in page
    assert "Complaints concerned councillors of" not in page


def _annual_queries(client, authorities: int) -> int:
    Complaint.objects.all().delete()
    _complaints_by_authority({f"Authority {i} Council": 1 + i % 3 for i in range(authorities)})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ANNUAL, FY_2025).status_code == 200
    return len(queries)


def test_the_annual_report_makes_the_same_number_of_queries_for_3_or_30_authorities(client, login):
    login(Role.REPORT_VIEWER)
    assert _annual_queries(client, 3) == _annual_queries(client, 30)
