"""The protocol compliance dashboard at council scale, against a floor.

5,000 serving councillors in 300 authorities, three material versions and 150,000
acknowledgements. Unique (councillor, version) pairs cap serving councillors at 15,000
acknowledgements, so the rest belong to former councillors, as in a council with years of history.

The floor is a bare view computing the same figures with the fewest queries (one grouped query
rolled up in Python, plus the two lists) and rendering them with a minimal template: what the
dashboard would cost with nothing but the numbers.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.db import reset_queries
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from bench.common import Results, measure_page
from council.models import Authority, Councillor, PoliticalGroup, Ward
from council.roles import Role
from protocol import services
from protocol.importer import parse_protocol
from protocol.models import Acknowledgement, Requirement, Version
from tests.factories import make_user

AUTHORITIES = 300
SERVING = 5_000
ACKNOWLEDGEMENTS = 150_000
URL = "/protocol/compliance/"
REPEAT = 30
TABLE_LIMIT = LIST_LIMIT = 100

SAMPLE = "Social media protocol\n\nIntroduction\nCouncillors must follow this protocol.\n"


def _councillors(auths, wards, groups, count: int, *, start: int, active: bool) -> list[Councillor]:
    n = len(auths)
    return Councillor.objects.bulk_create(
        (
            Councillor(
                authority=auths[i % n],
                ward=wards[(i % n) * 5 + i % 5],
                political_group=groups[(i % n) * 3 + i % 3],
                name=f"Councillor Number {i}",
                email=f"cllr{i}@bench.example",
                is_active=active,
            )
            for i in range(start, start + count)
        ),
        batch_size=2000,
    )


def _publish_versions(now) -> list[Version]:
    """Three material versions, 120, 60 and 20 days ago, through the services (which require
    every serving councillor to acknowledge each)."""
    first = services.import_version(actor=None, parsed=parse_protocol(SAMPLE))
    versions = [services.publish_version(actor=None, version=first, now=now - timedelta(days=120))]
    for days_ago in (60, 20):
        draft = services.start_draft(actor=None, protocol=first.protocol)
        services.update_draft(actor=None, version=draft, change_summary="Revised.", change_kind="material")
        section = draft.sections.first()
        services.save_section(
            actor=None, version=draft, title=section.title, body=f"{section.body} ({days_ago})", section=section
        )
        versions.append(services.publish_version(actor=None, version=draft, now=now - timedelta(days=days_ago)))
    return versions


def _acknowledge(versions: list[Version], serving: list[Councillor], former: list[Councillor], now) -> None:
    """Every serving councillor acknowledged the first two versions and 80% the third; former
    councillors make up the rest of the 150,000."""
    rows = []
    for v, share in zip(versions, (1.0, 1.0, 0.8), strict=True):
        at = v.published_at + timedelta(days=3)
        rows += [
            Acknowledgement(councillor=c, version=v, content_hash=v.content_hash, acknowledged_at=at, typed_name=c.name)
            for c in serving[: int(len(serving) * share)]
        ]
    for c in former:
        for v in versions:
            if len(rows) == ACKNOWLEDGEMENTS:
                break
            rows.append(
                Acknowledgement(
                    councillor=c,
                    version=v,
                    content_hash=v.content_hash,
                    acknowledged_at=v.published_at,
                    typed_name=c.name,
                )
            )
    Acknowledgement.objects.bulk_create(rows, batch_size=5000)
    for v in versions:
        ack = Acknowledgement.objects.filter(councillor=OuterRef("councillor"), version=v)
        Requirement.objects.filter(version=v, councillor__acknowledgements__version=v).update(
            met_at=Subquery(ack.values("acknowledged_at")[:1]), acknowledgement=Subquery(ack.values("pk")[:1])
        )
    # Of those still to acknowledge the version in force, half are already overdue.
    outstanding = list(
        Requirement.objects.filter(version=versions[-1], met_at__isnull=True).values_list("pk", flat=True)
    )
    Requirement.objects.filter(pk__in=outstanding[::2]).update(due_date=timezone.localdate(now) - timedelta(days=2))


def _generate() -> None:
    now = timezone.now()
    auths = Authority.objects.bulk_create(
        Authority(name=f"Bench Protocol Authority {i}", slug=f"bench-protocol-authority-{i}")
        for i in range(AUTHORITIES)
    )
    wards = Ward.objects.bulk_create(Ward(authority=a, name=f"Ward {j}") for a in auths for j in range(5))
    groups = PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"Group {j}") for a in auths for j in range(3)
    )
    serving = _councillors(auths, wards, groups, SERVING, start=0, active=True)
    versions = _publish_versions(now)
    former_needed = -(-(ACKNOWLEDGEMENTS - int(SERVING * 2.8)) // len(versions))
    former = _councillors(auths, wards, groups, former_needed, start=SERVING, active=False)
    _acknowledge(versions, serving, former, now)
    assert Acknowledgement.objects.count() == ACKNOWLEDGEMENTS


# --- The floor ------------------------------------------------------------------------------------

FLOOR_TEMPLATE = Template(
    """<!DOCTYPE html><html lang="en"><title>Compliance</title><h1>{{ overall.3 }}% acknowledged</h1>
