"""Adding and editing councillors in a national directory, through the HTTP client.

Beyond CouncillorForm.MAX_UNFILTERED_OPTIONS authorities (or wards, groups or committees) the add
page asks for the authority first, a question a page answered in the address (no JavaScript):
the principal council, then one of its parish or town councils or the principal council itself.
The details form then lists that authority's wards, groups and committees only; the edit page
lists those of the councillor's authority, and "Change" asks the questions again.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from council.forms import CouncillorForm
from council.models import AuditEntry, Authority, CommitteeMembership, Councillor, TermOfOffice
from council.roles import CAPABILITIES, Capability, Role
from tests.factories import (
    AuthorityFactory,
    CommitteeFactory,
    CommitteeMembershipFactory,
    CouncillorFactory,
    PoliticalGroupFactory,
    TermOfOfficeFactory,
    WardFactory,
    make_principals_with_parishes,
)

pytestmark = pytest.mark.django_db

ADD_URL = "/directory/councillors/add/"
QUESTION = "Which council is the councillor a member of?"


def edit_url(councillor: Councillor) -> str:
    return f"/directory/councillors/{councillor.pk}/edit/"


def options(page: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of each option of the select called ``name``."""
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select, f"no {name} select"
    return [
        (v, label.strip()) for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    ]


