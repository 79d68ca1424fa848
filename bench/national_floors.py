"""Floors for the pages ``bench/national.py`` measures that had none before: bare views that
fetch the rows a page shows with the fewest queries and render them with a minimal template,
so ``ours / floor`` says what the page costs beyond its data.

(The queue's and the compliance dashboard's floors are those of bench/complaints.py and
bench/protocol.py.) Each floor takes what the real page knows from the request as arguments.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.template import Context, Template
from django.utils import timezone

from complaints.models import Complaint, Post, Stage, TimelineEntry
from complaints.reports import Period
from council.models import CommitteeMembership, Councillor, TermOfOffice
from council.workdays import working_days_between
from protocol.models import Requirement, Version
from training.models import Booking, MandatoryRule, Session, TrainingRecord

DIRECTORY_PAGE = 50
MATRIX_PAGE = 100
REGISTER_PAGE = 200


def _page(template: Template, **context) -> HttpResponse:
    return HttpResponse(template.render(Context(context)))


# --- A case page ------------------------------------------------------------------------------------

CASE = Template(
    """<!DOCTYPE html><html lang="en"><title>{{ c.0 }}</title><h1>{{ c.0 }}</h1>
<p>{{ c.1 }} {{ c.2 }} {{ c.3 }} {{ c.4 }} {{ c.8 }} {{ c.9 }}</p><p>{{ c.5 }} {{ c.6 }}</p><p>{{ c.7 }}</p>
<ul>{% for r in councillors %}<li>{{ r.1 }}, {{ r.2 }}, {{ r.3 }}, {{ r.4 }}</li>{% endfor %}</ul>
<ul>{% for r in headings %}<li>{{ r.0 }}. {{ r.1 }}</li>{% endfor %}</ul>
{% for r in posts %}<p>{{ r.0 }} {{ r.1 }} {{ r.2 }}</p><p>{{ r.3 }}</p>{% endfor %}
<ol>{% for r in timeline %}<li>{{ r.0 }} {{ r.1 }} {{ r.2 }} {{ r.3 }}</li>{% endfor %}</ol></html>"""
)


def case_floor(pk: int) -> HttpResponse:
    """The case, its councillors, headings, posts and timeline: five queries."""
    case = (
        Complaint.objects.filter(pk=pk)
        .values_list(
            "reference",
            "stage",
            "received_at",
            "due_date",
            "due_for",
            "complainant_name",
            "complainant_email",
            "outcome_sought",
            "principal_authority__name",
            "decision__finding",
        )
        .get()
    )
    councillors = Complaint.councillors.through.objects.filter(complaint_id=pk).values_list(
        "councillor_id",
        "councillor__name",
        "councillor__authority__name",
        "councillor__ward__name",
        "councillor__political_group__name",
    )
    headings = Complaint.headings.through.objects.filter(complaint_id=pk).values_list(
        "codeheading__number", "codeheading__title"
    )
    posts = Post.objects.filter(complaint_id=pk).values_list("platform", "url", "posted_at", "content")
    timeline = (
        TimelineEntry.objects.filter(complaint_id=pk).order_by("at", "pk").values_list("at", "kind", "summary", "text")
    )
    return _page(
        CASE, c=case, councillors=list(councillors), headings=list(headings), posts=list(posts), timeline=list(timeline)
    )


# --- The directory's councillor list -------------------------------------------------------------------

DIRECTORY = Template(
    """<!DOCTYPE html><html lang="en"><title>Councillors</title><h1>{{ total }} councillors</h1><table>
{% for r in rows %}<tr><th><a href="/directory/councillors/{{ r.0 }}/">{{ r.1 }}</a></th><td>{{ r.2 }}</td>
<td>{{ r.3 }}</td><td>{{ r.4 }}</td><td>{{ r.5 }}</td><td>{{ r.6 }}</td><td>{{ r.7 }}</td></tr>{% endfor %}
</table></html>"""
)


def directory_floor() -> HttpResponse:
    """The first 50 councillors by name, with the count for the pages: two queries."""
    councillors = Councillor.objects.order_by("name", "pk")
    rows = councillors.values_list(
        "pk", "name", "authority__name", "ward__name", "political_group__name", "email", "user__email", "is_active"
    )[:DIRECTORY_PAGE]
    return _page(DIRECTORY, total=councillors.count(), rows=list(rows))


# --- The mandatory-training matrix ------------------------------------------------------------------------

MATRIX = Template(
    """<!DOCTYPE html><html lang="en"><title>Training</title><h1>{{ total }} councillors</h1><table>
