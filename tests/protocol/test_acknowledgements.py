"""Councillors acknowledging the protocol through the pages; acknowledgements are append-only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from council import services as council_services
from council.roles import Role
from protocol import services
from protocol.importer import parse_protocol
from protocol.models import Acknowledgement, Requirement, Version
from tests.factories import AuthorityFactory, CouncillorFactory, UserFactory, make_user

pytestmark = pytest.mark.django_db

SAMPLE = """Social media protocol

Introduction
Councillors must follow this protocol.[^1]

Responsibilities
- Be respectful.
- Do not share confidential information.

[^1]: Adopted by full council.
"""

ACK_URL = reverse("protocol:acknowledge")


def publish_first_version() -> Version:
    version = services.import_version(actor=None, parsed=parse_protocol(SAMPLE))
    return services.publish_version(actor=None, version=version)


def publish_change(*, kind: str, body: str = "Councillors must always follow this protocol.") -> Version:
    """A new version with its first section reworded, published as ``kind`` (material or minor)."""
    protocol = Version.objects.published().get().protocol
    draft = services.start_draft(actor=None, protocol=protocol)
    services.update_draft(actor=None, version=draft, change_summary="Reworded.", change_kind=kind)
    first = draft.sections.order_by("order").first()
    services.save_section(actor=None, version=draft, title=first.title, body=body, section=first)
    return services.publish_version(actor=None, version=draft)


@pytest.fixture
def councillor(login):
    """A councillor signed in, linked to their directory entry, serving when version 1 was published."""
    user = login(Role.COUNCILLOR)
    cllr = CouncillorFactory(user=user, name="Jane Smith")
    return cllr


def _acknowledge(client, name: str = "Jane Smith", confirm: bool = True):
    data = {"typed_name": name}
    if confirm:
        data["confirm"] = "on"
    return client.post(ACK_URL, data)


class TestHomePanel:
    def test_shows_the_version_awaiting_acknowledgement_with_its_due_date(self, client, councillor):
        version = publish_first_version()
        due = Requirement.objects.get(councillor=councillor).due_date
        page = client.get(reverse("home")).content.decode()
        assert f"Version {version.number} of the social media protocol is waiting" in page
        assert f"{due.day} {due:%B %Y}" in page
        assert "Overdue" not in page
        assert reverse("protocol:my_accounts") in page

    def test_overdue_is_highlighted(self, client, councillor):
        publish_first_version()
        Requirement.objects.filter(councillor=councillor).update(due_date=timezone.localdate() - timedelta(days=1))
        page = client.get(reverse("home")).content.decode()
        assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page

    def test_says_when_the_protocol_in_force_is_acknowledged(self, client, councillor):
        publish_first_version()
        _acknowledge(client)
        page = client.get(reverse("home")).content.decode()
        assert "You have acknowledged the protocol in force" in page

    def test_a_councillor_account_not_linked_is_told_to_contact_member_services(self, client, login):
        login(Role.COUNCILLOR)
        publish_first_version()
        page = client.get(reverse("home")).content.decode()
        assert "Contact Member Services" in page
        response = client.get(ACK_URL)
        assert response.status_code == 200
        assert "Contact Member Services" in response.content.decode()
        assert client.get(reverse("protocol:my_accounts")).status_code == 200


class TestAcknowledgePage:
    def test_shows_the_version_in_force_in_full(self, client, councillor):
        version = publish_first_version()
        page = client.get(ACK_URL).content.decode()
        for section in version.sections.all():
            assert f'id="{section.slug}"' in page
        assert "Do not share confidential information." in page
        assert f"I have read and understood the social media protocol (version {version.number})" in page
        assert "Type your full name to confirm" in page

    def test_acknowledging_stores_the_content_hash_and_method(self, client, councillor):
        version = publish_first_version()
        response = _acknowledge(client, name="  jane   SMITH ")
        assert response.status_code == 302
        assert response.url == reverse("home")
        ack = Acknowledgement.objects.get()
        assert (ack.councillor, ack.version) == (councillor, version)
        assert ack.content_hash == version.content_hash != ""
        assert ack.method == Acknowledgement.Method.SELF
        assert ack.recorded_by is None
        requirement = Requirement.objects.get(councillor=councillor)
        assert requirement.acknowledgement == ack
        assert requirement.met_at is not None
        assert "You have acknowledged version 1" in client.get(reverse("home")).content.decode()

    def test_a_wrong_name_is_refused_and_nothing_is_stored(self, client, councillor):
        publish_first_version()
        response = _acknowledge(client, name="John Smith")
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert "Type your name exactly as it appears: Jane Smith" in page
        assert not Acknowledgement.objects.exists()
        assert Requirement.objects.get().met_at is None

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"typed_name": "Jane Smith"}, "Confirm that you have read and understood the protocol"),
            ({"confirm": "on", "typed_name": "   "}, "Type your full name to confirm"),
        ],
    )
    def test_missing_answers_are_refused(self, client, councillor, data, message):
        publish_first_version()
        response = client.post(ACK_URL, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Acknowledgement.objects.exists()

    def test_acknowledging_twice_makes_no_duplicate(self, client, councillor):
        publish_first_version()
        _acknowledge(client)
        page = client.get(ACK_URL).content.decode()
        assert "You have acknowledged the protocol in force" in page
        response = _acknowledge(client)
        assert response.status_code == 200
        assert "You have already acknowledged the protocol in force" in response.content.decode()
        assert Acknowledgement.objects.count() == 1

    def test_nothing_in_force(self, client, councillor):
        response = client.get(ACK_URL)
        assert response.status_code == 200
        assert "There is no protocol to acknowledge" in response.content.decode()

    def test_own_history(self, client, councillor):
        publish_first_version()
        _acknowledge(client)
        publish_change(kind=Version.ChangeKind.MATERIAL)
        _acknowledge(client)
        page = client.get(reverse("protocol:my_acknowledgements")).content.decode()
        assert "version 1" in page and "version 2" in page
        assert page.count("In the portal") == 2


class TestNewVersions:
    def test_a_material_version_needs_acknowledging_again(self, client, councillor):
        publish_first_version()
        _acknowledge(client)
        v2 = publish_change(kind=Version.ChangeKind.MATERIAL)
        assert Requirement.objects.get(councillor=councillor, version=v2).met_at is None
        page = client.get(reverse("home")).content.decode()
        assert "Version 2 of the social media protocol is waiting" in page
        assert "I have read and understood" in client.get(ACK_URL).content.decode()
        _acknowledge(client)
        assert Acknowledgement.objects.filter(councillor=councillor).count() == 2
        assert Requirement.objects.get(councillor=councillor, version=v2).met_at is not None

    def test_a_minor_version_keeps_the_acknowledgement_current(self, client, councillor):
        publish_first_version()
        _acknowledge(client)
        v2 = publish_change(kind=Version.ChangeKind.MINOR)
        assert v2.basis.number == 1
        assert not Requirement.objects.filter(version=v2).exists()
        assert "You have acknowledged the protocol in force" in client.get(reverse("home")).content.decode()
        page = client.get(ACK_URL).content.decode()
        assert "only made minor changes" in page
        assert "I have read and understood" not in page

    def test_a_minor_version_can_be_acknowledged_by_someone_who_had_not(self, client, councillor):
        v1 = publish_first_version()
        v2 = publish_change(kind=Version.ChangeKind.MINOR)
        _acknowledge(client)
        ack = Acknowledgement.objects.get()
        assert ack.version == v2
        assert Requirement.objects.get(councillor=councillor, version=v1).acknowledgement == ack


class TestNewCouncillors:
    def test_a_councillor_added_after_publication_is_due_n_days_after(self, settings, member_services):
        settings.PROTOCOL_ACKNOWLEDGE_WITHIN_DAYS = 21
        with freeze_time("2026-03-02 10:00"):
            version = publish_first_version()
        with freeze_time("2026-04-10 10:00"):
            cllr = council_services.create_councillor(
                actor=member_services, name="New Member", authority=AuthorityFactory()
            )
        requirement = Requirement.objects.get(councillor=cllr)
        assert requirement.version == version
        assert requirement.due_date == date(2026, 5, 1)

    def test_a_councillor_made_active_again_gets_a_requirement(self):
        cllr = CouncillorFactory(is_active=False)
        publish_first_version()
        assert not Requirement.objects.filter(councillor=cllr).exists()
        cllr.name = "Renamed"
        cllr.save()
        assert not Requirement.objects.filter(councillor=cllr).exists()
        cllr.is_active = True
        cllr.save()
        assert Requirement.objects.get(councillor=cllr).due_date == timezone.localdate() + timedelta(days=28)

    def test_no_requirement_before_anything_is_published(self):
        CouncillorFactory()
        assert not Requirement.objects.exists()

    def test_after_a_minor_version_the_requirement_is_for_its_basis(self):
        v1 = publish_first_version()
        publish_change(kind=Version.ChangeKind.MINOR)
        cllr = CouncillorFactory()
        assert Requirement.objects.get(councillor=cllr).version == v1


class TestAppendOnly:
    @pytest.fixture
    def ack(self, councillor, client):
        publish_first_version()
        _acknowledge(client)
        return Acknowledgement.objects.get()

    def test_the_model_refuses_change_and_delete(self, ack):
        ack.typed_name = "Someone Else"
        with pytest.raises(PermissionError):
            ack.save()
        with pytest.raises(PermissionError):
            ack.delete()
        with pytest.raises(PermissionError):
            Acknowledgement.objects.filter(pk=ack.pk).update(typed_name="Someone Else")
        with pytest.raises(PermissionError):
            Acknowledgement.objects.filter(pk=ack.pk).delete()
        with pytest.raises(PermissionError):
            Acknowledgement.objects.all().delete()
        ack = Acknowledgement.objects.get()
        assert ack.typed_name == "Jane Smith"

    def test_the_admin_shows_it_read_only(self, client, ack):
        from django.contrib import admin

        superuser = UserFactory(is_staff=True, is_superuser=True)
        model_admin = admin.site._registry[Acknowledgement]
        request = type("R", (), {"user": superuser})()
        assert model_admin.has_change_permission(request, ack) is False
        assert model_admin.has_delete_permission(request, ack) is False
        assert model_admin.has_add_permission(request) is False
        client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(reverse("admin:protocol_acknowledgement_change", args=[ack.pk]))
        if response.status_code == 200:
            page = response.content.decode()
            assert 'name="_save"' not in page
            assert 'name="typed_name"' not in page
        else:
            assert response.status_code in (302, 403)
        client.post(reverse("admin:protocol_acknowledgement_change", args=[ack.pk]), {"typed_name": "X"})
        delete = client.post(reverse("admin:protocol_acknowledgement_delete", args=[ack.pk]), {"post": "yes"})
        assert delete.status_code in (302, 403)
        assert Acknowledgement.objects.get().typed_name == "Jane Smith"


class TestWhoMayAcknowledge:
    def test_member_services_may_not(self, client, member_services):
        publish_first_version()
        assert client.get(ACK_URL).status_code == 403
        assert client.get(reverse("protocol:my_accounts")).status_code == 403

    def test_member_services_who_is_also_a_councillor_may(self, client, member_services):
        member_services.groups.add(Group.objects.get(name=Role.COUNCILLOR))
        CouncillorFactory(user=member_services, name="Pat Jones")
        publish_first_version()
        assert client.get(ACK_URL).status_code == 200
        response = client.post(ACK_URL, {"confirm": "on", "typed_name": "Pat Jones"})
        assert response.status_code == 302
        assert Acknowledgement.objects.get().councillor.user == member_services

    def test_anonymous_visitors_are_asked_to_sign_in(self, client):
        response = client.get(ACK_URL)
        assert response.status_code == 302
        assert reverse("account_login") in response.url

    def test_an_inactive_councillor_record_still_sees_its_history(self, client, login):
        user = make_user(Role.COUNCILLOR)
        CouncillorFactory(user=user, is_active=False)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(reverse("protocol:my_acknowledgements")).status_code == 200