def checkboxes(page: str, name: str) -> dict[str, bool]:
    """Whether each checkbox called ``name`` is checked, by value."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page, flags=re.S):
        if 'type="checkbox"' in tag and f'name="{name}"' in tag:
            found[re.search(r'value="([^"]*)"', tag).group(1)] = "checked" in tag
    return found


def get(client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def details(**overrides) -> dict:
    data = {
        "name": "Harriet Quayle",
        "email": "harriet.quayle@council.example",
        "is_active": "on",
        "member_services_contact": "",
        "term_start_0": "2",
        "term_start_1": "5",
        "term_start_2": "2024",
        "term_end_0": "",
        "term_end_1": "",
        "term_end_2": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def country():
    """3 principal councils with 100 parish councils each (303 authorities, over the limit of 200);
    North, its parish 001 and South each have a ward, a group and a committee."""
    principals = make_principals_with_parishes()
    north, south, _west = principals
    for authority in (north, parish_of(north, 1), south):
        WardFactory(authority=authority, name=f"{authority.name} Ward")
        PoliticalGroupFactory(authority=authority, name=f"{authority.name} Group")
        CommitteeFactory(authority=authority, name=f"{authority.name} Planning", is_regulatory=True)
    return principals


def parish_of(principal: Authority, i: int = 0) -> Authority:
    return Authority.objects.get(slug=f"{principal.slug}-parish-{i:03d}")


# --- Adding: the questions ----------------------------------------------------------------------


def test_the_add_page_asks_for_the_principal_council_first(client, member_services, country):
    page = get(client, ADD_URL)
    assert QUESTION in page
    assert options(page, "authority") == [("", "Choose an authority")] + [(str(p.pk), p.name) for p in country]
    assert "Parish 001" not in page
    # Nothing of the details form: no wards, groups or committees of anywhere.
    assert 'name="ward"' not in page and 'name="committees"' not in page
    assert 'method="get"' in page
    assert ">Continue</button>" in page
    assert len(page) < 20_000


def test_choosing_a_principal_council_asks_which_of_its_councils(client, member_services, country):
    north, south, _west = country
    page = get(client, ADD_URL, {"authority": north.pk})
    assert QUESTION in page
    assert re.search(r'<input type="hidden"\s+name="authority"\s+value="(\d+)"', page).group(1) == str(north.pk)
    parishes = options(page, "parish")
    assert parishes[0] == ("", "North District Council")
    assert len(parishes) == 101
    assert {label.split()[0] for _value, label in parishes[1:]} == {"North"}
    assert str(parish_of(south).pk) not in {value for value, _label in parishes}
    assert 'href="/directory/councillors/add/" class="govuk-back-link"' in page


def test_choosing_a_parish_shows_the_details_form_with_its_options_only(client, member_services, country):
    north, _south, _west = country
    parish = parish_of(north, 1)
    page = get(client, ADD_URL, {"authority": north.pk, "parish": parish.pk})
    assert "Add a councillor" in page
    assert "North Parish 001 Council" in page and "in the area of North District Council" in page
    assert '<select name="authority"' not in page
    assert [label for _value, label in options(page, "ward")] == ["No ward", "North Parish 001 Council Ward"]
    assert [label for _value, label in options(page, "political_group")] == [
        "No group",
        "North Parish 001 Council Group",
    ]
    assert checkboxes(page, "committees") == {str(parish.committees.get().pk): False}
    assert "North Parish 001 Council Planning (regulatory)" in page
    assert "North District Council Ward" not in page and "South District Council" not in page


def test_leaving_the_parish_as_the_principal_council_means_the_principal_council(client, member_services, country):
    north, _south, _west = country
    page = get(client, ADD_URL, {"authority": north.pk, "parish": ""})
    assert [label for _value, label in options(page, "ward")] == ["No ward", "North District Council Ward"]
    assert "in the area of" not in page


def test_an_address_naming_a_parish_goes_straight_to_the_details(client, member_services, country):
    north, _south, _west = country
    page = get(client, ADD_URL, {"authority": parish_of(north, 1).pk})
    assert [label for _value, label in options(page, "ward")] == ["No ward", "North Parish 001 Council Ward"]


def test_a_principal_council_without_parishes_goes_straight_to_the_details(client, member_services, country):
    lonely = AuthorityFactory(name="Lonely Unitary Council")
    WardFactory(authority=lonely, name="Only Ward")
    page = get(client, ADD_URL, {"authority": lonely.pk})
    assert [label for _value, label in options(page, "ward")] == ["No ward", "Only Ward"]
    assert "Lonely Unitary Council has no committees in the directory." in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"authority": ""}, "Choose the councillor&#x27;s authority"),
        ({"authority": "abc"}, "Choose an authority from the list"),
        ({"authority": "999999"}, "Choose an authority from the list"),
        ({"authority": "²"}, "Choose an authority from the list"),
        ({"authority": "9" * 30}, "Choose an authority from the list"),
        ({"authority": "north", "parish": "abc"}, "Choose a parish or town council from the list"),
        ({"authority": "north", "parish": "south-parish"}, "Choose a parish or town council from the list"),
        ({"authority": "north", "parish": "south"}, "Choose a parish or town council from the list"),
    ],
)
def test_bad_answers_are_explained_on_the_question(client, member_services, country, params, message):
    north, south, _west = country
    named = {"north": north.pk, "south": south.pk, "south-parish": parish_of(south).pk}
    params = {key: named.get(value, value) for key, value in params.items()}
    page = get(client, ADD_URL, params)
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    assert 'name="ward"' not in page


# --- Adding: saving -------------------------------------------------------------------------------


def test_member_services_add_a_parish_councillor(client, member_services, country):
    north, _south, _west = country
    parish = parish_of(north, 1)
    ward, group, committee = parish.wards.get(), parish.political_groups.get(), parish.committees.get()
    url = f"{ADD_URL}?authority={north.pk}&parish={parish.pk}"
    data = details(ward=ward.pk, political_group=group.pk, committees=[committee.pk])

    response = client.post(url, data, follow=True)

    councillor = Councillor.objects.get(name="Harriet Quayle")
    assert response.redirect_chain[-1][0] == councillor.get_absolute_url()
    assert "Cllr Harriet Quayle has been added to the directory." in response.content.decode()
    assert (councillor.authority, councillor.ward, councillor.political_group) == (parish, ward, group)
    assert list(councillor.committees.all()) == [committee]
    assert list(councillor.terms.values_list("start_date", "end_date")) == [(date(2024, 5, 2), None)]
    assert AuditEntry.objects.filter(action="councillor.created", object_id=str(councillor.pk)).count() == 1


def test_the_authority_sent_with_the_details_is_ignored(client, member_services, country):
    """The authority is the one chosen on the questions (in the address): a crafted field does not move it."""
    north, south, _west = country
    parish = parish_of(north, 1)
    client.post(f"{ADD_URL}?authority={parish.pk}", details(authority=south.pk))
    assert Councillor.objects.get(name="Harriet Quayle").authority == parish


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "ward",
            "Choose a ward of North Parish 001 Council: South District Council Ward belongs to South District Council",
        ),
        (
            "political_group",
            "Choose a political group of North Parish 001 Council: South District Council Group belongs to "
            "South District Council",
        ),
        (
            "committees",
            "Choose only committees of North Parish 001 Council, not South District Council Planning "
            "(South District Council)",
        ),
    ],
)
def test_a_ward_group_or_committee_of_another_authority_is_refused(client, member_services, country, field, message):
    north, south, _west = country
    foreign = {
        "ward": south.wards.get,
        "political_group": south.political_groups.get,
        "committees": south.committees.get,
    }[field]().pk
    url = f"{ADD_URL}?authority={north.pk}&parish={parish_of(north, 1).pk}"

    response = client.post(url, details(**{field: [foreign] if field == "committees" else foreign}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    # The page sent back still offers the chosen authority's options, not the other one's.
    assert [label for _value, label in options(page, "ward")] == ["No ward", "North Parish 001 Council Ward"]
    assert not Councillor.objects.exists()
    assert not TermOfOffice.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("value", ["abc", "999999", "²", "9" * 30, "-1"])
def test_a_ward_that_names_nothing_is_refused(client, member_services, country, value):
    north, _south, _west = country
    response = client.post(f"{ADD_URL}?authority={north.pk}&parish=", details(ward=value, committees=[value]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a ward from the list" in page
    assert "Choose committees from the list" in page
    assert not Councillor.objects.exists()


def test_details_sent_before_the_authority_is_chosen_are_not_saved(client, member_services, country):
    north, _south, _west = country
    ward = north.wards.get()
    for url in (ADD_URL, f"{ADD_URL}?authority=abc", f"{ADD_URL}?authority={north.pk}"):
        response = client.post(url, details(authority=north.pk, ward=ward.pk))
        assert response.status_code == 200
        assert QUESTION in response.content.decode()
    assert not Councillor.objects.exists()
    assert not AuditEntry.objects.exists()


# --- Editing --------------------------------------------------------------------------------------


@pytest.fixture
def sitting(country):
    """A councillor of North with a term, a committee place and North's ward and group."""
    north, _south, _west = country
    councillor = CouncillorFactory(
        authority=north, name="Aisha Dawson", ward=north.wards.get(), political_group=north.political_groups.get()
    )
    TermOfOfficeFactory(councillor=councillor, start_date=date(2024, 5, 2), end_date=None)
    CommitteeMembershipFactory(
        councillor=councillor, committee=north.committees.get(), position=CommitteeMembership.Position.CHAIR
    )
    return councillor


