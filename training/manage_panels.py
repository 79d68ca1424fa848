"""Member Services' training panel on the home page. Imported once from
``TrainingConfig.ready()``; importing registers it."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from council.registry import home_panels
from council.roles import Capability, user_can

from . import mandatory
from .models import Booking, Session


def _session_counts() -> dict[str, int]:
    upcoming = Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()).annotate(
        booked=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)),
        waiting=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITING)),
    )
    return upcoming.aggregate(
        upcoming=Count("pk"),
        full_with_waiting=Count("pk", filter=Q(booked__gte=F("capacity"), waiting__gt=0)),
    )


def member_services_panel(request) -> dict[str, Any] | None:
    """For those who run training: sessions to come, full ones with a waiting list, and who is behind."""
    if not user_can(request.user, Capability.MANAGE_TRAINING):
        return None
    overdue, flagged = mandatory.overdue_and_flagged()
    return {
        "title": "Councillor training",
        "template": "training/manage/home_panel.html",
        "context": {
            **_session_counts(),
            "overdue": overdue,
            "flagged": flagged,
            "sessions_url": reverse("training:sessions"),
            "courses_url": reverse("training:course_list"),
            "matrix_url": reverse("training:matrix"),
            "committees_url": reverse("training:committees"),
            "emails_url": reverse("training:emails_sent"),
        },
    }


home_panels.register(member_services_panel, order=25)
