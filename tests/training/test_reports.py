"""Training reports as tagged PDFs: a session's attendance, a councillor's record, mandatory training."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from council import pdf
from council.models import AuditEntry
from council.roles import Role
from tests.factories import AuthorityFactory, CouncillorFactory
from tests.protocol.test_compliance_report import assert_tagged_pdf
from tests.training.factories import BookingFactory, MandatoryRuleFactory, SessionFactory, TrainingRecordFactory
from training import report_views
from training.models import Booking

pytestmark = pytest.mark.django_db

EVIL = '<img src="file:///etc/passwd">'
ESCAPED = "&lt;img src=&quot;file:///etc/passwd&quot;&gt;"


@pytest.fixture
def session():
    """A session that has happened, with one councillor who attended and one who did not."""
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=1))
    BookingFactory(session=session, councillor=CouncillorFactory(name="Ann Attended"), attendance="attended")
    BookingFactory(
        session=session,
        councillor=CouncillorFactory(name="Abe Absent"),
        attendance=Booking.Attendance.ABSENT,
        absence_reason="Ill",
    )
    return session


@pytest.fixture
def councillor():
    councillor = CouncillorFactory(name="Rita Record")
    rule = MandatoryRuleFactory()
    TrainingRecordFactory(councillor=councillor, course=rule.course, title="Code of conduct refresher")
    return councillor


@pytest.fixture
def captured_html(monkeypatch):
    """The HTML each PDF view rendered (by template name), instead of laying it out."""
    captured: dict[str, str] = {}

    def render_pdf(template_name, context):
        captured[template_name] = pdf.render_html(template_name, context)
        return b"%PDF-"

    monkeypatch.setattr(pdf, "render_pdf", render_pdf)
    return captured


def _urls(session, councillor) -> dict[str, str]:
    return {
        "attendance": reverse("training:attendance_pdf", args=[session.pk]),
        "record": reverse("training:record_pdf", args=[councillor.pk]),
        "matrix": reverse("training:matrix_pdf"),
    }


@pytest.mark.parametrize("report", ["attendance", "record", "matrix"])
def test_each_report_downloads_as_a_tagged_pdf(client, member_services, session, councillor, report):
    response = client.get(_urls(session, councillor)[report])
    assert_tagged_pdf(response)
    assert AuditEntry.objects.filter(action__startswith="training.", action__endswith="_report_downloaded").exists()


@pytest.mark.parametrize("report", ["attendance", "record", "matrix"])
@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.COMMUNICATIONS])
def test_those_who_do_not_manage_training_are_refused(client, login, session, councillor, report, role):
    login(role)
    assert client.get(_urls(session, councillor)[report]).status_code == 403


@pytest.mark.parametrize("name", ["attendance_pdf", "record_pdf"])
def test_a_missing_session_or_councillor_is_not_found(client, member_services, name):
    assert client.get(reverse(f"training:{name}", args=[999999])).status_code == 404


def test_the_attendance_report_lists_who_attended(client, member_services, session, captured_html):
    client.get(reverse("training:attendance_pdf", args=[session.pk]))
    html = captured_html["pdf/training_attendance.html"]
    assert '<html lang="en-GB">' in html and "<title>Attendance:" in html and '<th scope="col">' in html
    assert "Ann Attended" in html and "Abe Absent" in html and "Ill" in html
    assert "1 of 2 attended" in html


def test_the_record_report_shows_training_completed(client, member_services, councillor, captured_html):
    client.get(reverse("training:record_pdf", args=[councillor.pk]))
    html = captured_html["pdf/training_record.html"]
    assert "<title>Training record: Councillor Rita Record</title>" in html
    assert "Code of conduct refresher" in html and "<h2>Mandatory training</h2>" in html


def test_the_matrix_report_keeps_filters_and_stops_at_its_limit(client, member_services, captured_html, monkeypatch):
    monkeypatch.setattr(report_views, "MATRIX_PDF_LIMIT", 2)
    MandatoryRuleFactory()
    north, south = AuthorityFactory(name="North Council"), AuthorityFactory(name="South Council")
    for name in ("Ava North", "Bob North", "Cat North"):
        CouncillorFactory(name=name, authority=north)
    CouncillorFactory(name="Sam South", authority=south)
    client.get(reverse("training:matrix_pdf"), {"authority": north.pk})
    html = captured_html["pdf/training_matrix.html"]
    assert "Sam South" not in html
    assert "Ava North" in html and "Bob North" in html and "Cat North" not in html
    assert "the first 2 of 3 councillors" in html
    assert reverse("training:matrix_csv") + f"?authority={north.pk}" in html


@pytest.mark.parametrize("report", ["attendance", "record", "matrix"])
def test_typed_markup_is_escaped(client, member_services, captured_html, report):
    MandatoryRuleFactory()
    evil = CouncillorFactory(name=EVIL)
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=1))
    BookingFactory(session=session, councillor=evil, attendance=Booking.Attendance.ABSENT, absence_reason=EVIL)
    client.get(_urls(session, evil)[report])
    (html,) = captured_html.values()
    assert EVIL not in html
    assert ESCAPED in html


@pytest.mark.parametrize(
    ("page", "link"),
    [("attendance", "attendance_pdf"), ("councillor_record", "record_pdf"), ("matrix", None)],
)
def test_the_manage_pages_link_to_their_pdf(client, member_services, session, councillor, page, link):
    if link is None:
        response = client.get(reverse("training:matrix"))
        assert reverse("training:matrix_pdf") in response.content.decode()
        return
    pk = session.pk if page == "attendance" else councillor.pk
    response = client.get(reverse(f"training:{page}", args=[pk]))
    assert reverse(f"training:{link}", args=[pk]) in response.content.decode()
