"""The public protocol pages: the council's own text imported and rendered, versions, comparisons,
and who may reach which page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from council.roles import Role
from protocol.models import Version
from tests.protocol.factories import make_draft, make_published

pytestmark = pytest.mark.django_db

PROTOCOL_TEXT = Path("/work/shared/data/social-media-protocol-v1.txt")
SECTION_TITLES = [
    "Introduction",
    "Different roles and blurred identities",
    "Social media protocol and the Code of Conduct",
    "Responsibilities",
    "Using social media at Council meetings",
    "Best practice",
    "Protection and security",
    "Further information",
]


@pytest.fixture
def imported() -> Version:
    call_command("import_protocol", str(PROTOCOL_TEXT), "--publish", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Version.objects.get(number=1)


def _sections_of(page: str) -> dict[str, str]:
    """The HTML of each section on a protocol page, by anchor."""
    parts = re.split(r'<h2 class="govuk-heading-l" id="([^"]+)">', page)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_shared_text_imports_as_eight_sections(imported):
    assert imported.state == Version.State.PUBLISHED
    assert list(imported.sections.values_list("title", flat=True)) == SECTION_TITLES
    assert imported.protocol.title == "Social media protocol for councillors"


def test_the_protocol_page_is_public_with_contents_anchors_and_date(client, imported):
    response = client.get("/protocol/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Social media protocol for councillors" in page
    assert "Version 1" in page
    assert f"In force since {imported.published_at:%-d %B %Y}" in page
    sections = _sections_of(page)
    assert list(sections) == [s.slug for s in imported.sections.all()]
    for section in imported.sections.all():
        assert f'<a class="govuk-link" href="#{section.slug}">{section.title}</a>' in page
    assert "What changed in this version" not in page, "there is no earlier version to compare with"
    assert 'href="/protocol/versions/"' in page
    assert "css/protocol.css" in page, "the print and diff stylesheet is linked"


@pytest.mark.parametrize(
    ("section", "number"),
    [("different-roles-and-blurred-identities", 1), ("best-practice", 2)],
)
def test_footnotes_render_as_footnotes_in_their_sections(client, imported, section, number):
    html = _sections_of(client.get("/protocol/").content.decode())[section]
    note = f"fn:{section}-{number}"
    # Each section numbers its own footnotes from 1, like chapters of a book; the anchors keep the source's number.
    assert re.search(
        rf'<sup id="fnref:{section}-{number}"><a class="govuk-link" href="#{note}"[^>]*>\d+</a></sup>', html
    )
    assert f'<li id="{note}">' in html
    assert "footnoteRef" not in html
    others = {k: v for k, v in _sections_of(client.get("/protocol/").content.decode()).items() if k != section}
    assert not any(note in other for other in others.values())


def test_bullet_lists_render_as_govuk_bullet_lists(client, imported):
    sections = _sections_of(client.get("/protocol/").content.decode())
    assert '<ul class="govuk-list govuk-list--bullet">' in sections["introduction"]
    assert "<li>Treating others with respect</li>" in sections["social-media-protocol-and-the-code-of-conduct"]
    assert "·" not in sections["social-media-protocol-and-the-code-of-conduct"]


RAW_HTML = "Be careful.\n\n<script>alert(1)</script>\n\nAnd <img src=x onerror=alert(1)> here."


def _assert_shown_as_text(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page and "<img src=" not in page
    assert "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_raw_html_in_a_body_is_shown_as_text_on_every_page(client, member_services):
    v1 = make_published([("Introduction", "Plain text.")])
    v2 = make_published([("Introduction", "Plain text."), ("Dangerous", RAW_HTML)])
    draft = make_draft([("Dangerous", RAW_HTML)])
    for url in (
        "/protocol/",
        f"/protocol/{v2.protocol.slug}/v{v2.number}/",
        f"/protocol/compare/?protocol={v1.protocol.slug}&from=1&to=2",
        f"/protocol/manage/drafts/{draft.pk}/preview/",
        f"/protocol/manage/drafts/{draft.pk}/preview/?show=changes",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_shown_as_text(response.content.decode())


def test_with_nothing_published_the_page_says_so(client):
    make_draft()
    response = client.get("/protocol/")
    assert response.status_code == 200
    assert "No version of the protocol has been published yet" in response.content.decode()


def test_versions_list_and_superseded_version_page(client):
    v1 = make_published(change_summary="First issue.")
    v2 = make_published(change_summary="Second issue.")
    make_draft(change_summary="Secret draft.")
    page = client.get("/protocol/versions/").content.decode()
    assert "First issue." in page and "Second issue." in page
    assert "Secret draft." not in page
    assert '<select name="from"' in page and '<select name="to"' in page

    old = client.get(f"/protocol/social-media/v{v1.number}/").content.decode()
    assert "govuk-warning-text" in old
    assert "This version is no longer in force" in old
    assert f'href="/protocol/social-media/v{v2.number}/"' in old
    current = client.get("/protocol/").content.decode()
    assert "What changed in this version" in current
    assert "/protocol/compare/?protocol=social-media&amp;from=1&amp;to=2" in current


@pytest.mark.parametrize("url", ["/protocol/social-media/v3/", "/protocol/social-media/v99/", "/protocol/nope/v1/"])
def test_drafts_and_unknown_versions_are_not_public(client, url):
    make_published()
    make_published()
    make_draft()  # version 3
    assert client.get(url).status_code == 404


def _edit_through_the_editor(client, v1: Version) -> Version:
    """Start a draft and, through the pages, edit a sentence, add a section and remove one, then publish."""
    client.post("/protocol/manage/drafts/new/", {"protocol": v1.protocol.slug})
    draft = Version.objects.get(state=Version.State.DRAFT)
    intro = draft.sections.get(title="Introduction")
    body = intro.body.replace("promote greater clarity", "give councillors clear guidance")
    assert body != intro.body
    client.post(f"/protocol/manage/sections/{intro.pk}/edit/", {"title": "Introduction", "body": body})
    client.post(
        f"/protocol/manage/drafts/{draft.pk}/sections/add/",
        {"title": "Artificial intelligence", "body": "Say when a post was written with AI tools."},
    )
    further = draft.sections.get(title="Further information")
    client.post(f"/protocol/manage/sections/{further.pk}/delete/", {"step": "confirm"})
    client.post(
        f"/protocol/manage/drafts/{draft.pk}/", {"change_summary": "Clearer wording.", "change_kind": "material"}
    )
    client.post(f"/protocol/manage/drafts/{draft.pk}/publish/", {"step": "confirm", "when": "now"})
    draft.refresh_from_db()
    assert draft.state == Version.State.PUBLISHED
    return draft


def test_compare_shows_a_real_change_section_by_section(client, member_services, imported):
    _edit_through_the_editor(client, imported)
    client.logout()
    response = client.get("/protocol/compare/?protocol=social-media&from=1&to=2")
    assert response.status_code == 200
    page = response.content.decode()
    heading = r'id="change-\d+">\s*(.*?)<span class="govuk-visually-hidden">:</span>\s*'
    heading += r'<strong class="govuk-tag[^"]*">(\w+)'
    statuses = dict(re.findall(heading, page))
    assert statuses["Introduction"] == "Changed"
    assert statuses["Artificial intelligence"] == "Added"
    assert statuses["Further information"] == "Removed"
    assert statuses["Best practice"] == "Unchanged"
    assert sum(1 for s in statuses.values() if s == "Unchanged") == 6
    assert re.search(r'<del><span class="govuk-visually-hidden">Removed: </span>promote greater clarity', page)
    assert re.search(r'<ins><span class="govuk-visually-hidden">Added: </span>give councillors clear guidance', page)
    assert page.count('<details class="govuk-details">') == 6, "unchanged sections are collapsed"
    assert "How changes are shown" in page
    assert "1 section changed, 1 added, 1 removed and 6 unchanged" in " ".join(page.split())


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 200, "Compare versions"),
        ("?from=1", 200, "Choose the version to compare it with"),
        ("?to=2", 200, "Choose the version to compare from"),
        ("?from=one&to=2", 200, "Choose a version from the list"),
        ("?from=1&to=99", 200, "Choose a version from the list"),
        ("?from=1&to=3", 200, "Choose a version from the list"),  # version 3 is a draft
        ("?from=2&to=2", 200, "Choose two different versions"),
        ("?from=1&to=2&protocol=no-such-protocol", 404, ""),
        ("?from=1.5&to=%00", 200, "Choose a version from the list"),
    ],
)
def test_compare_with_bad_parameters_never_fails(client, query, status, message):
    make_published()
    make_published()
    make_draft(change_summary="Secret draft.")
    response = client.get(f"/protocol/compare/{query}")
    assert response.status_code == status
    if message:
        assert message in response.content.decode()
    assert "Secret draft." not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/protocol/", "/protocol/versions/", "/protocol/social-media/v1/", "/protocol/compare/?from=1&to=2"],
)
def test_public_pages_are_reachable_anonymously(client, url):
    make_published()
    make_published()
    response = client.get(url)
    assert response.status_code == 200


def _manage_urls(draft: Version) -> list[str]:
    section = draft.sections.first()
    return [
        "/protocol/manage/",
        "/protocol/manage/drafts/new/",
        f"/protocol/manage/drafts/{draft.pk}/",
        f"/protocol/manage/drafts/{draft.pk}/preview/",
        f"/protocol/manage/drafts/{draft.pk}/publish/",
        f"/protocol/manage/drafts/{draft.pk}/delete/",
        f"/protocol/manage/drafts/{draft.pk}/sections/add/",
        f"/protocol/manage/sections/{section.pk}/edit/",
        f"/protocol/manage/sections/{section.pk}/delete/",
        f"/protocol/manage/sections/{section.pk}/move/",
    ]


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.COMMUNICATIONS, Role.MONITORING_OFFICER, None])
def test_the_editor_is_forbidden_to_other_roles(client, login, role):
    make_published()
    draft = make_draft()
    before = list(draft.sections.values_list("pk", "order", "title", "body"))
    login(role)
    for url in _manage_urls(draft):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"step": "confirm", "when": "now", "direction": "down"}).status_code == 403, url
    draft.refresh_from_db()
    assert draft.state == Version.State.DRAFT
    assert list(draft.sections.values_list("pk", "order", "title", "body")) == before


def test_the_editor_sends_anonymous_visitors_to_sign_in(client):
    draft = make_draft()
    for url in _manage_urls(draft):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.MEMBER_SERVICES, Role.ADMINISTRATOR])
def test_member_services_and_administrators_may_manage(client, login, role):
    make_published()
    login(role)
    assert client.get("/protocol/manage/").status_code == 200
