"""The complaint register as a PDF: a short register in one piece, a long one in parts
(``council.pdf_parts``) laid out side by side by worker processes and joined."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils import timezone

from council import pdf_parts
from council.pdf import render_html, render_pdf

from . import reports

TEMPLATE = "pdf/complaint_register.html"
# Pages in a part: long enough that each worker's fixed costs are small, short enough that
# WeasyPrint's per-page time (which grows with the document) stays low and the work spreads.
PART_PAGES = 6

# The layout's measurements in points, from templates/pdf/complaint_register.html and
# static/css/pdf.css (A4; margins 20 mm top, 22 mm bottom, 18 mm sides; 9 pt table text at line
# height 1.4; cells padded 1 mm top and bottom and 2 mm right, with a 1 px rule under each row).
# tests/complaints/test_register_pdf.py checks that the parts fill their pages with these.
MM = 72 / 25.4
PAGE_ROOM = 297 * MM - 42 * MM
BODY_MARGIN = 6
TABLE_WIDTH = 210 * MM - 36 * MM - 2 * BODY_MARGIN
COLUMNS = (0.16, 0.12, 0.28, 0.15, 0.17, 0.12)  # the <col> widths
CELL_PADDING_RIGHT = 2 * MM
TEXT_SIZE, LINE = 9, 9 * 1.4
ROW_EXTRA = 2 * MM + 0.75
FAMILIES = '"Helvetica Neue", Arial, sans-serif'


def context(rows: list[dict], period: reports.Period | None, stage: str) -> dict:
    return {
        "title": "Complaint register",
        "rows": rows,
        "count": len(rows),
        "period": period,
        "stage_label": reports.STAGE_LABELS.get(stage, ""),
        "generated": timezone.localtime(),
    }


@cache
def _metrics() -> tuple[pdf_parts.FontMetrics, pdf_parts.FontMetrics]:
    return pdf_parts.FontMetrics(FAMILIES), pdf_parts.FontMetrics(FAMILIES, bold=True)


def _cells(row: dict) -> tuple[str, ...]:
    return (
        row["reference"],
        f"{row['received']:%-d %b %Y}" if row["received"] else "",
        "; ".join(row["councillors"]),
        row["stage_label"],
        row["outcome"],
        f"{row['closed']:%-d %b %Y}" if row["closed"] else "",
    )


def _row_height(cells: tuple[str, ...], *, bold: range = range(1)) -> float:
    """A row's height; header cells (``bold`` columns) are set in bold."""
    regular, heavy = _metrics()
    lines = max(
        (heavy if i in bold else regular).lines(text, TEXT_SIZE, TABLE_WIDTH * share - CELL_PADDING_RIGHT)
        for i, (text, share) in enumerate(zip(cells, COLUMNS, strict=True))
    )
    return lines * LINE + ROW_EXTRA


HEADINGS = ("Reference", "Received", "Councillors (council)", "Stage", "Outcome", "Closed")


def _intro_height(whole: dict) -> float:
    """The council's name, the title and the summary paragraph above the table on page one."""
    regular, _ = _metrics()
    summary = f"Received {whole['period']}" if whole["period"] else "All complaints"
    if whole["stage_label"]:
        summary += f", at stage: {whole['stage_label']}"
    summary += f" . {whole['count']} complaints. Made 30 September 2025, 12:00. Contains personal data."
    caption = 12 * 1.4 + 1 * MM
    title = 20 * 1.4 * regular.lines(whole["title"], 20, TABLE_WIDTH) + 6 * MM
    paragraph = 11 * 1.4 * regular.lines(summary, 11, TABLE_WIDTH) + 3 * MM
    return BODY_MARGIN + caption + title + paragraph


def parts(rows: list[dict], whole: dict) -> list[str]:
    """The register's HTML in parts of about PART_PAGES pages each."""
    header = _row_height(HEADINGS, bold=range(len(HEADINGS)))
    starts = pdf_parts.split_into_parts(
        [_row_height(_cells(row)) for row in rows],
        first_page=PAGE_ROOM - _intro_height(whole) - header,
        page=PAGE_ROOM - header,
        pages_per_part=PART_PAGES,
        margin=LINE,
    )
    ends = [*starts[1:], len(rows)]
    return [
        render_html(TEMPLATE, {**whole, "rows": rows[start:end], "continued": start > 0, "numbered_later": True})
        for start, end in zip(starts, ends, strict=True)
    ]


def render(rows: list[dict], period: reports.Period | None, stage: str, *, progress=None) -> bytes:
    """The register PDF: one document while a person waits for it (up to REPORT_BACKGROUND_ROWS
    rows), in parts beyond (made in the background, where the worker processes are)."""
    whole = context(rows, period, stage)
    if len(rows) <= settings.REPORT_BACKGROUND_ROWS:
        return render_pdf(TEMPLATE, whole, progress=progress, expected_pages=len(rows) // 28 + 1)
    return pdf_parts.render_in_parts(parts(rows, whole), progress=progress)
