"""Member Services invite people by email; the link is single-use and expires."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from council.models import AuditEntry, Invitation, User
from council.roles import Role
from tests.factories import TEST_PASSWORD, CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern orchard pebble violin"
CREATE_URL = reverse("council:invitation_create")
LIST_URL = reverse("council:invitation_list")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def invite(client, capture, **data):
    """POST the invitation form and return the response and the accept link's path."""
    data = {"email": "new.person@council.example", "full_name": "New Person", "roles": [Role.COUNCILLOR], **data}
    with capture(execute=True):
        response = client.post(data.pop("url", CREATE_URL), data)
    return response


def accept_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/directory/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def accept(client, path, *, password=NEW_PASSWORD, confirm=None, full_name="New Person"):
    return client.post(path, {"full_name": full_name, "password1": password, "password2": confirm or password})


# --- Who may invite -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MEMBER_SERVICES, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.COUNCILLOR, 403),
        (Role.MONITORING_OFFICER, 403),
        (Role.COMMUNICATIONS, 403),
        (Role.REPORT_VIEWER, 403),
    ],
)
@pytest.mark.parametrize("url", [LIST_URL, CREATE_URL])
def test_it_lets_only_member_services_and_administrators_invite(client, login, role, status, url):
    login(role)
    assert client.get(url).status_code == status


