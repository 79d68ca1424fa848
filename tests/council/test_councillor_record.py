"""A councillor's record for Member Services: the page, and the same content as a tagged PDF."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from council.models import AuditEntry
from council.roles import Role
from protocol import services as protocol_services
from protocol.models import Acknowledgement, Requirement, SocialAccount, Version
from tests.complaints.test_report_pdf_pypdf import _struct_types
from tests.factories import (
    AuthorityFactory,
    CommitteeMembershipFactory,
    CouncillorFactory,
    TermOfOfficeFactory,
    make_user,
)
from tests.protocol.factories import make_published
from tests.training.factories import (
    BookingFactory,
    CourseFactory,
    MandatoryRuleFactory,
    SessionFactory,
    TrainingRecordFactory,
)
from training.models import Booking, TrainingRecord

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TERM_START, TERM_END = date(TODAY.year - 2, 5, 5), date(TODAY.year + 2, 5, 4)
EVIL = '<img src="file:///etc/passwd">'
ESCAPED = "&lt;img src=&quot;file:///etc/passwd&quot;&gt;"
ALLOWED = [Role.MEMBER_SERVICES, Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, Role.ADMINISTRATOR]
REFUSED = [Role.COUNCILLOR, Role.INDEPENDENT_PERSON, Role.COMMUNICATIONS, Role.REPORT_VIEWER]


def page_url(councillor) -> str:
    return reverse("council:councillor_record", args=[councillor.pk])


def pdf_url(councillor) -> str:
    return reverse("council:councillor_record_pdf", args=[councillor.pk])


def _words(text: str) -> str:
    """Text with all whitespace removed: PDF text extraction breaks lines where the layout wrapped."""
    return "".join(text.split())


def _row(html: str, starts: str) -> str:
    """The text of the one table row whose text starts with ``starts``."""
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)]
    (found,) = [row for row in rows if row.startswith(starts)]
    return found


def _pdf(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="councillor-record-')
    return PdfReader(io.BytesIO(response.content))


def _pdf_text(reader: PdfReader) -> str:
    return " ".join(page.extract_text() for page in reader.pages)


def _acknowledge(councillor, version, *, actor=None, paper=False) -> Acknowledgement:
    return protocol_services.acknowledge(
        actor=actor,
        councillor=councillor,
        version=version,
        typed_name=councillor.name,
        method=Acknowledgement.Method.PAPER if paper else Acknowledgement.Method.SELF,
    )


@pytest.fixture
def councillor():
    """A serving councillor with a term, a committee, and a mandatory course not yet done."""
    authority = AuthorityFactory(name="Oxbridge City Council")
    councillor = CouncillorFactory(
        name="Rita Record", authority=authority, ward__name="Castle Ward", political_group__name="Green Group"
    )
    TermOfOfficeFactory(councillor=councillor, start_date=TERM_START, end_date=TERM_END)
    CommitteeMembershipFactory(councillor=councillor, committee__authority=authority, committee__name="Planning")
    return councillor


# --- Who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED)
def test_directory_viewers_see_the_page_and_the_pdf(client, login, councillor, role):
    login(role)
    assert client.get(page_url(councillor)).status_code == 200
    _pdf(client.get(pdf_url(councillor)))


@pytest.mark.parametrize("role", REFUSED)
def test_others_are_refused(client, login, councillor, role):
    login(role)
    assert client.get(page_url(councillor)).status_code == 403
    assert client.get(pdf_url(councillor)).status_code == 403
    assert not AuditEntry.objects.filter(action="council.councillor_record_downloaded").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, councillor):
    for url in (page_url(councillor), pdf_url(councillor)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_councillor_is_not_found(client, member_services):
    assert client.get(reverse("council:councillor_record", args=[999999])).status_code == 404
    assert client.get(reverse("council:councillor_record_pdf", args=[999999])).status_code == 404


def test_an_officer_of_one_authority_sees_other_authorities_as_on_the_directory(client, login, councillor):
    # The directory does not narrow officers to their authority, so neither does the record.
    login(Role.MONITORING_OFFICER, authority=AuthorityFactory(name="Elsewhere District Council"))
    assert client.get(reverse("council:councillor_detail", args=[councillor.pk])).status_code == 200
    assert client.get(page_url(councillor)).status_code == 200


# --- What it shows --------------------------------------------------------------------------------


def test_the_profile_links_to_the_record_and_the_record_to_its_pdf(client, member_services, councillor):
    profile = client.get(reverse("council:councillor_detail", args=[councillor.pk])).content.decode()
    assert page_url(councillor) in profile and "Councillor record report" in profile
    page = client.get(page_url(councillor)).content.decode()
    assert pdf_url(councillor) in page and "Download as PDF" in page


def test_the_page_shows_who_they_are(client, login, councillor):
    login(Role.MEMBER_SERVICES, full_name="Mo Services")
    html = client.get(page_url(councillor)).content.decode()
    terms = (f"5 May {TERM_START.year}", f"4 May {TERM_END.year}")
    for text in ("Rita Record", "Oxbridge City Council", "Castle Ward", "Green Group", *terms):
        assert text in html
    assert "Planning" in html
    assert "by Mo Services. Contains personal data." in html


def test_the_protocol_section_lists_each_version_that_applied(client, login, councillor):
    officer = login(Role.MEMBER_SERVICES, full_name="Mo Services")
    v1 = make_published()
    _acknowledge(councillor, v1, actor=officer, paper=True)
    v2 = make_published()  # material: to acknowledge again
    v3 = make_published(change_kind=Version.ChangeKind.MINOR)
    Requirement.objects.filter(councillor=councillor, version=v2).update(due_date=timezone.localdate() - timedelta(1))

    html = client.get(page_url(councillor)).content.decode()

    assert "Signed paper form, recorded by Mo Services" in _row(html, "Version 1 ")
    assert "Acknowledged" in _row(html, "Version 1 ")
    # v2 was superseded before it was acknowledged.
    assert _row(html, "Version 2 ").endswith("Not acknowledged Superseded")
    # v3, in force, is a minor change: it needs v2's acknowledgement, which is late.
    v3_row = _row(html, "Version 3 ")
    assert "Minor change to version 2" in v3_row and "(in force now)" in v3_row
    assert "Overdue Was due by" in v3_row
    assert f"{v3}: Overdue" in " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert v1.number == 1 and v2.number == 2


def test_a_minor_version_counts_an_earlier_acknowledgement(client, member_services, councillor):
    v1 = make_published()
    _acknowledge(councillor, v1)
    make_published(change_kind=Version.ChangeKind.MINOR)

    html = client.get(page_url(councillor)).content.decode()

    minor_row = _row(html, "Version 2 ")
    assert "By acknowledging version 1" in minor_row and "By the councillor in the portal" in minor_row
    assert "Acknowledged" in minor_row
    assert "Overdue" not in html and "Outstanding" not in html


def test_a_version_published_after_they_left_does_not_apply(client, member_services):
    former = CouncillorFactory(name="Fay Former", is_active=False)
    TermOfOfficeFactory(councillor=former, start_date=date(2015, 5, 1), end_date=date(2019, 5, 1))
    make_published()

    html = client.get(page_url(former)).content.decode()

    assert "No published version of the protocol has applied to Councillor Fay Former" in html
    assert "not required" in html


def test_declared_accounts_show_current_and_removed(client, member_services, councillor):
    kept = protocol_services.declare_account(
        actor=None, councillor=councillor, platform="x", handle="@rita_current", use="councillor", has_disclaimer=True
    )
    gone = protocol_services.declare_account(
        actor=None, councillor=councillor, platform="facebook", handle="rita.old", use="personal", has_disclaimer=False
    )
    protocol_services.remove_account(actor=None, account=gone)
    other = CouncillorFactory()
    protocol_services.remove_account(
        actor=None,
        account=SocialAccount.objects.create(councillor=other, platform="x", handle="@someone_else", use="personal"),
    )

    html = client.get(page_url(councillor)).content.decode()

    assert _row(html, "X (Twitter) @rita_current").endswith("Current")
    assert "Removed On" in _row(html, "Facebook rita.old")
    assert kept.declared_at.strftime("%-d %B %Y") in _row(html, "Facebook rita.old")
    assert "@someone_else" not in html


def test_the_training_section_shows_records_bookings_and_mandatory_courses(client, login, councillor):
    officer = login(Role.MEMBER_SERVICES, full_name="Mo Services")
    done = MandatoryRuleFactory(course__title="Code of conduct")
    MandatoryRuleFactory(course__title="Data protection")  # not done: overdue (their term began 2 years ago)
    booked = MandatoryRuleFactory(course__title="Planning essentials")
    TrainingRecordFactory(
        councillor=councillor,
        course=done.course,
        title="Code of conduct",
        recorded_by=officer,
        completed_on=date(2024, 3, 1),
    )
    TrainingRecordFactory(
        councillor=councillor, course=CourseFactory(title="Chairing skills"), source=TrainingRecord.Source.SESSION
    )
    upcoming = SessionFactory(course=booked.course)
    BookingFactory(councillor=councillor, session=upcoming)
    BookingFactory(
        councillor=councillor,
        session=SessionFactory(course__title="Past course", starts_at=timezone.now() - timedelta(days=3)),
    )

    html = client.get(page_url(councillor)).content.decode()

    assert _row(html, "Code of conduct 1 March 2024").endswith("Recorded by Mo Services")
    assert _row(html, "Chairing skills").endswith("Attended a session")
    assert _row(html, "Code of conduct All councillors").endswith("Complete")
    assert "Overdue" in _row(html, "Data protection")
    assert "Booked" in _row(html, "Planning essentials All councillors")
    starts = timezone.localtime(upcoming.starts_at)
    assert _row(html, f"Planning essentials {starts:%-d %B %Y %H:%M}").endswith("Booked")
    assert "Past course" not in html  # not upcoming


# --- The PDF --------------------------------------------------------------------------------------


def test_the_pdf_is_tagged_and_has_the_content(client, login, councillor):
    login(Role.MEMBER_SERVICES, full_name="Mo Services")
    version = make_published()
    _acknowledge(councillor, version)
    protocol_services.declare_account(
        actor=None, councillor=councillor, platform="x", handle="@rita_pdf", use="councillor", has_disclaimer=True
    )
    TrainingRecordFactory(councillor=councillor, title="Licensing basics")

    reader = _pdf(client.get(pdf_url(councillor)))

    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Councillor record: Rita Record"
    assert {"/H1", "/H2", "/Table", "/TH", "/TD"} <= _struct_types(catalog["/StructTreeRoot"], set())
    text = _words(_pdf_text(reader))
    for expected in (
        "RitaRecord",
        "CastleWard",
        "Planning",
        "Socialmediaprotocol",
        "@rita_pdf",
        "Bythecouncillorintheportal",
        "Training",
        "Licensingbasics",
        "byMoServices.Containspersonaldata.",
    ):
        assert expected in text, expected


def test_downloading_the_pdf_is_audited_and_viewing_the_page_is_not(client, member_services, councillor):
    client.get(page_url(councillor))
    assert not AuditEntry.objects.filter(action="council.councillor_record_downloaded").exists()

    client.get(pdf_url(councillor))

    entry = AuditEntry.objects.get(action="council.councillor_record_downloaded")
    assert entry.actor == member_services
    assert (entry.object_type, entry.object_id) == ("council.councillor", str(councillor.pk))
    assert entry.data["sections"] == ["Social media protocol", "Training"]


def test_typed_markup_is_shown_as_text_on_the_page_and_in_the_pdf(client, member_services, councillor):
    protocol_services.declare_account(
        actor=None, councillor=councillor, platform="other", handle=EVIL, use="personal", has_disclaimer=False
    )
    TrainingRecordFactory(councillor=councillor, title=EVIL, provider=EVIL)

    html = client.get(page_url(councillor)).content.decode()
    assert EVIL not in html
    assert ESCAPED in html

    text = _words(_pdf_text(_pdf(client.get(pdf_url(councillor)))))
    assert _words(EVIL) in text


# --- Query count ----------------------------------------------------------------------------------


def _add(councillor, n: int, officer) -> None:
    """``n`` more of everything the record lists: versions acknowledged, accounts (kept and removed),
    training records, bookings, committees and terms."""
    for i in range(n):
        version = make_published()
        _acknowledge(councillor, version, actor=officer, paper=bool(i % 2))
        protocol_services.declare_account(
            actor=None, councillor=councillor, platform="x", handle=f"@kept{version.pk}", use="personal",
            has_disclaimer=False,
        )  # fmt: skip
        removed = protocol_services.declare_account(
            actor=None, councillor=councillor, platform="blog", handle=f"gone{version.pk}.example", use="personal",
            has_disclaimer=False,
        )  # fmt: skip
        protocol_services.remove_account(actor=None, account=removed)
        rule = MandatoryRuleFactory()
        TrainingRecordFactory(councillor=councillor, course=rule.course, recorded_by=officer)
        BookingFactory(councillor=councillor, status=Booking.Status.BOOKED)
        CommitteeMembershipFactory(councillor=councillor, committee__authority=councillor.authority)
        TermOfOfficeFactory(councillor=councillor, start_date=date(1990 + version.number, 1, 1), end_date=None)


def _queries(client, url: str) -> int:
    """The page's queries. Of two requests in a row, at most one writes the session (a staff
    session records its last use once a minute), so the smaller count is the page's own."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    return min(counts)


def test_the_page_takes_the_same_number_of_queries_for_2_or_20_of_everything(client, member_services, councillor):
    officer = make_user(Role.MEMBER_SERVICES)
    _add(councillor, 2, officer)
    client.get(page_url(councillor))  # warm caches (content types)
    few = _queries(client, page_url(councillor))

    _add(councillor, 18, officer)
    html = client.get(page_url(councillor)).content.decode()
    assert html.count("By the councillor in the portal") == 10 and html.count("@kept") == 20
    many = _queries(client, page_url(councillor))

    assert few == many
