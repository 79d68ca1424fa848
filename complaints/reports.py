"""The queries behind the complaint reports: the Monitoring Officer's register (personal data,
only the cases the officer may see) and the standards annual report (counts only, no names).

Rows are plain dicts fetched with ``values()``: a register of thousands of rows becomes a PDF,
and model instances would cost more than the rows themselves. The number of queries does not
grow with the number of rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from council.workdays import working_days_between

from .models import OPEN_STAGES, CodeHeading, Complaint, Decision, Stage
from .permissions import cases_for

STAGE_LABELS = dict(Stage.choices)
FINDING_LABELS = dict(Decision.Finding.choices)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def last_financial_year(today: date | None = None) -> Period:
    """The last full financial year (1 April to 31 March) before ``today``."""
    today = today or timezone.localdate()
    end_year = today.year if today >= date(today.year, 4, 1) else today.year - 1
    return Period(date(end_year - 1, 4, 1), date(end_year, 3, 31))


def received_in(queryset: QuerySet[Complaint], period: Period) -> QuerySet[Complaint]:
    # Local dates, so a complaint received at 00:30 BST on 1 April counts in April. A range of
    # aware datetimes (local midnight to local midnight) uses the index on received_at; a filter
    # on the date of each row would convert every row first.
    return queryset.filter(
        received_at__gte=_local_midnight(period.start), received_at__lt=_local_midnight(period.end, 1)
    )


def _local_midnight(day: date, days_after: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))


# --- The register -----------------------------------------------------------------------------------


def register_cases(user, *, period: Period | None = None, stage: str = "") -> QuerySet[Complaint]:
    """The complaints in the register for ``user``: only those ``cases_for`` lets them see."""
    cases = cases_for(user)
    if period is not None:
        cases = received_in(cases, period)
    if stage:
        cases = cases.filter(stage=stage)
    return cases.order_by("received_at", "pk")


def register_rows(cases: QuerySet[Complaint], *, limit: int | None = None) -> list[dict]:
    """One dict per complaint (two queries whatever the number of rows)."""
    rows = list(
        cases.values(
            "pk", "reference", "received_at", "stage", "closed_at", "principal_authority__name", "decision__finding"
        )[:limit]
    )
    names: dict[int, list[str]] = defaultdict(list)
    through = Complaint.councillors.through.objects.filter(complaint_id__in=[row["pk"] for row in rows])
    for complaint_id, name, authority in through.order_by("councillor__name").values_list(
        "complaint_id", "councillor__name", "councillor__authority__name"
    ):
        names[complaint_id].append(f"{name} ({authority})")
    for row in rows:
        row["councillors"] = names.get(row["pk"], [])
        row["received"] = _local_date(row["received_at"])
        row["closed"] = _local_date(row["closed_at"])
        row["stage_label"] = STAGE_LABELS.get(row["stage"], row["stage"])
        row["outcome"] = FINDING_LABELS.get(row["decision__finding"] or "", "")
    return rows


def _local_date(value: datetime | None) -> date | None:
    return timezone.localdate(value) if value else None


# --- The annual report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """How long one stage took, in working days, against its target."""

    name: str
    target: int
    measured: int
    median: float | None
    within: int

    @property
    def percent_within(self) -> int | None:
        return round(100 * self.within / self.measured) if self.measured else None


def _months(period: Period) -> list[date]:
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def by_month(complaints: QuerySet[Complaint], period: Period) -> list[tuple[date, int]]:
    counts = {
        timezone.localdate(row["month"]) if isinstance(row["month"], datetime) else row["month"]: row["n"]
        for row in complaints.annotate(month=TruncMonth("received_at")).values("month").annotate(n=Count("pk"))
    }
    # Every month of the period, including those with none (a committee reads the gaps too).
    return [(month, counts.get(month, 0)) for month in _months(period)]


def by_authority(complaints: QuerySet[Complaint]) -> list[tuple[str, int]]:
    rows = complaints.values("principal_authority__name").annotate(n=Count("pk")).order_by("principal_authority__name")
    return [(row["principal_authority__name"] or "No authority recorded", row["n"]) for row in rows]


def by_heading(complaints: QuerySet[Complaint]) -> list[tuple[str, int]]:
    """Complaints citing each heading (one complaint may cite several), then those citing none."""
    rows = (
        Complaint.headings.through.objects.filter(complaint_id__in=complaints.values("pk"))
        .values("codeheading_id")
        .annotate(n=Count("complaint_id"))
    )
    counts = {row["codeheading_id"]: row["n"] for row in rows}
    result = [(str(heading), counts[heading.pk]) for heading in CodeHeading.objects.filter(pk__in=counts)]
    none = complaints.filter(headings__isnull=True).count()
    if none:
        result.append(("No heading given", none))
    return result


def by_outcome(complaints: QuerySet[Complaint]) -> list[tuple[str, int]]:
    """The decision's finding where there is one; otherwise the stage (open, withdrawn, closed)."""
    counts: dict[str, int] = defaultdict(int)
    for row in complaints.values("decision__finding", "stage").annotate(n=Count("pk")):
        finding = row["decision__finding"]
        if finding:
            label = FINDING_LABELS.get(finding, finding)
        elif row["stage"] in OPEN_STAGES:
            label = f"Open: {STAGE_LABELS[row['stage']].lower()}"
        else:
            label = STAGE_LABELS.get(row["stage"], row["stage"])
        counts[label] += row["n"]
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def timing(complaints: QuerySet[Complaint], *, name: str, field: str, target: int) -> Timing:
    """Median working days from receipt to ``field``, and how many within ``target``.
    Computed in Python: working days follow the bank-holiday calendar, which the database lacks."""
    pairs = complaints.filter(**{f"{field}__isnull": False}).values_list("received_at", field)
    days = [working_days_between(timezone.localdate(start), timezone.localdate(end)) for start, end in pairs]
    return Timing(
        name=name,
        target=target,
        measured=len(days),
        median=statistics.median(days) if days else None,
        within=sum(1 for d in days if d <= target),
    )


def annual_report(period: Period) -> dict:
    """Everything in the standards annual report: counts only, never a name."""
    complaints = received_in(Complaint.objects.submitted(), period).order_by()
    return {
        "period": period,
        "total": complaints.count(),
        "by_month": by_month(complaints, period),
        "by_authority": by_authority(complaints),
        "by_heading": by_heading(complaints),
        "by_outcome": by_outcome(complaints),
        "timings": [
            timing(
                complaints,
                name="Acknowledgement",
                field="acknowledged_at",
                target=settings.COMPLAINTS_ACKNOWLEDGE_WITHIN,
            ),
            timing(
                complaints, name="Initial assessment", field="assessed_at", target=settings.COMPLAINTS_ASSESS_WITHIN
            ),
        ],
    }
