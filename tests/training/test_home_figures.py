"""Member Services' two home-page figures, counted in the database, pick the same councillors as
the mandatory training matrix works out in Python: the overdue rows of the matrix, and the
councillors the regulatory committees' flags name.

Worlds are drawn by Hypothesis: a few courses (some withdrawn), rules of each kind with and
without months, committees (some regulatory), serving and former councillors with terms of
office around the dates where the rules turn (a due date falling on, just before or just after
today, month ends, leap days, the 24-month window for new councillors, overlapping, ended and
future terms), committee seats, training records and places on sessions (booked, waiting,
cancelled, on cancelled or past sessions)."""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from council.models import Committee, CommitteeMembership, Councillor, TermOfOffice
from council.roles import Role
from tests.factories import AuthorityFactory
from training import mandatory
from training.mandatory import add_months
from training.models import Booking, Course, MandatoryRule, Session, Topic, TrainingRecord

# Hypothesis keeps a cache of its own; keep it under var/ (ignored) rather than in the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(django_settings.VAR_DIR / "hypothesis"))

pytestmark = pytest.mark.django_db

# Month ends of every length, a leap day, the day after one, and an ordinary day.
TODAYS = [
    date(2026, 6, 15),
    date(2026, 3, 31),
    date(2026, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2025, 12, 31),
    date(2026, 4, 30),
]
MONTHS = [None, 0, 1, 3, 6, 12, 13, 24]
COURSES = 3
KINDS = [MandatoryRule.Kind.ALL_COUNCILLORS, MandatoryRule.Kind.NEW_COUNCILLORS, MandatoryRule.Kind.COMMITTEE_MEMBERS]
# Sessions of each course: upcoming, upcoming but cancelled, past.
SESSIONS = 3
PLACES = [Booking.Status.BOOKED, Booking.Status.BOOKED, Booking.Status.WAITING, Booking.Status.CANCELLED]


@dataclass
class Drawn:
    active: bool
    terms: list[tuple[date, date | None]]
    seats: list[int]
    done: list[int]
    places: list[tuple[int, int, str]]  # course, session, status


@st.composite
def _day_near(draw, today: date) -> date:
    """A day on or beside one where a rule turns: some months before ``today`` (the rules' own
    month counts, the 24-month window for new councillors, or after today), or that month's ends."""
    base = add_months(today, -draw(st.sampled_from([1, 3, 6, 12, 13, 24, 25, 36, 0, -1])))
    shift = draw(st.sampled_from(["same", "before", "after", "first", "last"]))
    if shift == "first":
        return base.replace(day=1)
    if shift == "last":
        return base.replace(day=calendar.monthrange(base.year, base.month)[1])
    return base + timedelta(days={"same": 0, "before": -1, "after": 1}[shift])


@st.composite
def _term(draw, today: date) -> tuple[date, date | None]:
    start = draw(_day_near(today))
    end = draw(
        st.sampled_from(
            [None, None, None, today - timedelta(days=1), today, today + timedelta(days=1), start + timedelta(days=900)]
        )
    )
    return start, (end if end is None or end >= start else None)


@st.composite
def _councillor(draw, today: date, committees: int) -> Drawn:
    """Mostly serving, mostly in one term, with a seat on a committee, a course done or a place
    now and then: so that whether they are behind turns on one thing or two."""
    terms = draw(st.lists(_term(today), min_size=draw(st.sampled_from([0, 1, 1, 1, 2, 3])), max_size=3))
    maybe = st.sampled_from([False, False, True])
    return Drawn(
        active=draw(st.sampled_from([True, True, True, False])),
        terms=list({start: (start, end) for start, end in terms}.values()),  # one term per start date
        seats=[seat for seat in range(committees) if draw(maybe)],
        done=[course for course in range(COURSES) if draw(maybe)],
        places=[
            (course, draw(st.sampled_from([0, 0, 1, 2])), draw(st.sampled_from(PLACES)))
            for course in range(COURSES)
            if draw(maybe)
        ],
    )


