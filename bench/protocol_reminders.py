"""The reminder sweep for 5,000 outstanding councillors, end to end: the beat
task on a real Celery worker (the configured broker), the outbox, and a real
SMTP server (aiosmtpd) that counts what arrives.

:func:`measure_sweep` is the measuring part; bench/national.py runs it again over the national data
set through :func:`measure_national`. There 21,304 councillors have not acknowledged the version in
force, published 45 days ago. Over data with no reminders recorded, one sweep would send them 46,952
at once (the publication notice to each; an overdue reminder and an escalation for the 12,824 past
their date): two to three and a half minutes here, nearly all of it SMTP, whose cost per message
does not depend on the size of the database, in a ``make bench`` that must stay under ten minutes.
A time-boxed sweep would leave messages unsent, and the duplicate and unsent checks need the sweep
to finish. So the national run first records, as sent, what the beat's sweeps of those 45 days
would have sent, except to a seeded sample of NATIONAL_BACKLOG councillors whose reminders are all
still to go (as for councils whose reminders start today): about as many messages as at council
scale, so the rates compare, while the sweep still reads all 21,304 requirements and re-records
their reminders against a national-size reminder table. ``outstanding`` is the councillors who
have not acknowledged, ``due`` the messages the sweep must send; ``resweep_seconds`` and
``resweep_queries`` time the next sweep, which finds nothing to send: what each 15-minute sweep
costs at that scale.
"""

from __future__ import annotations

import email
import json
import logging
import random
import socket
import time
from collections import Counter
from datetime import datetime, timedelta

from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection, connections, reset_queries
from django.db.models import Max
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.common import Results
from bench.national_data import Loader
from council.celery import app as celery_app
from council.models import Authority, Councillor, OutboundEmail
from protocol import reminders, services
from protocol.importer import parse_protocol
from protocol.models import Reminder, Requirement, Version

COUNCILLORS = int(__import__("os").environ.get("BENCH_REMINDER_COUNCILLORS", "5000"))
# Councillors of the national data set whose reminders no earlier sweep sent (see the docstring).
NATIONAL_BACKLOG = int(__import__("os").environ.get("BENCH_NATIONAL_REMINDER_BACKLOG", "2500"))


class _Inbox:
    """Counts each distinct message that arrives. A message is its recipients, subject and text:
    the same outbox row sent twice arrives twice under one fingerprint, while two reminders to
    one person (or escalations of different councillors to one Monitoring Officer) do not."""

    def __init__(self) -> None:
        self.messages: Counter[tuple] = Counter()
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        text = next((part.get_payload() for part in message.walk() if part.get_content_type() == "text/plain"), "")
        self.messages[(tuple(sorted(envelope.rcpt_tos)), message["Subject"], text)] += 1
        self.received += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _close_connections(**kwargs) -> None:
    connections.close_all()


def due_now() -> tuple[int, int, int]:
    """The councillors who have not acknowledged the version in force, those of them the sweep
    would write to now, and the reminders it would send: its own rules (reminders.due_kinds over
    the unmet requirements) less the reminders already recorded."""
    in_force = Version.objects.published().select_related("basis").first()
    if in_force is None:
        return 0, 0, 0
    today = timezone.localdate()
    recorded = set(Reminder.objects.filter(version=in_force.basis).values_list("councillor_id", "kind", "on_date"))
    requirements = Requirement.objects.filter(
        version=in_force.basis, met_at__isnull=True, councillor__is_active=True
    ).only("councillor_id", "due_date", "created_at")
    outstanding = councillors = due = 0
    for requirement in requirements.iterator(chunk_size=5000):
        wanted = [
            key
            for key in reminders.due_kinds(requirement, today)
            if (requirement.councillor_id, key[0], key[1]) not in recorded
        ]
        outstanding += 1
        councillors += bool(wanted)
        due += len(wanted)
    return outstanding, councillors, due


