"""The protocol's panels on council pages. Imported once from ``ProtocolConfig.ready()``;
importing registers them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from council import selectors as council_selectors
from council.models import Councillor
from council.registry import councillor_panels, home_panels
from council.roles import Capability, Role, user_can, user_has_role

from . import selectors, services


def councillor_home_panel(request) -> dict[str, Any] | None:
    """For a councillor: the version awaiting their acknowledgement, or that they are up to date."""
    if not user_has_role(request.user, Role.COUNCILLOR):
        return None
    councillor = council_selectors.councillor_for_request(request)
    if councillor is None:
        context: dict[str, Any] = {"not_linked": True}
    elif not councillor.is_active:
        return None  # a former councillor has nothing to acknowledge
    else:
        # The version and where they stand with it in one query: all the panel shows.
        version, standing = selectors.in_force_with_standing(councillor)
        context = {"version": version, "status": standing}
    return {"title": "Social media protocol", "template": "protocol/panels/councillor_home.html", "context": context}


def compliance_home_panel(request) -> dict[str, Any] | None:
    """For Member Services and the Monitoring Officer: how many have acknowledged the version in force."""
    if not user_can(request.user, Capability.VIEW_COMPLIANCE):
        return None
    version = services.in_force()
    return {
        "title": "Social media protocol acknowledgements",
        "template": "protocol/panels/compliance_home.html",
        "context": {
            "version": version,
            "summary": selectors.compliance_summary(version) if version else None,
            "dashboard_url": reverse("protocol:compliance"),
            "overdue_url": reverse("protocol:compliance") + "?status=overdue",
            "declarations_url": reverse("protocol:declarations"),
        },
    }


def councillor_profile_panel(request, councillor: Councillor) -> dict[str, Any] | None:
    """On a councillor's directory profile: where they stand with the protocol in force."""
    if not user_can(request.user, Capability.VIEW_COMPLIANCE):
        return None
    version = services.in_force()
    return {
        "title": "Social media protocol",
        "template": "protocol/panels/councillor_profile.html",
        "context": {
            "version": version,
            "status": selectors.councillor_status(councillor, version) if version else None,
            "history_url": reverse("protocol:councillor_history", args=[councillor.pk]),
        },
    }


home_panels.register(councillor_home_panel, order=6)
home_panels.register(compliance_home_panel, order=20)
councillor_panels.register(councillor_profile_panel, order=20)
