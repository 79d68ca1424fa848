"""Adding and editing a councillor in a national directory, in a real Chromium with axe-core.

The crawl in test_accessibility.py opens one page per URL pattern in a council-sized directory,
so it never sees the questions a national directory asks first (which council, then which of
its parish and town councils). Here Member Services go through them as a person would, with
plain form submissions (the steps need no JavaScript), and every page, errors included, passes
axe-core.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from council.forms import CouncillorForm
from council.models import Authority, Councillor
from council.roles import Role
from tests.browser.support import assert_accessible, sign_in, visible_errors
from tests.factories import (
    AuthorityFactory,
    CommitteeFactory,
    CouncillorFactory,
    PoliticalGroupFactory,
    WardFactory,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Which council is the councillor a member of?"


@pytest.fixture
def national():
    """More authorities than the form lists (parish councils under two principal councils)."""
    north = AuthorityFactory(name="North District Council")
    south = AuthorityFactory(name="South District Council")
    Authority.objects.bulk_create(
        Authority(name=f"{p.name.split()[0]} Parish {i:03d} Council", slug=f"{p.slug}-{i}", kind="parish", principal=p)
        for p in (north, south)
        for i in range(CouncillorForm.MAX_UNFILTERED_OPTIONS // 2 + 1)
    )
    parish = Authority.objects.get(name="North Parish 001 Council")
    WardFactory(authority=parish, name="Church End")
    PoliticalGroupFactory(authority=parish, name="Independent")
    CommitteeFactory(authority=parish, name="Planning and Highways Committee", is_regulatory=True)
    return north, parish


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()


def _heading(page) -> str:
    return page.locator("h1").inner_text().strip()


def test_adding_a_parish_councillor_through_the_questions(page, live_server, national):
    north, parish = national
    sign_in(page, make_user(Role.MEMBER_SERVICES))

    page.goto(reverse("council:councillor_create"))
    assert _heading(page) == QUESTION
    assert_accessible(page)

    # Continue without choosing: an accessible error on the question.
    _submit(page)
    assert "Choose the councillor's authority" in visible_errors(page)
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.select_option("select[name=authority]", label=north.name)
    _submit(page)
    assert _heading(page) == QUESTION
    assert page.locator("select[name=parish] option").first.inner_text() == north.name
    assert_accessible(page)

    page.select_option("select[name=parish]", label=parish.name)
    _submit(page)
    assert _heading(page) == "Add a councillor"
    assert parish.name in page.locator(".govuk-summary-list").inner_text()
    assert page.locator("select[name=ward] option").all_inner_texts() == ["No ward", "Church End"]
    assert_accessible(page)

    # Sent without a name: the details come back with their errors, for the same authority.
    page.locator("input[name=term_start_0]").fill("2")
    page.locator("input[name=term_start_1]").fill("5")
    page.locator("input[name=term_start_2]").fill("2024")
    _submit(page)
    assert "Enter the councillor's full name" in visible_errors(page)
    assert parish.name in page.locator(".govuk-summary-list").inner_text()
    assert_accessible(page)

    page.locator("input[name=name]").fill("Harriet Quayle")
    page.select_option("select[name=ward]", label="Church End")
    page.get_by_label("Planning and Highways Committee (regulatory)").check()
    _submit(page)
    councillor = Councillor.objects.get(name="Harriet Quayle")
    assert urlsplit(page.url).path == councillor.get_absolute_url()
    assert (councillor.authority, councillor.ward.name) == (parish, "Church End")


def test_editing_and_changing_the_authority_are_accessible(page, live_server, national):
    north, parish = national
    councillor = CouncillorFactory(authority=north, name="Aisha Dawson")
    sign_in(page, make_user(Role.MEMBER_SERVICES))
    edit = reverse("council:councillor_edit", args=[councillor.pk])

    page.goto(edit)
    assert _heading(page) == "Edit Councillor Aisha Dawson"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Change authority").click()
    assert _heading(page) == QUESTION
    assert_accessible(page)
    _submit(page)  # the councillor's own principal council is chosen already
    page.select_option("select[name=parish]", label=parish.name)
    _submit(page)
    assert "Moving from North District Council" in page.locator(".govuk-summary-list").inner_text()
    assert_accessible(page)
