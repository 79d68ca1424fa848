"""Long tabular reports made in parts, side by side, and joined into one tagged PDF.

WeasyPrint lays a document out in one thread, and its time per page grows with the document's
length, so a register of thousands of rows takes a long time as one document. Here the report
comes as several HTML documents (parts), each a run of whole pages: the first with the report's
title and introduction, the rest carrying on the same table. The parts are rendered by a pool of
worker processes (``PDF_PROCESSES``) and joined with pikepdf:

* pages follow one another in order;
* each part's structure tree goes under the first part's Document element, and its
  marked-content map (ParentTree) is renumbered after the pages already there, so the whole file
  is one tagged PDF/UA-1 document, as a one-piece render would be (WeasyPrint tags each page's
  content as its own run of elements, so a one-piece render has no more joining-up than this);
* table header cells get identifiers unique to their part, so data cells' /Headers still name
  the right headers;
* the parts are rendered without page numbers; "Page N of M" is added once the total is known,
  from a document of footers made by WeasyPrint with the same page style, drawn on each page as
  an artifact (page furniture that assistive technology skips).

The first part keeps the document's title, language, metadata and outline.

Workers are started with the ``forkserver`` method (never a plain fork of a threaded web or
Celery process: fontconfig and Pango locks could be copied mid-use). If the pool cannot run, the
parts are rendered one after another here, with the same result.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()

# Added after each part's pages; makes the footers.
FOOTER_TEMPLATE = "pdf/page_footers.html"


def processes() -> int:
    """How many worker processes render parts (``PDF_PROCESSES``; 0 or 1: render here)."""
    configured = getattr(settings, "PDF_PROCESSES", None)
    return max(0, int(configured if configured is not None else (os.cpu_count() or 1)))


def _init_worker() -> None:
    """A worker needs Django only to find the static files a document links to."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
    import django

    django.setup()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool
    workers = processes()
    if workers < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=get_context("forkserver"), initializer=_init_worker
            )
        return _pool


def _discard_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def warm_up() -> None:
    """Start the workers now (a long-running process can pay for this before its first report)."""
    pool = _get_pool()
    if pool is not None:
        list(pool.map(_render_part, [(0, _WARM_UP)] * processes()))


def worker_pids() -> list[int]:
    """The worker processes' ids (for measuring their memory)."""
    with _pool_lock:
        return list(_pool._processes) if _pool is not None and _pool._processes else []


_WARM_UP = "<!DOCTYPE html><html lang='en-GB'><head><title>Warm-up</title></head><body><p>Warm-up</p></body></html>"


def _render_part(job: tuple[int, str]) -> bytes:
    """One part as tagged PDF/UA-1 (in a worker, or here), its header ids made unique to it."""
    from council.pdf import html_document

    number, html = job
    content = html_document(html).write_pdf(pdf_variant="pdf/ua-1")
    if number == 0:
        return content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        _prefix_header_ids(pdf, f"p{number}-")
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _render_footers(job: tuple[int, int, int]) -> bytes:
    """Pages ``first``..``last`` of ``total``, blank but for "Page N of M" (untagged: drawn as artifacts)."""
    from council.pdf import html_document

    first, last, total = job
    html = render_to_string(FOOTER_TEMPLATE, {"first": first, "pages": range(first, last + 1), "total": total})
    return html_document(html).write_pdf()


def _prefix_header_ids(pdf: pikepdf.Pdf, prefix: str) -> None:
    """Table header ids (and the /Headers naming them) made unique to this part.

    WeasyPrint names header cells after their table's object number, which another part can
    repeat."""
    stack = list(pdf.Root.StructTreeRoot.K)
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.get("/Type") != pikepdf.Name.StructElem:
            continue
        if "/ID" in element:
            element.ID = pikepdf.String(prefix + str(element.ID))
        attributes = element.get("/A")
        if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
            attributes.Headers = pikepdf.Array(pikepdf.String(prefix + str(h)) for h in attributes.Headers)
        if element.S in (pikepdf.Name.TH, pikepdf.Name.TD):
            continue  # a cell's children are its text: nothing more to rename below
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)


