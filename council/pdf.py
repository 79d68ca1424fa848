"""PDF documents (decision notices, reports) rendered from templates with WeasyPrint.

The HTML is a Django template, so everything a person typed is autoescaped and
reaches the PDF as text. WeasyPrint fetches whatever the HTML names (images,
stylesheets), so it gets a fetcher that serves the project's own static files
from disk and refuses everything else: no file:// (which would read the
server's files into a document) and no http(s):// (which would make the server
call out). ``data:`` URLs carry their content inline and are allowed.

Documents are tagged PDF/UA-1 with a title and a language, as the accessibility
regulations require of documents as well as pages.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative URLs in a document ("/static/css/pdf.css") resolve against this made-up
# origin: the .invalid domain can never resolve, and the fetcher answers it from disk.
ASSET_ORIGIN = "https://pdf-assets.invalid"

_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class RefusedURL(ValueError):
    """A document asked for something other than the project's static files."""


class StaticFilesFetcher(URLFetcher):
    """Serve ``<ASSET_ORIGIN><STATIC_URL>…`` from the static files finders; refuse everything else."""

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False, **kwargs)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.static_path(url)
        found = finders.find(path) if path else None
        if not found:
            logger.warning("Refused to fetch %s for a PDF", url[:200])
            raise RefusedURL(f"Only the portal's own static files may be used in a PDF, not {url[:200]}")
        with open(found, "rb") as handle:
            body = handle.read()
        content_type = _TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    @staticmethod
    def static_path(url: str) -> str | None:
        """The static file's relative path for an asset URL, or None if it names anything else."""
        prefix = ASSET_ORIGIN + urlsplit(settings.STATIC_URL).path
        if not url.startswith(prefix):
            return None
        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.username or parts.port:
            return None
        relative = unquote(url[len(prefix) :])
        normal = posixpath.normpath(relative)
        if not relative or normal.startswith(("..", "/")) or "\\" in relative or "\x00" in relative:
            return None
        return normal


def render_html(template_name: str, context: dict | None = None) -> str:
    """The document's HTML (autoescaped), before it becomes a PDF."""
    ctx = {"council_name": settings.COUNCIL_NAME, **(context or {})}
    return render_to_string(template_name, ctx)


def html_document(html: str) -> HTML:
    """WeasyPrint's document for ``html``, resolving links against ASSET_ORIGIN and fetching only
    the project's static files."""
    return HTML(string=html, base_url=ASSET_ORIGIN + "/", url_fetcher=StaticFilesFetcher())


def render_document(template_name: str, context: dict | None = None):
    """Lay out the document (a ``weasyprint.Document``), fetching only static files."""
    return html_document(render_html(template_name, context)).render(pdf_variant="pdf/ua-1")


def render_pdf(
    template_name: str,
    context: dict | None = None,
    *,
    progress: Callable[[int, str], None] | None = None,
    expected_pages: int = 0,
) -> bytes:
    """A tagged PDF/UA-1 document from ``templates/<template_name>``.

    The template must give ``<html lang>`` and a ``<title>``: WeasyPrint writes them
    into the PDF as its language and title (shown instead of the file name).

    ``progress(percent, message)``, if given, hears how far WeasyPrint has got (from 10% to
    95%), estimated against ``expected_pages``; background report jobs show it on a page."""
    if progress is None:
        return render_document(template_name, context).write_pdf(pdf_variant="pdf/ua-1")
    with _progress_from_weasyprint(progress, expected_pages):
        progress(10, "Laying out the report")
        document = render_document(template_name, context)
        progress(85, f"Writing the PDF ({len(document.pages)} pages)")
        return document.write_pdf(pdf_variant="pdf/ua-1")


class _ProgressHandler(logging.Handler):
    """Turns WeasyPrint's "Creating layout - Page N" log records into progress for this thread."""

    def __init__(self, progress: Callable[[int, str], None], expected_pages: int) -> None:
        super().__init__(level=logging.INFO)
        self.progress = progress
        self.expected = max(1, expected_pages)
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or "Page" not in str(record.msg) or not record.args:
            return
        try:
            page = int(record.args[0])
        except (TypeError, ValueError, IndexError):
            return
        share = min(page / self.expected, 1.0)
        about = max(page, self.expected)
        self.progress(10 + int(share * 75), f"Laying out page {page} of about {about}")


@contextmanager
def _progress_from_weasyprint(progress: Callable[[int, str], None], expected_pages: int) -> Iterator[None]:
    progress_logger = logging.getLogger("weasyprint.progress")
    handler = _ProgressHandler(progress, expected_pages)
    level = progress_logger.level
    propagate = progress_logger.propagate
    # The records are wanted here, not in the server's log (a line per page).
    progress_logger.setLevel(logging.INFO)
    progress_logger.propagate = False
    progress_logger.addHandler(handler)
    try:
        yield
    finally:
        progress_logger.removeHandler(handler)
        progress_logger.setLevel(level)
        progress_logger.propagate = propagate
