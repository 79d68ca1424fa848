"""Member Services' training pages, through the HTTP client."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from council.models import AuditEntry
from council.roles import Role
from tests.factories import (
    AuthorityFactory,
    CommitteeFactory,
    CommitteeMembershipFactory,
    CouncillorFactory,
    PoliticalGroupFactory,
)
from training import services
from training.models import Booking, Course, Interest, MandatoryRule, Session, Topic, TrainingRecord, TrainingReminder

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# --- Data helpers ---------------------------------------------------------------------------------


def _course(title: str = "Planning basics", **kwargs) -> Course:
    return Course.objects.create(title=title, topic=Topic.PLANNING, **kwargs)


def _session(course: Course | None = None, *, days: float = 14, **kwargs) -> Session:
    values = {"duration_minutes": 90, "venue": "Council Chamber", "capacity": 2} | kwargs
    return Session.objects.create(course=course or _course(), starts_at=timezone.now() + timedelta(days=days), **values)


def _booking(session: Session, councillor=None, status=Booking.Status.BOOKED) -> Booking:
    return Booking.objects.create(session=session, councillor=councillor or CouncillorFactory(), status=status)


def _session_form(starts, **overrides) -> dict:
    local = timezone.localtime(starts)
    closes = local - timedelta(days=1)
    data = {
        "start_date_0": str(local.day),
        "start_date_1": str(local.month),
        "start_date_2": str(local.year),
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": "90",
        "venue": "Committee Room 1",
        "online_url": "",
        "trainer": "Jo Trainer",
        "capacity": "10",
        "closes_date_0": str(closes.day),
        "closes_date_1": str(closes.month),
        "closes_date_2": str(closes.year),
        "closes_time": closes.strftime("%H:%M"),
    }
    return data | overrides


def _future(days: int = 21):
    return (timezone.localtime() + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


# --- Access ---------------------------------------------------------------------------------------


def _manage_urls() -> list[str]:
    course = _course()
    session = _session(course)
    councillor = CouncillorFactory()
    return [
        reverse("training:course_list"),
        reverse("training:course_create"),
        reverse("training:course_detail", args=[course.pk]),
        reverse("training:course_edit", args=[course.pk]),
        reverse("training:session_create", args=[course.pk]),
        reverse("training:course_interest", args=[course.pk]),
        reverse("training:session_edit", args=[session.pk]),
        reverse("training:session_cancel", args=[session.pk]),
        reverse("training:session_bookings", args=[session.pk]),
        reverse("training:attendance", args=[session.pk]),
        reverse("training:councillor_record", args=[councillor.pk]),
        reverse("training:record_add", args=[councillor.pk]),
        reverse("training:matrix"),
        reverse("training:matrix_csv"),
        reverse("training:committees"),
        reverse("training:emails_sent"),
    ]


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.COMMUNICATIONS])
def test_other_roles_are_refused_every_manage_page(client, login, role):
    login(role)
    for url in _manage_urls():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_member_services_can_open_every_manage_page(client, member_services):
    for url in _manage_urls():
        assert client.get(url).status_code == 200, url


# --- Courses --------------------------------------------------------------------------------------


def test_create_course_with_rules(client, member_services):
    committee = CommitteeFactory(is_regulatory=True, name="Planning Committee")
    response = client.post(
        reverse("training:course_create"),
        {
            "title": "Planning for committee members",
            "topic": Topic.PLANNING,
            "description": "The basics.",
            "is_active": "on",
            "rule_1_kind": MandatoryRule.Kind.COMMITTEE_MEMBERS,
            "rule_1_committee": str(committee.pk),
            "rule_2_kind": MandatoryRule.Kind.NEW_COUNCILLORS,
            "rule_2_months": "6",
            "rule_3_kind": "",
        },
        follow=True,
    )
    course = Course.objects.get()
    assert response.redirect_chain[-1][0] == reverse("training:course_detail", args=[course.pk])
    rules = {(r.kind, r.within_months, r.committee_id) for r in course.mandatory_rules.all()}
    assert rules == {("committee", None, committee.pk), ("new", 6, None)}
    page = client.get(reverse("training:course_list")).content.decode()
    assert "Members of Planning Committee" in page


def test_course_rule_without_committee_is_a_form_error(client, member_services):
    response = client.post(
        reverse("training:course_create"),
        {"title": "Licensing", "topic": Topic.LICENSING, "rule_1_kind": MandatoryRule.Kind.COMMITTEE_MEMBERS},
    )
    assert response.status_code == 200
    assert "Choose the committee whose members must complete it" in response.content.decode()
    assert not Course.objects.exists()


def test_edit_course_replaces_rules(client, member_services):
    course = _course()
    MandatoryRule.objects.create(course=course, kind=MandatoryRule.Kind.ALL_COUNCILLORS)
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    assert 'value="Planning basics"' in page
    assert '<option value="all" selected>' in page
    client.post(
        reverse("training:course_edit", args=[course.pk]),
        {"title": "Planning 2", "topic": Topic.PLANNING, "is_active": "on", "rule_1_kind": "new", "rule_1_months": "3"},
    )
    course.refresh_from_db()
    assert course.title == "Planning 2"
    assert list(course.mandatory_rules.values_list("kind", "within_months")) == [("new", 3)]


# --- Sessions -------------------------------------------------------------------------------------


def test_add_session(client, member_services, outbox):
    course = _course()
    keen = CouncillorFactory()
    Interest.objects.create(course=course, councillor=keen)
    starts = _future()
    response = client.post(reverse("training:session_create", args=[course.pk]), _session_form(starts), follow=True)
    session = Session.objects.get()
    assert session.starts_at == starts
    assert session.capacity == 10 and session.venue == "Committee Room 1"
    assert session.booking_closes_at == starts - timedelta(days=1)
    assert "has been added" in response.content.decode()
    assert [m.to for m in outbox] == [[keen.email]]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ("past", "The session must start in the future"),
        ({"capacity": "0"}, "The session must have at least 1 place"),
        ({"venue": "", "online_url": ""}, "Enter a venue or an online joining link"),
        ("closes_after", "Booking must close before the session starts"),
        ({"start_date_0": "31", "start_date_1": "2"}, "The date must be a real date"),
        ({"start_time": "25:00"}, "Enter a time on the 24-hour clock"),
        ({"online_url": "not a link", "venue": ""}, "Enter the joining link as a web address"),
    ],
)
def test_bad_session_input_is_a_form_error(client, member_services, overrides, message):
    course = _course()
    starts = _future()
    if overrides == "past":
        data = _session_form(timezone.localtime() - timedelta(days=2), closes_date_0="", closes_time="")
        data |= {"closes_date_1": "", "closes_date_2": ""}
    elif overrides == "closes_after":
        later = timezone.localtime(starts) + timedelta(days=1)
        data = _session_form(starts, closes_date_0=str(later.day), closes_date_1=str(later.month))
        data["closes_date_2"] = str(later.year)
    else:
        data = _session_form(starts, **overrides)
    response = client.post(reverse("training:session_create", args=[course.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not Session.objects.exists()


def test_edit_session_time_tells_booked_and_waiting(client, member_services, outbox):
    session = _session(capacity=1)
    booked, waiting = CouncillorFactory(), CouncillorFactory()
    services.book(actor=member_services, session=session, councillor=booked, on_behalf=True)
    services.book(actor=member_services, session=session, councillor=waiting, on_behalf=True)
    outbox.clear()
    page = client.get(reverse("training:session_edit", args=[session.pk])).content.decode()
    assert 'name="capacity" value="1"' in page
    new_start = timezone.localtime(session.starts_at).replace(second=0, microsecond=0) + timedelta(hours=1)
    response = client.post(
        reverse("training:session_edit", args=[session.pk]), _session_form(new_start, capacity="1"), follow=True
    )
    assert "has been updated" in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == new_start
    assert session.sequence == 1
    assert sorted(m.to[0] for m in outbox) == sorted([booked.email, waiting.email])


def test_raising_capacity_promotes_from_the_waiting_list(client, member_services):
    session = _session(capacity=1)
    first, second = CouncillorFactory(), CouncillorFactory()
    for person in (first, second):
        services.book(actor=member_services, session=session, councillor=person, on_behalf=True)
    start = timezone.localtime(session.starts_at).replace(second=0, microsecond=0)
    Session.objects.filter(pk=session.pk).update(starts_at=start)
    client.post(
        reverse("training:session_edit", args=[session.pk]),
        _session_form(start, capacity="2", venue="Council Chamber", trainer=""),
    )
    assert Booking.objects.get(councillor=second).status == Booking.Status.BOOKED


def test_lowering_capacity_below_booked_is_refused(client, member_services):
    session = _session(capacity=3)
    for _ in range(2):
        _booking(session)
    start = timezone.localtime(session.starts_at)
    response = client.post(reverse("training:session_edit", args=[session.pk]), _session_form(start, capacity="1"))
    assert response.status_code == 200
    assert "2 councillors are booked" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 3 and session.sequence == 0


def test_cancel_session(client, member_services, outbox):
    session = _session(capacity=1)
    a, b = CouncillorFactory(), CouncillorFactory()
    services.book(actor=member_services, session=session, councillor=a, on_behalf=True)
    services.book(actor=member_services, session=session, councillor=b, on_behalf=True)
    outbox.clear()
    url = reverse("training:session_cancel", args=[session.pk])
    assert "This cannot be undone" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert "Enter why the session is cancelled" in response.content.decode()
    response = client.post(url, {"reason": "Trainer unwell"}, follow=True)
    assert "2 councillors booked or waiting have been told" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert not Booking.objects.filter(status__in=["booked", "waiting"]).exists()
    assert sorted(m.to[0] for m in outbox) == sorted([a.email, b.email])
    assert AuditEntry.objects.filter(action="training.session_cancelled", data__reason="Trainer unwell").exists()


# --- Bookings on a councillor's behalf ------------------------------------------------------------


def test_book_and_cancel_on_behalf(client, member_services, outbox):
    session = _session(capacity=1)
    first, second = CouncillorFactory(), CouncillorFactory()
    url = reverse("training:session_bookings", args=[session.pk])
    response = client.post(url, {"councillor": str(first.pk)}, follow=True)
    assert f"Councillor {first.name} has a place" in response.content.decode()
    response = client.post(url, {"councillor": str(second.pk)}, follow=True)
    assert "The session is full" in response.content.decode()
    assert "waiting list" in response.content.decode()
    assert Booking.objects.get(councillor=second).status == Booking.Status.WAITING
    # Someone already booked is not offered again.
    page = client.get(url).content.decode()
    assert f'<option value="{first.pk}"' not in page
    response = client.post(url, {"cancel_booking": str(Booking.objects.get(councillor=first).pk)}, follow=True)
    page = response.content.decode()
    assert f"The booking for Councillor {first.name} has been cancelled" in page
    assert f"Councillor {second.name} has been given the place" in page
    assert Booking.objects.get(councillor=second).status == Booking.Status.BOOKED


def test_booking_someone_not_on_the_list_is_a_form_error(client, member_services):
    session = _session()
    gone = CouncillorFactory(is_active=False)
    response = client.post(reverse("training:session_bookings", args=[session.pk]), {"councillor": str(gone.pk)})
    assert "Choose a councillor from the list" in response.content.decode()
    assert not Booking.objects.exists()


def test_register_interest_on_behalf(client, member_services):
    course = _course()
    councillor = CouncillorFactory()
    url = reverse("training:course_interest", args=[course.pk])
    response = client.post(url, {"councillor": str(councillor.pk)}, follow=True)
    assert "will be told when a session" in response.content.decode()
    assert Interest.objects.filter(course=course, councillor=councillor, notified_at__isnull=True).exists()


# --- Attendance -----------------------------------------------------------------------------------


def test_attendance_saves_records(client, member_services):
    session = _session(days=-1)
    came, missed, unknown = _booking(session), _booking(session), _booking(session)
    url = reverse("training:attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert "<table" not in page  # a list of fieldsets, for a tablet
    assert page.count('class="govuk-fieldset"') == 3
    response = client.post(
        url,
        {
            f"attendance_{came.pk}": "attended",
            f"attendance_{missed.pk}": "absent",
            f"reason_{missed.pk}": "Unwell",
        },
        follow=True,
    )
    assert "Attendance saved for 2 councillors" in response.content.decode()
    assert list(TrainingRecord.objects.values_list("councillor_id", "source")) == [(came.councillor_id, "session")]
    missed.refresh_from_db()
    unknown.refresh_from_db()
    assert (missed.attendance, missed.absence_reason) == ("absent", "Unwell")
    assert unknown.attendance == ""


def test_absent_without_reason_is_a_form_error(client, member_services):
    session = _session(days=-1)
    came, missed = _booking(session), _booking(session)
    response = client.post(
        reverse("training:attendance", args=[session.pk]),
        {f"attendance_{came.pk}": "attended", f"attendance_{missed.pk}": "absent"},
    )
    assert f"Enter why Councillor {missed.councillor.name} was absent" in response.content.decode()
    assert not TrainingRecord.objects.exists()
    came.refresh_from_db()
    assert came.attendance == ""


# --- Records --------------------------------------------------------------------------------------


def _record_form(**overrides) -> dict:
    day = timezone.localdate() - timedelta(days=10)
    return {
        "title": "LGA conference: planning",
        "course": "",
        "completed_on_0": str(day.day),
        "completed_on_1": str(day.month),
        "completed_on_2": str(day.year),
        "provider": "LGA",
        "notes": "",
    } | overrides


def test_manual_record_without_evidence(client, member_services):
    councillor = CouncillorFactory()
    course = _course()
    response = client.post(
        reverse("training:record_add", args=[councillor.pk]), _record_form(course=str(course.pk)), follow=True
    )
    assert "has been saved" in response.content.decode()
    record = TrainingRecord.objects.get()
    assert (record.source, record.course, record.evidence_name) == ("manual", course, "")
    assert "LGA conference: planning" in response.content.decode()


def test_manual_record_with_evidence(client, member_services, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    councillor = CouncillorFactory()
    evidence = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    client.post(reverse("training:record_add", args=[councillor.pk]), _record_form(evidence=evidence))
    record = TrainingRecord.objects.get()
    assert record.evidence_name == "certificate.pdf"
    assert record.evidence_stored_name


def test_bad_evidence_is_refused_and_nothing_saved(client, member_services):
    councillor = CouncillorFactory()
    evidence = SimpleUploadedFile("certificate.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(reverse("training:record_add", args=[councillor.pk]), _record_form(evidence=evidence))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert not TrainingRecord.objects.exists()


def test_record_in_the_future_is_refused(client, member_services):
    councillor = CouncillorFactory()
    day = timezone.localdate() + timedelta(days=2)
    data = _record_form(completed_on_0=str(day.day), completed_on_1=str(day.month), completed_on_2=str(day.year))
    response = client.post(reverse("training:record_add", args=[councillor.pk]), data)
    assert "must be today or in the past" in response.content.decode()
    assert not TrainingRecord.objects.exists()


# --- Matrix, committees, emails -------------------------------------------------------------------


def _matrix_data(count: int, authority=None):
    authority = authority or AuthorityFactory()
    group = PoliticalGroupFactory(authority=authority)
    everyone = _course("Code of conduct")
    MandatoryRule.objects.create(course=everyone, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=2)
    councillors = [CouncillorFactory(authority=authority, political_group=group) for _ in range(count)]
    return everyone, councillors, group


def test_matrix_statuses_and_filters(client, member_services):
    everyone, (done, booked, todo), group = _matrix_data(3)
    TrainingRecord.objects.create(
        councillor=done, course=everyone, title="Code", completed_on=date(2025, 1, 1), source="manual"
    )
    _booking(_session(everyone), councillor=booked)
    other = CouncillorFactory(name="Zed Elsewhere")
    page = client.get(reverse("training:matrix")).content.decode()
    for word in ("Complete", "Booked", "Outstanding"):
        assert f">{word}</strong>" in page
    assert "Zed Elsewhere" in page
    assert '<th scope="col"' in page and '<th scope="row"' in page
    page = client.get(reverse("training:matrix"), {"political_group": group.pk}).content.decode()
    assert "Zed Elsewhere" not in page and todo.name in page
    page = client.get(reverse("training:matrix"), {"authority": other.authority_id}).content.decode()
    assert "Zed Elsewhere" in page and todo.name not in page


def test_matrix_query_count_does_not_grow(client, member_services):
    authority = AuthorityFactory()
    _matrix_data(5, authority)
    url = reverse("training:matrix")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(45):
        CouncillorFactory(authority=authority)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_matrix_csv_is_safe_and_filtered(client, member_services):
    _everyone, _councillors, group = _matrix_data(2)
    CouncillorFactory(name="=HYPERLINK(1)", political_group=group, authority=group.authority)
    response = client.get(reverse("training:matrix_csv"), {"political_group": group.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Councillor", "Authority", "Political group"]
    assert len(rows) == 4
    assert "'=HYPERLINK(1)" in [r[0] for r in rows]
    assert AuditEntry.objects.filter(action="training.matrix_exported").exists()


def test_committees_page_flags_untrained_members(client, member_services):
    committee = CommitteeFactory(is_regulatory=True, name="Licensing Committee")
    course = _course("Licensing law")
    MandatoryRule.objects.create(course=course, kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee)
    trained = CommitteeMembershipFactory(committee=committee).councillor
    untrained = CommitteeMembershipFactory(committee=committee).councillor
    TrainingRecord.objects.create(
        councillor=trained, course=course, title="Licensing law", completed_on=date(2025, 1, 1), source="manual"
    )
    page = client.get(reverse("training:committees")).content.decode()
    assert "Licensing Committee" in page
    assert f"Councillor {untrained.name}</a> has not completed Licensing law" in page
    assert f"Councillor {trained.name}</a>" not in page
    assert reverse("training:councillor_record", args=[untrained.pk]) in page


def test_emails_page_lists_what_was_sent(client, member_services):
    session = _session(capacity=5)
    for _ in range(3):
        services.book(actor=member_services, session=session, councillor=CouncillorFactory(), on_behalf=True)
    url = reverse("training:emails_sent")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert page.count("Booking confirmed") == TrainingReminder.objects.count() == 3
    for _ in range(5):
        services.book(actor=member_services, session=session, councillor=CouncillorFactory(), on_behalf=True)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_home_panel_for_member_services(client, member_services):
    session = _session(capacity=1)
    _booking(session)
    _booking(session, status=Booking.Status.WAITING)
    page = client.get(reverse("home")).content.decode()
    assert "Councillor training" in page
    assert re.search(r"Full sessions with a waiting list</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"Upcoming sessions</dt>\s*<dd[^>]*>1</dd>", page)
    assert reverse("training:matrix") in page