def test_the_edit_page_offers_the_options_of_the_councillors_authority(client, member_services, country, sitting):
    north, _south, _west = country
    page = get(client, edit_url(sitting))
    assert '<select name="authority"' not in page
    ward = options(page, "ward")
    assert [label for _value, label in ward] == ["No ward", "North District Council Ward"]
    assert f'<option value="{sitting.ward_id}" selected>' in page
    assert checkboxes(page, "committees") == {str(north.committees.get().pk): True}
    assert f'href="{edit_url(sitting)}?change=authority"' in page
    assert "Parish 001" not in page and "South District Council" not in page
    assert len(page) < 30_000


def test_member_services_edit_a_councillor(client, member_services, country, sitting):
    north, _south, _west = country
    data = details(
        name="Aisha Dawson-Reed",
        email=sitting.email,
        ward=sitting.ward_id,
        political_group="",
        committees=[north.committees.get().pk],
        term_start_2="2024",
    )
    response = client.post(edit_url(sitting), data, follow=True)
    assert "The details of Cllr Aisha Dawson-Reed have been saved." in response.content.decode()
    sitting.refresh_from_db()
    assert (sitting.name, sitting.authority, sitting.political_group) == ("Aisha Dawson-Reed", north, None)
    assert sitting.committee_memberships.get().position == CommitteeMembership.Position.CHAIR


def test_an_edit_with_a_ward_of_another_authority_changes_nothing(client, member_services, country, sitting):
    _north, south, _west = country
    data = details(name="Changed Name", ward=south.wards.get().pk)
    response = client.post(edit_url(sitting), data)
    assert response.status_code == 200
    assert (
        "Choose a ward of North District Council: South District Council Ward belongs to" in response.content.decode()
    )
    sitting.refresh_from_db()
    assert sitting.name == "Aisha Dawson"
    assert not AuditEntry.objects.exists()


