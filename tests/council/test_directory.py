"""Member Services' councillor directory pages, through the HTTP client."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from council.models import AuditEntry, CommitteeMembership, Councillor, Invitation, TermOfOffice
from council.roles import Role
from tests.factories import (
    AuthorityFactory,
    CommitteeFactory,
    CommitteeMembershipFactory,
    CouncillorFactory,
    ParishFactory,
    PoliticalGroupFactory,
    TermOfOfficeFactory,
    WardFactory,
    make_user,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/directory/councillors/"
ADD_URL = "/directory/councillors/add/"


@pytest.fixture
def city():
    return AuthorityFactory(name="Oxbridge City Council")


@pytest.fixture
def parish(city):
    return ParishFactory(name="Little Marsham Parish Council", principal=city)


def _form_data(authority, /, **overrides) -> dict:
    ward = overrides.pop("ward", None) or WardFactory(authority=authority)
    group = overrides.pop("political_group", None) or PoliticalGroupFactory(authority=authority)
    data = {
        "name": "Harriet Quayle",
        "authority": authority.pk,
        "ward": ward.pk,
        "political_group": group.pk,
        "email": "harriet.quayle@oxbridge.gov.example",
        "is_active": "on",
        "member_services_contact": "",
        "term_start_0": "2",
        "term_start_1": "5",
        "term_start_2": "2024",
        "term_end_0": "4",
        "term_end_1": "5",
        "term_end_2": "2028",
    }
    data.update(overrides)
    return data


# --- The list ---------------------------------------------------------------


def test_it_lists_councillors_with_their_authority_ward_and_group(client, member_services, city):
    councillor = CouncillorFactory(
        authority=city, name="Aisha Dawson", ward__name="Castle", political_group__name="Green"
    )
    response = client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aisha Dawson" in page
    assert councillor.get_absolute_url() in page
    assert "Castle" in page
    assert "Green" in page
    assert "Add a councillor" in page


@pytest.mark.parametrize(
    "query",
    ["dawson", "Aisha", "Cllr Aisha Dawson", "aisha.dawson@oxbridge", "AISHA.DAWSON"],
)
def test_it_searches_by_name_or_email(client, member_services, city, query):
    CouncillorFactory(authority=city, name="Aisha Dawson", email="aisha.dawson@oxbridge.gov.example")
    CouncillorFactory(authority=city, name="Ben Kowalski", email="ben.kowalski@oxbridge.gov.example")
    page = client.get(LIST_URL, {"q": query}).content.decode()
    assert "Aisha Dawson" in page
    assert "Ben Kowalski" not in page


def test_it_filters_by_authority_ward_group_status_and_account(client, member_services, city, parish):
    castle = WardFactory(authority=city, name="Castle")
    labour = PoliticalGroupFactory(authority=city, name="Labour")
    match = CouncillorFactory(authority=city, name="Match Person", ward=castle, political_group=labour)
    CouncillorFactory(authority=parish, name="Parish Person")
    CouncillorFactory(authority=city, name="Other Ward", political_group=labour)
    CouncillorFactory(authority=city, name="Other Group", ward=castle)
    CouncillorFactory(authority=city, name="Retired Person", ward=castle, political_group=labour, is_active=False)
    CouncillorFactory(authority=city, name="Signed Up", ward=castle, political_group=labour, user=make_user())

    page = client.get(
        LIST_URL,
        {"authority": city.pk, "ward": castle.pk, "political_group": labour.pk, "status": "active", "account": "no"},
    ).content.decode()

    assert match.name in page
    for name in ["Parish Person", "Other Ward", "Other Group", "Retired Person", "Signed Up"]:
        assert name not in page


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "inactive"}, "Retired Person", "Serving Person"),
        ({"account": "yes"}, "Serving Person", "Retired Person"),
        ({"account": "no"}, "Retired Person", "Serving Person"),
    ],
)
def test_it_filters_by_serving_and_portal_account(client, member_services, city, params, shown, hidden):
    CouncillorFactory(authority=city, name="Serving Person", user=make_user())
    CouncillorFactory(authority=city, name="Retired Person", is_active=False)
    page = client.get(LIST_URL, params).content.decode()
    assert shown in page
    assert hidden not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"authority": "abc"}, "Choose an authority from the list"),
        ({"authority": "999999"}, "Choose an authority from the list"),
        ({"ward": "x"}, "Choose a ward from the list"),
        ({"political_group": "-1"}, "Choose a political group from the list"),
        ({"status": "sideways"}, "Choose whether the councillor is serving"),
        ({"page": "999"}, "There is no page 999"),
        ({"page": "abc"}, "There is no page abc"),
    ],
)
def test_bad_filter_values_are_explained_and_ignored(client, member_services, city, params, message):
    CouncillorFactory(authority=city, name="Aisha Dawson")
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Aisha Dawson" in page


def test_it_paginates_fifty_to_a_page(client, member_services, city):
    CouncillorFactory.create_batch(51, authority=city)
    first = client.get(LIST_URL).content.decode()
    assert "Showing 1 to 50 of 51 councillors" in first
    assert 'class="govuk-pagination"' in first
    assert "?page=2" in first
    second = client.get(LIST_URL, {"page": 2}).content.decode()
    assert "Showing 51 to 51 of 51 councillors" in second


def test_the_list_makes_the_same_number_of_queries_for_3_and_30_councillors(client, member_services, city):
    def make(n):
        for _ in range(n):
            councillor = CouncillorFactory(authority=city, user=make_user())
            Invitation.objects.create(
                email=f"{councillor.pk}@example.com",
                councillor=councillor,
                token_hash=str(councillor.pk),
                expires_at=timezone.now() + timedelta(days=1),
            )

    client.get(LIST_URL)  # warm up anything cached once per process
    make(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL).status_code == 200
    make(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST_URL)
    assert response.content.decode().count('class="govuk-table__row"') == 31  # header + 30
    assert len(many) == len(few), [q["sql"] for q in many]


# --- The profile ----------------------------------------------------------------


def test_the_profile_shows_everything_member_services_need(client, member_services, city, parish):
    councillor = CouncillorFactory(
        authority=parish, name="Callum Ashworth", email="callum.ashworth@littlemarsham-pc.gov.example"
    )
    TermOfOfficeFactory(councillor=councillor, start_date=date(2024, 5, 2), end_date=date(2028, 5, 4))
    CommitteeMembershipFactory(
        councillor=councillor,
        committee=CommitteeFactory(authority=parish, name="Planning Committee", is_regulatory=True),
    )
    CommitteeMembershipFactory(councillor=councillor, committee=CommitteeFactory(authority=parish, name="Finance"))

    response = client.get(councillor.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Councillor Callum Ashworth",
        "Little Marsham Parish Council",
        "Oxbridge City Council",  # its principal authority
        councillor.ward.name,
        councillor.political_group.name,
        "callum.ashworth@littlemarsham-pc.gov.example",
        "2 May 2024",
        "4 May 2028",
        "Planning Committee",
        "Regulatory",
        "Finance",
        "No account",
        "Invite to the portal",
        f"/directory/councillors/{councillor.pk}/invite/",
    ]:
        assert text in page, text


def test_the_profile_shows_a_linked_account_or_an_invitation(client, member_services, city):
    linked = CouncillorFactory(authority=city, user=make_user(email="linked@oxbridge.gov.example"))
    invited = CouncillorFactory(authority=city)
    Invitation.objects.create(
        email="invited@oxbridge.gov.example",
        councillor=invited,
        token_hash="x",
        expires_at=timezone.now() + timedelta(days=3),
    )
    linked_page = client.get(linked.get_absolute_url()).content.decode()
    assert "Has an account" in linked_page
    assert "linked@oxbridge.gov.example" in linked_page
    assert "Invite to the portal" not in linked_page
    invited_page = client.get(invited.get_absolute_url()).content.decode()
    assert "Invited" in invited_page
    assert "invited@oxbridge.gov.example" in invited_page


def test_only_those_who_may_invite_see_the_invite_link(client, login, city):
    councillor = CouncillorFactory(authority=city, name="Ian Ingram")
    login(Role.MONITORING_OFFICER)
    page = client.get(councillor.get_absolute_url()).content.decode()
    assert "Councillor Ian Ingram" in page
    assert "Invite to the portal" not in page
    assert "Edit details" not in page


def test_the_profile_renders_panels_other_apps_register(client, member_services, city, monkeypatch):
    from council import registry

    panels = registry.PanelRegistry()
    panels.register(
        lambda request, councillor: {
            "title": f"Training for {councillor.name}",
            "template": "council/panels/your_details.html",
            "context": {"councillor": councillor},
        }
    )
    monkeypatch.setattr("council.directory_views.councillor_panels", panels)
    councillor = CouncillorFactory(authority=city, name="Grace Hollis")
    assert "Training for Grace Hollis" in client.get(councillor.get_absolute_url()).content.decode()


def test_a_missing_councillor_is_404(client, member_services):
    assert client.get("/directory/councillors/999999/").status_code == 404
    assert client.get("/directory/councillors/999999/edit/").status_code == 404


# --- Adding and editing --------------------------------------------------------


def test_member_services_add_a_councillor(client, member_services, city):
    planning = CommitteeFactory(authority=city, name="Planning Committee", is_regulatory=True)
    contact = make_user(Role.MEMBER_SERVICES)
    data = _form_data(city, committees=[planning.pk], member_services_contact=contact.pk)

    response = client.post(ADD_URL, data, follow=True)

    councillor = Councillor.objects.get(name="Harriet Quayle")
    assert response.redirect_chain[-1][0] == councillor.get_absolute_url()
    page = response.content.decode()
    assert "Cllr Harriet Quayle has been added to the directory." in page
    assert councillor.authority == city
    assert councillor.member_services_contact == contact
    assert list(councillor.terms.values_list("start_date", "end_date")) == [(date(2024, 5, 2), date(2028, 5, 4))]
    assert list(councillor.committees.all()) == [planning]
    entry = AuditEntry.objects.get(action="councillor.created")
    assert entry.actor == member_services
    assert entry.object_id == str(councillor.pk)


def test_the_add_form_uses_the_design_system(client, member_services, city):
    page = client.get(ADD_URL).content.decode()
    assert "<h1" in page
    assert 'class="govuk-date-input"' in page
    assert 'name="term_start_0"' in page
    assert 'class="govuk-checkboxes' in page or "No committees" in page


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ("ward", "Choose a ward of Oxbridge City Council"),
        ("political_group", "Choose a political group of Oxbridge City Council"),
        ("committees", "Choose only committees of Oxbridge City Council"),
    ],
)
def test_a_ward_group_or_committee_of_another_authority_is_refused(client, member_services, city, other, message):
    elsewhere = AuthorityFactory(name="Elsewhere District Council")
    foreign = {
        "ward": lambda: WardFactory(authority=elsewhere),
        "political_group": lambda: PoliticalGroupFactory(authority=elsewhere),
        "committees": lambda: CommitteeFactory(authority=elsewhere),
    }[other]()
    data = _form_data(city)
    data[other] = [foreign.pk] if other == "committees" else foreign.pk

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not Councillor.objects.exists()
    assert not AuditEntry.objects.filter(action="councillor.created").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the councillor&#x27;s full name"),
        ({"authority": ""}, "Choose the councillor&#x27;s authority"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"term_start_0": "", "term_start_1": "", "term_start_2": ""}, "Enter the start of term"),
        ({"term_start_1": "13"}, "month must be in 1..12"),
        ({"term_end_2": "2020"}, "The end of the term must be after its start"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, member_services, city, overrides, message):
    response = client.post(ADD_URL, _form_data(city, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not Councillor.objects.exists()
    assert not TermOfOffice.objects.exists()


def test_member_services_edit_a_councillor(client, member_services, city):
    councillor = CouncillorFactory(authority=city, name="Aisha Dawson")
    TermOfOfficeFactory(councillor=councillor, start_date=date(2024, 5, 2), end_date=None)
    planning = CommitteeFactory(authority=city, name="Planning Committee", is_regulatory=True)
    licensing = CommitteeFactory(authority=city, name="Licensing Committee", is_regulatory=True)
    CommitteeMembershipFactory(councillor=councillor, committee=planning, position=CommitteeMembership.Position.CHAIR)
    CommitteeMembershipFactory(councillor=councillor, committee=licensing)
    audit = CommitteeFactory(authority=city, name="Audit and Governance Committee")
    new_ward = WardFactory(authority=city, name="Riverside")

    form = client.get(f"/directory/councillors/{councillor.pk}/edit/").content.decode()
    assert 'value="Aisha Dawson"' in form
    assert 'value="2024"' in form

    data = _form_data(
        city,
        name="Aisha Dawson-Reed",
        email=councillor.email,
        ward=new_ward,
        political_group=councillor.political_group,
        committees=[planning.pk, audit.pk],
    )
    response = client.post(f"/directory/councillors/{councillor.pk}/edit/", data, follow=True)

    assert response.redirect_chain[-1][0] == councillor.get_absolute_url()
    assert "The details of Cllr Aisha Dawson-Reed have been saved." in response.content.decode()
    councillor.refresh_from_db()
    assert councillor.name == "Aisha Dawson-Reed"
    assert councillor.ward == new_ward
    assert list(councillor.terms.values_list("start_date", "end_date")) == [(date(2024, 5, 2), date(2028, 5, 4))]
    memberships = {m.committee.name: m.position for m in councillor.committee_memberships.all()}
    # The chair keeps the chair; licensing is left; audit is joined as a member.
    assert memberships == {"Planning Committee": "chair", "Audit and Governance Committee": "member"}
    entry = AuditEntry.objects.get(action="councillor.updated")
    assert entry.actor == member_services
    assert set(entry.data["changes"]) == {"name", "ward", "term", "joined_committees", "left_committees"}


def test_an_edit_that_breaks_the_rules_changes_nothing(client, member_services, city):
    councillor = CouncillorFactory(authority=city, name="Aisha Dawson")
    elsewhere_ward = WardFactory(authority=AuthorityFactory(name="Elsewhere District Council"))
    data = _form_data(city, name="Changed Name", ward=elsewhere_ward)
    response = client.post(f"/directory/councillors/{councillor.pk}/edit/", data)
    assert response.status_code == 200
    assert "Choose a ward of Oxbridge City Council" in response.content.decode()
    councillor.refresh_from_db()
    assert councillor.name == "Aisha Dawson"
    assert not AuditEntry.objects.exists()


# --- Who may use the pages ----------------------------------------------------


@pytest.fixture
def urls(city):
    councillor = CouncillorFactory(authority=city)
    return {
        "list": LIST_URL,
        "add": ADD_URL,
        "detail": f"/directory/councillors/{councillor.pk}/",
        "edit": f"/directory/councillors/{councillor.pk}/edit/",
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COUNCILLOR, {"list": 403, "add": 403, "detail": 403, "edit": 403}),
        (Role.COMMUNICATIONS, {"list": 403, "add": 403, "detail": 403, "edit": 403}),
        (Role.REPORT_VIEWER, {"list": 403, "add": 403, "detail": 403, "edit": 403}),
        (Role.INDEPENDENT_PERSON, {"list": 403, "add": 403, "detail": 403, "edit": 403}),
        (Role.MONITORING_OFFICER, {"list": 200, "add": 403, "detail": 200, "edit": 403}),
        (Role.DEPUTY_MONITORING_OFFICER, {"list": 200, "add": 403, "detail": 200, "edit": 403}),
        (Role.MEMBER_SERVICES, {"list": 200, "add": 200, "detail": 200, "edit": 200}),
        (Role.ADMINISTRATOR, {"list": 200, "add": 200, "detail": 200, "edit": 200}),
    ],
)
def test_who_may_use_the_directory_pages(client, login, urls, role, expected):
    login(role)
    assert {name: client.get(url).status_code for name, url in urls.items()} == expected


def test_a_councillor_cannot_post_to_the_add_page(client, login, city):
    login(Role.COUNCILLOR)
    assert client.post(ADD_URL, _form_data(city)).status_code == 403
    assert not Councillor.objects.exists()


@pytest.mark.parametrize("name", ["list", "add", "detail", "edit"])
def test_anonymous_people_are_sent_to_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Home page panels -----------------------------------------------------------


def test_member_services_home_shows_the_directory_panel(client, member_services, city):
    CouncillorFactory.create_batch(2, authority=city)
    CouncillorFactory(authority=city, user=make_user())
    CouncillorFactory(authority=city, is_active=False)
    page = client.get("/").content.decode()
    assert "Councillor directory" in page
    assert "Councillors serving" in page
    assert "Serving councillors without a portal account" in page
    assert "/directory/councillors/?status=active&amp;account=no" in page
    for link in ["Add a councillor", "Import councillors", "Invite someone"]:
        assert link in page


def test_a_monitoring_officer_sees_the_directory_panel_without_member_services_links(client, login):
    login(Role.MONITORING_OFFICER)
    page = client.get("/").content.decode()
    assert "Councillor directory" in page
    assert "Add a councillor" not in page


def test_a_councillor_sees_their_own_details(client, login, city):
    user = login(Role.COUNCILLOR)
    CouncillorFactory(authority=city, user=user, ward__name="Castle", political_group__name="Green")
    page = client.get("/").content.decode()
    assert "Your details" in page
    assert "Oxbridge City Council" in page
    assert "Castle" in page
    assert "Councillor directory" not in page


def test_communications_see_neither_panel(client, login):
    login(Role.COMMUNICATIONS)
    page = client.get("/").content.decode()
    assert "Councillor directory" not in page
    assert "Your details" not in page


# --- The services behind the pages ---------------------------------------------


def test_committee_memberships_of_another_authority_are_refused(member_services, city):
    from council import services

    councillor = CouncillorFactory(authority=city)
    foreign = CommitteeFactory(authority=AuthorityFactory(name="Elsewhere District Council"))
    with pytest.raises(services.DomainError, match="do not belong to Oxbridge City Council"):
        services.set_committee_memberships(actor=member_services, councillor=councillor, committees=[foreign])
    assert not CommitteeMembership.objects.exists()
    assert not AuditEntry.objects.exists()


def test_setting_memberships_and_terms_is_audited_once_and_idempotent(member_services, city):
    from council import services

    councillor = CouncillorFactory(authority=city)
    planning = CommitteeFactory(authority=city, name="Planning Committee")
    for _ in range(2):
        services.set_committee_memberships(actor=member_services, councillor=councillor, committees=[planning])
        services.set_term_of_office(
            actor=member_services, councillor=councillor, start_date=date(2024, 5, 2), end_date=None
        )
    assert list(councillor.committees.all()) == [planning]
    assert councillor.terms.count() == 1
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "councillor.committees_changed",
        "councillor.term_changed",
    ]
    with pytest.raises(services.DomainError, match="end of the term must be after its start"):
        services.set_term_of_office(
            actor=member_services, councillor=councillor, start_date=date(2024, 5, 2), end_date=date(2024, 5, 2)
        )


def test_a_national_directory_offers_wards_of_the_chosen_authority_only(client, member_services, monkeypatch):
    from council.forms import CouncillorFilterForm

    monkeypatch.setattr(CouncillorFilterForm, "MAX_UNFILTERED_OPTIONS", 1)
    one, other = CouncillorFactory(), CouncillorFactory()

    def ward_options(url: str) -> str:
        page = client.get(url).content.decode()
        return re.search(r'<select name="ward".*?</select>', page, flags=re.S).group(0)

    assert f'value="{one.ward.pk}"' not in ward_options("/directory/councillors/")
    assert "Choose an authority and apply the filters" in client.get("/directory/councillors/").content.decode()
    options = ward_options(f"/directory/councillors/?authority={one.authority.pk}")
    assert f'value="{one.ward.pk}"' in options
    assert f'value="{other.ward.pk}"' not in options
