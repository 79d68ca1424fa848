"""Long reports laid out in parts by worker processes and joined into one tagged PDF
(council.pdf_parts): the joined file is one well-formed tagged document, numbered throughout."""

from __future__ import annotations

import io
import os

import pikepdf
import pytest
from pypdf import PdfReader

from council import pdf_parts

HEAD = (
    "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>Joined report</title>"
    "<link rel='stylesheet' href='/static/css/pdf.css'>"
    "<style>@page { @bottom-right { content: none; } }</style></head><body>"
)


def _part(number: int, rows: range) -> str:
    intro = "<h1>Joined report</h1><p>Made in parts.</p>" if number == 0 else ""
    body = "".join(f"<tr><th scope='row'>Row {i}</th><td>Value {i}</td></tr>" for i in rows)
    return (
        f"{HEAD}{intro}<table><thead><tr><th scope='col'>Name</th><th scope='col'>Value</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


PARTS = [_part(0, range(0, 60)), _part(1, range(60, 120)), _part(2, range(120, 130))]


def _struct_elements(pdf: pikepdf.Pdf):
    stack = list(pdf.Root.StructTreeRoot.K)
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and element.get("/Type") == pikepdf.Name.StructElem:
            yield element
            kids = element.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)


def _check_joined(content: bytes) -> pikepdf.Pdf:
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root
    assert root.Lang == "en-GB" and root.MarkInfo.Marked
    assert str(pdf.docinfo.Title) == "Joined report"
    assert "pdfuaid" in pdf.Root.Metadata.read_bytes().decode()
    document = root.StructTreeRoot.K[0]
    assert document.S == "/Document"

    pages = {page.obj.objgen for page in pdf.pages}
    keys = [int(k) for k in root.StructTreeRoot.ParentTree.Nums[::2]]
    assert keys == sorted(set(keys)), "marked-content keys are unique and in order"
    assert sorted(int(page.obj.StructParents) for page in pdf.pages) == keys
    ids, headers = set(), []
    tables = 0
    for element in _struct_elements(pdf):
        if "/Pg" in element:
            assert element.Pg.objgen in pages, "every element points at a page of this document"
        if "/ID" in element:
            assert str(element.ID) not in ids, "header ids are unique across the parts"
            ids.add(str(element.ID))
        if "/A" in element and "/Headers" in element.A:
            headers.extend(str(h) for h in element.A.Headers)
        tables += element.S == "/Table"
    assert headers and set(headers) <= ids, "every data cell names headers that exist"
    assert tables == len(pdf.pages), "one table per page, as WeasyPrint tags a one-piece document"
    for element in document.K:
        assert element.P.objgen == document.objgen
    for page in pdf.pages:
        contents = (
            b"".join(s.read_bytes() for s in page.obj.Contents)
            if isinstance(page.obj.Contents, pikepdf.Array)
            else page.obj.Contents.read_bytes()
        )
        assert b"/Artifact BMC q /Pn" in contents, "the page number is drawn as an artifact"
    return pdf


@pytest.mark.parametrize("processes", [0, 2])
def test_parts_are_joined_into_one_tagged_numbered_document(settings, processes):
    settings.PDF_PROCESSES = processes
    content = pdf_parts.render_in_parts(PARTS)

    pdf = _check_joined(content)
    reader = PdfReader(io.BytesIO(content))
    texts = [page.extract_text() for page in reader.pages]
    total = len(texts)
    assert total == len(pdf.pages) >= 3
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {total}" in text
    whole = "\n".join(texts)
    for i in range(130):
        assert f"Row {i}\n" in whole or f"Row {i} " in whole
    assert whole.index("Row 59") < whole.index("Row 60") < whole.index("Row 120")
    assert reader.outline and reader.outline[0].title == "Joined report"


def test_the_same_document_with_or_without_worker_processes(settings):
    settings.PDF_PROCESSES = 0
    here = PdfReader(io.BytesIO(pdf_parts.render_in_parts(PARTS)))
    settings.PDF_PROCESSES = 2
    pooled = PdfReader(io.BytesIO(pdf_parts.render_in_parts(PARTS)))
    assert [p.extract_text() for p in here.pages] == [p.extract_text() for p in pooled.pages]


def test_progress_is_reported_part_by_part(settings):
    settings.PDF_PROCESSES = 2
    heard = []
    pdf_parts.render_in_parts(PARTS, progress=lambda percent, message: heard.append((percent, message)))
    percents = [p for p, _ in heard]
    assert percents == sorted(percents) and percents[0] == 10 and percents[-1] == 95
    assert any("of 3 parts" in message for _, message in heard)


def _die_in_a_worker(job):
    """Stands in for a worker killed mid-render (out of memory, say): only outside the test process."""
    parent, number, html = job
    if os.getpid() != parent:
        os._exit(1)
    return pdf_parts._render_part((number, html))


def test_a_broken_worker_pool_falls_back_to_rendering_here(settings):
    settings.PDF_PROCESSES = 2
    broken = pdf_parts._get_pool()
    jobs = [(os.getpid(), number, html) for number, html in enumerate(PARTS)]
    results = pdf_parts._run(_die_in_a_worker, jobs, lambda done: None)
    assert all(result.startswith(b"%PDF") for result in results)
    assert pdf_parts._pool is None  # the broken pool was let go
    # The next report gets a fresh pool.
    assert pdf_parts.render_in_parts(PARTS).startswith(b"%PDF")
    assert pdf_parts._pool is not None and pdf_parts._pool is not broken


def test_rows_are_split_where_pages_end():
    # 10 rows of 30 points; 100 points on page one, 120 on the others; parts of two pages.
    starts = pdf_parts.split_into_parts([30] * 10, first_page=100, page=120, pages_per_part=2)
    assert starts == [0, 7]  # 3 rows on page one, 4 on page two; the next part starts fresh
    # A part's last page keeps a margin for estimates a line short.
    assert pdf_parts.split_into_parts([30] * 10, first_page=100, page=120, pages_per_part=2, margin=1) == [0, 6]
    # A row taller than a page still goes somewhere.
    assert pdf_parts.split_into_parts([500, 10], first_page=100, page=120, pages_per_part=1) == [0, 1]
    assert pdf_parts.split_into_parts([], first_page=100, page=120, pages_per_part=1) == [0]


def test_text_is_measured_in_the_documents_font_or_an_average(monkeypatch):
    metrics = pdf_parts.FontMetrics('"Helvetica Neue", Arial, sans-serif')
    assert 0 < metrics.width("Councillor", 10) < 10 * 10
    assert metrics.lines("Ann Smith (Kent County Council)", 9, 1000) == 1
    assert metrics.lines("Ann Smith (Kent County Council)", 9, 60) >= 3
    assert metrics.lines("Featherstonehaugh-Wright", 9, 80) == 2  # a break after the hyphen

    pdf_parts._font_file.cache_clear()
    monkeypatch.setattr(pdf_parts.shutil, "which", lambda name: None)
    try:
        average = pdf_parts.FontMetrics("Arial")
        assert average.width("abcd", 10) == pytest.approx(4 * 10 * pdf_parts.FontMetrics.AVERAGE_EM)
    finally:
        pdf_parts._font_file.cache_clear()
