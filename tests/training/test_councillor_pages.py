"""Councillors' training pages, through the HTTP client: upcoming sessions, booking and the
waiting list, their own training record, calendar downloads and the private calendar feed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from council.roles import Role
from tests.factories import CouncillorFactory, TermOfOfficeFactory, make_user
from training.models import Booking, CalendarFeed, Course, Interest, MandatoryRule, Session, Topic, TrainingRecord

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Data helpers ---------------------------------------------------------------------------------


def _course(title: str = "Planning essentials", **kwargs) -> Course:
    return Course.objects.create(title=title, topic=kwargs.pop("topic", Topic.PLANNING), **kwargs)


def _session(course: Course | None = None, *, capacity: int = 2, days: float = 7, **kwargs) -> Session:
    return Session.objects.create(
        course=course or _course(),
        starts_at=(timezone.now() + timedelta(days=days)).replace(microsecond=0),
        duration_minutes=kwargs.pop("duration_minutes", 90),
        capacity=capacity,
        **kwargs,
    )


def _councillor_user(**kwargs):
    """A councillor-role account linked to its directory record."""
    user = make_user(Role.COUNCILLOR)
    councillor = CouncillorFactory(user=user, **kwargs)
    return user, councillor


def _sign_in_linked(client, **kwargs):
    user, councillor = _councillor_user(**kwargs)
    client.force_login(user, backend=BACKEND)
    return councillor


def _post(client, name: str, pk: int):
    return client.post(reverse(f"training:{name}", args=[pk]), follow=True)


def _live(session: Session, councillor) -> Booking | None:
    return Booking.objects.filter(session=session, councillor=councillor, status__in=["booked", "waiting"]).first()


# --- Upcoming sessions ----------------------------------------------------------------------------


def test_sessions_page_lists_upcoming_sessions_with_places_and_my_status(client):
    councillor = _sign_in_linked(client)
    roomy = _session(_course("Code of conduct refresher", topic=Topic.CODE_OF_CONDUCT), capacity=5, venue="Room 1")
    full = _session(_course("Social media for councillors"), capacity=1, online_url="https://meet.example/x")
    Booking.objects.create(session=full, councillor=CouncillorFactory(), status="booked")
    Booking.objects.create(session=full, councillor=councillor, status="waiting")
    Booking.objects.create(session=roomy, councillor=councillor, status="booked")
    _session(_course("Licensing in the past"), days=-2)
    _session(_course("Cancelled data protection"), status=Session.Status.CANCELLED)

    page = client.get(reverse("training:sessions")).content.decode()

    assert "Code of conduct refresher" in page and "Room 1" in page and "4 of 5 left" in page
    assert "Social media for councillors" in page and "Online" in page and "Full – waiting list" in page
    assert "1 hour 30 minutes" in page
    assert ">Booked<" in page and ">Waiting list<" in page
    assert "Licensing in the past" not in page.split("Courses with no sessions yet")[0]
    assert "Cancelled data protection" not in page.split("Courses with no sessions yet")[0]


@pytest.mark.parametrize("role", [Role.MEMBER_SERVICES, Role.MONITORING_OFFICER])
def test_other_signed_in_people_see_sessions_without_booking_status(client, login, role):
    login(role)
    _session(_course("Planning committee training"))
    response = client.get(reverse("training:sessions"))
    assert response.status_code == 200
    assert "Planning committee training" in response.content.decode()
    assert "Your booking" not in response.content.decode()


def test_sessions_page_query_count_does_not_grow_with_sessions(client):
    councillor = _sign_in_linked(client)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("training:sessions")).status_code == 200
        return len(queries)

    for _ in range(3):
        session = _session(_course(f"Course {_}"))
        Booking.objects.create(session=session, councillor=councillor, status="booked")
    few = count_queries()
    for n in range(17):
        session = _session(_course(f"More {n}"))
        Booking.objects.create(session=session, councillor=CouncillorFactory(), status="booked")
        _course(f"Unscheduled {n}")
    assert Session.objects.count() == 20
    assert count_queries() == few


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("training:sessions"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


# --- Booking and the waiting list -----------------------------------------------------------------


def test_councillor_books_a_place(client):
    councillor = _sign_in_linked(client)
    session = _session(capacity=2)
    detail = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Book a place" in detail

    response = _post(client, "book", session.pk)

    assert _live(session, councillor).status == "booked"
    page = response.content.decode()
    assert "You have a place on Planning essentials" in page
    assert "Cancel my booking" in page and "Book a place" not in page


def test_booking_a_full_session_puts_you_on_the_waiting_list(client):
    _, other = _councillor_user()
    session = _session(capacity=1)
    Booking.objects.create(session=session, councillor=other, status="booked")
    councillor = _sign_in_linked(client)
    assert "Join the waiting list" in client.get(reverse("training:session_detail", args=[session.pk])).content.decode()

    page = _post(client, "book", session.pk).content.decode()

    assert _live(session, councillor).status == "waiting"
    assert "you are on the waiting list" in page
    assert "You are number 1 on the waiting list" in page
    assert "Leave the waiting list" in page
    assert Booking.objects.filter(session=session, status="booked").count() == 1


def test_cancelling_a_booking_promotes_the_first_on_the_waiting_list(client):
    session = _session(capacity=1)
    booked_user, booked = _councillor_user()
    first_user, first = _councillor_user()
    second_user, second = _councillor_user()
    for user in (booked_user, first_user, second_user):
        client.force_login(user, backend=BACKEND)
        _post(client, "book", session.pk)
    assert [_live(session, c).status for c in (booked, first, second)] == ["booked", "waiting", "waiting"]

    client.force_login(booked_user, backend=BACKEND)
    page = _post(client, "cancel_booking", session.pk).content.decode()

    assert "Your place on Planning essentials has been cancelled" in page
    assert _live(session, booked) is None
    assert _live(session, first).status == "booked"
    assert _live(session, second).status == "waiting"
    client.force_login(first_user, backend=BACKEND)
    assert "Cancel my booking" in client.get(reverse("training:session_detail", args=[session.pk])).content.decode()


def test_leaving_the_waiting_list(client):
    session = _session(capacity=1)
    Booking.objects.create(session=session, councillor=CouncillorFactory(), status="booked")
    councillor = _sign_in_linked(client)
    _post(client, "book", session.pk)

    page = _post(client, "cancel_booking", session.pk).content.decode()

    assert "You have left the waiting list" in page
    assert _live(session, councillor) is None
    assert Booking.objects.get(session=session, councillor=councillor).status == "cancelled"
    assert "Join the waiting list" in page


def test_booking_closed_is_refused_with_a_message_and_nothing_stored(client):
    councillor = _sign_in_linked(client)
    session = _session(booking_closes_at=timezone.now() - timedelta(hours=1))
    detail = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Book a place" not in detail and "Booking for this session has closed" in detail

    page = _post(client, "book", session.pk).content.decode()

    assert "Booking for this session has closed" in page and "There is a problem" in page
    assert not Booking.objects.filter(councillor=councillor).exists()


def test_past_sessions_cannot_be_booked(client):
    councillor = _sign_in_linked(client)
    session = _session(days=-1)
    detail = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "already taken place" in detail and "Book a place" not in detail

    page = _post(client, "book", session.pk).content.decode()

    assert "already started" in page
    assert not Booking.objects.filter(councillor=councillor).exists()


def test_cancelled_session_is_marked_and_cannot_be_booked(client):
    councillor = _sign_in_linked(client)
    session = _session(status=Session.Status.CANCELLED)
    detail = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "This session has been cancelled" in detail and "Book a place" not in detail
    _post(client, "book", session.pk)
    assert not Booking.objects.filter(councillor=councillor).exists()


def test_booking_twice_is_refused_without_a_second_booking(client):
    councillor = _sign_in_linked(client)
    session = _session()
    _post(client, "book", session.pk)
    page = _post(client, "book", session.pk).content.decode()
    assert "already has a place" in page
    assert Booking.objects.filter(councillor=councillor).count() == 1


def test_a_councillor_cannot_cancel_another_councillors_booking(client):
    session = _session()
    _, other = _councillor_user()
    theirs = Booking.objects.create(session=session, councillor=other, status="booked")
    _sign_in_linked(client)

    page = _post(client, "cancel_booking", session.pk).content.decode()

    assert "You do not have a place" in page
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_unknown_session_is_not_found(client):
    _sign_in_linked(client)
    assert client.get(reverse("training:session_detail", args=[999999])).status_code == 404
    assert client.post(reverse("training:book", args=[999999])).status_code == 404
    assert client.post(reverse("training:cancel_booking", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["book", "cancel_booking", "register_interest"])
def test_councillor_post_urls_answer_get_with_405(client, name):
    _sign_in_linked(client)
    assert client.get(reverse(f"training:{name}", args=[1])).status_code == 405


# --- Who may act ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["training:my_training", "training:calendar_settings"])
def test_unlinked_councillor_gets_the_not_linked_page(client, login, name):
    login(Role.COUNCILLOR)
    page = client.get(reverse(name)).content.decode()
    assert "Your account is not linked to a councillor" in page


@pytest.mark.parametrize("name", ["book", "cancel_booking"])
def test_unlinked_councillor_posting_gets_the_not_linked_page(client, login, name):
    login(Role.COUNCILLOR)
    session = _session()
    page = client.post(reverse(f"training:{name}", args=[session.pk])).content.decode()
    assert "Your account is not linked to a councillor" in page
    assert not Booking.objects.exists()


@pytest.mark.parametrize("name", ["book", "cancel_booking", "register_interest"])
def test_member_services_cannot_use_councillor_post_urls(client, member_services, name):
    session = _session()
    pk = session.course.pk if name == "register_interest" else session.pk
    assert client.post(reverse(f"training:{name}", args=[pk])).status_code == 403
    assert not Booking.objects.exists() and not Interest.objects.exists()


def test_member_services_who_is_also_a_councillor_may_book(client):
    user = make_user(Role.MEMBER_SERVICES)
    user.groups.add(Group.objects.get(name=Role.COUNCILLOR))
    councillor = CouncillorFactory(user=user)
    client.force_login(user, backend=BACKEND)
    session = _session()
    _post(client, "book", session.pk)
    assert _live(session, councillor).status == "booked"


def test_member_services_see_the_manage_link(client, member_services):
    session = _session()
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert reverse("training:session_bookings", args=[session.pk]) in page
    assert "Book a place" not in page


# --- Interest in a course with no session ---------------------------------------------------------


def test_register_interest_in_a_course_with_no_session(client):
    councillor = _sign_in_linked(client)
    course = _course("Licensing hearings", topic=Topic.LICENSING)
    page = client.get(reverse("training:sessions")).content.decode()
    assert "Courses with no sessions yet" in page and "Tell me when a session is added" in page

    page = _post(client, "register_interest", course.pk).content.decode()

    assert Interest.objects.filter(course=course, councillor=councillor, notified_at__isnull=True).count() == 1
    assert "We will email you when a session of Licensing hearings is added" in page
    assert "We will tell you" in page

    page = _post(client, "register_interest", course.pk).content.decode()
    assert "already asked" in page
    assert Interest.objects.filter(course=course).count() == 1


def test_register_interest_in_an_inactive_course_is_not_found(client):
    _sign_in_linked(client)
    course = _course(is_active=False)
    assert client.post(reverse("training:register_interest", args=[course.pk])).status_code == 404
    assert not Interest.objects.exists()


# --- My training ----------------------------------------------------------------------------------


def test_my_training_shows_records_bookings_and_mandatory_training(client):
    councillor = _sign_in_linked(client)
    TermOfOfficeFactory(councillor=councillor, start_date=date.today() - timedelta(days=800))
    overdue = _course("Code of conduct", topic=Topic.CODE_OF_CONDUCT)
    MandatoryRule.objects.create(course=overdue, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6)
    TrainingRecord.objects.create(
        councillor=councillor,
        title="External data protection conference",
        completed_on=date(2026, 3, 2),
        source=TrainingRecord.Source.MANUAL,
        provider="LGA",
    )
    booked = _session(_course("Chairing skills"))
    Booking.objects.create(session=booked, councillor=councillor, status="booked")
    TrainingRecord.objects.create(
        councillor=CouncillorFactory(),
        title="Someone else's course",
        completed_on=date(2026, 1, 1),
        source=TrainingRecord.Source.MANUAL,
    )

    page = client.get(reverse("training:my_training")).content.decode()

    assert "External data protection conference" in page and "LGA" in page
    assert "Chairing skills" in page
    assert "Code of conduct" in page and "govuk-tag--red" in page and ">Overdue<" in page
    assert "Someone else" not in page


# --- Calendars ------------------------------------------------------------------------------------


def test_session_ics_download_parses_back(client):
    _sign_in_linked(client)
    session = _session(venue="Council Chamber")

    response = client.get(reverse("training:session_ics", args=[session.pk]))

    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == session.uid
    assert "Planning essentials" in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == session.starts_at


def test_cancelled_session_ics_cancels_the_entry(client):
    _sign_in_linked(client)
    session = _session(status=Session.Status.CANCELLED, sequence=1)
    calendar = Calendar.from_ical(client.get(reverse("training:session_ics", args=[session.pk])).content)
    assert calendar["METHOD"] == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_session_ics_needs_sign_in(client):
    session = _session()
    response = client.get(reverse("training:session_ics", args=[session.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def _issue_feed_url(client) -> str:
    page = client.post(reverse("training:calendar_settings")).content.decode()
    match = re.search(r'value="(http[^"]+/training/calendar/[^"]+\.ics)"', page)
    assert match, page
    return match.group(1)


def test_calendar_feed_lists_only_my_booked_sessions(client, settings):
    councillor = _sign_in_linked(client)
    mine = _session(_course("My booked course"))
    waiting = _session(_course("Waiting course"), capacity=1)
    others = _session(_course("Other councillor's course"))
    Booking.objects.create(session=mine, councillor=councillor, status="booked")
    Booking.objects.create(session=waiting, councillor=CouncillorFactory(), status="booked")
    Booking.objects.create(session=waiting, councillor=councillor, status="waiting")
    Booking.objects.create(session=others, councillor=CouncillorFactory(), status="booked")
    assert "Create my calendar link" in client.get(reverse("training:calendar_settings")).content.decode()

    url = _issue_feed_url(client)
    assert url.startswith(settings.SITE_URL)
    client.logout()
    response = client.get(url.removeprefix(settings.SITE_URL))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {mine.uid}


def test_calendar_feed_with_a_bad_token_is_not_found(client):
    assert client.get(reverse("training:calendar_feed", args=["not-a-real-token"])).status_code == 404


def test_replacing_the_calendar_link_stops_the_old_one(client, settings):
    councillor = _sign_in_linked(client)
    old = _issue_feed_url(client).removeprefix(settings.SITE_URL)
    page = client.get(reverse("training:calendar_settings")).content.decode()
    assert "Replace my calendar link (the old one stops working)" in page
    assert "/training/calendar/" not in page  # the token is never shown again

    new = _issue_feed_url(client).removeprefix(settings.SITE_URL)

    assert new != old
    assert CalendarFeed.objects.filter(councillor=councillor).count() == 1
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_calendar_token_is_redacted_in_logs():
    from council.logging import redact

    assert redact("GET /training/calendar/s3cr3t-TOKEN_x.ics 200") == "GET /training/calendar/[redacted] 200"


# --- Panels ---------------------------------------------------------------------------------------


def test_home_panel_shows_next_sessions_and_overdue_training(client):
    councillor = _sign_in_linked(client)
    TermOfOfficeFactory(councillor=councillor, start_date=date.today() - timedelta(days=800))
    MandatoryRule.objects.create(
        course=_course("Member code of conduct"), kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=3
    )
    session = _session(_course("Scrutiny skills"))
    Booking.objects.create(session=session, councillor=councillor, status="booked")

    page = client.get(reverse("home")).content.decode()

    assert "Scrutiny skills" in page
    assert "Member code of conduct" in page and ">Overdue<" in page
    assert reverse("training:my_training") in page


def test_profile_panel_shows_training_summary_to_member_services(client, member_services):
    councillor = CouncillorFactory()
    TrainingRecord.objects.create(
        councillor=councillor, title="Induction", completed_on=date(2026, 1, 5), source=TrainingRecord.Source.MANUAL
    )
    page = client.get(reverse("council:councillor_detail", args=[councillor.pk])).content.decode()
    assert "1 record" in page
    assert reverse("training:councillor_record", args=[councillor.pk]) in page
