"""Inviting people to the portal, and accepting an invitation."""

from __future__ import annotations

from django.http import HttpResponse

from .access import capability_required, public
from .roles import Capability


@capability_required(Capability.INVITE_USERS)
def invitation_list(request):
    return HttpResponse("TODO")


@capability_required(Capability.INVITE_USERS)
def invitation_create(request):
    return HttpResponse("TODO")


@capability_required(Capability.INVITE_USERS)
def invite_councillor(request, pk: int):
    return HttpResponse("TODO")


@public
def accept_invitation(request, token: str):
    return HttpResponse("TODO")
