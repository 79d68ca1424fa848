"""Councillors declare their social media accounts; Member Services see the declarations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from council.models import AuditEntry
from council.roles import Role
from protocol.models import SocialAccount
from tests.factories import AuthorityFactory, CouncillorFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("protocol:my_accounts")
ADD_URL = reverse("protocol:account_add")


@pytest.fixture
def councillor(login):
    user = login(Role.COUNCILLOR)
    return CouncillorFactory(user=user, name="Jane Smith")


def _account(councillor, **kwargs) -> SocialAccount:
    values = {"platform": "x", "handle": "@janesmith", "use": "councillor", "has_disclaimer": True} | kwargs
    return SocialAccount.objects.create(councillor=councillor, **values)


class TestCouncillorDeclares:
    def test_add_an_account(self, client, councillor):
        page = client.get(ADD_URL).content.decode()
        assert "As a councillor" in page and "Personal" in page
        assert "The views I express here are mine and do not necessarily reflect the views of the council." in page
        response = client.post(
            ADD_URL, {"platform": "facebook", "handle": " cllrjanesmith ", "use": "councillor", "has_disclaimer": "on"}
        )
        assert response.status_code == 302
        assert response.url == LIST_URL
        account = SocialAccount.objects.get()
        assert (account.councillor, account.platform, account.handle) == (councillor, "facebook", "cllrjanesmith")
        assert account.use == "councillor" and account.has_disclaimer
        assert AuditEntry.objects.filter(action="protocol.account_declared").exists()
        page = client.get(LIST_URL).content.decode()
        assert "cllrjanesmith" in page and "Facebook" in page

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"handle": "@x", "use": "personal"}, "Choose the platform"),
            ({"platform": "myspace", "handle": "@x", "use": "personal"}, "Choose a platform from the list"),
            ({"platform": "x", "handle": "   ", "use": "personal"}, "Enter the handle or web address"),
            ({"platform": "x", "handle": "@x"}, "Choose how you use this account"),
            ({"platform": "x", "handle": "@x" * 200, "use": "personal"}, "300 characters or fewer"),
        ],
    )
    def test_bad_input_is_refused(self, client, councillor, data, message):
        response = client.post(ADD_URL, data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert message in page
        assert not SocialAccount.objects.exists()

    def test_the_same_account_twice_is_refused(self, client, councillor):
        _account(councillor, handle="@JaneSmith")
        response = client.post(ADD_URL, {"platform": "x", "handle": "@janesmith", "use": "personal"})
        assert response.status_code == 200
        assert "You have already declared that account" in response.content.decode()
        assert SocialAccount.objects.count() == 1

    def test_edit_an_account(self, client, councillor):
        account = _account(councillor, has_disclaimer=False)
        url = reverse("protocol:account_edit", args=[account.pk])
        assert 'value="@janesmith"' in client.get(url).content.decode()
        response = client.post(url, {"platform": "x", "handle": "@jane", "use": "personal", "has_disclaimer": "on"})
        assert response.status_code == 302
        account.refresh_from_db()
        assert (account.handle, account.use, account.has_disclaimer) == ("@jane", "personal", True)

    def test_remove_an_account(self, client, councillor):
        account = _account(councillor)
        url = reverse("protocol:account_remove", args=[account.pk])
        page = client.get(url).content.decode()
        assert "Are you sure you want to remove" in page
        assert SocialAccount.objects.exists()
        response = client.post(url)
        assert response.status_code == 302
        assert not SocialAccount.objects.exists()

    def test_another_councillors_account_is_not_found(self, client, councillor):
        other = _account(CouncillorFactory(), handle="@someoneelse")
        for name in ("account_edit", "account_remove"):
            url = reverse(f"protocol:{name}", args=[other.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, {"platform": "x", "handle": "@mine", "use": "personal"}).status_code == 404
        other.refresh_from_db()
        assert other.handle == "@someoneelse"
        assert "@someoneelse" not in client.get(LIST_URL).content.decode()

    def test_only_their_own_accounts_are_listed(self, client, councillor):
        _account(councillor, handle="@mine")
        _account(CouncillorFactory(), handle="@theirs")
        page = client.get(LIST_URL).content.decode()
        assert "@mine" in page and "@theirs" not in page


class TestMemberServicesSeeDeclarations:
    URL = reverse("protocol:declarations")

    @pytest.fixture
    def accounts(self):
        north, south = AuthorityFactory(name="North Council"), AuthorityFactory(name="South Council")
        a = _account(CouncillorFactory(authority=north, name="Ann North"), handle="@ann", has_disclaimer=True)
        b = _account(CouncillorFactory(authority=north, name="Bob North"), handle="@bob", has_disclaimer=False)
        c = _account(CouncillorFactory(authority=south, name="Cat South"), handle="@cat", has_disclaimer=False)
        return north, south, a, b, c

    def test_lists_all_declarations(self, client, member_services, accounts):
        page = client.get(self.URL).content.decode()
        for text in ("@ann", "@bob", "@cat", "Ann North", "South Council", "As a councillor", "3 accounts"):
            assert text in page

    @pytest.mark.parametrize(
        ("query", "shown", "hidden"),
        [
            ({"authority": "north"}, ["@ann", "@bob"], ["@cat"]),
            ({"without_disclaimer": "on"}, ["@bob", "@cat"], ["@ann"]),
            ({"authority": "north", "without_disclaimer": "on"}, ["@bob"], ["@ann", "@cat"]),
        ],
    )
    def test_filters(self, client, member_services, accounts, query, shown, hidden):
        north, *_ = accounts
        if "authority" in query:
            query = query | {"authority": north.pk}
        page = client.get(self.URL, query).content.decode()
        for handle in shown:
            assert handle in page
        for handle in hidden:
            assert handle not in page

    def test_a_bad_filter_is_reported_not_a_crash(self, client, member_services, accounts):
        response = client.get(self.URL, {"authority": "999999", "page": "abc"})
        assert response.status_code == 200
        assert "Choose an authority from the list" in response.content.decode()

    def test_councillors_may_not(self, client, councillor):
        assert client.get(self.URL).status_code == 403
