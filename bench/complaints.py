"""The complaints triage queue and a case page at scale, against a floor.

100,000 complaints across 300 principal authorities (each with one councillor, one post, one
Code heading and three timeline entries), in a realistic spread of stages and deadlines. A
Monitoring Officer serving every authority (so the queue covers all 100,000) opens the queue
and one open case.

The floor is a bare view fetching the same 25 queue rows with one query and rendering them
with a minimal template: what the queue would cost with nothing but the rows.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from django.db import reset_queries
from django.db.models import F
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from bench.common import Results, measure_page
from complaints.models import OPEN_STAGES, CodeHeading, Complaint, Post, Stage, TimelineEntry
from council.models import Authority, Councillor
from council.roles import Role
from tests.factories import make_user

AUTHORITIES = 300
COUNCILLORS_PER_AUTHORITY = 5
COMPLAINTS = 100_000
BATCH = 5_000
REPEAT = 30
QUEUE_URL = "/complaints/cases/"
PAGE_SIZE = 25

# Most cases in a council's history are finished; the rest are spread over the stages.
STAGE_WEIGHTS: list[tuple[str, int]] = [
    (Stage.CLOSED, 64),
    (Stage.WITHDRAWN, 8),
    (Stage.RECEIVED, 3),
    (Stage.ACKNOWLEDGED, 3),
    (Stage.ASSESSMENT, 7),
    (Stage.AWAITING_INFORMATION, 2),
    (Stage.NO_FURTHER_ACTION, 3),
    (Stage.INFORMAL_RESOLUTION, 2),
    (Stage.INVESTIGATION, 4),
    (Stage.HEARING, 2),
    (Stage.DECISION, 2),
]
DUE_FOR = {
    Stage.RECEIVED: "Acknowledgement",
    Stage.ACKNOWLEDGED: "Initial assessment",
    Stage.ASSESSMENT: "Initial assessment",
    Stage.INVESTIGATION: "Investigation report",
    Stage.DECISION: "Decision notice",
}


# --- Data -----------------------------------------------------------------------------------------


def _complaint(i: int, rng: random.Random, authority: Authority, stage: str, now) -> Complaint:
    received = now - timedelta(days=rng.randint(1, 3 * 365), minutes=rng.randint(0, 1440))
    finished = stage in (Stage.CLOSED, Stage.WITHDRAWN)
    due_for = DUE_FOR.get(stage, "")
    return Complaint(
        reference=f"CC-{received:%Y}-{i:06d}",
        principal_authority=authority,
        stage=stage,
        complainant_name=f"Complainant {i}",
        complainant_email=f"complainant{i}@bench.example",
        complainant_type=Complaint.ComplainantType.PUBLIC,
        acting_as_councillor=Complaint.ActingAsCouncillor.YES,
        outcome_sought="An apology.",
        created_at=received,
        received_at=received,
        acknowledged_at=received + timedelta(days=3),
        closed_at=received + timedelta(days=rng.randint(20, 200)) if finished else None,
        # Open cases: some overdue, most due within the next two months.
        due_date=timezone.localdate(now) + timedelta(days=rng.randint(-15, 60)) if due_for else None,
        due_for=due_for,
        councillor_notified_at=received + timedelta(days=5),
    )


def _generate() -> None:
    rng = random.Random(4)
    now = timezone.now()
    authorities = Authority.objects.bulk_create(
        Authority(name=f"Bench Complaints Authority {i}", slug=f"bench-complaints-authority-{i}")
        for i in range(AUTHORITIES)
    )
    councillors = Councillor.objects.bulk_create(
        Councillor(authority=a, name=f"Councillor {a.pk}-{j}", email=f"cllr{a.pk}-{j}@bench.example")
        for a in authorities
        for j in range(COUNCILLORS_PER_AUTHORITY)
    )
    by_authority: dict[int, list[Councillor]] = {}
    for councillor in councillors:
        by_authority.setdefault(councillor.authority_id, []).append(councillor)
    heading_ids = list(CodeHeading.objects.values_list("pk", flat=True))
    stages = [s for s, _ in STAGE_WEIGHTS]
    weights = [w for _, w in STAGE_WEIGHTS]
    through_councillors = Complaint.councillors.through
    through_headings = Complaint.headings.through
    for start in range(0, COMPLAINTS, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, COMPLAINTS)):
            batch.append(_complaint(i, rng, authorities[i % AUTHORITIES], rng.choices(stages, weights)[0], now))
        complaints = Complaint.objects.bulk_create(batch)
        _children(complaints, by_authority, heading_ids, rng, through_councillors, through_headings)


def _children(complaints, by_authority, heading_ids, rng, through_councillors, through_headings) -> None:
    """One councillor (of the complaint's authority), one heading, one post, three timeline entries."""
    links, headings, posts, entries = [], [], [], []
    for c in complaints:
        councillor = rng.choice(by_authority[c.principal_authority_id])
        links.append(through_councillors(complaint_id=c.pk, councillor_id=councillor.pk))
        if heading_ids:
            headings.append(through_headings(complaint_id=c.pk, codeheading_id=rng.choice(heading_ids)))
        posts.append(Post(complaint=c, platform="Facebook", content=f"Post {c.pk}", posted_at=c.received_at))
        entries += [
            TimelineEntry(
                complaint=c,
                at=c.received_at,
                kind=TimelineEntry.Kind.TRANSITION,
                to_stage=Stage.RECEIVED,
                summary="Complaint received by the Monitoring Officer",
                visible_to_complainant=True,
            ),
            TimelineEntry(
                complaint=c,
                at=c.acknowledged_at,
                kind=TimelineEntry.Kind.TRANSITION,
                from_stage=Stage.RECEIVED,
                to_stage=Stage.ACKNOWLEDGED,
                summary="Acknowledged",
                visible_to_complainant=True,
            ),
            TimelineEntry(complaint=c, at=c.acknowledged_at, kind=TimelineEntry.Kind.NOTE, summary="Internal note"),
        ]
    through_councillors.objects.bulk_create(links)
    through_headings.objects.bulk_create(headings)
    Post.objects.bulk_create(posts)
    TimelineEntry.objects.bulk_create(entries)


# --- The floor ------------------------------------------------------------------------------------

FLOOR_TEMPLATE = Template(
    """<!DOCTYPE html><html lang="en"><title>Cases</title><h1>Cases</h1><table>
{% for r in rows %}<tr><th><a href="/complaints/cases/{{ r.0 }}/">{{ r.1 }}</a></th><td>{{ r.2 }}</td>
<td>{{ r.3 }}</td><td>{{ r.4 }}</td><td>{{ r.5 }}</td><td>{{ r.6 }}</td></tr>{% endfor %}</table></html>"""
)


def floor_view(request) -> HttpResponse:
    """The queue's first 25 rows (open cases, soonest due first) in one query."""
    rows = list(
        Complaint.objects.filter(stage__in=OPEN_STAGES)
        .order_by(F("due_date").asc(nulls_last=True), "received_at", "pk")
        .values_list("pk", "reference", "stage", "due_date", "due_for", "principal_authority__name")[:PAGE_SIZE]
    )
    return HttpResponse(FLOOR_TEMPLATE.render(Context({"rows": rows})))


def _measure_floor() -> float:
    request = RequestFactory().get(QUEUE_URL)
    assert floor_view(request).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        floor_view(request)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# --- Running --------------------------------------------------------------------------------------


def _ready(client: Client, url: str) -> bool:
    """The page is built (the views may still be stubs while the feature is written)."""
    response = client.get(url)
    if response.status_code != 200 or response.content.strip() == b"TODO":
        print(f"  skipped {url}: it answers {response.status_code} {response.content[:40]!r}", flush=True)
        return False
    return True


def run(results: Results) -> None:
    started = time.perf_counter()
    _generate()
    print(f"  generated {Complaint.objects.count():,} complaints in {time.perf_counter() - started:.1f}s", flush=True)
    client = Client()
    client.force_login(make_user(Role.MONITORING_OFFICER), backend="django.contrib.auth.backends.ModelBackend")
    case = Complaint.objects.filter(stage=Stage.INVESTIGATION).order_by("pk")[COMPLAINTS // 1000]
    case_url = f"/complaints/cases/{case.pk}/"
    # Generation filled the connection's query log: start from an empty one so queries are counted.
    reset_queries()
    floor_ms = _measure_floor()
    print(f"  floor {floor_ms:.1f} ms", flush=True)
    if _ready(client, QUEUE_URL):
        queries, median_ms = measure_page(client, QUEUE_URL, repeat=REPEAT)
        results.add("complaints.queue.queries", queries, "queries")
        results.add("complaints.queue.median_ms", median_ms, "ms")
        results.add("complaints.queue.floor_ratio", median_ms / floor_ms, "ratio")
        print(f"  queue {median_ms:.1f} ms in {queries} queries", flush=True)
    if _ready(client, case_url):
        queries, median_ms = measure_page(client, case_url, repeat=REPEAT)
        results.add("complaints.case.queries", queries, "queries")
        results.add("complaints.case.median_ms", median_ms, "ms")
        print(f"  case page {median_ms:.1f} ms in {queries} queries", flush=True)
