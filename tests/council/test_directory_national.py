"""The councillor directory's filters at national scale (hundreds of parish councils), through the HTTP client.

Beyond CouncillorFilterForm.MAX_UNFILTERED_OPTIONS authorities the authority select lists principal
councils only; a second select lists the chosen principal council's parish and town councils.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.models import Authority
from tests.factories import (
    AuthorityFactory,
    CouncillorFactory,
    PoliticalGroupFactory,
    WardFactory,
    make_principals_with_parishes,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/directory/councillors/"


def options(page: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of each option of the select called ``name``."""
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


@pytest.fixture
def country():
    """3 principal councils with 100 parish councils each (303 authorities, over the limit of 200)."""
    principals = make_principals_with_parishes()
    return principals


def parish_of(principal: Authority, i: int = 0) -> Authority:
    return Authority.objects.get(slug=f"{principal.slug}-parish-{i:03d}")


def get(client, **params) -> str:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_authority_select_lists_only_principal_councils(client, member_services, country):
    page = get(client)
    assert options(page, "authority") == [("", "Any authority")] + [(str(p.pk), p.name) for p in country]
    # No principal council chosen yet: nothing to choose among the parishes, and a hint says why.
    assert options(page, "parish") == [("", "None")]
    assert "Choose a principal council and apply the filters" in page
    assert "Parish 001" not in page
    assert len(page) < 30_000


def test_choosing_a_principal_council_offers_its_parishes(client, member_services, country):
    north, south, _west = country
    page = get(client, authority=north.pk)
    parishes = options(page, "parish")
    assert len(parishes) == 101
    assert parishes[0] == ("", "None")
    assert {label.split()[0] for _value, label in parishes[1:]} == {"North"}
    assert str(parish_of(south).pk) not in {value for value, _label in parishes}
    assert "Leave as None for the councillors of the principal council itself" in page


def test_it_filters_by_parish_and_a_principal_council_means_its_own_councillors(client, member_services, country):
    north, _south, _west = country
    CouncillorFactory(authority=north, name="District Person")
    CouncillorFactory(authority=parish_of(north, 1), name="Parish Person")
    CouncillorFactory(authority=parish_of(north, 2), name="Neighbour Person")

    page = get(client, authority=north.pk, parish=parish_of(north, 1).pk)
    assert "Parish Person" in page
    assert "District Person" not in page and "Neighbour Person" not in page
    assert selected(page, "parish") == str(parish_of(north, 1).pk)

    # As before: choosing a principal council shows its own councillors, not its parishes'.
    page = get(client, authority=north.pk, parish="")
    assert "District Person" in page
    assert "Parish Person" not in page and "Neighbour Person" not in page


def test_an_address_naming_a_parish_as_the_authority_shows_it_under_its_principal(client, member_services, country):
    north, _south, _west = country
    parish = parish_of(north, 7)
    CouncillorFactory(authority=parish, name="Parish Person")
    CouncillorFactory(authority=north, name="District Person")
    page = get(client, authority=parish.pk)
    assert "Parish Person" in page and "District Person" not in page
    assert selected(page, "authority") == str(north.pk)
    assert selected(page, "parish") == str(parish.pk)


def test_a_parish_left_over_from_another_council_is_dropped(client, member_services, country):
    north, south, _west = country
    CouncillorFactory(authority=south, name="South Person")
    # Chose a North parish, then switched the authority to South and applied.
    page = get(client, authority=south.pk, parish=parish_of(north).pk)
    assert "South Person" in page
    assert "error" not in page.lower()
    assert not selected(page, "parish")
    # Switched back to "Any authority": the parish goes too.
    page = get(client, authority="", parish=parish_of(north).pk)
    assert "South Person" in page
    assert "govuk-error-summary" not in page


@pytest.mark.parametrize("value", ["abc", "999999", "²", "9" * 30])
def test_a_bad_parish_is_explained_and_ignored(client, member_services, country, value):
    north, _south, _west = country
    CouncillorFactory(authority=north, name="District Person")
    page = get(client, authority=north.pk, parish=value)
    assert "Choose a parish or town council from the list" in page
    assert "District Person" in page


def test_a_principal_council_is_not_a_parish(client, member_services, country):
    north, south, _west = country
    page = get(client, authority=north.pk, parish=south.pk)
    assert "Choose a parish or town council from the list" in page


def test_bad_authorities_are_still_explained(client, member_services, country):
    for value in ("abc", "999999"):
        assert "Choose an authority from the list" in get(client, authority=value)


def test_wards_and_groups_follow_the_chosen_parish(client, member_services, country):
    north, _south, _west = country
    parish = parish_of(north, 3)
    parish_ward = WardFactory(authority=parish, name="Church End")
    district_ward = WardFactory(authority=north, name="Riverside")
    WardFactory.create_batch(200, authority=north)
    group = PoliticalGroupFactory(authority=parish)
    PoliticalGroupFactory.create_batch(200, authority=north)

    page = get(client)
    assert options(page, "ward") == [("", "Any ward")]
    assert options(page, "political_group") == [("", "Any group")]

    page = get(client, authority=north.pk, parish=parish.pk)
    assert [v for v, _label in options(page, "ward")] == ["", str(parish_ward.pk)]
    assert [v for v, _label in options(page, "political_group")] == ["", str(group.pk)]

    # The district's ward, left over from before the parish was chosen, is dropped rather than refused.
    page = get(client, authority=north.pk, parish=parish.pk, ward=district_ward.pk)
    assert "govuk-error-summary" not in page
    assert not selected(page, "ward")


def test_the_national_list_makes_the_same_number_of_queries_for_3_and_30_councillors(client, member_services, country):
    north, _south, _west = country
    parish = parish_of(north, 5)
    params = {"authority": north.pk, "parish": parish.pk}
    client.get(LIST_URL, params)
    CouncillorFactory.create_batch(3, authority=parish)
    with CaptureQueriesContext(connection) as few:
        get(client, **params)
    CouncillorFactory.create_batch(27, authority=parish)
    with CaptureQueriesContext(connection) as many:
        page = get(client, **params)
    assert "30 councillors" in page
    assert len(many) == len(few), [q["sql"] for q in many]


def test_a_council_sized_directory_lists_every_authority_in_one_select(client, member_services):
    city = AuthorityFactory(name="Oxbridge City Council")
    parish = AuthorityFactory(name="Little Marsham Parish Council", kind=Authority.Kind.PARISH, principal=city)
    page = get(client)
    assert [v for v, _label in options(page, "authority")] == ["", str(parish.pk), str(city.pk)]
    assert '<select name="parish"' not in page
