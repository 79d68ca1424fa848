"""Report PDFs: the complaint register at 3,000 rows and the standards annual report over 10,000
complaints, with WeasyPrint's own time for the same rows as a plain tagged table beside them.

The register is timed as its view makes it: the rows' queries, the template and the PDF. The
floor is WeasyPrint alone rendering a bare ``<table>`` of the same rows (no project stylesheet,
no page furniture), tagged PDF/UA-1 the same way, so our overhead shows as a ratio. Both run
after a warm-up render, so neither pays for WeasyPrint's first-use set-up (fonts, imports).

Peak memory is how far the register render raised the process's peak resident size
(``getrusage`` ru_maxrss): tracemalloc would slow the render several times over, and a second,
traced render would double the module's run time.
"""

from __future__ import annotations

import logging
import random
import resource
import sys
import time
from datetime import timedelta

from django.utils import timezone
from django.utils.html import escape

from bench.common import Results
from complaints import register_pdf, report_views, reports
from complaints.models import OPEN_STAGES, CodeHeading, Complaint, Decision, Stage
from council.models import Authority, Councillor
from council.roles import Role
from tests.factories import make_user

AUTHORITIES = 20
COMPLAINTS = 10_000
REGISTER_ROWS = 3_000
BATCH = 5_000


def _generate() -> None:
    rng = random.Random(6)
    now = timezone.now()
    authorities = Authority.objects.bulk_create(
        Authority(name=f"Bench Reports Authority {i}", slug=f"bench-reports-authority-{i}") for i in range(AUTHORITIES)
    )
    councillors = Councillor.objects.bulk_create(
        Councillor(authority=a, name=f"Councillor {a.pk}", email=f"cllr{a.pk}@bench.example") for a in authorities
    )
    heading_ids = list(CodeHeading.objects.values_list("pk", flat=True))
    stages = [Stage.CLOSED] * 6 + [Stage.WITHDRAWN] + list(OPEN_STAGES)
    for start in range(0, COMPLAINTS, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, COMPLAINTS)):
            received = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            stage = rng.choice(stages)
            batch.append(
                Complaint(
                    reference=f"CC-{received:%Y}-{i:06d}",
                    principal_authority=authorities[i % AUTHORITIES],
                    stage=stage,
                    complainant_name=f"Complainant {i}",
                    complainant_email=f"complainant{i}@bench.example",
                    complainant_type=Complaint.ComplainantType.PUBLIC,
                    acting_as_councillor=Complaint.ActingAsCouncillor.YES,
                    outcome_sought="An apology.",
                    received_at=received,
                    acknowledged_at=received + timedelta(days=rng.randint(0, 9)),
                    assessed_at=received + timedelta(days=rng.randint(5, 40)),
                    closed_at=received + timedelta(days=rng.randint(20, 200)) if stage == Stage.CLOSED else None,
                )
            )
        complaints = Complaint.objects.bulk_create(batch)
        Complaint.councillors.through.objects.bulk_create(
            Complaint.councillors.through(complaint_id=c.pk, councillor_id=councillors[i % AUTHORITIES].pk)
            for i, c in enumerate(complaints, start)
        )
        if heading_ids:
            Complaint.headings.through.objects.bulk_create(
                Complaint.headings.through(complaint_id=c.pk, codeheading_id=rng.choice(heading_ids))
                for c in complaints
            )
        Decision.objects.bulk_create(
            Decision(complaint=c, finding=rng.choice(Decision.Finding.values), findings="F", reasons="R")
            for c in complaints
            if c.stage == Stage.CLOSED
        )


def _plain_table(rows: list[dict]) -> str:
    """The same rows as a bare tagged-table document: WeasyPrint's floor for this content."""
    cells = "".join(
        f"<tr><th scope='row'>{escape(r['reference'])}</th><td>{r['received']:%d %b %Y}</td>"
        f"<td>{escape('; '.join(r['councillors']))}</td><td>{escape(r['stage_label'])}</td>"
        f"<td>{escape(r['outcome'])}</td><td>{r['closed'] or ''}</td></tr>"
        for r in rows
    )
    head = "".join(
        f"<th scope='col'>{name}</th>"
        for name in ("Reference", "Received", "Councillors", "Stage", "Outcome", "Closed")
    )
    return (
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Complaint register</title></head>"
        f"<body><h1>Complaint register</h1><table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        "</body></html>"
    )


def _register_pdf(officer) -> bytes:
    """The register as a person gets it: its rows' queries, then in parts (council.pdf_parts)."""
    cases = reports.register_cases(officer)
    rows = reports.register_rows(cases, limit=REGISTER_ROWS)
    return register_pdf.render(rows, None, "")


def _max_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _worker_memory_mb(field: str) -> dict[int, float]:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of each PDF worker process, from /proc."""
    from council import pdf_parts

    sizes = {}
    for pid in pdf_parts.worker_pids():
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        sizes[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return sizes


def warm_up() -> None:
    """WeasyPrint's first-use set-up and the PDF worker processes, as a running Celery worker has them."""
    from weasyprint import HTML

    from council import pdf_parts

    HTML(string="<html lang='en-GB'><title>Warm-up</title><p>Warm-up</p></html>").write_pdf(pdf_variant="pdf/ua-1")
    pdf_parts.warm_up()


def measure_register(officer) -> tuple[float, float]:
    """Seconds for the 3,000-row register, and the memory it took: this process's rise in peak
    size plus each worker process's rise (their peak after, less their size before)."""
    rss_before = _max_rss_mb()
    workers_before = _worker_memory_mb("VmRSS")
    started = time.perf_counter()
    _register_pdf(officer)
    seconds = time.perf_counter() - started
    workers_after = _worker_memory_mb("VmHWM")
    workers = sum(max(0.0, peak - workers_before.get(pid, peak)) for pid, peak in workers_after.items())
    return seconds, _max_rss_mb() - rss_before + workers


def run(results: Results) -> None:
    from weasyprint import HTML

    # WeasyPrint reports each page laid out at INFO: thousands of lines for a register.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    _generate()
    officer = make_user(Role.MONITORING_OFFICER, email="mo@bench.example")
    warm_up()

    seconds, peak_mb = measure_register(officer)
    results.add("reports.register_pdf.peak_mb", peak_mb, "MB")
    results.add("reports.register_pdf.seconds", seconds, "s")
    results.add("reports.register_pdf.rows_per_second", REGISTER_ROWS / seconds, "rows/s")

    rows = reports.register_rows(reports.register_cases(officer), limit=REGISTER_ROWS)
    plain = _plain_table(rows)
    started = time.perf_counter()
    HTML(string=plain).write_pdf(pdf_variant="pdf/ua-1")
    results.add("reports.register_pdf.floor_seconds", time.perf_counter() - started, "s")

    period = reports.Period(timezone.localdate() - timedelta(days=800), timezone.localdate())
    started = time.perf_counter()
    report = reports.annual_report(period)
    from council.pdf import render_pdf

    render_pdf("pdf/annual_report.html", report_views.annual_pdf_context(report))
    results.add("reports.annual_pdf.seconds", time.perf_counter() - started, "s")
    assert report["total"] == COMPLAINTS, report["total"]
