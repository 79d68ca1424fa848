"""The complaint register PDF in parts: every row, in order, tagged, and the parts' pages about as
full as one document's (the split falls where the page breaks fall)."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date

import pikepdf
import pytest
from pypdf import PdfReader

from complaints import register_pdf
from council import pdf

NAMES = ["Ann Smith", "Councillor Bartholomew Featherstonehaugh-Wright", "Jo Li", "Mohammed Al-Rashid"]
COUNCILS = ["Barnsley Metropolitan Borough Council", "Little Snoring Parish Council", "Kent County Council", "York"]
OUTCOMES = ["No breach of the Code", "Breach of the Code, with sanctions", "", "Informal resolution"]


def _rows(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "reference": f"CC-2025-{i:06d}",
            "received": date(2025, 1, 1 + i % 28),
            "councillors": [f"{rng.choice(NAMES)} ({rng.choice(COUNCILS)})" for _ in range(rng.choice([1, 1, 1, 2]))],
            "stage_label": rng.choice(["Closed", "Initial assessment", "Investigation", "Withdrawn"]),
            "outcome": rng.choice(OUTCOMES),
            "closed": date(2025, 6, 1) if i % 2 else None,
        }
        for i in range(count)
    ]


def _rows_per_page(content: bytes) -> list[int]:
    """Body rows on each page, from the structure tree (a row split between pages counts twice)."""
    document = pikepdf.open(io.BytesIO(content))
    pages = {page.obj.objgen: number for number, page in enumerate(document.pages)}
    counts: Counter[int] = Counter()
    stack = list(document.Root.StructTreeRoot.K)
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary):
            continue
        if element.get("/S") == "/TR" and element.P.get("/S") == "/TBody":
            counts[pages[element.Pg.objgen]] += 1
            continue
        if isinstance(element.get("/K"), pikepdf.Array):
            stack.extend(element.K)
    return [counts[number] for number in range(len(document.pages))]


@pytest.fixture
def in_parts(settings):
    settings.REPORT_BACKGROUND_ROWS = 10
    settings.PDF_PROCESSES = 2


def test_a_long_register_is_made_in_parts_with_every_row_in_order(in_parts, monkeypatch):
    monkeypatch.setattr(register_pdf, "PART_PAGES", 2)
    rows = _rows(220)
    content = register_pdf.render(rows, None, "")

    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    positions = [text.index(row["reference"]) for row in rows]
    assert positions == sorted(positions)
    assert text.count("Complaint register") == 1 and "220 complaints" in text
    total = len(reader.pages)
    assert all(f"Page {n} of {total}" in page.extract_text() for n, page in enumerate(reader.pages, 1))
    assert reader.metadata.title == "Complaint register"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_parts_fill_their_pages_about_as_one_document_does(in_parts, seed, monkeypatch):
    """The split is estimated from the font's widths and the layout's measurements (see
    complaints/register_pdf.py): if the template or stylesheet changes, this shows it."""
    monkeypatch.setattr(register_pdf, "PART_PAGES", 3)
    rows = _rows(260, seed)
    one_piece = _rows_per_page(pdf.render_pdf(register_pdf.TEMPLATE, register_pdf.context(rows, None, "")))
    in_parts = _rows_per_page(register_pdf.render(rows, None, ""))

    assert len(in_parts) <= len(one_piece) + 1
    # No part spills a row or two onto a page of its own.
    assert min(in_parts[:-1]) >= min(one_piece[:-1]) // 2


def test_a_short_register_is_one_document(in_parts):
    content = register_pdf.render(_rows(8), None, "")
    document = pikepdf.open(io.BytesIO(content))
    contents = document.pages[0].obj.Contents.read_bytes()
    assert b"/Artifact BMC q /Pn" not in contents  # numbered by WeasyPrint itself
    assert "Page 1 of 1" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