def measure_sweep(results, *, timeout: float = 300) -> None:
    """One beat sweep on a real worker, until every message it queued has reached the SMTP server
    (or ``timeout`` seconds); then the next sweep, which should find nothing to send.
    ``results`` is anything with ``add(name, value, unit)``."""
    for noisy in ("mail.log", "celery", "council.notifications"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from protocol.tasks import send_protocol_reminders

    outstanding, councillors, due = due_now()
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="bench.localhost")
    swept: dict = {}  # what the sweep task returned (how many it queued), and when

    def _sweep_finished(sender=None, retval=None, **kwargs) -> None:
        if sender is not None and sender.name == send_protocol_reminders.name:
            swept.update(queued=retval, at=time.perf_counter())

    controller.start()
    task_postrun.connect(_close_connections, weak=False)
    task_postrun.connect(_sweep_finished, weak=False)
    smtp = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    )
    try:
        # SQLite's shared in-memory test database locks whole tables: one worker thread there.
        threads = 1 if connections["default"].vendor == "sqlite" else 4
        pool = "solo" if threads == 1 else "threads"
        with (
            smtp,
            start_worker(celery_app, pool=pool, concurrency=threads, perform_ping_check=False, shutdown_timeout=60),
        ):
            started = time.perf_counter()
            send_protocol_reminders.delay()
            deadline = started + timeout
            # Done when the sweep has said how many it queued and that many have arrived.
            while time.perf_counter() < deadline and not (
                "queued" in swept and (not isinstance(swept["queued"], int) or inbox.received >= swept["queued"])
            ):
                time.sleep(0.05)
            seconds = time.perf_counter() - started
    finally:
        task_postrun.disconnect(_sweep_finished)
        task_postrun.disconnect(_close_connections)
        controller.stop()
    if "queued" in swept and not isinstance(swept["queued"], int):
        raise RuntimeError(f"the sweep failed: {swept['queued']!r}")
    sent = sum(inbox.messages.values())
    results.add("protocol.reminders.seconds", seconds, "s")
    results.add("protocol.reminders.sent", sent, "messages")
    results.add("protocol.reminders.per_second", sent / seconds if seconds else 0, "messages/s")
    results.add("protocol.reminders.duplicates", sum(n - 1 for n in inbox.messages.values()), "messages")
    # The reminders' own messages: other benchmarks may leave outbox rows that no worker was meant to send.
    unsent = OutboundEmail.objects.filter(pk__in=Reminder.objects.values("email")).exclude(
        status=OutboundEmail.Status.SENT
    )
    results.add("protocol.reminders.unsent", unsent.count(), "messages")
    results.add("protocol.reminders.outstanding", outstanding, "councillors")
    results.add("protocol.reminders.due", due, "messages")
    print(
        f"  reminder sweep: {outstanding:,} councillors outstanding, {due:,} reminders due to {councillors:,} "
        f"of them; {sent:,} sent in {seconds:.1f}s ({sent / seconds if seconds else 0:.0f}/s)"
        + (f", the sweep task itself {swept['at'] - started:.1f}s" if "at" in swept else ", the sweep did not finish"),
        flush=True,
    )
    # The next sweep finds everything recorded and sent: what is left is the cost of looking.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        resweep_started = time.perf_counter()
        again = reminders.sweep()
        resweep_seconds = time.perf_counter() - resweep_started
    if again:
        raise RuntimeError(f"the next sweep queued {again} more reminders")
    results.add("protocol.reminders.resweep_seconds", resweep_seconds, "s")
    results.add("protocol.reminders.resweep_queries", len(queries), "queries")
    print(f"  the next sweep: nothing to send, {resweep_seconds:.2f}s in {len(queries)} queries", flush=True)