@st.composite
def worlds(draw) -> dict:
    today = draw(st.sampled_from(TODAYS))
    committees = draw(st.lists(st.booleans(), min_size=1, max_size=3))
    rule = st.tuples(
        st.integers(0, COURSES - 1),
        st.sampled_from(KINDS),
        st.sampled_from(MONTHS),
        st.integers(0, len(committees) - 1),
    )
    return {
        "today": today,
        "courses_active": [draw(st.sampled_from([True, True, True, False])) for _ in range(COURSES)],
        "regulatory": committees,
        "rules": draw(st.lists(rule, min_size=1, max_size=5)),
        "councillors": draw(st.lists(_councillor(today, len(committees)), min_size=3, max_size=8)),
    }


def _build(world: dict) -> None:
    authority = AuthorityFactory()
    courses = [
        Course.objects.create(title=f"Course {i}", topic=Topic.OTHER, is_active=active)
        for i, active in enumerate(world["courses_active"])
    ]
    committees = [
        Committee.objects.create(authority=authority, name=f"Committee {i}", is_regulatory=regulatory)
        for i, regulatory in enumerate(world["regulatory"])
    ]
    for course, kind, months, committee in world["rules"]:
        MandatoryRule.objects.create(
            course=courses[course],
            kind=kind,
            within_months=months,
            committee=committees[committee] if kind == MandatoryRule.Kind.COMMITTEE_MEMBERS else None,
        )
    now = timezone.now()
    sessions = [
        [
            Session.objects.create(course=course, starts_at=now + timedelta(days=10), capacity=50),
            Session.objects.create(
                course=course, starts_at=now + timedelta(days=10), capacity=50, status=Session.Status.CANCELLED
            ),
            Session.objects.create(course=course, starts_at=now - timedelta(days=10), capacity=50),
        ]
        for course in courses
    ]
    for i, drawn in enumerate(world["councillors"]):
        councillor = Councillor.objects.create(authority=authority, name=f"Councillor {i}", is_active=drawn.active)
        TermOfOffice.objects.bulk_create(
            TermOfOffice(councillor=councillor, start_date=start, end_date=end) for start, end in drawn.terms
        )
        CommitteeMembership.objects.bulk_create(
            CommitteeMembership(councillor=councillor, committee=committees[seat]) for seat in drawn.seats
        )
        TrainingRecord.objects.bulk_create(
            TrainingRecord(
                councillor=councillor,
                course=courses[course],
                title="Done",
                completed_on=date(2019, 1, 1) + timedelta(days=400 * course),  # any date counts
                source=TrainingRecord.Source.MANUAL,
            )
            for course in drawn.done
        )
        Booking.objects.bulk_create(
            Booking(councillor=councillor, session=sessions[course][session], status=status)
            for course, session, status in drawn.places
        )


def _from_the_matrix(today: date) -> tuple[set[int], set[int]]:
    overdue = {row.councillor.pk for row in mandatory.matrix(statuses=[mandatory.OVERDUE], today=today).rows}
    flagged = {flag.councillor.pk for flag in mandatory.flags({"regulatory_only": True}, today=today)}
    return overdue, flagged


def _from_the_database(today: date) -> tuple[set[int], set[int]]:
    overdue, flagged = mandatory.figure_conditions(today=today)
    serving = Councillor.objects.active()
    return set(serving.filter(overdue).values_list("pk", flat=True)), set(
        serving.filter(flagged).values_list("pk", flat=True)
    )