<p>{{ overall.0 }} {{ overall.1 }} {{ overall.2 }}</p>
{% for title, rows in tables %}<table><caption>{{ title }}</caption>{% for r in rows %}
<tr><th>{{ r.0 }}</th><td>{{ r.1 }}</td><td>{{ r.2 }}</td><td>{{ r.3 }}</td><td>{{ r.4 }}</td><td>{{ r.5 }}</td></tr>
{% endfor %}</table>{% endfor %}
{% for title, rows in lists %}<table><caption>{{ title }}</caption>{% for r in rows %}
<tr><th><a href="/protocol/compliance/councillors/{{ r.0 }}/">{{ r.1 }}</a></th><td>{{ r.2 }}</td><td>{{ r.3 }}</td>
<td>{{ r.4 }}</td><td>{{ r.5 }}</td></tr>{% endfor %}</table>{% endfor %}</html>"""
)


def _roll_up(cells: list[dict], key) -> list[tuple]:
    totals: dict = {}
    for cell in cells:
        t = totals.setdefault(key(cell), [0, 0, 0, 0])
        for i, name in enumerate(("required", "acknowledged", "outstanding", "overdue")):
            t[i] += cell[name]
    rows = [(label, *t, 100 * t[1] // t[0] if t[0] else 0) for label, t in totals.items()]
    rows.sort(key=lambda r: (r[5], -r[4], str(r[0])))
    return rows[:TABLE_LIMIT]


def floor_view(request) -> HttpResponse:
    """The same figures in four queries: the version, one grouped count rolled up in Python, two lists."""
    today = timezone.localdate()
    basis_id = Version.objects.filter(state=Version.State.PUBLISHED).values_list("basis_id", flat=True).first()
    base = Requirement.objects.filter(version_id=basis_id, councillor__is_active=True)
    cells = list(
        base.values("councillor__authority__name", "councillor__ward__name", "councillor__political_group__name")
        .annotate(
            required=Count("pk"),
            acknowledged=Count("pk", filter=Q(met_at__isnull=False)),
            outstanding=Count("pk", filter=Q(met_at__isnull=True)),
            overdue=Count("pk", filter=Q(met_at__isnull=True, due_date__lt=today)),
        )
        .order_by()
    )
    overall = _roll_up(cells, lambda c: "all")[0][1:]
    tables = [
        ("By authority", _roll_up(cells, lambda c: c["councillor__authority__name"])),
        (
            "By group",
            _roll_up(cells, lambda c: (c["councillor__political_group__name"], c["councillor__authority__name"])),
        ),
        ("By ward", _roll_up(cells, lambda c: (c["councillor__ward__name"], c["councillor__authority__name"]))),
    ]
    fields = (
        "councillor_id",
        "councillor__name",
        "councillor__authority__name",
        "councillor__political_group__name",
        "councillor__ward__name",
        "due_date",
    )
    outstanding = base.filter(met_at__isnull=True).order_by("due_date", "councillor__name", "pk")
    lists = [
        ("Overdue", list(outstanding.filter(due_date__lt=today).values_list(*fields)[:LIST_LIMIT])),
        ("Outstanding", list(outstanding.filter(due_date__gte=today).values_list(*fields)[:LIST_LIMIT])),
    ]
    return HttpResponse(FLOOR_TEMPLATE.render(Context({"overall": overall, "tables": tables, "lists": lists})))


def _measure_floor() -> float:
    request = RequestFactory().get(URL)
    assert floor_view(request).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        floor_view(request)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(results: Results) -> None:
    started = time.perf_counter()
    _generate()
    print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)
    client = Client()
    client.force_login(make_user(Role.MEMBER_SERVICES), backend="django.contrib.auth.backends.ModelBackend")
    # The generation filled the connection's query log (it keeps the last 9,000 while DEBUG is on),
    # and a full log makes CaptureQueriesContext count nothing: start from an empty one.
    reset_queries()
    queries, median_ms = measure_page(client, URL, repeat=REPEAT)
    floor_ms = _measure_floor()
    results.add("protocol.dashboard.queries", queries, "queries")
    results.add("protocol.dashboard.median_ms", median_ms, "ms")
    print(f"  dashboard {median_ms:.1f} ms, floor {floor_ms:.1f} ms", flush=True)
    results.add("protocol.dashboard.floor_ratio", median_ms / floor_ms, "ratio")
