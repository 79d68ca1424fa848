"""Uploading a ModernGov XML feed or a CSV of councillors, with a preview before anything changes."""

from __future__ import annotations

from django.http import HttpResponse

from .access import capability_required
from .roles import Capability


@capability_required(Capability.IMPORT_DIRECTORY)
def import_upload(request):
    return HttpResponse("TODO")


@capability_required(Capability.IMPORT_DIRECTORY)
def import_preview(request, batch: str):
    return HttpResponse("TODO")
