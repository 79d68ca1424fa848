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
from django.db.models import Count, Q, QuerySet
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

# The by-authority table of the page and the PDF lists the authorities with the most complaints and
# sums the rest in one row: at national scale, hundreds of authorities would fill pages a Standards
# Committee does not read. The CSV lists every authority.
AUTHORITY_ROWS = 20

# The stages timed against their targets: (name, field, setting holding the target in working days).
TIMED_STAGES = (
    ("Acknowledgement", "acknowledged_at", "COMPLAINTS_ACKNOWLEDGE_WITHIN"),
    ("Initial assessment", "assessed_at", "COMPLAINTS_ASSESS_WITHIN"),
)


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


class _WorkingDayNumbers(dict):
    """The working days from ``origin`` to each local date looked up, counted once per date: the
    working days between two dates are the difference of their numbers."""

    def __init__(self, origin: date) -> None:
        super().__init__()
        self.origin = origin

    def __missing__(self, day: date) -> int:
        number = self[day] = working_days_between(self.origin, day)
        return number


def _dates(complaints: QuerySet[Complaint], period: Period) -> tuple[int, list[tuple[date, int]], list[Timing]]:
    """The total, the count by month received and the stage timings, from one pass over the dates.

    In Python: months are local (a complaint received at 00:30 BST on 1 April counts in April) and
    working days follow the bank-holiday calendar. SQLite can apply neither but through a Python
    function called for each row, slower than this loop; and the timings need every row anyway."""
    zone = timezone.get_current_timezone()
    numbers = _WorkingDayNumbers(period.start)
    by_day: dict[date, int] = defaultdict(int)
    days: list[list[int]] = [[] for _ in TIMED_STAGES]
    rows = complaints.values_list("received_at", *(field for _, field, _ in TIMED_STAGES))
    for received_at, *ends in rows.iterator(chunk_size=2000):
        received = received_at.astimezone(zone).date()
        by_day[received] += 1
        start = numbers[received]
        for stage_days, end in zip(days, ends, strict=True):
            if end is not None:
                stage_days.append(numbers[end.astimezone(zone).date()] - start)
    by_month: dict[date, int] = defaultdict(int)
    for day, count in by_day.items():
        by_month[day.replace(day=1)] += count
    timings = [_timing(name, setting, d) for (name, _, setting), d in zip(TIMED_STAGES, days, strict=True)]
    # Every month of the period, including those with none (a committee reads the gaps too).
    months = [(month, by_month.get(month, 0)) for month in _months(period)]
    return sum(by_day.values()), months, timings


def _timing(name: str, setting: str, days: list[int]) -> Timing:
    """How one stage went: ``days`` holds the working days each complaint took, ``setting`` names the target."""
    target = getattr(settings, setting)
    return Timing(
        name=name,
        target=target,
        measured=len(days),
        median=statistics.median(days) if days else None,
        within=sum(1 for d in days if d <= target),
    )


def _by_authority_and_outcome(complaints: QuerySet[Complaint]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Both tables from one grouped query. Authorities by number of complaints, most first; the
    outcome is the decision's finding where there is one, otherwise the stage (open, withdrawn, closed)."""
    authorities: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    cells = complaints.values_list("principal_authority__name", "decision__finding", "stage").annotate(n=Count("pk"))
    for authority, finding, stage, n in cells:
        authorities[authority or "No authority recorded"] += n
        if finding:
            label = FINDING_LABELS.get(finding, finding)
        elif stage in OPEN_STAGES:
            label = f"Open: {STAGE_LABELS[stage].lower()}"
        else:
            label = STAGE_LABELS.get(stage, stage)
        outcomes[label] += n
    return _most_first(authorities), _most_first(outcomes)


def _most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def by_heading(complaints: QuerySet[Complaint], total: int) -> list[tuple[str, int]]:
    """Complaints citing each heading (one complaint may cite several), then those citing none:
    one pass over the citations, counting each heading and the complaints citing any."""
    headings = {f"heading_{heading.pk}": heading for heading in CodeHeading.objects.all()}
    citations = Complaint.headings.through.objects.filter(complaint_id__in=complaints.values("pk"))
    counts = citations.aggregate(
        cited=Count("complaint_id", distinct=True),
        **{key: Count("pk", filter=Q(codeheading_id=heading.pk)) for key, heading in headings.items()},
    )
    result = [(str(heading), counts[key]) for key, heading in headings.items() if counts[key]]
    if none := total - counts["cited"]:
        result.append(("No heading given", none))
    return result


def top_authorities(by_authority: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The AUTHORITY_ROWS authorities with the most complaints (``by_authority`` is most first),
    then one row for all the others, unless that would be a single authority (it may as well be named)."""
    if len(by_authority) <= AUTHORITY_ROWS + 1:
        return by_authority
    others = by_authority[AUTHORITY_ROWS:]
    return [*by_authority[:AUTHORITY_ROWS], (f"The other {len(others):,} authorities", sum(n for _, n in others))]


def annual_report(period: Period) -> dict:
    """Everything in the standards annual report: counts only, never a name.

    Four queries whatever the number of complaints: the dates (total, months, timings), the
    authority and outcome counts, the Code headings and their counts."""
    complaints = received_in(Complaint.objects.submitted(), period).order_by()
    total, by_month, timings = _dates(complaints, period)
    by_authority, by_outcome = _by_authority_and_outcome(complaints)
    return {
        "period": period,
        "total": total,
        "by_month": by_month,
        "by_authority": by_authority,
        "by_heading": by_heading(complaints, total),
        "by_outcome": by_outcome,
        "timings": timings,
    }
