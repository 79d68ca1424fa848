"""`manage.py load_demo` and `manage.py demo_logins`."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from council.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from council.models import (
    AuditEntry,
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)
from council.roles import Role

pytestmark = pytest.mark.django_db

MODELS = [Authority, Ward, PoliticalGroup, Councillor, TermOfOffice, Committee, CommitteeMembership, User, AuditEntry]


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["history"] = Councillor.history.count() + Authority.history.count()
    return counts


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_builds_a_city_its_parishes_and_one_account_per_role(settings):
    _load()

    city = Authority.objects.get(name=settings.COUNCIL_NAME)
    assert city.kind == Authority.Kind.PRINCIPAL
    assert city.wards.count() == 16
    assert city.wards.filter(name="St Clement's").exists()
    parishes = Authority.objects.exclude(pk=city.pk)
    assert parishes.count() == 4
    assert all(p.principal == city and p.clerk_name and p.clerk_email for p in parishes)
    assert Councillor.objects.count() == 48
    assert Councillor.objects.filter(authority=city).count() == 36
    assert set(PoliticalGroup.objects.filter(authority=city).values_list("name", flat=True)) == {
        "Labour",
        "Conservative",
        "Liberal Democrat",
        "Green",
        "Independent",
    }
    assert Councillor.objects.filter(email__endswith="@oxbridge.gov.example").count() == 36
    assert TermOfOffice.objects.filter(start_date="2024-05-02", end_date="2028-05-04").count() == 48
    assert set(Committee.objects.filter(is_regulatory=True).values_list("name", flat=True)) == {
        "Planning Committee",
        "Licensing Committee",
    }
    assert Committee.objects.filter(name__in=["Standards Committee", "Audit and Governance Committee"]).count() == 2
    assert CommitteeMembership.objects.filter(committee__name="Planning Committee").exists()
    for role, email, _ in DEMO_ACCOUNTS:
        user = User.objects.get(email=email)
        assert list(user.groups.values_list("name", flat=True)) == [role.value]
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(email="admin@demo.council.example")
    assert admin.is_staff and admin.is_superuser
    assert Councillor.objects.filter(user__email="councillor@demo.council.example", authority=city).exists()
    assert {role for role, _, _ in DEMO_ACCOUNTS} == set(Role)


def test_load_demo_twice_changes_nothing():
    _load()
    first = _counts()
    councillor = Councillor.objects.order_by("pk").first()
    output = _load()
    assert _counts() == first
    assert "0 created, 0 updated" in output
    assert Councillor.objects.order_by("pk").first().updated_at == councillor.updated_at


def test_load_demo_resets_a_changed_demo_password():
    _load()
    user = User.objects.get(email="mo@demo.council.example")
    user.set_password("something else entirely")
    user.save()
    _load()
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_load_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        _load()
    assert not User.objects.exists()
    assert not Councillor.objects.exists()


def test_load_demo_loads_the_protocol_only_when_the_command_exists(monkeypatch):
    calls = []
    module = "council.management.commands.load_demo"
    monkeypatch.setattr(f"{module}.call_command", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(f"{module}.get_commands", lambda: {})
    _load()
    assert calls == []
    monkeypatch.setattr(f"{module}.get_commands", lambda: {"import_protocol": "protocol"})
    _load()
    assert [args[0] for args in calls] in ([], ["import_protocol"])  # [] when the protocol text is not found
    assert all("--if-absent" in args for args in calls)


def test_the_demo_councillor_sees_their_details_on_the_home_page(client):
    _load()
    user = User.objects.get(email="councillor@demo.council.example")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/").content.decode()
    assert "Your details" in page
    assert user.councillor.ward.name in page


def test_demo_logins_prints_every_role_and_email():
    _load()
    out = StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for role, email, _ in DEMO_ACCOUNTS:
        assert role.label in text
        assert email in text
    assert DEMO_PASSWORD in text
    assert "two-factor authentication" in text


def test_demo_logins_prints_no_password_in_production(settings):
    settings.PRODUCTION = True
    out = StringIO()
    call_command("demo_logins", "--url", "https://portal.example/", stdout=out)
    assert "https://portal.example/" in out.getvalue()
    assert DEMO_PASSWORD not in out.getvalue()
    assert "@demo.council.example" not in out.getvalue()


@pytest.mark.django_db
def test_load_demo_gives_the_monitoring_officer_work_once():
    from django.core.management import call_command

    from complaints.models import Complaint, Stage

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    assert Complaint.objects.count() == 4
    assert set(Complaint.objects.values_list("stage", flat=True)) == {
        Stage.RECEIVED,
        Stage.ACKNOWLEDGED,
        Stage.ASSESSMENT,
        Stage.INVESTIGATION,
    }


@pytest.mark.django_db
def test_load_demo_sets_up_training_once():
    from django.core.management import call_command

    from training.models import Booking, Course, Session

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    assert Course.objects.count() == 3
    assert Session.objects.count() == 3
    assert Booking.objects.filter(status=Booking.Status.BOOKED).exists()
