"""The benchmarks again at national scale (issue 7).

Loads the national data set (bench/national_data.py: 10,000 authorities, 100,000 councillors,
1,000,000 acknowledgements, 100,000 complaints, 20,000 training sessions) and reports how long
that took as ``national.load.seconds``. Then, on that data, each page the council-scale benchmarks
measure, and the other pages people open every day, as the role that uses them: the queries of
one request, and the median and 95th percentile server time over REPEAT requests (fewer, at least
MIN_REPEAT, for a page whose requests take more than PAGE_SECONDS in all). Beside each
page, in the same run, its floor: a bare view fetching the same rows with the fewest queries and
rendering them in a minimal template (those of bench/complaints.py and bench/protocol.py where
they exist, else bench/national_floors.py), and ``ours / floor``. Last, the jobs: booking
throughput (bench/training.py's), the protocol reminder sweep (bench/protocol_reminders.py's, over a
backlog of 2,500 of the 21,304 outstanding councillors, the rest already reminded by earlier sweeps:
that module's docstring says why) and the report PDFs (as bench/reports.py makes them).

Figures are the earlier names with the prefix ``national.`` (``national.complaints.queue.median_ms``),
plus ``p95_ms`` for each page. It runs last in ``make bench``; alone: ``python -m bench national``.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, reset_queries
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import inspect as django_inspect
from django.utils import timezone

from bench import complaints as complaints_bench
from bench import national_floors as floors
from bench import protocol as protocol_bench
from bench import protocol_reminders as reminders_bench
from bench import training as training_bench
from bench.common import Results
from bench.national_data import NationalData
from complaints import reports
from complaints.models import Complaint, Stage
from council.models import Councillor, User
from council.roles import Role
from tests.factories import make_user
from training.models import Booking, Session

REPEAT = int(os.environ.get("BENCH_NATIONAL_REPEAT", "30"))
# A page slower than this in all stops repeating early (at least MIN_REPEAT times), so one slow page
# cannot take the whole run's time; the table says how many requests each figure is over.
PAGE_SECONDS = float(os.environ.get("BENCH_NATIONAL_PAGE_SECONDS", "12"))
MIN_REPEAT = 5
PREFIX = "national."


class _Prefixed:
    """Results whose figure names get the ``national.`` prefix, for reusing other benchmarks' code."""

    def __init__(self, results: Results) -> None:
        self.results = results

    def add(self, name: str, value: float, unit: str) -> None:
        self.results.add(PREFIX + name, value, unit)


@dataclass
class Page:
    figure: str  # the earlier figure's name, without the prefix
    url: str
    user: User
    floor: Callable[[], HttpResponse]


@dataclass
class Measured:
    figure: str
    queries: int
    median_ms: float
    p95_ms: float
    kilobytes: float
    requests: int
    floor_queries: int
    floor_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms


