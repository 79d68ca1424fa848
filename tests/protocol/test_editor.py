"""Member Services' draft editor, through the pages: sections, details, preview, publish, delete."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from council.models import AuditEntry
from protocol.models import Version
from tests.factories import CouncillorFactory
from tests.protocol.factories import make_draft, make_published

pytestmark = pytest.mark.django_db


def draft_url(version: Version, suffix: str = "") -> str:
    return f"/protocol/manage/drafts/{version.pk}/{suffix}"


def titles(version: Version) -> list[str]:
    return list(version.sections.values_list("title", flat=True))


def test_manage_lists_versions_with_state_and_actions(client, member_services):
    v1 = make_published()
    v2 = make_published()
    draft = make_draft()
    page = client.get("/protocol/manage/").content.decode()
    assert "Superseded" in page and "In force" in page and "Draft" in page
    assert f'href="{draft_url(draft)}"' in page
    assert f'href="/protocol/social-media/v{v1.number}/"' in page
    assert f'href="/protocol/social-media/v{v2.number}/"' in page
    assert "Continue editing draft version 3" in page
    assert "Start a new draft" not in page


def test_manage_offers_a_new_draft_when_there_is_none(client, member_services):
    make_published()
    page = client.get("/protocol/manage/").content.decode()
    assert 'action="/protocol/manage/drafts/new/"' in page
    assert "Start a new draft" in page


def test_the_draft_page_shows_details_sections_and_actions(client, member_services):
    make_published()
    draft = make_draft()
    page = client.get(draft_url(draft)).content.decode()
    assert "Draft version 2" in page
    assert 'name="change_kind"' in page and 'value="material"' in page and 'value="minor"' in page
    assert "existing acknowledgements carry over" in page, "the radios have hints"
    for section in draft.sections.all():
        assert f'href="/protocol/manage/sections/{section.pk}/edit/"' in page
        assert f'action="/protocol/manage/sections/{section.pk}/delete/"' in page
    first = draft.sections.first()
    assert 'value="down"' in page and 'value="up"' in page
    assert page.count(f'action="/protocol/manage/sections/{first.pk}/move/"') == 1, "the first can only move down"
    assert f'href="{draft_url(draft, "sections/add/")}"' in page
    assert f'href="{draft_url(draft, "preview/")}"' in page
    assert f'href="{draft_url(draft, "publish/")}"' in page
    assert f'href="{draft_url(draft, "delete/")}"' in page


def test_save_change_summary_and_kind(client, member_services):
    make_published()
    draft = make_draft()
    response = client.post(
        draft_url(draft), {"change_summary": "  Fixed typos.  ", "change_kind": "minor"}, follow=True
    )
    assert "have been saved" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.change_summary, draft.change_kind) == ("Fixed typos.", Version.ChangeKind.MINOR)
    assert AuditEntry.objects.filter(action="protocol.draft_updated", object_id=str(draft.pk)).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"change_summary": "", "change_kind": "material"}, "Enter a summary of the changes"),
        ({"change_summary": "x"}, "Choose whether the change is material or minor"),
        ({"change_summary": "x", "change_kind": "huge"}, "Choose whether the change is material or minor"),
    ],
)
def test_bad_details_get_a_clear_error(client, member_services, data, error):
    draft = make_draft()
    response = client.post(draft_url(draft), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and error in page
    assert "<title>Error:" in page
    draft.refresh_from_db()
    assert draft.change_summary == "A change."


def test_add_a_section(client, member_services):
    draft = make_draft()
    form = client.get(draft_url(draft, "sections/add/")).content.decode()
    assert "Markdown" in form and "[^1]" in form, "the body has a hint on the Markdown it supports"
    response = client.post(
        draft_url(draft, "sections/add/"),
        {"title": "Using AI tools", "body": "Say when a post was written with AI.\n\n- Check facts"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == draft_url(draft) + "#sections"
    assert "Section ‘Using AI tools’ added" in response.content.decode()
    assert titles(draft) == ["Introduction", "Responsibilities", "Using AI tools"]
    assert draft.sections.last().slug == "using-ai-tools"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "body": "Text"}, "Enter the section title"),
        ({"title": "   ", "body": "Text"}, "Enter the section title"),
        ({"title": "Title", "body": ""}, "Enter the text of the section"),
        ({"title": "T" * 201, "body": "Text"}, "200 characters or fewer"),
    ],
)
def test_a_section_needs_a_title_and_text(client, member_services, data, error):
    draft = make_draft()
    response = client.post(draft_url(draft, "sections/add/"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert titles(draft) == ["Introduction", "Responsibilities"]


def test_edit_a_section(client, member_services):
    draft = make_draft()
    section = draft.sections.get(title="Responsibilities")
    form = client.get(f"/protocol/manage/sections/{section.pk}/edit/").content.decode()
    assert "You are responsible for what you post." in form
    client.post(
        f"/protocol/manage/sections/{section.pk}/edit/",
        {"title": "Your responsibilities", "body": "You answer for your posts."},
    )
    section.refresh_from_db()
    assert (section.title, section.slug, section.body) == (
        "Your responsibilities",
        "your-responsibilities",
        "You answer for your posts.",
    )


def test_move_sections_up_and_down(client, member_services):
    draft = make_draft([("A", "a"), ("B", "b"), ("C", "c")])
    c = draft.sections.get(title="C")
    a = draft.sections.get(title="A")
    client.post(f"/protocol/manage/sections/{c.pk}/move/", {"direction": "up"})
    assert titles(draft) == ["A", "C", "B"]
    client.post(f"/protocol/manage/sections/{a.pk}/move/", {"direction": "down"})
    assert titles(draft) == ["C", "A", "B"]
    client.post(f"/protocol/manage/sections/{c.pk}/move/", {"direction": "up"})  # already first
    assert titles(draft) == ["C", "A", "B"]
    response = client.post(f"/protocol/manage/sections/{c.pk}/move/", {"direction": "sideways"}, follow=True)
    assert "Choose whether to move the section up or down" in response.content.decode()
    assert titles(draft) == ["C", "A", "B"]
    client.get(f"/protocol/manage/sections/{c.pk}/move/?direction=down")
    assert titles(draft) == ["C", "A", "B"], "a GET changes nothing"


def test_delete_a_section_asks_first(client, member_services):
    draft = make_draft()
    section = draft.sections.get(title="Introduction")
    ask = client.post(f"/protocol/manage/sections/{section.pk}/delete/", {"step": "ask"})
    assert "Delete section ‘Introduction’?" in ask.content.decode()
    assert titles(draft) == ["Introduction", "Responsibilities"]
    response = client.post(f"/protocol/manage/sections/{section.pk}/delete/", {"step": "confirm"}, follow=True)
    assert "Section ‘Introduction’ deleted" in response.content.decode()
    assert titles(draft) == ["Responsibilities"]


def test_preview_renders_like_the_public_page_and_is_labelled(client, member_services):
    make_published([("Introduction", "Old words.")])
    draft = make_draft([("Introduction", "New words.\n\n- A bullet"), ("Extra", "More.")])
    page = client.get(draft_url(draft, "preview/")).content.decode()
    assert "This is a preview of draft version 2. It has not been published." in page
    assert "<title>Preview of draft:" in page
    assert '<h2 class="govuk-heading-l" id="introduction">Introduction</h2>' in page
    assert '<ul class="govuk-list govuk-list--bullet">' in page
    assert f'href="{draft_url(draft, "preview/")}?show=changes"' in page

    changes = client.get(draft_url(draft, "preview/") + "?show=changes").content.decode()
    assert "Changes in draft version 2" in changes
    assert re.search(r'<del><span class="govuk-visually-hidden">Removed: </span>Old', changes)
    assert re.search(r'<ins><span class="govuk-visually-hidden">Added: </span>New', changes)
    assert "Added</strong>" in changes


def test_the_draft_is_not_public_even_after_preview(client, member_services):
    make_published()
    draft = make_draft()
    client.get(draft_url(draft, "preview/"))
    client.logout()
    assert client.get(f"/protocol/social-media/v{draft.number}/").status_code == 404
    assert client.get(draft_url(draft, "preview/")).status_code == 302


def test_publish_confirmation_summarises_a_material_change(client, member_services):
    CouncillorFactory.create_batch(4)
    CouncillorFactory(is_active=False)
    make_published()
    draft = make_draft(change_kind=Version.ChangeKind.MATERIAL)
    page = client.post(draft_url(draft, "publish/"), {"step": "review", "when": "now"}).content.decode()
    due = timezone.localdate() + timedelta(days=28)
    assert f"4 councillors will be asked to acknowledge it by {due:%-d %B %Y}" in " ".join(page.split())
    assert "Version 1 will stop being in force" in page
    draft.refresh_from_db()
    assert draft.state == Version.State.DRAFT, "nothing happens before confirming"


def test_publish_confirmation_summarises_a_minor_change(client, member_services):
    CouncillorFactory.create_batch(2)
    make_published()
    draft = make_draft(change_kind=Version.ChangeKind.MINOR)
    page = client.post(draft_url(draft, "publish/"), {"step": "review", "when": "now"}).content.decode()
    assert "will not be asked to acknowledge it again" in page
    assert "acknowledgements of version 1 carry over" in " ".join(page.split())
    response = client.post(draft_url(draft, "publish/"), {"step": "confirm", "when": "now"}, follow=True)
    assert "Version 2 is now in force." in response.content.decode()


def test_publish_page_refuses_an_empty_draft(client, member_services):
    draft = make_draft([])
    page = client.get(draft_url(draft, "publish/")).content.decode()
    assert "Add at least one section before publishing" in page
    client.post(draft_url(draft, "publish/"), {"step": "confirm", "when": "now"})
    draft.refresh_from_db()
    assert draft.state == Version.State.DRAFT


def test_delete_a_draft_asks_first(client, member_services):
    make_published()
    draft = make_draft()
    page = client.get(draft_url(draft, "delete/")).content.decode()
    assert "Delete draft version 2?" in page
    assert Version.objects.filter(pk=draft.pk).exists()
    response = client.post(draft_url(draft, "delete/"), follow=True)
    assert "Draft version 2 has been deleted" in response.content.decode()
    assert not Version.objects.filter(pk=draft.pk).exists()
    assert client.get(draft_url(draft)).status_code == 404
