"""Read queries for acknowledgements, declarations and compliance.

The compliance figures come from database aggregation over the requirements of
the version in force (its *basis*: the material version whose acknowledgement it
needs), so each page has a fixed number of queries whatever the number of councillors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from council.models import Councillor

from . import services
from .models import Acknowledgement, Reminder, Requirement, SocialAccount, Version

# Lists on the dashboard stop here; the CSV export has everyone.
LIST_LIMIT = 100
# Breakdown tables show the rows that most need attention first, up to this many.
TABLE_LIMIT = 100


class Status:
    OUTSTANDING = "outstanding"
    OVERDUE = "overdue"
    ACKNOWLEDGED = "acknowledged"
    # Outstanding but not yet overdue: the dashboard's second list (not a filter choice).
    DUE = "due"

    CHOICES = [
        ("", "All"),
        (OUTSTANDING, "Outstanding (including overdue)"),
        (OVERDUE, "Overdue"),
        (ACKNOWLEDGED, "Acknowledged"),
    ]


@dataclass(frozen=True)
class ComplianceFilters:
    """What Member Services asked the dashboard for; ``None`` or ``""`` means "any"."""

    authority_id: int | None = None
    political_group_id: int | None = None
    ward_id: int | None = None
    status: str = ""

    @property
    def narrowed(self) -> bool:
        return any((self.authority_id, self.political_group_id, self.ward_id, self.status))


@dataclass
class Figures:
    """Counts for one row of a breakdown (or the whole council)."""

    label: str
    required: int = 0
    acknowledged: int = 0
    outstanding: int = 0
    overdue: int = 0
    authority: str = ""

    @property
    def percent(self) -> int:
        # Rounded down, so 99.8% never shows as 100% while someone is still outstanding.
        return 100 * self.acknowledged // self.required if self.required else 0


@dataclass
class Breakdown:
    rows: list[Figures]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


# --- A councillor's own status ------------------------------------------------------------------


@dataclass
class CouncillorStatus:
    version: Version
    acknowledgement: Acknowledgement | None
    requirement: Requirement | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledgement is not None

    @property
    def due_date(self) -> date | None:
        return self.requirement.due_date if self.requirement else None

    @property
    def is_overdue(self) -> bool:
        return _is_overdue(self.acknowledged, self.due_date)


def _is_overdue(acknowledged: bool, due_date: date | None) -> bool:
    return not acknowledged and due_date is not None and due_date < timezone.localdate()


@dataclass(frozen=True)
class Standing:
    """Where a councillor stands with the version in force, as :class:`CouncillorStatus` says
    but without the acknowledgement and requirement rows: all the home page shows."""

    acknowledged: bool
    due_date: date | None

    @property
    def is_overdue(self) -> bool:
        return _is_overdue(self.acknowledged, self.due_date)


def in_force_with_standing(councillor: Councillor) -> tuple[Version | None, Standing | None]:
    """The version in force and ``councillor``'s standing with it (worked out as
    :func:`councillor_status` does), in one query rather than three."""
    acknowledgements = Acknowledgement.objects.filter(councillor=councillor, version__basis_id=OuterRef("basis_id"))
    requirements = Requirement.objects.filter(councillor=councillor, version_id=OuterRef("basis_id")).order_by("pk")
    version = (
        services.in_force_versions()
        .annotate(
            councillor_acknowledged=Exists(acknowledgements),
            councillor_due_date=Subquery(requirements.values("due_date")[:1]),
        )
        .first()
    )
    if version is None:
        return None, None
    return version, Standing(acknowledged=version.councillor_acknowledged, due_date=version.councillor_due_date)


def councillor_status(councillor: Councillor, version: Version) -> CouncillorStatus:
    """Whether a councillor has acknowledged the version in force. An acknowledgement of any
    version sharing its basis counts: a minor change carries earlier acknowledgements over."""
    acknowledgement = (
        Acknowledgement.objects.filter(councillor=councillor, version__basis_id=version.basis_id)
        .select_related("version")
        .order_by("-acknowledged_at")
        .first()
    )
    requirement = Requirement.objects.filter(councillor=councillor, version_id=version.basis_id).first()
    return CouncillorStatus(version=version, acknowledgement=acknowledgement, requirement=requirement)


def acknowledgements_of(councillor: Councillor) -> QuerySet[Acknowledgement]:
    return councillor.acknowledgements.select_related("version__protocol", "recorded_by").order_by("-acknowledged_at")


def requirements_of(councillor: Councillor) -> QuerySet[Requirement]:
    return councillor.protocol_requirements.select_related("version__protocol", "acknowledgement__version").order_by(
        "-version__number"
    )


def reminders_of(councillor: Councillor) -> QuerySet[Reminder]:
    return councillor.protocol_reminders.select_related("version").order_by("-on_date", "-created_at")


def accounts_of(councillor: Councillor) -> QuerySet[SocialAccount]:
    return councillor.social_accounts.order_by("platform", "handle")


# --- Compliance -----------------------------------------------------------------------------------


def _requirements(version: Version, filters: ComplianceFilters) -> QuerySet[Requirement]:
    """Requirements of serving councillors for the version in force, narrowed by place (not status)."""
    qs = Requirement.objects.filter(version_id=version.basis_id, councillor__is_active=True)
    if filters.authority_id:
        qs = qs.filter(councillor__authority_id=filters.authority_id)
    if filters.political_group_id:
        qs = qs.filter(councillor__political_group_id=filters.political_group_id)
    if filters.ward_id:
        qs = qs.filter(councillor__ward_id=filters.ward_id)
    return qs


def _status_q(status: str, today: date) -> Q:
    return {
        Status.OUTSTANDING: Q(met_at__isnull=True),
        Status.OVERDUE: Q(met_at__isnull=True, due_date__lt=today),
        Status.ACKNOWLEDGED: Q(met_at__isnull=False),
        Status.DUE: Q(met_at__isnull=True, due_date__gte=today),
    }.get(status, Q())


def _counts(today: date) -> dict[str, Count]:
    return {
        "required": Count("pk"),
        "acknowledged": Count("pk", filter=Q(met_at__isnull=False)),
        "outstanding": Count("pk", filter=Q(met_at__isnull=True)),
        "overdue": Count("pk", filter=Q(met_at__isnull=True, due_date__lt=today)),
    }


def _breakdown(
    qs: QuerySet[Requirement], key: str, today: date, *, none_label: str = "None", limit: int = TABLE_LIMIT
) -> Breakdown:
    """One aggregated row per value of ``councillor__<key>``, the lowest percentages first: grouped,
    ordered and cut to ``limit`` in the database, so a national portal's 50,000 wards never leave it.
    How many rows there are in all comes with them (a window over the grouped rows, counted before
    the limit applies), so a table's "first 100 of N" costs no second query."""
    rows = list(
        qs.values(f"councillor__{key}_id", "councillor__authority__name")
        .annotate(
            label=Coalesce(F(f"councillor__{key}__name"), Value(none_label)),
            **_counts(today),
            rows=Window(Count(Value(1))),
        )
        # Rounded down, as Figures.percent is (integer division of two counts).
        .annotate(percent=ExpressionWrapper(100 * F("acknowledged") / F("required"), output_field=IntegerField()))
        .order_by("percent", "-overdue", "councillor__authority__name", "label", f"councillor__{key}_id")[:limit]
    )
    return Breakdown(
        rows=[
            Figures(
                label=row["label"],
                authority=row["councillor__authority__name"],
                required=row["required"],
                acknowledged=row["acknowledged"],
                outstanding=row["outstanding"],
                overdue=row["overdue"],
            )
            for row in rows
        ],
        total=rows[0]["rows"] if rows else 0,
    )