def _times(call: Callable[[], object], repeat: int) -> list[float]:
    times: list[float] = []
    deadline = time.perf_counter() + PAGE_SECONDS
    while len(times) < repeat and (len(times) < MIN_REPEAT or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
        _forget_rendered_templates()
    return times


def _forget_rendered_templates() -> None:
    """Let go of what the test client kept of the last request.

    The test client connects a new receiver to ``template_rendered`` for each request, holding
    every context the request rendered, and with DEBUG on Django's signal code caches each
    receiver's signature (``django.utils.inspect._get_func_parameters``, an lru_cache of 512):
    so the last 512 requests' contexts stay alive, hundreds of thousands of objects for a page
    with a 10,000-option select, and the garbage collector's full passes over them (a second and
    more) land on later requests. A server keeps none of that; without this, the p95 of the
    largest pages measures the test harness."""
    django_inspect._get_func_parameters.cache_clear()


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def measure(page: Page, repeat: int = REPEAT) -> Measured:
    """bench.common.measure_page, with the 95th percentile and the floor measured the same way.
    Signed in just before, as there: a staff session more than a minute old records its use on
    the next request, which would add its queries to the count."""
    client = _client(page.user)
    reset_queries()  # Django keeps only the last 9,000 queries: a full log counts nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code)
    kilobytes = len(response.content) / 1024
    del response  # it holds every context the page rendered (see _forget_rendered_templates)
    _forget_rendered_templates()
    times = _times(lambda: client.get(page.url), repeat)
    reset_queries()
    with CaptureQueriesContext(connection) as floor_queries:
        assert page.floor().status_code == 200
    floor_times = _times(page.floor, repeat)
    return Measured(
        figure=page.figure,
        queries=len(queries),
        median_ms=statistics.median(times),
        p95_ms=_p95(times),
        kilobytes=kilobytes,
        requests=len(times),
        floor_queries=len(floor_queries),
        floor_ms=statistics.median(floor_times),
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _councillor_user() -> User:
    """A serving councillor with a portal account, a place on an upcoming session and a
    complaint they have been told of: a home page with every panel filled."""
    upcoming = Booking.objects.filter(
        status=Booking.Status.BOOKED, session__status=Session.Status.SCHEDULED, session__starts_at__gt=timezone.now()
    ).values("councillor_id")
    told = Complaint.councillors.through.objects.filter(complaint__councillor_notified_at__isnull=False).values(
        "councillor_id"
    )
    councillor = (
        Councillor.objects.filter(is_active=True, user__isnull=False, pk__in=upcoming)
        .filter(pk__in=told)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return councillor.user


def _pages() -> list[Page]:
    officer = make_user(Role.MONITORING_OFFICER, email="national-mo@bench.example")
    member_services = make_user(Role.MEMBER_SERVICES, email="national-ms@bench.example")
    councillor = _councillor_user()
    investigations = Complaint.objects.filter(stage=Stage.INVESTIGATION).order_by("pk")
    case = investigations[100:].first() or investigations.first()
    queue_request = RequestFactory().get(complaints_bench.QUEUE_URL)
    dashboard_request = RequestFactory().get(protocol_bench.URL)
    period = reports.last_financial_year()
    return [
        Page(
            "complaints.queue", reverse("complaints:queue"), officer, lambda: complaints_bench.floor_view(queue_request)
        ),
        Page(
            "complaints.case", reverse("complaints:case", args=[case.pk]), officer, lambda: floors.case_floor(case.pk)
        ),
        Page("complaints.register", reverse("complaints:report_register"), officer, floors.register_floor),
        Page(
            "complaints.annual_report",
            reverse("complaints:report_annual"),
            officer,
            lambda: floors.annual_floor(period),
        ),
        Page("council.councillor_list", reverse("council:councillor_list"), member_services, floors.directory_floor),
        Page(
            "protocol.dashboard",
            reverse("protocol:compliance"),
            member_services,
            lambda: protocol_bench.floor_view(dashboard_request),
        ),
        Page("training.matrix", reverse("training:matrix"), member_services, floors.matrix_floor),
        Page(
            "council.home_councillor",
            reverse("home"),
            councillor,
            lambda: floors.councillor_home_floor(councillor.pk),
        ),
    ]


def _table(measured: list[Measured]) -> str:
    width = max(len(m.figure) for m in measured)
    head = f"  {'page':<{width}}  queries  median ms  p95 ms  requests  floor q  floor ms  ours/floor  page KB"
    lines = [head, "  " + "-" * (len(head) - 2)]
    lines += [
        f"  {m.figure:<{width}}  {m.queries:>7}  {m.median_ms:>9.1f}  {m.p95_ms:>6.1f}  {m.requests:>8}  "
        f"{m.floor_queries:>7}  {m.floor_ms:>8.1f}  {m.ratio:>10.1f}  {m.kilobytes:>7.0f}"
        for m in measured
    ]
    return "\n".join(lines)


def _measure_reports(results: _Prefixed) -> None:
    """The register PDF (3,000 rows) and the annual report PDF, as bench/reports.py makes them but
    over the national data. The register's floor (WeasyPrint alone on the same 3,000 rows) does not
    depend on the size of the database, and bench/reports.py measures it in the same run."""

    from bench import reports as reports_bench
    from complaints import report_views
    from council.pdf import render_pdf

    officer = make_user(Role.MONITORING_OFFICER, email="national-reports@bench.example")
    reports_bench.warm_up()
    seconds, _ = reports_bench.measure_register(officer)
    results.add("reports.register_pdf.seconds", seconds, "s")
    results.add("reports.register_pdf.rows_per_second", reports_bench.REGISTER_ROWS / seconds, "rows/s")
    print(f"  register PDF ({reports_bench.REGISTER_ROWS:,} rows) {seconds:.1f}s", flush=True)

    period = reports.Period(timezone.localdate() - timedelta(days=800), timezone.localdate())
    started = time.perf_counter()
    report = reports.annual_report(period)
    render_pdf("pdf/annual_report.html", report_views.annual_pdf_context(report))
    seconds = time.perf_counter() - started
    results.add("reports.annual_pdf.seconds", seconds, "s")
    print(f"  annual report PDF ({report['total']:,} complaints) {seconds:.1f}s", flush=True)


def run(results: Results) -> None:
    # WeasyPrint reports each step at INFO.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    started = time.perf_counter()
    print(f"  loading the national data set ({connection.vendor})", flush=True)
    counts = NationalData(progress=lambda line: print(line, flush=True)).load()
    load_seconds = time.perf_counter() - started
    results.add("national.load.seconds", load_seconds, "s")
    results.add("national.load.rows", sum(counts.values()), "rows")
    print(f"  loaded {sum(counts.values()):,} rows in {load_seconds:.1f}s:", flush=True)
    for table, count in sorted(counts.items()):
        print(f"    {table:<42} {count:>10,}", flush=True)

    measured = []
    ready = time.perf_counter()
    pages = _pages()
    print(f"  signed in the officer, Member Services and a councillor ({time.perf_counter() - ready:.1f}s)", flush=True)
    for page in pages:
        try:
            m = measure(page)
        except Exception as exc:  # one page broken (work in progress) should not cost the run's other figures
            print(f"  {page.figure} SKIPPED, it failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        measured.append(m)
        for name, value, unit in (
            ("queries", m.queries, "queries"),
            ("median_ms", m.median_ms, "ms"),
            ("p95_ms", m.p95_ms, "ms"),
            ("floor_ratio", m.ratio, "ratio"),
        ):
            results.add(f"{PREFIX}{page.figure}.{name}", value, unit)
        print(
            f"  {page.figure}: {m.queries} queries, median {m.median_ms:.1f} ms, p95 {m.p95_ms:.1f} ms, "
            f"{m.kilobytes:.0f} KB; floor {m.floor_ms:.1f} ms in {m.floor_queries} queries ({m.ratio:.1f}x)",
            flush=True,
        )
    if measured:
        print(_table(measured), flush=True)

    training_bench._measure_booking(_Prefixed(results))
    try:
        reminders_bench.measure_national(_Prefixed(results))
    except Exception as exc:  # as for the pages: a failure here should not cost the run's other figures
        print(f"  protocol.reminders SKIPPED, it failed: {type(exc).__name__}: {exc}", flush=True)
    _measure_reports(_Prefixed(results))
    print(f"  national: {time.perf_counter() - started:.1f}s in all", flush=True)
