"""The role home pages make each query once: the panels other apps register share what they
all need (the signed-in councillor) instead of each fetching it again, and a panel makes the
fewest queries for what it shows. tests/scale/test_query_counts.py checks that the counts do
not grow with the data; this checks the counts themselves, and that the panels still say the
same things."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from council.roles import Role
from protocol.models import Acknowledgement, Requirement
from tests.factories import CommitteeFactory, CommitteeMembershipFactory, CouncillorFactory, TermOfOfficeFactory
from tests.protocol.factories import make_published
from tests.scale.builders import World
from tests.training.factories import BookingFactory, MandatoryRuleFactory, SessionFactory, TrainingRecordFactory
from training import mandatory
from training.models import Booking, MandatoryRule, Session

pytestmark = pytest.mark.django_db

# Signing in (the session, the user, their roles: 3), then one query each: the councillor linked
# to the account (shared by all four panels); the version in force with whether they have
# acknowledged it and by when they must; the mandatory training rules with their records,
# committee seats and places on sessions; their terms of office; their next sessions; and how
# many complaints about them they have been told of.
COUNCILLOR_HOME_QUERIES = 9
# Signing in with two-factor authentication (4), the linked councillor (if any), the directory
# counts, the version in force and its acknowledgement counts, the two training figures (the
# rules with a due date, then both counted at once: 2) and the session counts.
MEMBER_SERVICES_HOME_QUERIES = 11


@pytest.fixture(autouse=True)
def _no_session_writes(monkeypatch):
    # A staff session records its last use at most once a minute: not in the request counted.
    monkeypatch.setattr("council.middleware.LAST_SEEN_RESOLUTION", 10**9)


def _home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _counted_home(client, django_assert_num_queries, queries: int) -> str:
    _home(client)  # the first request fills per-process caches (content types, sites)
    with django_assert_num_queries(queries):
        return _home(client)


def test_a_councillors_home_page_with_every_panel_filled(client, login, django_assert_num_queries):
    world = World()
    user = login(Role.COUNCILLOR, full_name="Pat Example")
    own = world.linked_councillor(user)
    world.version()  # published through the services: a requirement for each serving councillor
    Requirement.objects.filter(councillor=own).update(due_date=timezone.localdate() - timedelta(days=3))
    world.own_training(own, 10)
    world.complaints(10, about=own, notified=True)
    world.complaints(10)  # about others: not counted

    page = _counted_home(client, django_assert_num_queries, COUNCILLOR_HOME_QUERIES)

    assert "Your details" in page and "Pat Example" in page
    assert "Version 1 of the social media protocol is waiting for you" in page
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
    next_sessions = (
        Booking.objects.filter(
            councillor=own,
            status__in=(Booking.Status.BOOKED, Booking.Status.WAITING),
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=timezone.now(),
        )
        .order_by("session__starts_at")
        .values_list("session_id", flat=True)[:3]
    )
    assert len(next_sessions) == 3
    assert "Your next training sessions" in page
    for session_id in next_sessions:
        assert reverse("training:session_detail", args=[session_id]) in page
    assert "Complaints about you" in page
    assert reverse("complaints:my_cases") in page


def test_the_councillor_panels_say_the_same_once_acknowledged_and_with_nothing_to_do(
    client, login, django_assert_num_queries
):
    world = World()
    user = login(Role.COUNCILLOR)
    own = world.linked_councillor(user)
    version = world.version()
    Acknowledgement.objects.create(
        councillor=own, version=version, content_hash=version.content_hash, typed_name=own.name
    )

    # No complaints to show (the count is still made) and no training to do: the same queries.
    page = _counted_home(client, django_assert_num_queries, COUNCILLOR_HOME_QUERIES)

    assert "You have acknowledged the protocol in force" in page
    assert "Complaints about you" not in page
    assert "You have no training sessions booked" in page


def test_a_councillor_account_not_linked_to_the_directory_makes_no_panel_queries(
    client, login, django_assert_num_queries
):
    login(Role.COUNCILLOR)
    make_published()

    # Signing in (3) and looking for the linked councillor, once for all the panels.
    page = _counted_home(client, django_assert_num_queries, 4)

    assert "Contact Member Services to link it" in page


def _training_figures(page: str) -> tuple[int, int]:
    overdue = re.search(r"Councillors with overdue mandatory training</dt>\s*<dd[^>]*>(\d+)</dd>", page)
    flagged = re.search(r"Regulatory committee members without required training</dt>\s*<dd[^>]*>(\d+)</dd>", page)
    return int(overdue.group(1)), int(flagged.group(1))


def test_member_services_home_counts_the_training_figures_in_the_database(client, login, django_assert_num_queries):
    planning = CommitteeFactory(is_regulatory=True)
    scrutiny = CommitteeFactory(authority=planning.authority)
    for committee in (planning, scrutiny):
        MandatoryRuleFactory(kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee, within_months=None)
    code = MandatoryRuleFactory(kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6).course
    long_ago = date.today() - timedelta(days=800)
    untrained = CommitteeMembershipFactory(committee=planning).councillor  # flagged and overdue
    booked = CommitteeMembershipFactory(committee=planning).councillor  # flagged, booked: not overdue
    planning_course = MandatoryRule.objects.get(committee=planning).course
    BookingFactory(councillor=booked, session=SessionFactory(course=planning_course))
    CommitteeMembershipFactory(committee=scrutiny)  # overdue, but not on a regulatory committee
    behind = CouncillorFactory()  # overdue on the course for everyone
    for councillor in (untrained, booked, behind):
        TermOfOfficeFactory(councillor=councillor, start_date=long_ago)
    TrainingRecordFactory(councillor=untrained, course=code)
    TrainingRecordFactory(councillor=booked, course=code)
    make_published()
    login(Role.MEMBER_SERVICES)

    page = _counted_home(client, django_assert_num_queries, MEMBER_SERVICES_HOME_QUERIES)

    # As the matrix filtered to overdue, and the regulatory flags, each worked out on its own say.
    expected = (
        len(mandatory.matrix(statuses=[mandatory.OVERDUE]).rows),
        len({flag.councillor.pk for flag in mandatory.flags({"regulatory_only": True})}),
    )
    assert expected == (3, 2)
    assert _training_figures(page) == expected


def _cells(requirements) -> list[tuple]:
    return [(r.course.pk, r.due, r.status, [c.pk for c in r.committees], r.reasons) for r in requirements]


def test_one_councillors_requirements_are_their_row_of_the_matrix():
    """``requirements_for`` works one councillor out in two queries rather than the matrix's six:
    it must still agree with the matrix, whatever the rules and the councillor's record."""
    world = World()
    world.mandatory_courses()
    MandatoryRuleFactory(kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=None)
    councillors = world.councillors(24, mixed=True)
    world.training_history(councillors)
    world.sessions(6)
    for councillor in councillors[::3]:
        TermOfOfficeFactory(councillor=councillor, start_date=timezone.localdate() - timedelta(days=40))
    rows = {row.councillor.pk: row.requirements for row in mandatory.matrix().rows}
    assert any(rows.values())
    for councillor in councillors:
        assert _cells(mandatory.requirements_for(councillor)) == _cells(rows.get(councillor.pk, [])), councillor
