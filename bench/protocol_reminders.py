"""The reminder sweep for 5,000 outstanding councillors, end to end: the beat
task on a real Celery worker (the configured broker), the outbox, and a real
SMTP server (aiosmtpd) that counts what arrives."""

from __future__ import annotations

import logging
import socket
import time
from collections import Counter

from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from bench.common import Results
from council.celery import app as celery_app
from council.models import Authority, Councillor, OutboundEmail
from protocol import services
from protocol.importer import parse_protocol

COUNCILLORS = int(__import__("os").environ.get("BENCH_REMINDER_COUNCILLORS", "5000"))


class _Counter:
    def __init__(self) -> None:
        self.recipients: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _close_connections(**kwargs) -> None:
    connections.close_all()


def run(results: Results) -> None:
    for noisy in ("mail.log", "celery", "council.notifications"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    authority = Authority.objects.create(name="Reminder Bench Council", slug="reminder-bench")
    Councillor.objects.bulk_create(
        Councillor(authority=authority, name=f"Bench Councillor {i}", email=f"bench{i}@reminders.example")
        for i in range(COUNCILLORS)
    )
    version = services.import_version(actor=None, parsed=parse_protocol("Protocol\n\nIntro\nRead it.\n"))
    services.publish_version(actor=None, version=version)

    inbox = _Counter()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="bench.localhost")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    task_postrun.connect(_close_connections, weak=False)
    from protocol.tasks import send_protocol_reminders

    try:
        # SQLite's shared in-memory test database locks whole tables: one worker thread there.
        threads = 1 if connections["default"].vendor == "sqlite" else 4
        pool = "solo" if threads == 1 else "threads"
        with start_worker(celery_app, pool=pool, concurrency=threads, perform_ping_check=False, shutdown_timeout=60):
            started = time.perf_counter()
            send_protocol_reminders.delay()
            deadline = started + 300
            while sum(inbox.recipients.values()) < COUNCILLORS and time.perf_counter() < deadline:
                time.sleep(0.05)
            seconds = time.perf_counter() - started
    finally:
        task_postrun.disconnect(_close_connections)
        controller.stop()
    sent = sum(inbox.recipients.values())
    results.add("protocol.reminders.seconds", seconds, "s")
    results.add("protocol.reminders.sent", sent, "messages")
    results.add("protocol.reminders.per_second", sent / seconds if seconds else 0, "messages/s")
    results.add("protocol.reminders.duplicates", sum(n - 1 for n in inbox.recipients.values() if n > 1), "messages")
    results.add(
        "protocol.reminders.unsent", OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).count(), "messages"
    )
