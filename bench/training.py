"""Councillor training at council scale.

* The mandatory-training matrix (Member Services' page /training/manage/matrix/) for 5,000
  serving councillors in 50 authorities by 8 mandatory courses (5 for all councillors, 2 for
  new councillors, 1 for members of each authority's planning committee), with 20,000 training
  records and places booked on upcoming sessions: queries for one request and the median
  over 30. If the page is not there, ``training.mandatory.matrix()`` is measured directly.
* Booking throughput: 20 parallel clients (threads, each with its own database connection)
  book 2,000 distinct councillors onto one hot session with 500 places through
  ``training.services.book`` (a row lock on the session). Bookings per second, and how many
  places were given beyond capacity (must be 0). Each booking also writes its confirmation
  email to the outbox, as in production; only the hand-over to the broker is left out.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from datetime import date, timedelta
from unittest import mock

from django.db import OperationalError, connection, connections, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import Results, measure_page
from council.models import Authority, Committee, CommitteeMembership, Councillor, PoliticalGroup, TermOfOffice, Ward
from council.roles import Role
from tests.factories import make_user
from training import mandatory, services
from training.models import Booking, Course, MandatoryRule, Session, Topic, TrainingRecord

AUTHORITIES = 50
COUNCILLORS = 5_000
RECORDS = 20_000
URL = "/training/manage/matrix/"
REPEAT = 30
CLIENTS = 20
ATTEMPTS = 2_000
CAPACITY = 500


def _generate_matrix_data() -> None:
    today = timezone.localdate()
    auths = Authority.objects.bulk_create(
        Authority(name=f"Bench Training Authority {i}", slug=f"bench-training-authority-{i}")
        for i in range(AUTHORITIES)
    )
    wards = Ward.objects.bulk_create(Ward(authority=a, name=f"Ward {j}") for a in auths for j in range(5))
    groups = PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"Group {j}") for a in auths for j in range(3)
    )
    n = len(auths)
    councillors = Councillor.objects.bulk_create(
        (
            Councillor(
                authority=auths[i % n],
                ward=wards[(i % n) * 5 + i % 5],
                political_group=groups[(i % n) * 3 + i % 3],
                name=f"Councillor Number {i}",
                email=f"cllr{i}@bench.example",
            )
            for i in range(COUNCILLORS)
        ),
        batch_size=2000,
    )
    # Terms started between 4 years and 1 month ago: a mix of new and long-serving councillors.
    TermOfOffice.objects.bulk_create(
        (
            TermOfOffice(councillor=c, start_date=today - timedelta(days=30 + (i * 7) % 1430))
            for i, c in enumerate(councillors)
        ),
        batch_size=2000,
    )
    committees = Committee.objects.bulk_create(
        Committee(authority=a, name="Planning Committee", is_regulatory=True) for a in auths
    )
    by_authority: dict[int, list[Councillor]] = {}
    for c in councillors:
        by_authority.setdefault(c.authority_id, []).append(c)
    CommitteeMembership.objects.bulk_create(
        CommitteeMembership(committee=committee, councillor=member)
        for committee in committees
        for member in by_authority[committee.authority_id][:12]
    )
    courses = Course.objects.bulk_create(
        Course(title=f"Mandatory course {i}", topic=Topic.CODE_OF_CONDUCT) for i in range(8)
    )
    rules = [MandatoryRule(course=c, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6) for c in courses[:5]]
    rules += [MandatoryRule(course=c, kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=6) for c in courses[5:7]]
    # One committee rule per authority's planning committee, all for the same planning course.
    rules += [
        MandatoryRule(course=courses[7], kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee)
        for committee in committees
    ]
    MandatoryRule.objects.bulk_create(rules)
    rng = random.Random(5)
    pairs = rng.sample([(c, k) for c in councillors for k in courses], RECORDS)
    TrainingRecord.objects.bulk_create(
        (
            TrainingRecord(
                councillor=c,
                course=k,
                title=k.title,
                completed_on=date(2025, 1, 1) + timedelta(days=rng.randrange(300)),
                source=TrainingRecord.Source.MANUAL,
            )
            for c, k in pairs
        ),
        batch_size=5000,
    )
    sessions = Session.objects.bulk_create(
        Session(course=k, starts_at=timezone.now() + timedelta(days=20 + i), capacity=400)
        for i, k in enumerate(courses)
    )
    Booking.objects.bulk_create(
        (
            Booking(session=sessions[i % 8], councillor=c, status=Booking.Status.BOOKED)
            for i, c in enumerate(councillors[::3])
        ),
        batch_size=2000,
    )


def _measure_matrix(results: Results) -> None:
    client = Client()
    client.force_login(make_user(Role.MEMBER_SERVICES), backend="django.contrib.auth.backends.ModelBackend")
    reset_queries()
    try:
        queries, median_ms = measure_page(client, URL, repeat=REPEAT)
        what = f"page {URL}"
    except AssertionError as exc:  # the page is not there (yet): measure the selector itself
        print(f"  {URL} unavailable ({exc}); measuring mandatory.matrix() directly", flush=True)
        queries, median_ms = _measure_selector()
        what = "mandatory.matrix()"
    results.add("training.matrix.queries", queries, "queries")
    results.add("training.matrix.median_ms", median_ms, "ms")
    grid = mandatory.matrix()
    print(
        f"  matrix ({what}): {len(grid.rows)} councillors x {len(grid.columns)} courses, "
        f"{queries} queries, median {median_ms:.1f} ms; {grid.counts()}",
        flush=True,
    )


def _measure_selector() -> tuple[int, float]:
    with CaptureQueriesContext(connection) as captured:
        mandatory.matrix()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        mandatory.matrix()
        times.append((time.perf_counter() - started) * 1000)
    return len(captured), statistics.median(times)


def _book(session: Session, councillor: Councillor) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            services.book(actor=None, session=session, councillor=councillor)
            return
        except OperationalError as exc:
            # SQLite's in-memory test database reports a locked table at once instead of waiting.
            if connection.vendor != "sqlite" or "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.001, 0.01))


def _measure_booking(results: Results) -> None:
    authority = Authority.objects.create(name="Bench Booking Authority", slug="bench-booking-authority")
    councillors = Councillor.objects.bulk_create(
        Councillor(authority=authority, name=f"Booker {i}", email=f"booker{i}@bench.example") for i in range(ATTEMPTS)
    )
    course = Course.objects.create(title="Hot course", topic=Topic.PLANNING)
    session = Session.objects.create(course=course, starts_at=timezone.now() + timedelta(days=10), capacity=CAPACITY)
    chunks = [councillors[i::CLIENTS] for i in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS + 1)
    errors: list[BaseException] = []

    def client(mine: list[Councillor]) -> None:
        try:
            barrier.wait()
            for councillor in mine:
                _book(session, councillor)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # The outbox row is written with each booking; handing it to the broker is not under test.
    with mock.patch("council.notifications._enqueue", lambda pks: True):
        threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    waiting = Booking.objects.filter(session=session, status=Booking.Status.WAITING).count()
    assert booked + waiting == ATTEMPTS, (booked, waiting)
    results.add("training.booking.per_second", ATTEMPTS / elapsed, "bookings/s")
    results.add("training.booking.overbooked", max(0, booked - CAPACITY), "bookings")
    print(
        f"  booking: {ATTEMPTS} in {elapsed:.2f}s with {CLIENTS} clients ({connection.vendor}); "
        f"{booked} booked, {waiting} waiting",
        flush=True,
    )


def run(results: Results) -> None:
    started = time.perf_counter()
    _generate_matrix_data()
    print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)
    _measure_matrix(results)
    _measure_booking(results)
