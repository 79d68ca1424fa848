"""Fault injection: the real parts (an SMTP server, Celery workers in this process or in
processes of their own, a gunicorn web server) and ways to break them (a dead broker, a frozen
or absent SMTP server, a killed worker, terminated database connections).

A test that runs the project in another process needs PostgreSQL, because the SQLite test
database lives in this process's memory; it skips without it. Nothing here stops, flushes or
restarts the shared PostgreSQL or Redis server: faults are injected per connection or by
pointing the project at a port where nothing listens.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection, connections

from council.celery import app as celery_app

BIN = Path(sys.executable).parent
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def wait_until(condition: Callable[[], object], *, timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll (never sleep blindly) until ``condition()`` is true or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def requires_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: another process must see the test database, and SQLite's lives in this "
            "process's memory (set DATABASE_URL=postgres://…, as .ci/run does)"
        )


# --- SMTP ---------------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it accepted. It can freeze after a number of messages,
    as a server that stops answering does; frozen messages are refused (451) once it thaws, so the
    sender never got a 250 for them and must try again."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.freeze_after: int | None = None
        self.frozen = threading.Event()  # set once a client waits on the frozen server
        self._thawed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        # Runs on the server's event loop: the check and the append are never interleaved.
        if self.freeze_after is not None and len(self.messages) >= self.freeze_after:
            self.frozen.set()
            while not self._thawed.is_set():
                await asyncio.sleep(0.02)
            return "451 Requested action aborted: try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def thaw(self) -> None:
        self.freeze_after = None
        self._thawed.set()

    def recipients(self) -> list[str]:
        return [str(message["To"]) for message in self.messages]


class SmtpServer:
    """A real SMTP server on a fixed port, which a test may start, stop and start again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        # server_hostname: without it aiosmtpd looks up the FQDN on every connection.
        self._controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="smtp.localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.inbox.thaw()
            self._controller.stop()
            self._controller = None


def _smtp(settings, *, running: bool) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    # aiosmtpd logs every SMTP command at INFO: hundreds of lines in a failing test's report.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    if running:
        server.start()
    yield server
    server.stop()
    mail_log.setLevel(level)


@pytest.fixture
def smtp(settings):
    """A running SMTP server; Django's SMTP backend points at it."""
    yield from _smtp(settings, running=True)


@pytest.fixture
def smtp_down(settings):
    """Django's SMTP backend points at a port where nothing listens yet; ``.start()`` brings a server up there."""
    yield from _smtp(settings, running=False)


# --- Celery -------------------------------------------------------------------------------------


def _close_worker_connections(**kwargs) -> None:
    # The worker thread has its own database connection; close it after each task so the
    # test database can be flushed and dropped.
    connections.close_all()


@pytest.fixture
def celery_worker():
    """A real worker of the project's app in this process, consuming from the configured broker."""
    task_postrun.connect(_close_worker_connections, weak=False)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from an earlier run may reach this worker
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connections)
        celery_app.conf.task_always_eager = previous


class TasksRun:
    """Counts tasks finished by workers in this process, by name, so a test can wait for them."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, sender=None, **kwargs) -> None:
        with self._lock:
            self.counts[sender.name] += 1

    def wait_for(self, task, count: int = 1, *, timeout: float = 30.0) -> None:
        wait_until(lambda: self.counts[task.name] >= count, timeout=timeout, what=f"{count} run(s) of {task.name}")


@pytest.fixture
def tasks_run():
    counter = TasksRun()
    task_postrun.connect(counter, weak=False)
    yield counter
    task_postrun.disconnect(counter)


def _reset_broker_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Point the project's Celery app at a broker that refuses connections. Celery reads the
    CELERY_BROKER_URL environment variable before its configuration, so set both, and drop
    pooled connections on the way in and out."""
    previous, previous_env = celery_app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    celery_app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = DEAD_BROKER
    _reset_broker_pools()
    try:
        yield
    finally:
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        celery_app.conf.broker_url = previous
        _reset_broker_pools()


# --- The project in processes of its own --------------------------------------------------------


def database_url_for_processes() -> str:
    """DATABASE_URL for another process: the configured server, but the database pytest-django made."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


class ProjectProcess:
    """One of the project's processes (a worker, the web server), in a session of its own so
    that it and anything it starts can be signalled together."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log_path = name, log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} log ---\n" + "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, *, timeout: float = 30.0) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}\n{self.tail()}")
            return text in self.log()

        try:
            wait_until(seen, timeout=timeout, what=f"{text!r} from {self.name}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.tail()}") from None

    def tasks_succeeded(self, task) -> int:
        """How many runs of ``task`` this worker has logged as succeeded."""
        return len(re.findall(rf"Task {re.escape(task.name)}\[[^\]]+\] succeeded", self.log()))

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a host going away does: no clean-up at all."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def spawn(transactional_db, tmp_path):
    """``spawn(name, args, **env)`` starts one of the project's processes against the test
    database; every process started is stopped before the database is flushed."""
    requires_postgresql()
    started: list[ProjectProcess] = []

    def _spawn(name: str, args: list[str], **extra_env: str) -> ProjectProcess:
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_processes(),
            "DJANGO_ENV": "development",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        process = ProjectProcess(name, args, env, tmp_path / f"{name}.log")
        started.append(process)
        return process

    yield _spawn
    for process in reversed(started):
        process.stop()
    connections.close_all()


def worker_args(name: str, *, concurrency: int = 2) -> list[str]:
    """A worker as the Procfile runs it (a threads pool), without the cluster chatter."""
    return [
        str(BIN / "celery"),
        "-A",
        "council",
        "worker",
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--hostname",
        f"{name}@%h",
    ]
