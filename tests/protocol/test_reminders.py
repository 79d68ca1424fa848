"""The reminder sweep: derived from database state, each reminder sent exactly once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from freezegun import freeze_time

from council.models import OutboundEmail
from council.roles import Role
from protocol import reminders, services
from protocol.importer import parse_protocol
from protocol.models import Reminder, Requirement
from tests.factories import CouncillorFactory, make_user

SAMPLE = "Protocol\n\nIntroduction\nRead this and follow it.\n"


def _publish(*, councillors: int = 3, when: str = "2026-01-05 09:00") -> list:
    cllrs = [CouncillorFactory() for _ in range(councillors)]
    with freeze_time(when):
        version = services.import_version(actor=None, parsed=parse_protocol(SAMPLE))
        services.publish_version(actor=None, version=version)
    return cllrs


def _kinds() -> list[str]:
    return sorted(Reminder.objects.values_list("kind", flat=True))


@pytest.mark.django_db
class TestSchedule:
    def test_publication_sends_one_reminder_to_each_councillor(self, outbox):
        cllrs = _publish()
        with freeze_time("2026-01-05 09:15"):
            assert reminders.sweep() == 3
            assert reminders.sweep() == 0
        assert sorted(m.to[0] for m in outbox) == sorted(c.email for c in cllrs)
        assert "acknowledge" in outbox[0].subject.lower()

    def test_a_reminder_with_nobody_to_send_to_is_not_tried_again(self, outbox):
        (without_address, _) = _publish(councillors=2)
        without_address.email = ""
        without_address.save()
        with freeze_time("2026-01-05 09:15"):
            assert reminders.sweep() == 1
        reminder = Reminder.objects.get(councillor=without_address)
        assert reminder.no_recipient and reminder.email is None
        assert Reminder.objects.filter(email__isnull=True, no_recipient=False).count() == 0
        # An address added later gets the next reminder due, not the one that found nobody.
        without_address.email = "found@example.gov.uk"
        without_address.save()
        with freeze_time("2026-01-26 09:15"):
            reminders.sweep()
        assert [m.to for m in outbox if m.to == ["found@example.gov.uk"]] == [["found@example.gov.uk"]]
        assert Reminder.objects.get(councillor=without_address, kind=Reminder.Kind.PUBLISHED).no_recipient

    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            ("2026-01-05", ["published"]),
            ("2026-01-25", ["published"]),  # due 2 Feb: 7 days before is 26 Jan
            ("2026-01-26", ["due_soon", "published"]),
            ("2026-02-02", ["due_today", "published"]),
            ("2026-02-05", ["published"]),
            ("2026-02-09", ["overdue", "published"]),
            ("2026-02-16", ["escalation", "overdue", "published"]),
        ],
    )
    def test_what_is_due_on_a_given_day(self, today, expected):
        _publish(councillors=1)
        requirement = Requirement.objects.get()
        assert requirement.due_date == date(2026, 2, 2)
        kinds = [str(kind) for kind, _ in reminders.due_kinds(requirement, date.fromisoformat(today))]
        assert sorted(kinds) == expected

    def test_a_whole_campaign_sends_each_reminder_once(self, outbox):
        make_user(Role.MONITORING_OFFICER, email="mo@council.example")
        contact = make_user(Role.MEMBER_SERVICES, email="ms@council.example")
        _publish(councillors=1)
        from council.models import Councillor

        Councillor.objects.update(member_services_contact=contact)
        day = date(2026, 1, 5)
        while day <= date(2026, 3, 10):
            with freeze_time(day.isoformat() + " 10:00"):
                reminders.sweep()
                reminders.sweep()
            day += timedelta(days=1)
        assert _kinds() == sorted(
            ["published", "due_soon", "due_today"] + ["overdue"] * 5 + ["escalation"]
        )  # overdue on 9, 16, 23 Feb, 2 and 9 Mar
        assert len(outbox) == Reminder.objects.count()
        escalation = next(m for m in outbox if "Escalation" in m.subject)
        assert sorted(escalation.to) == ["mo@council.example", "ms@council.example"]

    def test_the_escalation_waits_for_the_setting(self, settings):
        settings.PROTOCOL_ESCALATE_AFTER_DAYS = 21
        _publish(councillors=1)
        with freeze_time("2026-02-16 10:00"):
            reminders.sweep()
        assert "escalation" not in _kinds()
        with freeze_time("2026-02-23 10:00"):
            reminders.sweep()
        assert "escalation" in _kinds()

    def test_nobody_is_chased_once_they_have_acknowledged(self, outbox):
        (cllr,) = _publish(councillors=1)
        version = services.in_force()
        services.acknowledge(actor=None, councillor=cllr, version=version, typed_name=cllr.name)
        with freeze_time("2026-02-20 10:00"):
            assert reminders.sweep() == 0
        assert outbox == []

    def test_a_failed_send_is_retried_without_duplicating_the_others(self, settings, outbox):
        _publish(councillors=3)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # refused
        with freeze_time("2026-01-05 09:15"):
            reminders.sweep()
        assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"pending"}
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        from council.notifications import deliver_due_email

        with freeze_time("2026-01-05 09:30"):
            assert deliver_due_email() == 3
            assert deliver_due_email() == 0
            assert reminders.sweep() == 0
        assert len(outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once():
    """Two workers sweeping at the same moment (threads with their own connections)."""
    _publish(councillors=40)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            reminders.sweep(today=date(2026, 1, 5))  # freezegun is not thread-safe
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if connection.vendor == "sqlite":
        # SQLite serialises writers; a "database is locked" error is the lock doing its job.
        errors = [e for e in errors if "locked" not in str(e)]
    assert errors == []
    assert Reminder.objects.count() == 40
    assert OutboundEmail.objects.count() == 40
    assert OutboundEmail.objects.filter(key__startswith="protocol-reminder:").values("key").distinct().count() == 40