def test_it_refuses_a_councillor_posting_an_invitation(client, login, django_capture_on_commit_callbacks, outbox):
    login(Role.COUNCILLOR)
    response = invite(client, django_capture_on_commit_callbacks, roles=[Role.ADMINISTRATOR])
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert outbox == []


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(CREATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- The whole journey ----------------------------------------------------------------


def test_it_invites_someone_who_then_creates_their_account(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    response = invite(client, django_capture_on_commit_callbacks, roles=[Role.COMMUNICATIONS, Role.REPORT_VIEWER])
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["new.person@council.example"]
    assert "invited" in message.subject.lower()
    path = accept_path(message)
    assert "new.person@council.example" in client.get(LIST_URL).content.decode()

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert b"Create your account" in page.content
    assert b"new.person@council.example" in page.content

    response = accept(client, path, full_name="New A. Person")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")

    user = User.objects.get(email="new.person@council.example")
    assert user.is_active
    assert user.full_name == "New A. Person"
    assert user.check_password(NEW_PASSWORD)
    assert set(user.groups.values_list("name", flat=True)) == {Role.COMMUNICATIONS, Role.REPORT_VIEWER}
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("home")).status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None
    assert AuditEntry.objects.filter(action="invitation.accepted", object_id=str(invitation.pk)).exists()
    assert AuditEntry.objects.filter(action="invitation.sent", actor=member_services).exists()


def test_the_link_works_only_once(client, member_services, django_capture_on_commit_callbacks, outbox):
    invite(client, django_capture_on_commit_callbacks)
    path = accept_path(outbox[0])
    client.logout()
    accept(client, path)
    client.logout()

    assert client.get(path).status_code == 410
    response = accept(client, path, password="another strong passphrase 42")
    assert response.status_code == 410
    assert b"no longer works" in response.content
    assert User.objects.get(email="new.person@council.example").check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(client, member_services, django_capture_on_commit_callbacks, outbox):
    invite(client, django_capture_on_commit_callbacks)
    path = accept_path(outbox[0])
    client.logout()
    with freeze_time(timezone.now() + timedelta(days=8)):
        response = client.get(path)
        assert response.status_code == 410
        assert b"This invitation link no longer works" in response.content
        assert accept(client, path).status_code == 410
    assert not User.objects.filter(email="new.person@council.example").exists()


def test_an_unknown_token_is_a_clear_404_that_names_nobody(client, member_services, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks)
    client.logout()
    response = client.get(reverse("council:accept_invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert b"This link is not valid" in response.content
    assert b"new.person" not in response.content


def test_a_newer_invitation_supersedes_the_older_link(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    invite(client, django_capture_on_commit_callbacks)
    invite(client, django_capture_on_commit_callbacks, roles=[Role.COMMUNICATIONS])
    old_path, new_path = accept_path(outbox[0]), accept_path(outbox[1])
    client.logout()

    assert client.get(old_path).status_code == 410
    assert accept(client, new_path).status_code == 302
    user = User.objects.get(email="new.person@council.example")
    assert list(user.groups.values_list("name", flat=True)) == [Role.COMMUNICATIONS]


def test_a_councillor_invitation_links_the_councillor(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    councillor = CouncillorFactory(name="Ada Lovelace", email="ada.lovelace@council.example")
    url = reverse("council:invite_councillor", args=[councillor.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"ada.lovelace@council.example" in page.content

    response = invite(
        client,
        django_capture_on_commit_callbacks,
        url=url,
        email="ada.lovelace@council.example",
        full_name="Ada Lovelace",
    )
    assert response.status_code == 302
    assert response["Location"] == councillor.get_absolute_url()
    client.logout()
    accept(client, accept_path(outbox[0]), full_name="Ada Lovelace")

    councillor.refresh_from_db()
    assert councillor.user is not None
    assert councillor.user.email == "ada.lovelace@council.example"
    assert list(councillor.user.groups.values_list("name", flat=True)) == [Role.COUNCILLOR]


def test_a_councillor_can_be_chosen_on_the_general_form(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    councillor = CouncillorFactory()
    invite(client, django_capture_on_commit_callbacks, councillor=councillor.pk)
    assert Invitation.objects.get().councillor == councillor


def test_a_staff_invitee_goes_straight_on_to_set_up_two_factor_authentication(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    invite(client, django_capture_on_commit_callbacks, roles=[Role.MONITORING_OFFICER])
    client.logout()
    accept(client, accept_path(outbox[0]))

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # They chose their password a moment ago: no need to type it again.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


# --- Bad input ----------------------------------------------------------------------------


def test_inviting_someone_who_already_has_an_account_is_refused(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    existing = make_user(Role.COUNCILLOR, email="existing@council.example")
    response = invite(client, django_capture_on_commit_callbacks, email="Existing@Council.example")
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"already has an account" in response.content
    assert not Invitation.objects.exists()
    assert outbox == []
    assert existing.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter the email address"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"full_name": "  "}, "Enter the person"),
        ({"roles": []}, "Select at least one role"),
        ({"roles": ["emperor"]}, "Select a valid choice"),
        ({"councillor": "999999"}, "Choose a councillor from the list"),
    ],
)
def test_the_invitation_form_reports_bad_input(
    client, member_services, django_capture_on_commit_callbacks, outbox, data, message
):
    response = invite(client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert message in content
    assert not Invitation.objects.exists()
    assert outbox == []


def test_a_councillor_invitation_must_include_the_councillor_role(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    councillor = CouncillorFactory()
    url = reverse("council:invite_councillor", args=[councillor.pk])
    response = invite(client, django_capture_on_commit_callbacks, url=url, roles=[Role.COMMUNICATIONS])
    assert response.status_code == 200
    assert b"Select Councillor" in response.content
    assert outbox == []


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", None, "at least 12 characters"),
        ("password1234", None, "too common"),
        ("12345678901234", None, "entirely numeric"),
        ("new.person@council", None, "too similar"),
        (NEW_PASSWORD, "a different passphrase", "The passwords do not match"),
        ("", None, "Enter a password"),
    ],
)
def test_weak_or_mismatched_passwords_do_not_use_up_the_invitation(
    client, member_services, django_capture_on_commit_callbacks, outbox, password, confirm, message
):
    invite(client, django_capture_on_commit_callbacks)
    path = accept_path(outbox[0])
    client.logout()

    response = accept(client, path, password=password, confirm=confirm)
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert message in content
    assert not User.objects.filter(email="new.person@council.example").exists()
    assert Invitation.objects.get().accepted_at is None
    assert accept(client, path).status_code == 302


def test_a_link_cannot_overwrite_an_account_set_up_since(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    invite(client, django_capture_on_commit_callbacks)
    path = accept_path(outbox[0])
    client.logout()
    make_user(Role.COUNCILLOR, email="new.person@council.example")

    response = accept(client, path)
    assert response.status_code == 410
    assert User.objects.get(email="new.person@council.example").check_password(TEST_PASSWORD)


# --- The list: resend and withdraw ---------------------------------------------------------


def test_the_list_shows_each_status(client, member_services):
    now = timezone.now()
    common = {"roles": [Role.COUNCILLOR], "invited_by": member_services, "expires_at": now + timedelta(days=7)}
    Invitation.objects.create(email="waiting@council.example", token_hash="a" * 64, **common)
    Invitation.objects.create(email="accepted@council.example", token_hash="b" * 64, accepted_at=now, **common)
    Invitation.objects.create(email="withdrawn@council.example", token_hash="c" * 64, revoked_at=now, **common)
    Invitation.objects.create(
        email="expired@council.example", token_hash="d" * 64, roles=[Role.COUNCILLOR], expires_at=now
    )
    content = client.get(LIST_URL).content.decode()
    for text in ("Waiting", "Accepted", "Withdrawn", "Expired"):
        assert f">{text}</strong>" in content

    pending = client.get(LIST_URL, {"status": "pending"}).content.decode()
    assert "waiting@council.example" in pending
    assert "accepted@council.example" not in pending


def test_resending_sends_a_new_link_and_stops_the_old_one(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    invite(client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST_URL, {"invitation": invitation.pk, "action": "resend"}, follow=True)
    assert b"A new invitation has been sent" in response.content
    assert len(outbox) == 2
    client.logout()
    assert client.get(accept_path(outbox[0])).status_code == 410
    assert client.get(accept_path(outbox[1])).status_code == 200


def test_withdrawing_stops_the_link(client, member_services, django_capture_on_commit_callbacks, outbox):
    invite(client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    response = client.post(LIST_URL, {"invitation": invitation.pk, "action": "revoke"}, follow=True)
    assert b"has been withdrawn" in response.content
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()
    client.logout()
    assert client.get(accept_path(outbox[0])).status_code == 410


@pytest.mark.parametrize(
    "data", [{}, {"invitation": "x", "action": "revoke"}, {"invitation": "999999", "action": "revoke"}]
)
def test_nonsense_list_actions_change_nothing(client, member_services, data):
    response = client.post(LIST_URL, data, follow=True)
    assert response.status_code == 200
    assert b"could not be found" in response.content


def test_an_accepted_invitation_cannot_be_withdrawn(
    client, member_services, django_capture_on_commit_callbacks, outbox
):
    invite(client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    invitation.accepted_at = timezone.now()
    invitation.save()
    response = client.post(LIST_URL, {"invitation": invitation.pk, "action": "revoke"}, follow=True)
    assert b"already been accepted" in response.content
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