<tr><td></td>{% for c in columns %}<th>{{ c.1 }}</th>{% endfor %}</tr>
{% for r in rows %}<tr><th>{{ r.0.1 }}, {{ r.0.2 }}, {{ r.0.3 }}</th>
{% for cell in r.1 %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table></html>"""
)


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def matrix_floor() -> HttpResponse:
    """The first 100 serving councillors by course: count, councillors with their term dates,
    rules, and one UNION of what they have done, booked or sit on. Four queries."""
    today = timezone.localdate()
    serving = Councillor.objects.filter(is_active=True)
    terms = TermOfOffice.objects.filter(councillor_id=OuterRef("pk"))
    current = terms.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
    rows = list(
        serving.order_by("name", "pk")
        .annotate(
            current=Subquery(current.order_by("-start_date").values("start_date")[:1]),
            first=Subquery(terms.order_by("start_date").values("start_date")[:1]),
        )
        .values_list("pk", "name", "authority__name", "political_group__name", "current", "first")[:MATRIX_PAGE]
    )
    rules = list(
        MandatoryRule.objects.filter(course__is_active=True)
        .order_by("course__title", "course_id")
        .values_list("course_id", "course__title", "kind", "within_months", "committee_id")
    )
    ids = [r[0] for r in rows]
    kind = CharField()
    done = (
        TrainingRecord.objects.filter(councillor_id__in=ids)
        .order_by()
        .values_list("councillor_id", "course_id", Value("done", output_field=kind))
    )
    sits = (
        CommitteeMembership.objects.filter(councillor_id__in=ids)
        .order_by()
        .values_list("councillor_id", "committee_id", Value("sits", output_field=kind))
    )
    booked = (
        Booking.objects.filter(
            councillor_id__in=ids,
            status=Booking.Status.BOOKED,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=timezone.now(),
        )
        .order_by()
        .values_list("councillor_id", "session__course_id", Value("booked", output_field=kind))
    )
    facts = set(done.union(sits, booked, all=True))
    columns = list({course: (course, title) for course, title, *_ in rules}.values())
    by_course: dict[int, list[tuple]] = defaultdict(list)
    for course, _title, rule_kind, months, committee in rules:
        by_course[course].append((rule_kind, months, committee))
    grid = []
    for row in rows:
        pk, current, first = row[0], row[4], row[5]
        new = first if current is not None and current == first and first >= _add_months(today, -24) else None
        cells = []
        for course, _title in columns:
            dues, needed = [], False
            for rule_kind, months, committee in by_course[course]:
                if rule_kind == "committee":
                    needed = needed or (pk, committee, "sits") in facts
                elif rule_kind == "new" and new:
                    dues.append(_add_months(new, months or 6))
                elif rule_kind == "all":
                    needed = True
                    if current and months:
                        dues.append(_add_months(current, months))
            if not (needed or dues):
                cells.append("")
            elif (pk, course, "done") in facts:
                cells.append("Complete")
            elif (pk, course, "booked") in facts:
                cells.append("Booked")
            else:
                due = min(dues) if dues else None
                cells.append("Overdue" if due is None or due < today else f"Due {due}")
        grid.append((row, cells))
    return _page(MATRIX, total=serving.count(), columns=columns, rows=grid)


# --- The complaint register page ---------------------------------------------------------------------------

REGISTER = Template(
    """<!DOCTYPE html><html lang="en"><title>Register</title><h1>{{ total }} complaints</h1><table>
{% for r in rows %}<tr><th><a href="/complaints/cases/{{ r.0 }}/">{{ r.1 }}</a></th><td>{{ r.2|date:"j M Y" }}</td>
<td>{% for n in r.7 %}{{ n }}<br>{% endfor %}</td><td>{{ r.3 }}</td><td>{{ r.6 }}</td><td>{{ r.4|date:"j M Y" }}</td>
<td>{{ r.5 }}</td></tr>{% endfor %}</table></html>"""
)


def register_floor() -> HttpResponse:
    """The first 200 complaints received, with their councillors, and the count: three queries."""
    cases = Complaint.objects.exclude(stage=Stage.DRAFT).order_by("received_at", "pk")
    rows = list(
        cases.values_list(
            "pk", "reference", "received_at", "stage", "closed_at", "principal_authority__name", "decision__finding"
        )[:REGISTER_PAGE]
    )
    names: dict[int, list[str]] = defaultdict(list)
    for complaint, name, authority in Complaint.councillors.through.objects.filter(
        complaint_id__in=[r[0] for r in rows]
    ).values_list("complaint_id", "councillor__name", "councillor__authority__name"):
        names[complaint].append(f"{name} ({authority})")
    return _page(REGISTER, total=cases.count(), rows=[(*r, names[r[0]]) for r in rows])


# --- The standards annual report page -----------------------------------------------------------------------

ANNUAL = Template(
    """<!DOCTYPE html><html lang="en"><title>Annual report</title><h1>{{ total }} complaints</h1>
{% for title, rows in tables %}<table><caption>{{ title }}</caption>
{% for label, n in rows %}<tr><th>{{ label }}</th><td>{{ n }}</td></tr>{% endfor %}</table>{% endfor %}
{% for t in timings %}<p>{{ t.0 }}: {{ t.1 }} measured, median {{ t.2 }}, {{ t.3 }} within target</p>{% endfor %}
</html>"""
)


def annual_floor(period: Period) -> HttpResponse:
    """The report's counts from one grouped query and the headings' counts, and the timings
    from one query of dates: three queries."""
    # The same rows as the report's local-date filter, as a range the received_at index can serve.
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    complaints = Complaint.objects.exclude(stage=Stage.DRAFT).filter(received_at__gte=start, received_at__lt=end)
    through = Complaint.headings.through.objects
    cells = (
        complaints.annotate(month=TruncMonth("received_at"), cited=Exists(through.filter(complaint_id=OuterRef("pk"))))
        .values_list("month", "principal_authority__name", "decision__finding", "stage", "cited")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_month: dict = defaultdict(int)
    by_authority: dict = defaultdict(int)
    by_outcome: dict = defaultdict(int)
    total = uncited = 0
    for month, authority, finding, stage, cited, n in cells:
        total += n
        by_month[month] += n
        by_authority[authority] += n
        by_outcome[finding or stage] += n
        uncited += 0 if cited else n
    by_heading = [
        (f"{number}. {title}", n)
        for number, title, n in through.filter(complaint_id__in=complaints.values("pk"))
        .values_list("codeheading__number", "codeheading__title")
        .annotate(n=Count("complaint_id"))
        .order_by("codeheading__number")
    ] + [("No heading given", uncited)]
    timings = []
    dates = list(complaints.values_list("received_at", "acknowledged_at", "assessed_at"))
    for index, name, target in (
        (1, "Acknowledgement", settings.COMPLAINTS_ACKNOWLEDGE_WITHIN),
        (2, "Initial assessment", settings.COMPLAINTS_ASSESS_WITHIN),
    ):
        days = [
            working_days_between(timezone.localdate(row[0]), timezone.localdate(row[index]))
            for row in dates
            if row[index] is not None
        ]
        median = statistics.median(days) if days else None
        timings.append((name, len(days), median, sum(1 for d in days if d <= target)))
    tables = [
        ("By month", sorted(by_month.items())),
        ("By authority", sorted(by_authority.items(), key=lambda item: str(item[0]))),
        ("By heading", by_heading),
        ("By outcome", sorted(by_outcome.items(), key=lambda item: -item[1])),
    ]
    return _page(ANNUAL, total=total, tables=tables, timings=timings)


# --- A councillor's home page --------------------------------------------------------------------------------

HOME = Template(
    """<!DOCTYPE html><html lang="en"><title>Your tasks</title><h1>Your tasks</h1>
<p>{{ c.1 }}, {{ c.2 }}, {{ c.3 }}, {{ c.4 }}, {{ c.5 }}</p>
<p>Version {{ v.0 }} of {{ v.1 }}: due {{ v.2 }}, acknowledged {{ v.3|default:"no" }}</p>
<ul>{% for r in to_do %}<li>{{ r.0 }}</li>{% endfor %}</ul>
<ul>{% for b in bookings %}<li>{{ b.0 }}, {{ b.1 }} {{ b.2 }}</li>{% endfor %}</ul>
{% if complaints %}<p>{{ complaints }} complaints about you</p>{% endif %}</html>"""
)


def councillor_home_floor(user_id: int) -> HttpResponse:
    """The councillor, where they stand with the protocol in force, their next three sessions,
    mandatory courses not done and complaints they were told of: five queries."""
    councillor = (
        Councillor.objects.filter(user_id=user_id)
        .values_list("pk", "name", "authority__name", "ward__name", "political_group__name", "email")
        .first()
    )
    pk = councillor[0]
    requirement = Requirement.objects.filter(councillor_id=pk, version_id=OuterRef("basis_id"))
    version = (
        Version.objects.filter(state=Version.State.PUBLISHED)
        .annotate(due=Subquery(requirement.values("due_date")[:1]), met=Subquery(requirement.values("met_at")[:1]))
        .values_list("number", "published_at", "due", "met")
        .first()
    )
    bookings = (
        Booking.objects.filter(
            councillor_id=pk,
            status__in=(Booking.Status.BOOKED, Booking.Status.WAITING),
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=timezone.now(),
        )
        .order_by("session__starts_at")
        .values_list("session__course__title", "session__starts_at", "status")[:3]
    )
    to_do = (
        MandatoryRule.objects.filter(Q(kind="all") | Q(committee__memberships__councillor_id=pk))
        .exclude(Exists(TrainingRecord.objects.filter(councillor_id=pk, course_id=OuterRef("course_id"))))
        .values_list("course__title")
        .distinct()
    )
    complaints = Complaint.objects.filter(councillors=pk, councillor_notified_at__isnull=False).count()
    return _page(HOME, c=councillor, v=version, to_do=list(to_do), bookings=list(bookings), complaints=complaints)
