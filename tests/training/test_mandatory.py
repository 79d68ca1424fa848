"""Mandatory training: who must do what by when, the matrix and its fixed query count."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import (
    AuthorityFactory,
    CommitteeFactory,
    CommitteeMembershipFactory,
    CouncillorFactory,
    TermOfOfficeFactory,
)
from tests.training.factories import (
    BookingFactory,
    MandatoryRuleFactory,
    SessionFactory,
    TrainingRecordFactory,
)
from training import mandatory
from training.models import MandatoryRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]

TODAY = date(2026, 6, 15)


@pytest.fixture
def _frozen():
    with freeze_time("2026-06-15 12:00:00"):
        yield


def _councillor(term_start: date | None = None, **kwargs):
    councillor = CouncillorFactory(**kwargs)
    if term_start:
        TermOfOfficeFactory(councillor=councillor, start_date=term_start)
    return councillor


def _status(councillor, course):
    found = {r.course.pk: r for r in mandatory.requirements_for(councillor)}
    return (found[course.pk].status, found[course.pk].due) if course.pk in found else None


@pytest.mark.parametrize(
    ("term_start", "expected"),
    [
        (date(2026, 1, 1), ("outstanding", date(2026, 7, 1))),
        (date(2025, 1, 1), ("overdue", date(2025, 7, 1))),
        (None, ("outstanding", None)),
    ],
)
def test_all_councillors_rule_due_months_after_the_term_starts(term_start, expected):
    rule = MandatoryRuleFactory(kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6)
    assert _status(_councillor(term_start), rule.course) == expected


def test_a_record_completes_it_and_an_upcoming_booking_marks_it_booked():
    rule = MandatoryRuleFactory(within_months=6)
    done, booked = _councillor(date(2025, 1, 1)), _councillor(date(2025, 1, 1))
    TrainingRecordFactory(councillor=done, course=rule.course, completed_on=date(2020, 1, 1))
    BookingFactory(councillor=booked, session=SessionFactory(course=rule.course))
    assert _status(done, rule.course)[0] == "complete"
    assert _status(booked, rule.course)[0] == "booked"


def test_a_past_or_cancelled_booking_does_not_count_as_booked():
    rule = MandatoryRuleFactory(within_months=6)
    councillor = _councillor(date(2025, 1, 1))
    BookingFactory(
        councillor=councillor, session=SessionFactory(course=rule.course, starts_at=timezone.now() - timedelta(days=1))
    )
    BookingFactory(councillor=councillor, session=SessionFactory(course=rule.course), status="cancelled")
    assert _status(councillor, rule.course)[0] == "overdue"


def test_new_councillors_rule_applies_only_in_a_recent_first_term():
    rule = MandatoryRuleFactory(kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=3)
    new = _councillor(date(2026, 3, 1))
    long_serving = _councillor(date(2022, 5, 5))
    re_elected = _councillor(date(2026, 5, 1))
    TermOfOfficeFactory(councillor=re_elected, start_date=date(2022, 5, 1), end_date=date(2026, 4, 30))
    assert _status(new, rule.course) == ("overdue", date(2026, 6, 1))
    assert _status(long_serving, rule.course) is None
    assert _status(re_elected, rule.course) is None


def test_committee_members_must_complete_it_before_they_sit_and_are_flagged():
    committee = CommitteeFactory(is_regulatory=True)
    rule = MandatoryRuleFactory(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee, within_months=None)
    member = CommitteeMembershipFactory(committee=committee).councillor
    trained = CommitteeMembershipFactory(committee=committee).councillor
    TrainingRecordFactory(councillor=trained, course=rule.course)
    outsider = _councillor(authority=committee.authority)

    [requirement] = mandatory.requirements_for(member)
    assert requirement.status == "overdue" and requirement.before_sitting
    assert _status(outsider, rule.course) is None
    assert [tuple(flag) for flag in mandatory.flags()] == [(committee, member, rule.course)]
    assert [tuple(flag) for flag in mandatory.flags({"regulatory_only": True})] == [(committee, member, rule.course)]
    committee.is_regulatory = False
    committee.save()
    assert mandatory.flags({"regulatory_only": True}) == []


def test_the_earliest_due_date_wins_when_rules_overlap():
    rule = MandatoryRuleFactory(within_months=12)
    MandatoryRuleFactory(course=rule.course, kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=3)
    councillor = _councillor(date(2026, 5, 1))
    assert _status(councillor, rule.course) == ("outstanding", date(2026, 8, 1))


def test_the_matrix_filters_by_authority_group_and_committee():
    rule = MandatoryRuleFactory()
    here, there = AuthorityFactory(), AuthorityFactory()
    a = _councillor(authority=here)
    b = _councillor(authority=there)
    committee = CommitteeFactory(authority=here)
    CommitteeMembershipFactory(committee=committee, councillor=a)

    def names(filters):
        return [row.councillor for row in mandatory.matrix(filters).rows]

    assert names({}) == sorted([a, b], key=lambda c: (c.name, c.pk))
    assert names({"authority": here}) == [a]
    assert names({"authority": there.pk}) == [b]
    assert names({"political_group": b.political_group}) == [b]
    assert names({"committee": committee.pk}) == [a]
    assert mandatory.matrix().columns == [rule.course]


def test_the_matrix_csv_has_a_status_per_course():
    rule = MandatoryRuleFactory(within_months=6)
    councillor = _councillor(date(2025, 1, 1), name="=Ann Example")
    out = io.StringIO()
    mandatory.matrix().write_csv(out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Councillor,Authority,Political group,{rule.course.title}"
    assert lines[1].startswith("'=Ann Example,")  # no spreadsheet formulas
    assert lines[1].endswith("Overdue (due 01/07/2025)")
    assert councillor.pk


def _population(n: int) -> None:
    committee = CommitteeFactory()
    rules = [MandatoryRuleFactory(within_months=6) for _ in range(3)]
    MandatoryRuleFactory(kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=3)
    MandatoryRuleFactory(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee, within_months=None)
    session = SessionFactory(course=rules[1].course, capacity=1000)
    for i in range(n):
        councillor = _councillor(date(2025, 1, 1) + timedelta(days=40 * (i % 12)))
        if i % 2:
            CommitteeMembershipFactory(committee=committee, councillor=councillor)
        if i % 3:
            TrainingRecordFactory(councillor=councillor, course=rules[0].course)
        if i % 4:
            BookingFactory(councillor=councillor, session=session)


def _queries(filters=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = mandatory.matrix(filters)
        list(result.csv_rows())
        mandatory.flags()
    return len(ctx.captured_queries)


def test_the_matrix_takes_a_fixed_number_of_queries():
    _population(5)
    small = _queries()
    _population(45)
    large = _queries()
    assert small == large <= 15
    assert len(mandatory.matrix().rows) >= 50
