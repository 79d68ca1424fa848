"""Versions: publishing and superseding, what can and cannot be changed, scheduled publication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from council.models import AuditEntry
from protocol import services
from protocol.models import Requirement, Section, Version
from tests.factories import CouncillorFactory
from tests.protocol.factories import make_draft, make_published

pytestmark = pytest.mark.django_db


def publish_url(version: Version) -> str:
    return f"/protocol/manage/drafts/{version.pk}/publish/"


def publish_now(client, version: Version):
    return client.post(publish_url(version), {"step": "confirm", "when": "now"}, follow=True)


def _snapshot(version: Version) -> tuple:
    version.refresh_from_db()
    sections = tuple(version.sections.values_list("pk", "order", "title", "slug", "body"))
    return (
        version.state,
        version.change_kind,
        version.change_summary,
        version.content_hash,
        version.publish_at,
        sections,
    )


# (what exists before, which version is published, its kind) -> allowed?, the message when refused
PUBLISH_TABLE = [
    pytest.param("nothing", "draft", "material", True, "", id="first material version is published"),
    pytest.param("v1 published", "draft", "material", True, "", id="material v2 supersedes v1"),
    pytest.param("v1 published", "draft", "minor", True, "", id="minor v2 supersedes v1"),
    pytest.param("nothing", "draft", "minor", False, "always material", id="minor first version refused"),
    pytest.param("v1 published", "v1", "material", False, "cannot be changed", id="publishing the published refused"),
    pytest.param("v2 published", "v1", "material", False, "cannot be changed", id="publishing a superseded refused"),
    pytest.param("nothing", "empty draft", "material", False, "at least one section", id="empty draft refused"),
]


@pytest.mark.parametrize(("before", "target", "kind", "allowed", "message"), PUBLISH_TABLE)
def test_publish_and_supersede(client, member_services, before, target, kind, allowed, message):
    existing = []
    if before in ("v1 published", "v2 published"):
        existing.append(make_published())
    if before == "v2 published":
        existing.append(make_published())
    if target == "draft":
        version = make_draft(change_kind=kind)
    elif target == "empty draft":
        version = make_draft([], change_kind=kind)
    else:
        version = existing[0]
    others_before = [_snapshot(v) for v in existing]
    state_before = _snapshot(version)

    response = publish_now(client, version)

    assert response.status_code == 200
    published = Version.objects.filter(state=Version.State.PUBLISHED)
    assert published.count() == (1 if (allowed or existing) else 0), "exactly one version is in force"
    if allowed:
        version.refresh_from_db()
        assert version.state == Version.State.PUBLISHED
        assert version.content_hash == version.compute_hash()
        assert f"Version {version.number} is now in force" in response.content.decode()
        for old in existing:
            old.refresh_from_db()
            assert old.state == Version.State.SUPERSEDED
            assert old.superseded_at == version.published_at
        expected_basis = version if kind == "material" else existing[-1].basis
        assert version.basis == expected_basis
    else:
        assert message in response.content.decode()
        assert _snapshot(version) == state_before
        assert [_snapshot(v) for v in existing] == others_before


def test_publishing_material_requires_every_active_councillor_and_minor_does_not(client, member_services):
    active = CouncillorFactory.create_batch(3)
    CouncillorFactory(is_active=False)
    v1 = make_published()
    assert set(Requirement.objects.filter(version=v1).values_list("councillor", flat=True)) == {c.pk for c in active}
    minor = make_draft(change_kind=Version.ChangeKind.MINOR)
    publish_now(client, minor)
    assert not Requirement.objects.filter(version=minor).exists()
    material = make_draft()
    response = publish_now(client, material)
    assert "3 councillors have been asked to acknowledge it" in response.content.decode()
    assert Requirement.objects.filter(version=material).count() == 3


def _edit_attempts(version: Version) -> list[tuple[str, dict]]:
    section = version.sections.first()
    return [
        (f"/protocol/manage/drafts/{version.pk}/", {"change_summary": "Sneaky", "change_kind": "minor"}),
        (f"/protocol/manage/drafts/{version.pk}/sections/add/", {"title": "Extra", "body": "More rules."}),
        (f"/protocol/manage/sections/{section.pk}/edit/", {"title": "Changed", "body": "Changed text."}),
        (f"/protocol/manage/sections/{section.pk}/delete/", {"step": "confirm"}),
        (f"/protocol/manage/sections/{section.pk}/move/", {"direction": "down"}),
        (f"/protocol/manage/drafts/{version.pk}/delete/", {}),
        (f"/protocol/manage/drafts/{version.pk}/publish/", {"step": "confirm", "when": "now"}),
        (f"/protocol/manage/drafts/{version.pk}/publish/", {"step": "cancel"}),
    ]


@pytest.mark.parametrize("state", ["published", "superseded"])
@pytest.mark.parametrize("attempt", range(8))
def test_editing_a_published_or_superseded_version_is_refused(client, member_services, state, attempt):
    version = make_published()
    if state == "superseded":
        make_published()
    before = _snapshot(version)
    url, data = _edit_attempts(version)[attempt]

    get = client.get(url, follow=True)
    response = client.post(url, data, follow=True)

    for page in (get, response):
        assert page.redirect_chain[-1][0] == "/protocol/manage/"
        assert "cannot be changed" in page.content.decode()
        assert "Start a new draft" in page.content.decode() or "start a new draft" in page.content.decode()
    assert _snapshot(version) == before
    assert Version.objects.filter(pk=version.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/protocol/manage/drafts/999999/",
        "/protocol/manage/drafts/999999/preview/",
        "/protocol/manage/drafts/999999/publish/",
        "/protocol/manage/drafts/999999/delete/",
        "/protocol/manage/drafts/999999/sections/add/",
        "/protocol/manage/sections/999999/edit/",
        "/protocol/manage/sections/999999/delete/",
        "/protocol/manage/sections/999999/move/",
    ],
)
def test_a_version_or_section_that_does_not_exist_is_404(client, member_services, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"step": "confirm", "direction": "up"}).status_code == 404


def test_start_a_new_draft_copies_the_latest_version_and_only_one_draft_at_a_time(client, member_services):
    v1 = make_published()
    response = client.post("/protocol/manage/drafts/new/", {"protocol": v1.protocol.slug}, follow=True)
    draft = Version.objects.get(state=Version.State.DRAFT)
    assert response.redirect_chain[-1][0] == f"/protocol/manage/drafts/{draft.pk}/"
    assert draft.number == 2
    assert list(draft.sections.values_list("title", "body")) == list(v1.sections.values_list("title", "body"))

    again = client.post("/protocol/manage/drafts/new/", {"protocol": v1.protocol.slug}, follow=True)
    assert "There is already a draft" in again.content.decode()
    assert Version.objects.filter(state=Version.State.DRAFT).count() == 1


def test_get_on_start_a_draft_changes_nothing(client, member_services):
    make_published()
    response = client.get("/protocol/manage/drafts/new/")
    assert response.status_code == 302
    assert not Version.objects.filter(state=Version.State.DRAFT).exists()


def _schedule(client, version, when):
    local = timezone.localtime(when)
    data = {
        "when": "later",
        "publish_date_0": str(local.day),
        "publish_date_1": str(local.month),
        "publish_date_2": str(local.year),
        "publish_time": f"{local:%H:%M}",
    }
    review = client.post(publish_url(version), {**data, "step": "review"})
    confirm = client.post(publish_url(version), {**data, "step": "confirm"}, follow=True)
    return review, confirm


@pytest.mark.parametrize("past", [timedelta(hours=-2), timedelta(days=-30)])
def test_scheduling_in_the_past_is_refused(client, member_services, past):
    make_published()
    draft = make_draft()
    review, confirm = _schedule(client, draft, timezone.now() + past)
    for response in (review, confirm):
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert "must be in the future" in page
    draft.refresh_from_db()
    assert draft.publish_at is None
    assert draft.state == Version.State.DRAFT


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose when the version should come into force"),
        ({"when": "later"}, "Enter the date the version should come into force"),
        (
            {"when": "later", "publish_date_0": "31", "publish_date_1": "2", "publish_date_2": "2030"},
            "must be a real date",
        ),
        (
            {
                "when": "later",
                "publish_date_0": "1",
                "publish_date_1": "2",
                "publish_date_2": "2030",
                "publish_time": "25:00",
            },
            "Enter a time on the 24-hour clock",
        ),
        ({"when": "sometime"}, "Choose when the version should come into force"),
    ],
)
def test_bad_publication_choices_get_a_clear_error(client, member_services, data, error):
    draft = make_draft()
    response = client.post(publish_url(draft), {**data, "step": "confirm"})
    assert response.status_code == 200
    assert error in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == Version.State.DRAFT
    assert draft.publish_at is None


def test_a_scheduled_draft_is_published_by_the_beat_task_when_its_time_comes(client, member_services):
    v1 = make_published()
    draft = make_draft()
    when = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    review, confirm = _schedule(client, draft, when)
    assert "Check before publishing" in review.content.decode()
    assert "will come into force on" in confirm.content.decode()
    draft.refresh_from_db()
    assert draft.publish_at == when
    assert draft.state == Version.State.DRAFT

    with freeze_time(when - timedelta(minutes=1)):
        assert services.publish_due_versions() == []
    draft.refresh_from_db()
    assert draft.state == Version.State.DRAFT

    with freeze_time(when + timedelta(minutes=1)):
        published = services.publish_due_versions()
    assert [v.pk for v in published] == [draft.pk]
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert draft.state == Version.State.PUBLISHED
    assert draft.publish_at is None
    assert v1.state == Version.State.SUPERSEDED
    assert AuditEntry.objects.filter(action="protocol.scheduled", object_id=str(draft.pk)).exists()


def test_a_scheduled_publication_can_be_cancelled(client, member_services):
    make_published()
    draft = make_draft()
    _schedule(client, draft, timezone.now() + timedelta(days=2))
    response = client.post(publish_url(draft), {"step": "cancel"}, follow=True)
    assert "will no longer be published automatically" in response.content.decode()
    draft.refresh_from_db()
    assert draft.publish_at is None


def test_the_first_version_cannot_be_marked_minor(client, member_services):
    draft = make_draft()
    response = client.post(
        f"/protocol/manage/drafts/{draft.pk}/", {"change_summary": "First issue.", "change_kind": "minor"}
    )
    assert response.status_code == 200
    assert "The first version of a protocol is always material" in response.content.decode()
    draft.refresh_from_db()
    assert draft.change_kind == Version.ChangeKind.MATERIAL
    assert draft.change_summary == "A change."


def test_sections_of_a_published_version_stay_in_the_database(client, member_services):
    version = make_published()
    count = Section.objects.filter(version=version).count()
    client.post(f"/protocol/manage/sections/{version.sections.first().pk}/delete/", {"step": "confirm"})
    assert Section.objects.filter(version=version).count() == count
