"""PostgreSQL restarts under load. Councillors browse and book through a real gunicorn server
(threads with persistent connections, as the Procfile runs it) while every server connection
to the database is terminated again and again, which is what clients see when PostgreSQL
restarts. Each person gets either their page or the clean error page (never a traceback);
no booking is half-saved; and once the database is back every request succeeds by itself,
with no restart of the web server.

Needs PostgreSQL (the web server is another process, and pg_terminate_backend is PostgreSQL's)."""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse

from council.models import AuditEntry, OutboundEmail
from council.roles import Role
from tests.factories import CouncillorFactory, make_user
from tests.reliability.conftest import BIN, free_port, wait_until
from tests.training.factories import SessionFactory
from training.models import Booking, TrainingReminder

pytestmark = [pytest.mark.integration, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

PEOPLE = 4  # as many as the server has threads
RESTARTS = 8  # times every connection is cut while people are using the site
REQUESTS_BETWEEN = 4  # responses between one restart and the next
ERROR_PAGE = "Sorry, there is a problem with the service"
# Anything a person should never see on an error page.
LEAKS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", "pg_terminate", "File &quot;", 'File "')

TERMINATE = """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass
class Visitor:
    """A signed-in councillor with their own connection to the server."""

    port: int
    cookie: str
    csrf: str
    sessions: list[int]
    results: list[tuple[str, int, str]] = field(default_factory=list)

    def request(self, method: str, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                method,
                path,
                body="" if method == "POST" else None,
                headers={
                    "Cookie": self.cookie,
                    "X-CSRFToken": self.csrf,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = conn.getresponse()
            status, body = response.status, response.read().decode(errors="replace")
        finally:
            conn.close()
        self.results.append((f"{method} {path}", status, body))
        return status, body

    def browse_and_book(self) -> None:
        """See the list of sessions, then book the next one."""
        self.request("GET", reverse("training:sessions"))
        self.request("POST", reverse("training:book", args=[self.sessions.pop(0)]))


def _visitor(port: int, sessions: list[int]) -> Visitor:
    user = make_user(Role.COUNCILLOR)
    CouncillorFactory(user=user)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    csrf = _get_new_csrf_string()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
    cookie += f"{settings.CSRF_COOKIE_NAME}={csrf}"
    return Visitor(port=port, cookie=cookie, csrf=csrf, sessions=list(sessions))


def _clean(status: int, body: str) -> bool:
    """The page itself, or our error page and nothing of what went wrong."""
    if status in (200, 302):
        return True
    return status == 500 and ERROR_PAGE in body and not any(leak in body for leak in LEAKS)


def _terminate_all() -> int:
    with connection.cursor() as cursor:
        cursor.execute(TERMINATE)
        return cursor.fetchone()[0]


def _everyone_books_twice(people: list[Visitor]) -> list[tuple[str, int]]:
    """Everyone at once: see the sessions and book one, twice over. Returns (request, status)s."""
    for person in people:
        person.results.clear()

    def twice(person: Visitor) -> None:
        person.browse_and_book()
        person.browse_and_book()

    threads = [threading.Thread(target=twice, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [(what, status) for person in people for what, status, _ in person.results]


def test_people_see_their_page_or_the_error_page_while_postgresql_restarts_and_it_recovers_by_itself(spawn):
    port = free_port()
    web = spawn(
        "web",
        [
            str(BIN / "gunicorn"),
            "council.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            str(PEOPLE),
            "--graceful-timeout",
            "5",
        ],
        DEBUG="false",
        CONN_MAX_AGE="60",
        # Delivery is not under test: messages stay in the outbox for the sweep.
        CELERY_BROKER_URL="memory://",
    )
    sessions = [SessionFactory(capacity=PEOPLE).pk for _ in range(60)]
    people = [_visitor(port, sessions) for _ in range(PEOPLE)]
    wait_until(lambda: _answers(port), what="the web server to answer")

    stop = threading.Event()
    problems: list[BaseException] = []

    def use_the_site(person: Visitor) -> None:
        try:
            while not stop.is_set() and len(person.sessions) > 4:  # four for afterwards
                person.browse_and_book()
        except BaseException as exc:  # reported below
            problems.append(exc)

    threads = [threading.Thread(target=use_the_site, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    terminated = 0
    try:
        for _ in range(RESTARTS):
            done = sum(len(p.results) for p in people)
            wait_until(
                lambda done=done: sum(len(p.results) for p in people) >= done + REQUESTS_BETWEEN or problems,
                what="requests between restarts",
            )
            terminated += _terminate_all()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert problems == [], web.tail()
    assert terminated >= RESTARTS  # the server's connections really were cut
    during = [result for person in people for result in person.results]
    unclean = [(what, status, body[:300]) for what, status, body in during if not _clean(status, body)]
    assert unclean == [], web.tail()

    # Once the database is back, every request succeeds by itself: threads whose pooled connection
    # was cut while idle reconnect (health checks) instead of failing their next request. Then
    # once more, with every thread's pooled connection cut while the server is idle.
    after = _everyone_books_twice(people)
    assert _terminate_all() >= 1
    after += _everyone_books_twice(people)
    assert len(after) == PEOPLE * 8
    assert [(what, status) for what, status in after if status not in (200, 302)] == [], web.tail()

    # No half-saved booking: each has its audit entry, its confirmation and its email, or is not there at all.
    bookings = set(Booking.objects.values_list("pk", flat=True))
    audited = AuditEntry.objects.filter(action="training.booked", object_type="training.booking")
    assert sorted(int(pk) for pk in audited.values_list("object_id", flat=True)) == sorted(bookings)
    confirmations = TrainingReminder.objects.filter(kind=TrainingReminder.Kind.CONFIRMATION)
    assert sorted(confirmations.values_list("key", flat=True)) == sorted(f"confirmation:{pk}" for pk in bookings)
    assert sorted(OutboundEmail.objects.values_list("key", flat=True)) == sorted(
        f"training:confirmation:{pk}" for pk in bookings
    )
    booked = sum(1 for what, status, _ in during if what.startswith("POST") and status == 302) + PEOPLE * 4
    not_told = sum(1 for what, status, _ in during if what.startswith("POST") and status != 302)
    # Every booking a person was told about exists; one whose reply was lost may exist too.
    assert booked <= len(bookings) <= booked + not_told


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status in (200, 302)
    except OSError:
        return False
    finally:
        conn.close()