@settings(
    max_examples=int(os.environ.get("HOME_FIGURES_EXAMPLES", "150")),
    deadline=None,
    database=None,  # no example database in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_the_figures_pick_the_councillors_the_matrix_does(world):
    # Each example in a savepoint rolled back after it: the next starts from an empty database.
    with transaction.atomic():
        _build(world)
        today = world["today"]
        expected = _from_the_matrix(today)
        assert _from_the_database(today) == expected
        assert mandatory.overdue_and_flagged(today=today) == tuple(len(found) for found in expected)
        transaction.set_rollback(True)


def _edges(day: date) -> list[date]:
    """``day``, the days either side, and the ends of its month and of the months either side."""
    days = [day + timedelta(days=offset) for offset in range(-3, 4)]
    for month in (add_months(day, -1), day, add_months(day, 1)):
        last = calendar.monthrange(month.year, month.month)[1]
        days += [month.replace(day=1), month.replace(day=last)]
    return sorted(set(days))


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize(
    ("kind", "months"),
    [(MandatoryRule.Kind.ALL_COUNCILLORS, months) for months in (None, 0, 1, 3, 6, 12, 13, 24)]
    + [(MandatoryRule.Kind.NEW_COUNCILLORS, months) for months in (None, 0, 1, 6, 12, 23, 24, 25)],
)
def test_on_the_days_where_a_rule_turns(today, kind, months):
    """Every start around the due date's turning point (and, for new councillors, around the
    24-month window), in a first term or a second: the same councillors either way."""
    turning = add_months(today, -(months or mandatory.NEW_COUNCILLOR_DEFAULT_MONTHS))
    starts = _edges(turning) + _edges(add_months(today, -mandatory.NEW_COUNCILLOR_WINDOW_MONTHS))
    # An earlier term: ended (so not a first term), or still running (terms overlap: the later counts).
    ended = (turning - timedelta(days=2000), turning - timedelta(days=1000))
    running = (turning - timedelta(days=3000), None)
    _build(
        {
            "today": today,
            "courses_active": [True] * COURSES,
            "regulatory": [True],
            "rules": [(0, kind, months, 0)],
            "councillors": [
                Drawn(active=True, terms=[*earlier, (start, end)], seats=[], done=[], places=[])
                for start in sorted(set(starts))
                for end in (None, today)  # a term ending today is still current
                if end is None or end >= start
                for earlier in ([], [ended], [running])
            ],
        }
    )

    expected = _from_the_matrix(today)
    assert _from_the_database(today) == expected
    # Not a vacuous comparison: where a due date can pass, the rule turns among these starts.
    if months if kind == MandatoryRule.Kind.ALL_COUNCILLORS else (months or 6) < 24:
        assert 0 < len(expected[0]) < Councillor.objects.count()


def test_when_several_rules_ask_for_one_course_the_earliest_due_date_wins():
    today = date(2026, 3, 31)
    rules = [
        (0, MandatoryRule.Kind.ALL_COUNCILLORS, 12, 0),
        (0, MandatoryRule.Kind.ALL_COUNCILLORS, 6, 0),
        (0, MandatoryRule.Kind.ALL_COUNCILLORS, None, 0),
        (1, MandatoryRule.Kind.NEW_COUNCILLORS, 3, 0),
        (1, MandatoryRule.Kind.NEW_COUNCILLORS, None, 0),
        (1, MandatoryRule.Kind.ALL_COUNCILLORS, 13, 0),
    ]
    starts = _edges(add_months(today, -3)) + _edges(add_months(today, -6)) + _edges(add_months(today, -12))
    starts += [add_months(today, -months) for months in (2, 4, 5, 7, 9, 11, 13)]
    _build(
        {
            "today": today,
            "courses_active": [True] * COURSES,
            "regulatory": [True],
            "rules": rules,
            "councillors": [
                Drawn(active=True, terms=[(start, None)], seats=[], done=[done], places=[])
                for start in sorted(set(starts))
                for done in (0, 1)
            ],
        }
    )

    expected = _from_the_matrix(today)
    assert 0 < len(expected[0]) < Councillor.objects.count()
    assert _from_the_database(today) == expected


def test_a_record_or_a_place_to_come_keeps_a_due_course_from_being_overdue():
    today = date(2026, 6, 15)
    two_years_ago = (date(2024, 6, 1), None)
    world = {
        "today": today,
        "courses_active": [True, True, False],
        "regulatory": [True],
        "rules": [
            (0, MandatoryRule.Kind.ALL_COUNCILLORS, 6, 0),
            (1, MandatoryRule.Kind.NEW_COUNCILLORS, 1, 0),
            (2, MandatoryRule.Kind.ALL_COUNCILLORS, 6, 0),  # a withdrawn course: no longer asked for
        ],
        # Each behind on course 0 alone (course 1 done): nothing, done, a place booked, waiting,
        # cancelled, booked on a cancelled session, on a past one.
        "councillors": [
            Drawn(active=True, terms=[two_years_ago], seats=[], done=[1, *done], places=places)
            for done, places in [
                ([], []),
                ([0], []),
                ([], [(0, 0, Booking.Status.BOOKED)]),
                ([], [(0, 0, Booking.Status.WAITING)]),
                ([], [(0, 0, Booking.Status.CANCELLED)]),
                ([], [(0, 1, Booking.Status.BOOKED)]),
                ([], [(0, 2, Booking.Status.BOOKED)]),
            ]
        ],
    }
    _build(world)

    overdue, flagged = _from_the_matrix(today)
    assert (len(overdue), len(flagged)) == (5, 0)
    assert _from_the_database(today) == (overdue, flagged)


def test_a_seat_holder_with_a_place_to_come_is_flagged_but_not_overdue_and_one_with_a_record_neither():
    today = date(2026, 6, 15)
    world = {
        "today": today,
        "courses_active": [True] * COURSES,
        "regulatory": [True, False],
        "rules": [
            (0, MandatoryRule.Kind.COMMITTEE_MEMBERS, None, 0),
            (1, MandatoryRule.Kind.COMMITTEE_MEMBERS, None, 1),
        ],
        # On each committee: a place booked, waiting, cancelled; booked on a cancelled session,
        # on a past one; and the course done.
        "councillors": [
            Drawn(active=True, terms=[], seats=[committee], done=[], places=[place])
            for committee in (0, 1)
            for place in [
                (committee, 0, Booking.Status.BOOKED),
                (committee, 0, Booking.Status.WAITING),
                (committee, 0, Booking.Status.CANCELLED),
                (committee, 1, Booking.Status.BOOKED),
                (committee, 2, Booking.Status.BOOKED),
            ]
        ]
        + [Drawn(active=True, terms=[], seats=[committee], done=[committee], places=[]) for committee in (0, 1)],
    }
    _build(world)

    overdue, flagged = _from_the_matrix(today)
    assert (len(overdue), len(flagged)) == (8, 5)
    assert _from_the_database(today) == (overdue, flagged)


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize("months", [0, 1, 2, 3, 6, 11, 12, 13, 24, 25, 48])
def test_the_last_start_not_yet_overdue_is_where_the_due_date_reaches_today(today, months):
    threshold = mandatory._overdue_if_started_before(months, today)
    around = add_months(today, -months)
    for offset in range(-70, 70):
        start = around + timedelta(days=offset)
        assert (add_months(start, months) < today) == (start < threshold), start


def test_rules_too_long_to_fall_due_in_any_start_give_none():
    assert mandatory._overdue_if_started_before(32767, date(2026, 6, 15)) == date.min


def _population(n: int) -> None:
    world = {
        "today": date(2026, 6, 15),
        "courses_active": [True, True, False],
        "regulatory": [True, False],
        "rules": [
            (0, MandatoryRule.Kind.ALL_COUNCILLORS, 6, 0),
            (1, MandatoryRule.Kind.NEW_COUNCILLORS, None, 0),
            (1, MandatoryRule.Kind.COMMITTEE_MEMBERS, None, 0),
            (2, MandatoryRule.Kind.COMMITTEE_MEMBERS, None, 1),
        ],
        "councillors": [
            Drawn(
                active=bool(i % 5),
                terms=[(date(2023, 5, 4) + timedelta(days=90 * (i % 12)), None)],
                seats=[i % 2],
                done=[0] if i % 3 else [],
                places=[(1, 0, Booking.Status.BOOKED)] if i % 4 else [],
            )
            for i in range(n)
        ],
    }
    _build(world)


def test_the_figures_take_two_queries_whatever_the_number_of_councillors(django_assert_num_queries):
    _population(5)
    with django_assert_num_queries(2):
        few = mandatory.overdue_and_flagged(today=date(2026, 6, 15))
    _population(60)
    with django_assert_num_queries(2):
        many = mandatory.overdue_and_flagged(today=date(2026, 6, 15))
    assert few[0] < many[0] and few[1] < many[1]
    assert many == tuple(len(found) for found in _from_the_matrix(date(2026, 6, 15)))


def test_the_member_services_home_page_shows_the_figures(client, login):
    _population(30)
    login(Role.MEMBER_SERVICES)

    page = client.get(reverse("home")).content.decode()

    expected = tuple(len(found) for found in _from_the_matrix(timezone.localdate()))
    assert all(expected)
    shown = [
        re.search(rf"{label}</dt>\s*<dd[^>]*>(\d+)</dd>", page).group(1)
        for label in (
            "Councillors with overdue mandatory training",
            "Regulatory committee members without required training",
        )
    ]
    assert tuple(int(figure) for figure in shown) == expected
