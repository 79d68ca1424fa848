"""The council app's own panels on the home page. Imported once from
``CouncilConfig.ready()``; importing registers them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from . import selectors
from .registry import home_panels
from .roles import Capability, user_can


def _list_url(**filters: str) -> str:
    return reverse("council:councillor_list") + "?" + urlencode(filters)


def directory_panel(request) -> dict[str, Any] | None:
    """For Member Services and others who use the directory: counts and the next things to do."""
    user = request.user
    if not (user_can(user, Capability.VIEW_DIRECTORY) or user_can(user, Capability.MANAGE_DIRECTORY)):
        return None
    links = []
    if user_can(user, Capability.MANAGE_DIRECTORY):
        links.append({"label": "Add a councillor", "url": reverse("council:councillor_create")})
    if user_can(user, Capability.IMPORT_DIRECTORY):
        links.append({"label": "Import councillors", "url": reverse("council:import_upload")})
    if user_can(user, Capability.INVITE_USERS):
        links.append({"label": "Invite someone", "url": reverse("council:invitation_create")})
    return {
        "title": "Councillor directory",
        "template": "council/panels/directory.html",
        "context": {
            **selectors.directory_summary(),
            "active_url": _list_url(status="active"),
            "without_account_url": _list_url(status="active", account="no"),
            "links": links,
        },
    }


def your_details_panel(request) -> dict[str, Any] | None:
    """For a councillor with a portal account: what the directory says about them."""
    councillor = selectors.councillor_for_request(request)
    if councillor is None:
        return None
    return {
        "title": "Your details",
        "template": "council/panels/your_details.html",
        "context": {"councillor": councillor},
    }


home_panels.register(your_details_panel, order=5)
home_panels.register(directory_panel, order=10)