def record_earlier_sweeps(*, backlog: int, seed: int = 7) -> int:
    """Record, as sent, every reminder of the version in force that fell due before today (the
    union of reminders.due_kinds over each day since the requirement began), as the beat's
    sweeps would have; except for ``backlog`` councillors picked at random, who have none.
    Returns how many were recorded."""
    in_force = Version.objects.published().select_related("basis").first()
    if in_force is None:
        return 0
    today = timezone.localdate()
    requirements = list(
        Requirement.objects.filter(version=in_force.basis, met_at__isnull=True, councillor__is_active=True)
        .values_list("councillor_id", "councillor__email", "due_date", "created_at")
        .order_by("pk")
    )
    left = {row[0] for row in random.Random(seed).sample(requirements, min(backlog, len(requirements)))}
    earlier: dict[tuple, set] = {}  # by (first day, due date): the requirements share a handful of them
    history = []
    for councillor, address, due_date, created_at in requirements:
        if councillor in left:
            continue
        first = timezone.localdate(created_at)
        keys = earlier.get((first, due_date))
        if keys is None:
            requirement = Requirement(due_date=due_date, created_at=created_at)
            keys = earlier[first, due_date] = {
                key
                for day in range((today - first).days)
                for key in reminders.due_kinds(requirement, first + timedelta(days=day))
            }
        history += [(councillor, address, kind, on_date) for kind, on_date in keys]
    # Appended as the national data set is loaded (bench/national_data.py), with ids chosen here.
    email_id = OutboundEmail.objects.aggregate(last=Max("pk"))["last"] or 0
    reminder_id = Reminder.objects.aggregate(last=Max("pk"))["last"] or 0
    with Loader([OutboundEmail, Reminder]) as loader:
        emails, rows = [], []
        for n, (councillor, address, kind, on_date) in enumerate(history, start=1):
            at = loader.ts(datetime.combine(on_date, datetime.min.time()) + timedelta(hours=9))
            emails.append(
                (
                    email_id + n,
                    f"bench-history:{councillor}:{kind}:{on_date}",
                    json.dumps([address]),
                    f"{Reminder.Kind(kind).label}: the social media protocol",
                    "Sent by an earlier sweep.",
                    "",
                    "[]",
                    OutboundEmail.Status.SENT,
                    1,
                    "",
                    at,
                    "",
                    at,
                    at,
                )
            )
            rows.append(
                (reminder_id + n, councillor, in_force.basis_id, kind, on_date.isoformat(), email_id + n, False, at)
            )
        loader.insert(
            OutboundEmail,
            [
                "id",
                "key",
                "to",
                "subject",
                "body_text",
                "body_html",
                "attachments",
                "status",
                "attempts",
                "last_error",
                "created_at",
                "claim_token",
                "next_attempt_at",
                "sent_at",
            ],
            emails,
        )
        loader.insert(
            Reminder,
            ["id", "councillor_id", "version_id", "kind", "on_date", "email_id", "no_recipient", "created_at"],
            rows,
        )
    return len(history)


def measure_national(results) -> None:
    """The sweep over the national data set, after its earlier sweeps (see the module docstring)."""
    started = time.perf_counter()
    recorded = record_earlier_sweeps(backlog=NATIONAL_BACKLOG)
    print(
        f"  recorded {recorded:,} reminders of earlier sweeps, all but {NATIONAL_BACKLOG:,} councillors' "
        f"({time.perf_counter() - started:.1f}s)",
        flush=True,
    )
    measure_sweep(results, timeout=240)


def run(results: Results) -> None:
    authority = Authority.objects.create(name="Reminder Bench Council", slug="reminder-bench")
    Councillor.objects.bulk_create(
        Councillor(authority=authority, name=f"Bench Councillor {i}", email=f"bench{i}@reminders.example")
        for i in range(COUNCILLORS)
    )
    version = services.import_version(actor=None, parsed=parse_protocol("Protocol\n\nIntro\nRead it.\n"))
    services.publish_version(actor=None, version=version)
    measure_sweep(results)
