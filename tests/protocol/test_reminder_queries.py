"""The reminder sweep's queries do not grow with the reminders it sends: a batch renders and
stores its messages in the same statements for 6 reminders as for 60 (at national scale a sweep
sends tens of thousands, in batches of reminders.BATCH)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from council.models import OutboundEmail
from council.notifications import send_templated_emails
from council.roles import Role
from protocol import reminders, services
from protocol.importer import parse_protocol
from protocol.models import Reminder, Requirement
from tests.factories import CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

# 20 councillors, three reminders each, stay within one statement of a bulk insert on SQLite
# (999 parameters: 71 outbox rows), so a difference can only come from a query per reminder.
FEW, MANY = 2, 20
# 42 days after publication: the publication notice, the second weekly overdue reminder and the
# escalation, which goes to the Member Services and Monitoring Officer role holders.
SWEEP_DAY = date(2026, 2, 16)


def _sql(queries: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"][:160] for q in queries.captured_queries)


def test_a_sweep_makes_the_same_queries_for_few_reminders_as_for_many(monkeypatch, outbox):
    # Deliveries are handed over when the sweep's transactions commit, as in production, rather
    # than at once as tests/conftest.py arranges: they are the outbox's work, not the sweep's.
    handed_over = []
    monkeypatch.setattr("council.notifications.on_commit", lambda callback, robust=False: handed_over.append(callback))
    make_user(Role.MONITORING_OFFICER, email="mo@council.example")
    make_user(Role.MEMBER_SERVICES, email="ms@council.example")
    few = [CouncillorFactory() for _ in range(FEW)]
    many = [CouncillorFactory() for _ in range(MANY)]
    with freeze_time("2026-01-05 09:00"):
        services.publish_version(
            actor=None, version=services.import_version(actor=None, parsed=parse_protocol("P\n\nI\nRead it.\n"))
        )
    later = Requirement.objects.filter(councillor__in=many)
    later.update(met_at=timezone.now())  # out of the first sweep's way

    with CaptureQueriesContext(connection) as first:
        assert reminders.sweep(today=SWEEP_DAY) == 3 * FEW
    later.update(met_at=None)
    with CaptureQueriesContext(connection) as second:
        assert reminders.sweep(today=SWEEP_DAY) == 3 * MANY

    assert len(first) == len(second), f"{FEW} councillors:\n{_sql(first)}\n\n{MANY} councillors:\n{_sql(second)}"
    for callback in handed_over:
        callback()
    assert len(outbox) == Reminder.objects.count() == 3 * (FEW + MANY)
    escalations = [m for m in outbox if m.subject.startswith("Escalation")]
    assert len(escalations) == FEW + MANY
    assert all(sorted(m.to) == ["mo@council.example", "ms@council.example"] for m in escalations)
    assert {m.to[0] for m in outbox if not m.subject.startswith("Escalation")} == {c.email for c in few + many}


def test_a_message_already_in_the_outbox_is_kept_and_not_rendered_again():
    kept = OutboundEmail.objects.create(key="reminder:1", to=["a@council.example"], subject="First", body_text="x")
    context = {"councillor": CouncillorFactory(name="Ann Example"), "version": None, "due_date": date(2026, 2, 2)}
    messages = [
        {"key": "reminder:1", "to": ["a@council.example"], "template": "protocol_overdue", "context": context},
        {"key": "reminder:2", "to": ["b@council.example"], "template": "protocol_overdue", "context": context},
    ]

    queued = send_templated_emails(messages)

    assert queued["reminder:1"].pk == kept.pk and queued["reminder:1"].subject == "First"
    assert queued["reminder:1"].created is False
    assert queued["reminder:2"].created is True
    assert queued["reminder:2"].to == ["b@council.example"]
    assert queued["reminder:2"].subject == "Overdue: acknowledge the social media protocol"
    assert "Ann Example" in queued["reminder:2"].body_text
    assert OutboundEmail.objects.count() == 2
    assert send_templated_emails(messages)["reminder:2"].created is False
    assert OutboundEmail.objects.count() == 2
