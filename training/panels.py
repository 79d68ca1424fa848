"""Training's panels on council pages. Imported once from ``TrainingConfig.ready()``;
importing registers them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from council import selectors as council_selectors
from council.models import Councillor
from council.registry import councillor_panels, home_panels
from council.roles import Capability, Role, user_can, user_has_role

from . import mandatory
from .models import Booking, Session, TrainingRecord

NEXT_SESSIONS = 3


def _requirements(councillor: Councillor) -> list[dict[str, Any]]:
    return [
        {"course": course, "due_date": due_date, "status": status}
        for course, due_date, status in mandatory.requirements_for(councillor)
    ]


def _upcoming_bookings(councillor: Councillor):
    return Booking.objects.filter(
        councillor=councillor,
        status__in=(Booking.Status.BOOKED, Booking.Status.WAITING),
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gt=timezone.now(),
    ).select_related("session__course")


def councillor_home_panel(request) -> dict[str, Any] | None:
    """For a linked, serving councillor: their next sessions and mandatory training still to do."""
    if not user_has_role(request.user, Role.COUNCILLOR):
        return None
    councillor = council_selectors.councillor_for_request(request)
    if councillor is None or not councillor.is_active:
        return None  # the protocol's panel already says the account needs linking
    requirements = _requirements(councillor)
    return {
        "title": "Training",
        "template": "training/panels/councillor_home.html",
        "context": {
            "bookings": list(_upcoming_bookings(councillor).order_by("session__starts_at")[:NEXT_SESSIONS]),
            "to_do": [r for r in requirements if r["status"] in ("outstanding", "overdue")],
        },
    }


def councillor_profile_panel(request, councillor: Councillor) -> dict[str, Any] | None:
    """On a councillor's directory profile, for those who run training: a summary of their record."""
    if not user_can(request.user, Capability.MANAGE_TRAINING):
        return None
    requirements = _requirements(councillor)
    return {
        "title": "Training",
        "template": "training/panels/councillor_profile.html",
        "context": {
            "completed": TrainingRecord.objects.filter(councillor=councillor).count(),
            "upcoming": _upcoming_bookings(councillor).filter(status=Booking.Status.BOOKED).count(),
            "mandatory_total": len(requirements),
            "mandatory_complete": sum(1 for r in requirements if r["status"] == "complete"),
            "outstanding": sum(1 for r in requirements if r["status"] in ("outstanding", "booked")),
            "overdue": sum(1 for r in requirements if r["status"] == "overdue"),
            "record_url": reverse("training:councillor_record", args=[councillor.pk]),
        },
    }


home_panels.register(councillor_home_panel, order=7)
councillor_panels.register(councillor_profile_panel, order=30)
