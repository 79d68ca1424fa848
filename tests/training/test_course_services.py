"""Member Services' course and session changes (training.course_services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from council.models import AuditEntry
from council.services import DomainError
from tests.factories import CommitteeFactory, CouncillorFactory
from training import course_services, services
from training.models import Booking, Course, Interest, MandatoryRule, Session, Topic

pytestmark = pytest.mark.django_db


def _course(**kwargs) -> Course:
    return Course.objects.create(title=kwargs.pop("title", "Planning basics"), topic=Topic.PLANNING, **kwargs)


def _values(**overrides) -> dict:
    starts = timezone.now() + timedelta(days=14)
    return {
        "starts_at": starts,
        "duration_minutes": 90,
        "venue": "Council Chamber",
        "online_url": "",
        "trainer": "A Trainer",
        "capacity": 2,
        "booking_closes_at": starts - timedelta(days=1),
    } | overrides


def _session(course: Course | None = None, **overrides) -> Session:
    return Session.objects.create(course=course or _course(), **_values(**overrides))


def test_create_course_with_rules_writes_audit(member_services):
    committee = CommitteeFactory(is_regulatory=True)
    course = course_services.create_course(
        actor=member_services,
        title="  Licensing  ",
        topic=Topic.LICENSING,
        rules=[
            course_services.RuleSpec(kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=6),
            course_services.RuleSpec(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee),
        ],
    )
    assert course.title == "Licensing"
    assert sorted(course.mandatory_rules.values_list("kind", flat=True)) == ["committee", "new"]
    assert AuditEntry.objects.filter(action="training.course_created", object_id=str(course.pk)).exists()
    assert AuditEntry.objects.filter(action="training.rules_set", object_id=str(course.pk)).exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (course_services.RuleSpec(kind="nonsense"), "Choose who must complete"),
        (course_services.RuleSpec(kind=MandatoryRule.Kind.NEW_COUNCILLORS), "how many months"),
        (course_services.RuleSpec(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS), "choose the committee"),
    ],
)
def test_bad_rules_are_refused_and_nothing_changes(member_services, rule, message):
    course = _course()
    MandatoryRule.objects.create(course=course, kind=MandatoryRule.Kind.ALL_COUNCILLORS)
    with pytest.raises(DomainError, match=message):
        course_services.set_mandatory_rules(actor=member_services, course=course, rules=[rule])
    assert list(course.mandatory_rules.values_list("kind", flat=True)) == ["all"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=1), "booking_closes_at": None}, "in the future"),
        ({"capacity": 0}, "at least 1 place"),
        ({"venue": "", "online_url": ""}, "venue or an online joining link"),
        ({"booking_closes_at": timezone.now() + timedelta(days=30)}, "close before the session starts"),
    ],
)
def test_create_session_refuses_bad_values(member_services, overrides, message):
    course = _course()
    with pytest.raises(DomainError, match=message):
        course_services.create_session(actor=member_services, course=course, **_values(**overrides))
    assert not Session.objects.exists()


def test_create_session_tells_those_interested_once(member_services, outbox):
    course = _course()
    keen = CouncillorFactory()
    services.register_interest(actor=member_services, course=course, councillor=keen)
    course_services.create_session(actor=member_services, course=course, **_values())
    assert [m.to for m in outbox] == [[keen.email]]
    assert Interest.objects.get(councillor=keen).notified_at is not None
    course_services.create_session(actor=member_services, course=course, **_values())
    assert len(outbox) == 1


def test_update_session_time_bumps_sequence_and_tells_booked_and_waiting(member_services, outbox):
    session = _session(capacity=1)
    booked, waiting = CouncillorFactory(), CouncillorFactory()
    services.book(actor=member_services, session=session, councillor=booked, on_behalf=True)
    services.book(actor=member_services, session=session, councillor=waiting, on_behalf=True)
    outbox.clear()
    course_services.update_session(
        actor=member_services, session=session, starts_at=session.starts_at + timedelta(hours=2)
    )
    session.refresh_from_db()
    assert session.sequence == 1
    assert sorted(m.to[0] for m in outbox) == sorted([booked.email, waiting.email])
    assert AuditEntry.objects.filter(action="training.session_updated").exists()


def test_update_without_change_does_nothing(member_services, outbox):
    session = _session()
    course_services.update_session(actor=member_services, session=session, venue=session.venue)
    session.refresh_from_db()
    assert session.sequence == 0
    assert not AuditEntry.objects.filter(action="training.session_updated").exists()


def test_raising_capacity_promotes_the_waiting_list_in_order(member_services):
    session = _session(capacity=1)
    people = [CouncillorFactory() for _ in range(3)]
    for person in people:
        services.book(actor=member_services, session=session, councillor=person, on_behalf=True)
    course_services.update_session(actor=member_services, session=session, capacity=2)
    statuses = dict(Booking.objects.values_list("councillor_id", "status"))
    assert [statuses[p.pk] for p in people] == ["booked", "booked", "waiting"]
    session.refresh_from_db()
    assert session.sequence == 0  # more places do not change the calendar entry


def test_lowering_capacity_below_booked_is_refused(member_services):
    session = _session(capacity=3)
    for _ in range(2):
        services.book(actor=member_services, session=session, councillor=CouncillorFactory(), on_behalf=True)
    with pytest.raises(DomainError, match="2 councillors are booked"):
        course_services.update_session(actor=member_services, session=session, capacity=1)
    session.refresh_from_db()
    assert session.capacity == 3


def test_cancel_session_cancels_bookings_and_tells_everyone(member_services, outbox):
    session = _session(capacity=1)
    a, b = CouncillorFactory(), CouncillorFactory()
    services.book(actor=member_services, session=session, councillor=a, on_behalf=True)
    services.book(actor=member_services, session=session, councillor=b, on_behalf=True)
    outbox.clear()
    course_services.cancel_session(actor=member_services, session=session, reason="Trainer ill")
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert session.sequence == 1
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert sorted(m.to[0] for m in outbox) == sorted([a.email, b.email])
    with pytest.raises(DomainError, match="already been cancelled"):
        course_services.cancel_session(actor=member_services, session=session)
    with pytest.raises(DomainError, match="cancelled"):
        course_services.update_session(actor=member_services, session=session, capacity=5)
