"""Protocol pages. TODO stubs being replaced."""

from __future__ import annotations

from django.http import HttpResponse

from council.access import capability_required, public, role_required
from council.roles import Capability, Role

from .ack_views import (  # noqa: F401  acknowledgements, declarations and compliance live there
    account_add,
    account_edit,
    account_remove,
    acknowledge,
    compliance,
    compliance_csv,
    councillor_history,
    declarations,
    my_accounts,
    my_acknowledgements,
    record_paper,
)


@public
def current(request):
    return HttpResponse("TODO")


@public
def version_list(request):
    return HttpResponse("TODO")


@public
def version_detail(request, slug: str, number: int):
    return HttpResponse("TODO")


@public
def compare(request):
    return HttpResponse("TODO")








@capability_required(Capability.MANAGE_PROTOCOL)
def manage(request):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_create(request):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_detail(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_preview(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_publish(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_delete(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def section_add(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def section_edit(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def section_delete(request, pk: int):
    return HttpResponse("TODO")


@capability_required(Capability.MANAGE_PROTOCOL)
def section_move(request, pk: int):
    return HttpResponse("TODO")





