"""Spreadsheet exports that cannot be turned against the person opening them."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

# Spreadsheets treat a cell starting with these as a formula; a councillor's name must never run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell that cannot start a formula (CSV injection); None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def download(content: bytes | str, *, filename: str, content_type: str = "application/pdf") -> HttpResponse:
    """A file to save, not show: attachment, never sniffed, never kept by a shared cache (reports
    hold personal data)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