def test_change_asks_the_question_again_with_the_councillors_council_chosen(client, member_services, country, sitting):
    north, _south, _west = country
    page = get(client, edit_url(sitting), {"change": "authority"})
    assert QUESTION in page
    assert f'<option value="{north.pk}" selected>' in page
    assert "There is a problem" not in page
    assert f'href="{edit_url(sitting)}" class="govuk-back-link"' in page
    page = get(client, edit_url(sitting), {"authority": north.pk})
    assert f'href="{edit_url(sitting)}?change=authority" class="govuk-back-link"' in page


def test_moving_a_councillor_to_a_parish(client, member_services, country, sitting):
    north, _south, _west = country
    parish = parish_of(north, 1)
    url = f"{edit_url(sitting)}?authority={north.pk}&parish={parish.pk}"
    page = get(client, url)
    assert "Moving from North District Council" in page
    # Nothing of North carries over: its ward is not offered, nor its committees.
    assert [label for _value, label in options(page, "ward")] == ["No ward", "North Parish 001 Council Ward"]
    assert '<option value="" selected>No ward</option>' in page
    assert checkboxes(page, "committees") == {str(parish.committees.get().pk): False}

    data = details(name=sitting.name, email=sitting.email, ward=parish.wards.get().pk)
    response = client.post(url, data, follow=True)

    assert "The details of Cllr Aisha Dawson have been saved." in response.content.decode()
    sitting.refresh_from_db()
    assert (sitting.authority, sitting.ward, sitting.political_group) == (parish, parish.wards.get(), None)
    assert not sitting.committee_memberships.exists()
    changes = AuditEntry.objects.get(action="councillor.updated").data["changes"]
    assert {"authority", "ward", "political_group", "left_committees"} <= set(changes)


# --- A council's own directory is as it was ------------------------------------------------------------


def test_a_council_sized_directory_keeps_one_page_listing_everything(client, member_services):
    city = AuthorityFactory(name="Oxbridge City Council")
    other = AuthorityFactory(name="Elsewhere District Council")
    WardFactory(authority=city, name="Castle")
    WardFactory(authority=other, name="Harbour")
    page = get(client, ADD_URL)
    assert QUESTION not in page
    assert [label for _value, label in options(page, "authority")] == [
        "Choose an authority",
        "Elsewhere District Council",
        "Oxbridge City Council",
    ]
    assert "Castle" in page and "Harbour" in page
    # An authority named in the address is chosen already.
    page = get(client, ADD_URL, {"authority": city.pk})
    assert f'<option value="{city.pk}" selected>' in page
    assert "Harbour" in page


def test_too_many_wards_alone_ask_for_the_authority_first(client, member_services, monkeypatch):
    """Few authorities but long lists: the authority select lists them all, with no second question."""
    monkeypatch.setattr(CouncillorForm, "MAX_UNFILTERED_OPTIONS", 3)
    city = AuthorityFactory(name="Oxbridge City Council")
    WardFactory.create_batch(4, authority=city)
    other = AuthorityFactory(name="Elsewhere District Council")
    page = get(client, ADD_URL)
    assert [label for _value, label in options(page, "authority")] == [
        "Choose an authority",
        "Elsewhere District Council",
        "Oxbridge City Council",
    ]
    page = get(client, ADD_URL, {"authority": other.pk})
    assert [label for _value, label in options(page, "ward")] == ["No ward"]


# --- Who may answer the questions ---------------------------------------------------------------


@pytest.mark.parametrize("role", [None, *Role.values])
def test_only_those_who_manage_the_directory_see_the_questions(client, login, country, role):
    north, _south, _west = country
    councillor = CouncillorFactory(authority=north)
    if role is not None:
        login(role)
    allowed = role in CAPABILITIES[Capability.MANAGE_DIRECTORY]
    for url in (ADD_URL, f"{ADD_URL}?authority={north.pk}", f"{edit_url(councillor)}?change=authority"):
        response = client.get(url)
        if role is None:
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == (200 if allowed else 403), (url, role)
            assert (QUESTION in response.content.decode()) == allowed
