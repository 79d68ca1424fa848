"""The three filter forms that scope their choices to an authority behave alike (council.authority_filters):
the councillor directory, the protocol compliance dashboard and the mandatory-training matrix.

1. A group (or ward, or committee) left over from a previously chosen authority is dropped quietly.
2. A parish named without its principal council is chosen under it.
3. The parish select is left out once a council without parishes is chosen.
4. A parish council recorded without a principal council is on the authority select.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from council.models import Authority, PoliticalGroup
from tests.factories import AuthorityFactory, CouncillorFactory
from tests.protocol.test_compliance import publish_first_version
from training.models import Course, MandatoryRule, Topic

pytestmark = pytest.mark.django_db

PAGES = ["council:councillor_list", "protocol:compliance", "training:matrix"]


def options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select, f"no {name} select"
    found = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return found.group(1) if found else None


def get(client, page: str, **params) -> str:
    response = client.get(reverse(page), params)
    assert response.status_code == 200
    return response.content.decode()


def _people(north: Authority, south: Authority, parish: Authority, lone: Authority) -> dict[str, PoliticalGroup]:
    """A councillor in each authority, each in their authority's first group; then what the
    compliance dashboard and the training matrix need to list them."""
    groups = {}
    for authority, name in ((north, "Nora North"), (south, "Sam South"), (parish, "Pat Parish"), (lone, "Lou Lone")):
        groups[name] = PoliticalGroup.objects.filter(authority=authority).order_by("name").first()
        CouncillorFactory(authority=authority, name=name, political_group=groups[name])
    publish_first_version()
    course = Course.objects.create(title="Code of conduct", topic=Topic.PLANNING)
    MandatoryRule.objects.create(course=course, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=2)
    return groups


@pytest.fixture(params=["council", "national"])
def country(request):
    """North and South principal councils, West with no parishes, and a parish recorded without a
    principal council ("Lone"). At council scale North has one parish, and each authority two
    groups; at national scale North and South have 100 parishes each and each principal council
    70 groups, so the authority and group selects are over MAX_UNFILTERED_OPTIONS."""
    national = request.param == "national"
    north, south, west = (AuthorityFactory(name=f"{n} District Council") for n in ("North", "South", "West"))
    parishes_each = 100 if national else 1
    Authority.objects.bulk_create(
        Authority(name=f"{p.name.split()[0]} Parish {i:03d}", slug=f"{p.slug}-{i}", kind="parish", principal=p)
        for p in ((north, south) if national else (north,))
        for i in range(parishes_each)
    )
    lone = AuthorityFactory(name="Lone Parish Council", kind=Authority.Kind.PARISH, principal=None)
    parish = Authority.objects.get(slug=f"{north.slug}-0")
    groups_each = 70 if national else 2
    PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"{a.name.split()[0]} Group {i:02d}")
        for a in (north, south, west, parish, lone)
        for i in range(groups_each if a.kind == "principal" else 1)
    )
    groups = _people(north, south, parish, lone)
    return {"national": national, "north": north, "south": south, "west": west, "parish": parish, "lone": lone} | {
        "north_group": groups["Nora North"]
    }


@pytest.mark.parametrize("page", PAGES)
def test_a_group_left_over_from_another_authority_is_dropped_quietly(client, member_services, country, page):
    # Chose a North group, then switched the authority to South and applied.
    shown = get(client, page, authority=country["south"].pk, political_group=country["north_group"].pk)
    assert "govuk-error-summary" not in shown
    assert "Sam South" in shown and "Nora North" not in shown
    assert selected(shown, "authority") == str(country["south"].pk)
    assert not selected(shown, "political_group")  # "Any group"


@pytest.mark.parametrize("page", PAGES)
def test_a_parish_named_alone_is_chosen_under_its_principal_council(client, member_services, country, page):
    parish, north = country["parish"], country["north"]
    shown = get(client, page, parish=parish.pk)
    assert "govuk-error-summary" not in shown
    assert "Pat Parish" in shown and "Nora North" not in shown and "Sam South" not in shown
    if country["national"]:
        assert selected(shown, "authority") == str(north.pk)
        assert selected(shown, "parish") == str(parish.pk)
    else:
        # One select lists every authority: the parish is chosen in it.
        assert selected(shown, "authority") == str(parish.pk)
        assert '<select name="parish"' not in shown


@pytest.mark.parametrize("page", PAGES)
def test_no_parish_select_for_a_council_without_parishes(client, member_services, country, page):
    assert '<select name="parish"' not in get(client, page, authority=country["west"].pk)
    with_parishes = get(client, page, authority=country["north"].pk)
    assert ('<select name="parish"' in with_parishes) == country["national"]
    # A value that names nothing keeps the select, to carry its message.
    if country["national"]:
        shown = get(client, page, authority=country["west"].pk, parish="999999")
        assert "Choose a parish or town council from the list" in shown
        assert options(shown, "parish") == [("", "None")]


@pytest.mark.parametrize("page", PAGES)
def test_a_parish_without_a_principal_council_is_on_the_authority_select(client, member_services, country, page):
    lone = country["lone"]
    assert (str(lone.pk), lone.name) in options(get(client, page), "authority")
    for params in ({"authority": lone.pk}, {"parish": lone.pk}):
        shown = get(client, page, **params)
        assert "govuk-error-summary" not in shown
        assert "Lou Lone" in shown and "Nora North" not in shown
        assert selected(shown, "authority") == str(lone.pk)
        assert '<select name="parish"' not in shown
