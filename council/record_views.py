"""A councillor's record for Member Services: who they are, terms and committees, then what each
app knows about them (the protocol, training), as a page and as the same content in a tagged PDF.

The apps' sections come from ``council.registry.councillor_record_sections`` so that ``council``
never imports them. Officers see every councillor here, as on the rest of the directory."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from . import pdf, selectors
from .access import capability_required
from .audit import log_action
from .exports import download
from .models import Councillor
from .registry import councillor_record_sections
from .roles import Capability


def _context(request: HttpRequest, councillor: Councillor) -> dict[str, Any]:
    return {
        "title": f"Councillor record: {councillor.name}",
        "councillor": councillor,
        "sections": councillor_record_sections.render_for(request, councillor),
        "generated": timezone.localtime(),
        "generated_by": request.user.get_full_name(),
    }


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The record as a page, with a link to download it as a PDF."""
    councillor = selectors.get_councillor_for_profile(pk)
    return render(request, "council/councillor_record.html", _context(request, councillor))


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same record as a tagged PDF. Personal data leaving the portal: the download is audited."""
    councillor = selectors.get_councillor_for_profile(pk)
    context = _context(request, councillor)
    name = slugify(councillor.name)[:60] or "councillor"
    response = download(
        pdf.render_pdf("pdf/councillor_record.html", context), filename=f"councillor-record-{name}-{councillor.pk}.pdf"
    )
    log_action(
        actor=request.user,
        action="council.councillor_record_downloaded",
        obj=councillor,
        summary=f"Downloaded the record of {councillor} as a PDF",
        sections=[section["title"] for section in context["sections"]],
    )
    return response
