"""The councillor add and edit pages do not grow with the number of authorities.

In a national directory (10,000 authorities with their wards, groups and committees) a form
listing every one of them made pages of megabytes. The add page now asks for the authority
first and the details form lists that authority's options only (council.forms.choose_authority),
so each page, its questions included, makes the same queries and is the same size with 10 other
authorities as with 1,000. (The first question lists the principal councils, as the directory's
filters do: about 400 nationally. Here the authorities added are parish councils.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.forms import CouncillorForm
from council.models import Authority, Committee, Councillor, PoliticalGroup, Ward
from council.roles import Role

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 1_000
ADD_URL = "/directory/councillors/add/"


@dataclass
class Directory:
    chosen: Authority  # a principal council with a parish council
    parish: Authority
    other: Authority  # the principal council the new parish councils belong to
    councillor: Councillor  # of the parish
    foreign_ward: Ward  # of ``other``
    added: int = 0

    def grow(self, n: int) -> None:
        """``n`` more parish councils, each with two wards, a group and a committee."""
        start, self.added = self.added, self.added + n
        parishes = Authority.objects.bulk_create(
            Authority(name=f"Grown Parish {i:05d}", slug=f"grown-parish-{i}", kind="parish", principal=self.other)
            for i in range(start, start + n)
        )
        Ward.objects.bulk_create(Ward(authority=p, name=name) for p in parishes for name in ("North", "South"))
        PoliticalGroup.objects.bulk_create(PoliticalGroup(authority=p, name="Independent") for p in parishes)
        Committee.objects.bulk_create(Committee(authority=p, name="Planning and Highways") for p in parishes)


def _options_for(authority: Authority) -> None:
    Ward.objects.create(authority=authority, name=f"{authority.name} Ward")
    PoliticalGroup.objects.create(authority=authority, name=f"{authority.name} Group")
    Committee.objects.create(authority=authority, name=f"{authority.name} Planning", is_regulatory=True)


@pytest.fixture
def directory() -> Directory:
    chosen = Authority.objects.create(name="Chosen District Council", slug="chosen")
    parish = Authority.objects.create(
        name="Chosen Parish Council", slug="chosen-parish", kind="parish", principal=chosen
    )
    other = Authority.objects.create(name="Other District Council", slug="other")
    for authority in (chosen, parish, other):
        _options_for(authority)
    councillor = Councillor.objects.create(
        name="Scale Person", authority=parish, ward=parish.wards.get(), political_group=parish.political_groups.get()
    )
    return Directory(chosen, parish, other, councillor, other.wards.get())


def _details(**overrides) -> dict:
    return {"name": "Scale Person", "term_start_0": "2", "term_start_1": "5", "term_start_2": "2024", **overrides}


# Each page: (method, address, form data), from the directory.
Page = Callable[[Directory], tuple[str, str, dict | None]]
PAGES: dict[str, Page] = {
    "add: which council": lambda d: ("get", ADD_URL, None),
    "add: which of its councils": lambda d: ("get", f"{ADD_URL}?authority={d.chosen.pk}", None),
    "add: details": lambda d: ("get", f"{ADD_URL}?authority={d.chosen.pk}&parish={d.parish.pk}", None),
    "add: details sent back with an error": lambda d: (
        "post",
        f"{ADD_URL}?authority={d.chosen.pk}&parish={d.parish.pk}",
        _details(ward=d.foreign_ward.pk),
    ),
    "edit": lambda d: ("get", f"/directory/councillors/{d.councillor.pk}/edit/", None),
    "edit: change the authority": lambda d: ("get", f"/directory/councillors/{d.councillor.pk}/edit/?change=1", None),
    "edit: sent back with an error": lambda d: (
        "post",
        f"/directory/councillors/{d.councillor.pk}/edit/",
        _details(ward=d.foreign_ward.pk),
    ),
}


def _fetch(client, method: str, url: str, data: dict | None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode(), queries.captured_queries


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_is_the_same_for_10_and_1000_authorities(name, client, login, directory, monkeypatch):
    # Over the limit already with 10, so both measurements are of the national pages.
    monkeypatch.setattr(CouncillorForm, "MAX_UNFILTERED_OPTIONS", 5)
    monkeypatch.setattr("council.middleware.LAST_SEEN_RESOLUTION", 10**9, raising=False)
    login(Role.MEMBER_SERVICES)
    method, url, data = PAGES[name](directory)
    directory.grow(FEW)
    _fetch(client, method, url, data)  # the first request fills per-process caches
    small, few = _fetch(client, method, url, data)
    directory.grow(MANY - FEW)
    large, many = _fetch(client, method, url, data)
    assert len(many) == len(few), "\n".join(q["sql"][:300] for q in many)
    # The CSRF token is the same length every time: nothing else may differ.
    assert len(large) == len(small)
    assert "Grown Parish" not in large
    assert not Councillor.objects.exclude(pk=directory.councillor.pk).exists()
    directory.councillor.refresh_from_db()
    assert directory.councillor.ward.authority == directory.parish


def test_with_the_real_limit_1000_authorities_make_small_pages(client, login, directory):
    login(Role.MEMBER_SERVICES)
    directory.grow(MANY)
    for name, page in PAGES.items():
        method, url, data = page(directory)
        content, queries = _fetch(client, method, url, data)
        assert len(content) < 30_000, f"{name}: {len(content):,} bytes"
        assert len(queries) < 30, f"{name}: {len(queries)} queries"
        assert "Grown Parish" not in content, name