def _run(function, jobs: Sequence, progress: Callable[[int], None]) -> list[bytes]:
    """``function`` over ``jobs`` in the pool (in order), or here if there is no pool or it breaks."""
    results: list[bytes | None] = [None] * len(jobs)
    pool = _get_pool() if len(jobs) > 1 else None
    if pool is not None:
        try:
            futures = {pool.submit(function, job): i for i, job in enumerate(jobs)}
            for done, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result()
                progress(done)
            return results  # type: ignore[return-value]
        except BrokenProcessPool:
            logger.warning("The PDF worker pool broke; rendering the rest of this report here")
            _discard_pool()
    for i, job in enumerate(jobs):
        if results[i] is None:
            results[i] = function(job)
        progress(sum(r is not None for r in results))
    return results  # type: ignore[return-value]


def join_tagged(parts: Sequence[bytes]) -> pikepdf.Pdf:
    """The parts' pages and structure trees as one tagged document (the first part's catalog)."""
    out = pikepdf.open(io.BytesIO(parts[0]))
    tree = out.Root.StructTreeRoot
    document = tree.K[0]
    nums = tree.ParentTree.Nums
    for content in parts[1:]:
        source = pikepdf.open(io.BytesIO(content))
        next_key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
        # Renumber the part's marked-content keys after the ones already used.
        for page in source.pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + next_key
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + next_key
        out.pages.extend(source.pages)  # pages first, so the structure's /Pg point at these copies
        source_document = source.Root.StructTreeRoot.K[0]
        source_nums = source.Root.StructTreeRoot.ParentTree.Nums
        for kid in source_document.K:
            kid.P = pikepdf.Name.Null  # copying it should not drag the part's tree root along
            copied = out.copy_foreign(kid)
            copied.P = document
            document.K.append(copied)
        for i in range(0, len(source_nums), 2):
            nums.append(int(source_nums[i]) + next_key)
            nums.append(_copy(out, source_nums[i + 1]))
    return out


