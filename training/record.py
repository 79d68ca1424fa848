"""Training's section of a councillor's record report (``council.registry.councillor_record_sections``):
mandatory courses with their status, training completed, and sessions booked. Imported once from
``TrainingConfig.ready()``; importing registers it.

The report is for those who may see the councillor directory (Member Services, the Monitoring
Officer and deputies, Administrators), so the section shows to everyone who may open it: the
Monitoring Officer, who may order training as a sanction, needs to see what was done. A fixed
number of queries whatever the number of records or bookings."""

from __future__ import annotations

from typing import Any

from council.models import Councillor
from council.registry import councillor_record_sections

from . import mandatory
from .models import TrainingRecord
from .panels import _upcoming_bookings


def councillor_record_section(request, councillor: Councillor) -> dict[str, Any] | None:
    return {
        "title": "Training",
        "template": "training/record/section.html",
        "context": {
            "requirements": mandatory.requirements_for(councillor),
            "records": list(
                TrainingRecord.objects.filter(councillor=councillor)
                .select_related("course", "recorded_by")
                .order_by("-completed_on", "-pk")
            ),
            "bookings": list(_upcoming_bookings(councillor).order_by("session__starts_at", "pk")),
        },
    }


councillor_record_sections.register(councillor_record_section, order=30)
