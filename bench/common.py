"""Helpers shared by the benchmarks: timing requests, counting queries, the results table."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Results:
    rows: list[dict] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str) -> None:
        self.rows.append({"name": name, "value": round(value, 3), "unit": unit})

    def table(self) -> str:
        width = max((len(r["name"]) for r in self.rows), default=10)
        lines = [f"{'figure':<{width}}  {'value':>12}  unit", "-" * (width + 22)]
        lines += [f"{r['name']:<{width}}  {r['value']:>12}  {r['unit']}" for r in self.rows]
        return "\n".join(lines)


def measure_page(client: Client, url: str, *, repeat: int = 30) -> tuple[int, float]:
    """Queries for one request, and the median server time in ms over ``repeat`` requests."""
    reset_queries()  # Django keeps only the last 9,000 queries; data generation fills that log
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(times)


# Reference data that migrations create and every benchmark needs.
_KEEP = {
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "django_content_type",
    "django_migrations",
    "complaints_codeheading",
    "complaints_legalconcern",
    "council_cache",
}


def reset_database() -> None:
    """Empty every table but the reference data, so each benchmark starts from nothing."""
    tables = [t for t in connection.introspection.django_table_names(only_existing=True) if t not in _KEEP]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)
