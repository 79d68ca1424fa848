"""The complaints panels on the home page. Imported once from ``ComplaintsConfig.ready()``;
importing registers them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from council import selectors as council_selectors
from council.registry import home_panels
from council.roles import Capability, Role, user_can, user_has_role

from . import selectors
from .permissions import cases_told_to


def case_officer_panel(request) -> dict[str, Any] | None:
    """For the Monitoring Officer, deputies and Independent Persons: open, overdue and due-soon cases."""
    if not user_can(request.user, Capability.HANDLE_COMPLAINTS):
        return None
    return {
        "title": "Code of conduct complaints",
        "template": "complaints/panels/case_officer.html",
        "context": {
            **selectors.queue_summary(request.user),
            "soon_days": selectors.DUE_SOON_WORKING_DAYS,
            "queue_url": reverse("complaints:queue"),
        },
    }


def councillor_panel(request) -> dict[str, Any] | None:
    """For a councillor who has been told of complaints about them: a link to see them."""
    if not user_has_role(request.user, Role.COUNCILLOR):
        return None
    # The councillor record other panels have already fetched for this request.
    councillor = council_selectors.councillor_for_request(request)
    if councillor is None:
        return None
    count = cases_told_to(councillor).count()
    if not count:
        return None
    return {
        "title": "Complaints about you",
        "template": "complaints/panels/councillor.html",
        "context": {"count": count, "url": reverse("complaints:my_cases")},
    }


home_panels.register(case_officer_panel, order=15)
home_panels.register(councillor_panel, order=8)
