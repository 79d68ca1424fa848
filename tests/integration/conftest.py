"""Real parts for integration tests: an SMTP server (aiosmtpd) on a free port
and a Celery worker of the project's own app on the configured broker."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from council.celery import app as celery_app


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, predicate: Callable[[EmailMessage], bool], *, timeout: float = 30.0) -> EmailMessage:
        """Poll (never sleep blindly) until a matching message arrives or the deadline passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if predicate(message):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"No matching email within {timeout}s; got {[m['Subject'] for m in self.messages]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend is pointed at it."""
    inbox = _Inbox()
    # server_hostname: without it aiosmtpd looks up the FQDN on every connection.
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), server_hostname="smtp.localhost")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def _close_worker_connections(**kwargs) -> None:
    # The worker thread has its own database connection; close it after each
    # task so the test database can be dropped at the end of the run.
    connections.close_all()


@pytest.fixture
def celery_worker():
    """A real worker of the project's app, consuming from the configured broker."""
    task_postrun.connect(_close_worker_connections, weak=False)
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from an earlier run may reach this worker
    with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker
    task_postrun.disconnect(_close_worker_connections)
