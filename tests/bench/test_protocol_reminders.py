"""bench/protocol_reminders.py's national preparation at a tiny scale: the reminders it records
as sent by earlier sweeps are exactly those the sweep's own rules called for before today, so
today's sweep sends only the backlog's, and as many as ``due_now`` counted."""

from __future__ import annotations

from bench import protocol_reminders as bench
from council.roles import Role
from protocol import reminders
from protocol.models import Reminder
from tests.bench.test_national import small_nation  # noqa: F401 (a fixture)
from tests.factories import make_user


def test_earlier_sweeps_leave_only_the_backlog_to_send(small_nation, monkeypatch):  # noqa: F811
    monkeypatch.setattr("council.notifications.on_commit", lambda callback, robust=False: None)
    # Escalations go to the role holders, whom bench/national.py signs in before the sweep.
    make_user(Role.MONITORING_OFFICER, email="mo@bench.example")
    make_user(Role.MEMBER_SERVICES, email="ms@bench.example")
    outstanding, councillors, _ = bench.due_now()
    assert outstanding == councillors > 3  # nothing recorded yet: everyone outstanding is due something

    recorded = bench.record_earlier_sweeps(backlog=3)

    assert Reminder.objects.count() == recorded > 0
    assert bench.due_now()[0] == outstanding
    _, backlog, due_today = bench.due_now()
    assert backlog == 3
    last = Reminder.objects.order_by("pk").last().pk
    assert reminders.sweep() == due_today > 0
    todays = Reminder.objects.filter(pk__gt=last)
    assert todays.count() == due_today
    assert todays.values("councillor").distinct().count() == 3
    assert reminders.sweep() == 0