@dataclass
class Dashboard:
    version: Version
    filters: ComplianceFilters
    overall: Figures
    by_authority: Breakdown
    by_group: Breakdown
    by_ward: Breakdown


def compliance_dashboard(version: Version, filters: ComplianceFilters, today: date | None = None) -> Dashboard:
    """The figures for the version in force: overall (one aggregate) and the first TABLE_LIMIT rows
    by authority, group and ward (one query each)."""
    today = today or timezone.localdate()
    qs = _requirements(version, filters)
    return Dashboard(
        version=version,
        filters=filters,
        overall=Figures(label="All councillors", **qs.aggregate(**_counts(today))),
        by_authority=_breakdown(qs, "authority", today),
        by_group=_breakdown(qs, "political_group", today, none_label="No group"),
        by_ward=_breakdown(qs, "ward", today, none_label="No ward"),
    )


def councillor_list(
    version: Version, filters: ComplianceFilters, status: str, *, limit: int | None = LIST_LIMIT, today=None
) -> QuerySet[Requirement]:
    """Requirements (with their councillors) in ``status``: soonest due first."""
    today = today or timezone.localdate()
    qs = (
        _requirements(version, filters)
        .filter(_status_q(status, today))
        .select_related("councillor__authority", "councillor__ward", "councillor__political_group")
        .order_by("due_date", "councillor__name", "pk")
    )
    return qs[:limit] if limit else qs


