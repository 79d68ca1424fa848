"""The Monitoring Officer's daily digest of cases due soon or overdue."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from complaints.digest import send_daily_digest
from complaints.models import Complaint, Conflict, DigestEntry, Stage
from council.roles import Role
from council.workdays import add_working_days
from tests.factories import AuthorityFactory, CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)  # a Tuesday
_numbers = itertools.count(1)


def make_case(authority, *, stage: str = Stage.ASSESSMENT, due: date | None = None) -> Complaint:
    complaint = Complaint.objects.create(
        reference=f"CC-2026-{next(_numbers):05d}",
        principal_authority=authority,
        stage=stage,
        complainant_name="Pat Complainant",
        complainant_email="pat@example.org",
        complainant_type=Complaint.ComplainantType.PUBLIC,
        acting_as_councillor=Complaint.ActingAsCouncillor.YES,
        outcome_sought="An apology",
        due_date=due,
        due_for="Initial assessment" if due else "",
    )
    complaint.councillors.add(CouncillorFactory(authority=authority, name="Sam Councillor"))
    return complaint


@pytest.fixture
def authority():
    return AuthorityFactory()


def _sent_to(outbox, user) -> list:
    return [m for m in outbox if m.to == [user.email]]


def test_each_officer_gets_one_digest_of_due_and_overdue_cases(authority, outbox):
    mo = make_user(Role.MONITORING_OFFICER)
    deputy = make_user(Role.DEPUTY_MONITORING_OFFICER, authority=authority)
    make_user(Role.INDEPENDENT_PERSON)
    soon = make_case(authority, due=add_working_days(TODAY, 3))
    overdue = make_case(authority, due=date(2026, 3, 5))
    later = make_case(authority, due=add_working_days(TODAY, 4))
    paused = make_case(authority, stage=Stage.AWAITING_INFORMATION, due=TODAY)
    closed = make_case(authority, stage=Stage.CLOSED, due=TODAY)
    elsewhere = make_case(AuthorityFactory(), due=TODAY)

    assert send_daily_digest(today=TODAY) == 2
    assert len(outbox) == 2
    [to_mo], [to_deputy] = _sent_to(outbox, mo), _sent_to(outbox, deputy)
    for case in (soon, overdue):
        assert case.reference in to_deputy.body
    for case in (later, paused, closed, elsewhere):
        assert case.reference not in to_deputy.body
    assert elsewhere.reference in to_mo.body  # an officer with no authority sees every authority's cases
    assert "overdue by 3 working days" in to_deputy.body
    assert "3 working days left" in to_deputy.body
    assert to_deputy.subject == "2 complaints due or overdue on 10 March 2026"
    # No personal data: references and clocks only.
    for private in ("Pat Complainant", "pat@example.org", "Sam Councillor"):
        assert private not in to_deputy.body
        assert private not in to_deputy.alternatives[0][0]


def test_a_second_sweep_the_same_day_sends_nothing(authority, outbox):
    make_user(Role.MONITORING_OFFICER, authority=authority)
    make_case(authority, due=TODAY)
    assert send_daily_digest(today=TODAY) == 1
    assert send_daily_digest(today=TODAY) == 0
    assert len(outbox) == 1
    assert DigestEntry.objects.count() == 1
    # The next working day it comes again.
    assert send_daily_digest(today=date(2026, 3, 11)) == 1
    assert len(outbox) == 2


def test_cases_another_run_already_took_are_left_out(authority, outbox):
    """Two sweeps at once: whatever the other has recorded for today is not repeated."""
    mo = make_user(Role.MONITORING_OFFICER, authority=authority)
    taken = make_case(authority, due=TODAY)
    fresh = make_case(authority, due=TODAY)
    DigestEntry.objects.create(user=mo, complaint=taken, on_date=TODAY)
    assert send_daily_digest(today=TODAY) == 1
    [message] = outbox
    assert fresh.reference in message.body
    assert taken.reference not in message.body


def test_nothing_is_sent_when_nothing_is_due(authority, outbox):
    make_user(Role.MONITORING_OFFICER, authority=authority)
    make_case(authority, due=add_working_days(TODAY, 10))
    make_case(authority)  # no deadline running
    assert send_daily_digest(today=TODAY) == 0
    assert outbox == []
    assert not DigestEntry.objects.exists()


def test_a_conflicted_officer_does_not_get_the_case(authority, outbox):
    conflicted = make_user(Role.MONITORING_OFFICER, authority=authority)
    other = make_user(Role.DEPUTY_MONITORING_OFFICER, authority=authority)
    hidden = make_case(authority, due=TODAY)
    shown = make_case(authority, due=TODAY)
    Conflict.objects.create(complaint=hidden, user=conflicted, reason="Related to the councillor")
    send_daily_digest(today=TODAY)
    [to_conflicted], [to_other] = _sent_to(outbox, conflicted), _sent_to(outbox, other)
    assert hidden.reference not in to_conflicted.body
    assert shown.reference in to_conflicted.body
    assert hidden.reference in to_other.body
    assert not DigestEntry.objects.filter(user=conflicted, complaint=hidden).exists()


def test_inactive_officers_get_nothing(authority, outbox):
    make_user(Role.MONITORING_OFFICER, authority=authority, is_active=False)
    make_case(authority, due=TODAY)
    assert send_daily_digest(today=TODAY) == 0
    assert outbox == []
