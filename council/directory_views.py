"""Member Services' pages for the councillor directory."""

from __future__ import annotations

from django.http import HttpResponse

from .access import capability_required
from .roles import Capability


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_list(request):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_DIRECTORY)
def councillor_create(request):
    return HttpResponse("TODO")


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_detail(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_DIRECTORY)
def councillor_edit(request, pk: int):
    return HttpResponse("TODO")