def status_of(requirement_met_at, due_date: date, today: date) -> str:
    if requirement_met_at is not None:
        return "Acknowledged"
    return "Overdue" if due_date < today else "Outstanding"


def export_rows(version: Version, filters: ComplianceFilters, today: date | None = None) -> Iterator[dict]:
    """Every requirement matching the filters, as plain values for the CSV (one query, streamed)."""
    today = today or timezone.localdate()
    return (
        _requirements(version, filters)
        .filter(_status_q(filters.status, today))
        .order_by("councillor__authority__name", "councillor__name", "pk")
        .values(
            "councillor__name",
            "councillor__authority__name",
            "councillor__ward__name",
            "councillor__political_group__name",
            "councillor__email",
            "due_date",
            "met_at",
        )
        .iterator(chunk_size=2000)
    )


def compliance_summary(version: Version, today: date | None = None) -> dict[str, int]:
    """Overall counts for the home panel, in one query."""
    today = today or timezone.localdate()
    counts = _requirements(version, ComplianceFilters()).aggregate(**_counts(today))
    counts["percent"] = Figures(label="", **counts).percent
    return counts


# --- Declarations ---------------------------------------------------------------------------------


def declared_accounts(*, authority_id: int | None = None, without_disclaimer: bool = False) -> QuerySet[SocialAccount]:
    qs = SocialAccount.objects.select_related("councillor__authority").order_by(
        "councillor__authority__name", "councillor__name", "platform", "handle"
    )
    if authority_id:
        qs = qs.filter(councillor__authority_id=authority_id)
    if without_disclaimer:
        qs = qs.filter(has_disclaimer=False)
    return qs


def status_list(version, filters, overall: Figures, title: str, status: str) -> dict[str, Any]:
    """Up to LIST_LIMIT councillors in ``status``, for the dashboard and its PDF; the total comes
    from the figures already counted."""
    total = {
        Status.OUTSTANDING: overall.outstanding,
        Status.OVERDUE: overall.overdue,
        Status.DUE: overall.outstanding - overall.overdue,
        Status.ACKNOWLEDGED: overall.acknowledged,
    }[status]
    rows = list(councillor_list(version, filters, status)) if total else []
    return {"title": title, "rows": rows, "total": total, "status": status}


def compliance_csv_url(query) -> str:
    """The CSV export's address with the dashboard's filters from ``query`` (a QueryDict)."""
    kept = {k: v for k, v in query.items() if k in {"authority", "parish", "political_group", "ward", "status"} and v}
    return reverse("protocol:compliance_csv") + ("?" + urlencode(kept) if kept else "")