def _copy(pdf: pikepdf.Pdf, value):
    """``value`` from another PDF: indirect objects copied, direct arrays copied item by item."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array(_copy(pdf, item) for item in value)
    return value


def _add_footers(pdf: pikepdf.Pdf, footers: Sequence[bytes]) -> None:
    """Draw footer page i on page i, wrapped as an artifact (it is page furniture, not content)."""
    index = 0
    for content in footers:
        source = pikepdf.open(io.BytesIO(content))
        for footer in source.pages:
            page = pdf.pages[index]
            name = page.add_resource(pdf.copy_foreign(footer.as_form_xobject()), pikepdf.Name.XObject, prefix="Pn")
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(b"\nQ\n/Artifact BMC q " + bytes(name) + b" Do Q EMC\n")
            index += 1
    if index != len(pdf.pages):
        raise ValueError(f"{index} footers for {len(pdf.pages)} pages")


# --- Splitting rows into parts of whole pages ---------------------------------------------------------
#
# A part's last page is short if its rows run out before the page does, and the next part starts a
# fresh page. To keep those gaps small, rows are split where the page breaks will fall, estimated
# from the text's width in the font fontconfig picks for the document (the one WeasyPrint embeds)
# and the layout's measurements. A wrong estimate costs a short page, never a row.


_AFTER_HYPHEN = re.compile(r"(?<=-)(?=.)")


@functools.cache
def _font_file(pattern: str) -> str | None:
    program = shutil.which("fc-match")
    if not program:
        return None
    try:  # our own fixed arguments: no shell, nothing a person typed
        found = subprocess.run(  # noqa: S603
            [program, "--format=%{file}", pattern], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = found.stdout.strip()
    return path if found.returncode == 0 and path and os.path.isfile(path) else None


class FontMetrics:
    """Advance widths of the face fontconfig picks for a CSS font-family list.

    Without fontconfig's ``fc-match`` or the font file, widths are an average (0.55 em a
    character), a little wide for most sans-serif text: parts then end with short pages rather
    than spill a row or two onto an extra one."""

    AVERAGE_EM = 0.55

    def __init__(self, families: str, *, bold: bool = False) -> None:
        self.widths: dict[str, float] = {}
        path = _font_file(families.replace('"', "") + (":bold" if bold else ":regular"))
        if path:
            try:
                from fontTools.ttLib import TTFont

                font = TTFont(path, lazy=True, fontNumber=0)
                metrics, per_em = font["hmtx"].metrics, font["head"].unitsPerEm
                self.widths = {chr(code): metrics[name][0] / per_em for code, name in font.getBestCmap().items()}
            except Exception:  # an unreadable font: fall back to the average
                logger.warning("Could not read the font metrics of %s", path, exc_info=True)
                self.widths = {}

    def width(self, text: str, size: float) -> float:
        """The text's width in points at ``size`` points."""
        average = self.AVERAGE_EM
        return size * sum(self.widths.get(char, average) for char in text)

    def lines(self, text: str, size: float, width: float) -> int:
        """How many lines ``text`` wraps to in a box ``width`` points wide (breaking at spaces and
        after hyphens, as Pango does; a word wider than the box overflows it on one line)."""
        space, count, line = self.width(" ", size), 1, 0.0
        for word in text.split():
            pieces = _AFTER_HYPHEN.split(word)
            for i, piece in enumerate(pieces):
                piece_width = self.width(piece, size)
                gap = space if i == 0 and line else 0.0
                if line and line + gap + piece_width > width:
                    count, line = count + 1, piece_width
                else:
                    line += gap + piece_width
        return count


def split_into_parts(
    heights: Sequence[float], *, first_page: float, page: float, pages_per_part: int, margin: float = 0.0
) -> list[int]:
    """Where each part starts (row indexes), so that each part fills ``pages_per_part`` pages.

    ``heights`` are the rows' estimated heights; ``first_page`` and ``page`` the room for rows on
    the document's first page and on any other page, all in points. Rows are taken as whole (short
    rows are: WeasyPrint keeps two lines of a cell together at each end of a page), so a long
    row that WeasyPrint splits between pages makes the estimate fall short, never run over. A
    part's last page keeps ``margin`` spare, for rows estimated a line too short."""
    starts, pages, empty = [0], 1, True
    room = first_page - (margin if pages_per_part == 1 else 0)
    for index, height in enumerate(heights):
        if height > room and not empty:  # a row too tall for an empty page still takes that page
            pages += 1
            if pages > pages_per_part:
                starts.append(index)
                pages = 1
            room = page - (margin if pages == pages_per_part else 0)
        room -= height
        empty = False
    return starts


def render_in_parts(parts: Sequence[str], *, progress: Progress | None = None) -> bytes:
    """One tagged PDF/UA-1 from HTML ``parts`` (each a complete document, without page numbers)."""
    report = progress or (lambda percent, message: None)
    count = len(parts)
    report(10, f"Laying out the report in {count} part{'s' if count != 1 else ''}")
    rendered = _run(
        _render_part,
        list(enumerate(parts)),
        lambda done: report(10 + 75 * done // count, f"Laid out {done} of {count} parts"),
    )
    report(86, "Joining the parts")
    pdf = join_tagged(rendered)
    total = len(pdf.pages)
    workers = max(1, processes())
    step = -(-total // workers)
    ranges = [(first, min(first + step - 1, total), total) for first in range(1, total + 1, step)]
    report(90, f"Numbering {total} pages")
    _add_footers(pdf, _run(_render_footers, ranges, lambda done: None))
    report(95, "Writing the PDF")
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
