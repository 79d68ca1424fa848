"""Mandatory training: who must complete which course, by when, and whether they have.

Rules (``MandatoryRule.kind``) and the choices made where the issue left room:

* **All councillors**: every serving councillor. Due ``within_months`` after the start
  of their current term of office when both are known; otherwise there is no due
  date and the course is simply outstanding until done.
* **New councillors**: councillors in their *first* recorded term of office that
  started within the last ``NEW_COUNCILLOR_WINDOW_MONTHS`` (24) months. Due
  ``within_months`` (6 if not set) after that start. Re-elected councillors are not new.
* **Committee members**: members of the committee (substitutes included, they sit
  too) must complete it *before they sit*: there is no later due date, so until it
  is done it is overdue. Such councillors are also *flagged* (:func:`flags`).

A course is **complete** for a councillor when they have any training record for it,
whatever its date (attended a session, or entered by hand). When several rules ask
for the same course, the earliest due date wins. A course not complete is
**booked** when the councillor has a place on an upcoming session of it, else
**overdue** when its due date has passed (or it is needed before sitting), else
**outstanding**.

Everything is computed in a fixed number of queries (about six) whatever the
number of councillors: rules, councillors, terms, committee memberships, records
and bookings are each fetched once and joined in Python. One councillor's
requirements (:func:`requirements_for`) take two: the rules, with that councillor's
seats, records and places alongside, and their terms. Member Services' two home-page
figures (:func:`overdue_and_flagged`) are counted in the database instead, in two
queries, from the same rules restated as conditions.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import functools
import gc
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from council.exports import safe_cell
from council.models import Committee, CommitteeMembership, Councillor, TermOfOffice

from .models import Booking, Course, MandatoryRule, Session, TrainingRecord

COMPLETE, BOOKED, OVERDUE, OUTSTANDING = "complete", "booked", "overdue", "outstanding"
STATUS_LABELS = {COMPLETE: "Complete", BOOKED: "Booked", OVERDUE: "Overdue", OUTSTANDING: "Outstanding"}
NEW_COUNCILLOR_WINDOW_MONTHS = 24
NEW_COUNCILLOR_DEFAULT_MONTHS = 6


@functools.lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """``day`` moved on by whole months, clamped to the end of a shorter month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(slots=True)
class Requirement:
    """One mandatory course for one councillor."""

    course: Course
    due: date | None
    status: str
    # Needed before sitting on these committees (so overdue until done).
    committees: list[Committee] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def before_sitting(self) -> bool:
        return bool(self.committees)

    def __iter__(self) -> Iterator:
        """Unpacks as (course, due date, status)."""
        return iter((self.course, self.due, self.status))


@dataclass
class Row:
    councillor: Councillor
    # One per matrix column, in column order; None where the course is not required of this councillor.
    cells: list[Requirement | None]

    @property
    def requirements(self) -> list[Requirement]:
        return [cell for cell in self.cells if cell is not None]


@dataclass
class Matrix:
    columns: list[Course]
    rows: list[Row]

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows:
            for cell in row.requirements:
                totals[cell.status] += 1
        return totals

    def csv_rows(self) -> Iterator[list[str]]:
        """Header, then one line per councillor: the status (and due date) per course."""
        yield ["Councillor", "Authority", "Political group", *[course.title for course in self.columns]]
        for row in self.rows:
            councillor = row.councillor
            group = councillor.political_group.name if councillor.political_group_id else ""
            yield [councillor.name, councillor.authority.name, group, *[_csv_cell(cell) for cell in row.cells]]

    def write_csv(self, out) -> None:
        writer = csv.writer(out)
        for line in self.csv_rows():
            writer.writerow([safe_cell(value) for value in line])


@dataclass
class Flag:
    committee: Committee
    councillor: Councillor
    course: Course
    status: str

    def __iter__(self) -> Iterator:
        return iter((self.committee, self.councillor, self.course))


def _csv_cell(cell: Requirement | None) -> str:
    if cell is None:
        return "Not required"
    if cell.status == COMPLETE:
        return cell.label
    if cell.before_sitting:
        return f"{cell.label} (needed before sitting)"
    return f"{cell.label} (due {cell.due:%d/%m/%Y})" if cell.due else cell.label


def _pk(value) -> int | None:
    if value in (None, ""):
        return None
    return getattr(value, "pk", value)


def councillors_for(filters: dict | None = None) -> QuerySet[Councillor]:
    """Serving councillors matching the filters: ``authority``, ``political_group``, ``committee``
    (instances or primary keys); ``councillor`` or ``councillors`` narrow to given people."""
    filters = filters or {}
    councillors = Councillor.objects.active().select_related("authority", "political_group")
    if (authority := _pk(filters.get("authority"))) is not None:
        councillors = councillors.filter(authority_id=authority)
    if (group := _pk(filters.get("political_group") or filters.get("group"))) is not None:
        councillors = councillors.filter(political_group_id=group)
    if (committee := _pk(filters.get("committee"))) is not None:
        councillors = councillors.filter(committee_memberships__committee_id=committee)
    if (one := _pk(filters.get("councillor"))) is not None:
        councillors = councillors.filter(pk=one)
    if filters.get("councillors") is not None:
        councillors = councillors.filter(pk__in=[_pk(c) for c in filters["councillors"]])
    return councillors.order_by("name", "pk")


def _rules_queryset() -> QuerySet[MandatoryRule]:
    return (
        MandatoryRule.objects.filter(course__is_active=True)
        .select_related("course", "committee")
        .order_by("course__title", "course_id", "pk")
    )


def _rules() -> list[MandatoryRule]:
    return list(_rules_queryset())


def _upcoming_places(now: datetime | None = None) -> QuerySet[Booking]:
    """Places held (not waiting) on scheduled sessions still to come: the course counts as booked."""
    return Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gt=now or timezone.now(),
    )


def _rules_for_one(councillor_id: int) -> list[MandatoryRule]:
    """The rules, each with whether this councillor sits on its committee, has done its course
    and holds a place on an upcoming session of it: for one councillor, in the same query."""
    return list(
        _rules_queryset().annotate(
            councillor_sits=Exists(
                CommitteeMembership.objects.filter(councillor_id=councillor_id, committee_id=OuterRef("committee_id"))
            ),
            councillor_done=Exists(
                TrainingRecord.objects.filter(councillor_id=councillor_id, course_id=OuterRef("course_id"))
            ),
            councillor_booked=Exists(
                _upcoming_places().filter(councillor_id=councillor_id, session__course_id=OuterRef("course_id"))
            ),
        )
    )


class _Facts:
    """What the rules need to know about the councillors: terms, committee seats, courses done
    and courses booked. For many councillors (:meth:`of_many`) one query each; for one
    (:meth:`of_one`) the last three come with the rules themselves."""

    def __init__(self, today: date) -> None:
        # (start, end) per councillor, oldest first; plain tuples, as there may be thousands.
        self.terms: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        self.memberships: dict[int, set[int]] = defaultdict(set)
        self.done: set[tuple[int, int]] = set()
        self.booked: set[tuple[int, int]] = set()
        self.today = today

    def _add_terms(self, terms: QuerySet[TermOfOffice]) -> None:
        for councillor_id, start, end in terms.order_by("start_date").values_list(
            "councillor_id", "start_date", "end_date"
        ):
            self.terms[councillor_id].append((start, end))

    @classmethod
    def of_many(cls, councillors: QuerySet[Councillor], rules: list[MandatoryRule], today: date) -> _Facts:
        facts = cls(today)
        ids = councillors.values("pk")
        course_ids = {rule.course_id for rule in rules}
        committee_ids = {rule.committee_id for rule in rules if rule.committee_id}
        facts._add_terms(TermOfOffice.objects.filter(councillor_id__in=ids))
        if committee_ids:
            # All their seats, the committees picked out here: asked for both in SQL, SQLite probes
            # the (committee, councillor) index once per pair (800 committees by 85,000 councillors
            # took six seconds at national scale), and a councillor's seats are few.
            for councillor_id, committee_id in (
                CommitteeMembership.objects.filter(councillor_id__in=ids)
                .order_by()
                .values_list("councillor_id", "committee_id")
            ):
                if committee_id in committee_ids:
                    facts.memberships[councillor_id].add(committee_id)
        facts.done = set(
            TrainingRecord.objects.filter(councillor_id__in=ids, course_id__in=course_ids)
            .values_list("councillor_id", "course_id")
            .order_by()  # else the default ordering's columns join the DISTINCT
            .distinct()
        )
        facts.booked = set(
            _upcoming_places()
            .filter(councillor_id__in=ids, session__course_id__in=course_ids)
            .values_list("councillor_id", "session__course_id")
            .order_by()
            .distinct()
        )
        return facts

    @classmethod
    def of_one(cls, councillor_id: int, rules: list[MandatoryRule], today: date) -> _Facts:
        """``rules`` from :func:`_rules_for_one` for the same councillor."""
        facts = cls(today)
        facts._add_terms(TermOfOffice.objects.filter(councillor_id=councillor_id))
        for rule in rules:
            if rule.committee_id and rule.councillor_sits:
                facts.memberships[councillor_id].add(rule.committee_id)
            if rule.councillor_done:
                facts.done.add((councillor_id, rule.course_id))
            if rule.councillor_booked:
                facts.booked.add((councillor_id, rule.course_id))
        return facts

    def current_term_start(self, councillor_id: int) -> date | None:
        for start, end in reversed(self.terms.get(councillor_id, ())):
            if start <= self.today and (end is None or end >= self.today):
                return start
        return None

    def new_councillor_start(self, councillor_id: int, current_start: date | None) -> date | None:
        """The start of their first term, if they are still in it and it began recently."""
        terms = self.terms.get(councillor_id, ())
        if not terms or current_start is None or current_start != terms[0][0]:
            return None
        if current_start < add_months(self.today, -NEW_COUNCILLOR_WINDOW_MONTHS):
            return None
        return current_start


@dataclass
class _CourseRules:
    """A course's rules, split so that a committee rule is found by the committee, not by a scan."""

    course: Course
    general: list[tuple[MandatoryRule, str]] = field(default_factory=list)
    by_committee: dict[int, tuple[MandatoryRule, str]] = field(default_factory=dict)


def _by_course(rules: list[MandatoryRule]) -> dict[int, _CourseRules]:
    """The rules grouped by course, in the rules' order (course title): the matrix's columns."""
    by_course: dict[int, _CourseRules] = {}
    for rule in rules:
        course_rules = by_course.setdefault(rule.course_id, _CourseRules(course=rule.course))
        if rule.kind == MandatoryRule.Kind.COMMITTEE_MEMBERS:
            course_rules.by_committee[rule.committee_id] = (rule, str(rule))
        else:
            course_rules.general.append((rule, str(rule)))
    return by_course


def _requirement(
    rules: _CourseRules, councillor_id: int, term_start: date | None, new_start: date | None, facts: _Facts
) -> Requirement | None:
    dues, committees, reasons = [], [], []
    for rule, label in rules.general:
        if rule.kind == MandatoryRule.Kind.NEW_COUNCILLORS:
            if new_start is None:
                continue
            dues.append(add_months(new_start, rule.within_months or NEW_COUNCILLOR_DEFAULT_MONTHS))
        elif term_start is not None and rule.within_months:
            dues.append(add_months(term_start, rule.within_months))
        reasons.append(label)
    if rules.by_committee:
        for committee_id in facts.memberships.get(councillor_id, ()):
            if committee_id in rules.by_committee:
                rule, label = rules.by_committee[committee_id]
                committees.append(rule.committee)
                reasons.append(label)
    if not reasons:
        return None
    due = min(dues) if dues else None
    key = (councillor_id, rules.course.pk)
    if key in facts.done:
        status = COMPLETE
    elif key in facts.booked:
        status = BOOKED
    elif committees or (due is not None and due < facts.today):
        status = OVERDUE
    else:
        status = OUTSTANDING
    return Requirement(course=rules.course, due=due, status=status, committees=committees, reasons=reasons)


def matrix(filters: dict | None = None, *, today: date | None = None, statuses: Iterable[str] | None = None) -> Matrix:
    """Serving councillors (rows) by courses with a mandatory rule (columns), a status per cell.
    ``statuses`` keeps only rows with at least one cell in one of them (e.g. overdue)."""
    with _no_cyclic_gc():
        return _matrix_for(councillors_for(filters), today=today, statuses=statuses)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Building tens of thousands of small objects (5,000 councillors by 8 courses) sets off the
    cyclic garbage collector again and again, which cost a third of the time. Nothing here makes
    reference cycles, so pause it while the matrix is built; reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rows(councillors: QuerySet[Councillor], *, today: date | None = None) -> tuple[list[Course], Iterator[Row]]:
    """The matrix's columns, and its rows one at a time (the facts are fetched before the first)."""
    today = today or timezone.localdate()
    rules = _rules()
    by_course = _by_course(rules)
    columns = [course_rules.course for course_rules in by_course.values()]
    facts = _Facts.of_many(councillors, rules, today)

    def rows() -> Iterator[Row]:
        for councillor in councillors:
            term_start = facts.current_term_start(councillor.pk)
            new_start = facts.new_councillor_start(councillor.pk, term_start)
            cells = [_requirement(r, councillor.pk, term_start, new_start, facts) for r in by_course.values()]
            yield Row(councillor=councillor, cells=cells)

    return columns, rows()


def _matrix_for(
    councillors: QuerySet[Councillor], *, today: date | None = None, statuses: Iterable[str] | None = None
) -> Matrix:
    columns, rows = _rows(councillors, today=today)
    wanted = set(statuses or ())
    if wanted:
        rows = (row for row in rows if any(cell is not None and cell.status in wanted for cell in row.cells))
    return Matrix(columns=columns, rows=list(rows))


def requirements_for(councillor: Councillor, *, today: date | None = None) -> list[Requirement]:
    """The councillor's mandatory courses: each unpacks as (course, due date or None, status)."""
    if not councillor.is_active:
        return []
    # The matrix's row for them, worked out the same way, but in two queries (rules with their
    # facts, terms) rather than the matrix's six: the home page and record pages ask for one person.
    today = today or timezone.localdate()
    rules = _rules_for_one(councillor.pk)
    facts = _Facts.of_one(councillor.pk, rules, today)
    term_start = facts.current_term_start(councillor.pk)
    new_start = facts.new_councillor_start(councillor.pk, term_start)
    cells = [_requirement(r, councillor.pk, term_start, new_start, facts) for r in _by_course(rules).values()]
    return [cell for cell in cells if cell is not None]


def flags(filters: dict | None = None, *, today: date | None = None) -> list[Flag]:
    """Councillors sitting on a committee whose rule requires a course they have not completed:
    each unpacks as (committee, councillor, course). ``filters`` as for :func:`matrix`; with
    ``regulatory_only`` set, only regulatory committees count."""
    filters = dict(filters or {})
    regulatory_only = filters.pop("regulatory_only", False)
    committee_rule_ids = MandatoryRule.objects.filter(
        kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, course__is_active=True
    ).values("committee_id")
    # Only councillors on a committee with a rule can be flagged: keep the matrix small.
    members = CommitteeMembership.objects.filter(committee_id__in=committee_rule_ids).values("councillor_id")
    councillors = councillors_for(filters).filter(pk__in=members)
    result = _matrix_for(councillors, today=today)
    committee = _pk(filters.get("committee"))
    found = [
        flag for row in result.rows for flag in _flags_of(row, regulatory_only=regulatory_only, committee=committee)
    ]
    found.sort(key=lambda f: (f.committee.name, f.councillor.name, f.course.title))
    return found


def _flags_of(row: Row, *, regulatory_only: bool = False, committee: int | None = None) -> Iterator[Flag]:
    for cell in row.requirements:
        if cell.status == COMPLETE:
            continue
        for sits_on in cell.committees:
            if regulatory_only and not sits_on.is_regulatory:
                continue
            if committee is not None and sits_on.pk != committee:
                continue
            yield Flag(sits_on, row.councillor, cell.course, cell.status)


def overdue_and_flagged(*, today: date | None = None) -> tuple[int, int]:
    """Member Services' two figures: how many serving councillors have mandatory training
    overdue (the rows of ``matrix(statuses=[OVERDUE])``), and how many sit on a regulatory
    committee without a course it requires (the councillors of ``flags({"regulatory_only": True})``).

    Counted in the database, in two queries whatever the number of councillors (the courses the
    rules ask for, then both figures at once), rather than by building the matrix: at national
    scale (85,000 serving councillors) that took seconds on every visit to the home page."""
    overdue, flagged = figure_conditions(today=today)
    figures = Councillor.objects.active().aggregate(
        overdue=Count("pk", filter=overdue), flagged=Count("pk", filter=flagged)
    )
    return figures["overdue"], figures["flagged"]


def figure_conditions(*, today: date | None = None) -> tuple[Q, Q]:
    """Conditions on a councillor for :func:`overdue_and_flagged`'s two figures (one query, for
    the courses the rules ask for). They restate the matrix's rules (tests/training/test_home_figures.py
    checks that the two pick the same councillors on generated data):

    * a course is overdue when it is not complete (no record) and not booked (no place on an
      upcoming session), and either a committee rule names a committee they sit on, or a due
      date has passed: an "all councillors" rule with months set, counted from the start of the
      current term, or a "new councillors" rule, counted from the start of a first term that
      began in the last 24 months. Several rules for one course give the earliest due date, so
      the course is overdue when any of them has passed;
    * a councillor is flagged when a committee rule of a regulatory committee they sit on names
      a course they have not completed (booked or not).
    """
    today = today or timezone.localdate()
    now = timezone.now()
    courses = _rule_courses(today)
    # Seats on committees with a rule are few (one councillor in ten has one): the councillors
    # behind on them are listed once, and each councillor looked up in the list. (Each in one
    # filter() call: the seat's rule is one join, which a second call would not reuse.)
    rule = "committee__training_rules__"
    seat_rules = {f"{rule}kind": MandatoryRule.Kind.COMMITTEE_MEMBERS, f"{rule}course__is_active": True}
    not_done = _not_done(OuterRef("councillor_id"), OuterRef(f"{rule}course_id"))
    flagged = CommitteeMembership.objects.filter(not_done, committee__is_regulatory=True, **seat_rules).order_by()
    overdue = Q(pk__in=[])  # so far, nobody
    if seat_courses := courses.get(MandatoryRule.Kind.COMMITTEE_MEMBERS):
        not_booked = functools.reduce(
            operator.or_,
            (Q(**{f"{rule}course_id": course_id}) & _not_booked(course_id, now) for course_id in seat_courses),
        )
        behind_on_seats = CommitteeMembership.objects.filter(not_done, not_booked, **seat_rules).order_by()
        overdue |= Q(pk__in=behind_on_seats.values("councillor_id"))
    # Rules with a due date apply to (nearly) everyone: each councillor's current term is
    # compared, course by course, with the last start date that is not yet overdue.
    due = Q()
    if all_councillors := courses.get(MandatoryRule.Kind.ALL_COUNCILLORS):
        due |= _overdue_by_start(all_councillors, now)
    if new_councillors := courses.get(MandatoryRule.Kind.NEW_COUNCILLORS):
        # Only when the current term is the councillor's first and began in the window. Those
        # terms are listed once: looked for term by term under the OR, PostgreSQL would cost the
        # query as if for every term, and then spend seconds compiling it (JIT).
        earlier = TermOfOffice.objects.filter(
            councillor_id=OuterRef("councillor_id"), start_date__lt=OuterRef("start_date")
        )
        window = add_months(today, -NEW_COUNCILLOR_WINDOW_MONTHS)
        first_terms = TermOfOffice.objects.filter(start_date__gte=window).filter(~Exists(earlier)).order_by()
        due |= Q(pk__in=first_terms.values("pk")) & _overdue_by_start(new_councillors, now)
    if due:
        overdue |= Q(pk__in=_current_terms(today).filter(due).values("councillor_id"))
    return overdue, Q(pk__in=flagged.values("councillor_id"))


def _not_done(councillor: OuterRef, course: OuterRef | int) -> Q:
    """No record of ``course`` for ``councillor`` (each a reference or an id)."""
    return ~Q(Exists(TrainingRecord.objects.filter(councillor_id=councillor, course_id=course)))


def _not_booked(course_id: int, now: datetime) -> Q:
    """The row's councillor holds no place on an upcoming session of the course. The places are
    listed once (a few thousand a course nationally) rather than looked for councillor by
    councillor, through each one's bookings to their sessions, which took most of the time."""
    return ~Q(councillor_id__in=_upcoming_places(now).filter(session__course_id=course_id).values("councillor_id"))


def _current_terms(today: date) -> QuerySet[TermOfOffice]:
    """Each councillor's current term (:meth:`_Facts.current_term_start`): the latest-starting
    term that has begun and not ended, should terms overlap."""
    current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    later = TermOfOffice.objects.filter(
        current, councillor_id=OuterRef("councillor_id"), start_date__gt=OuterRef("start_date")
    )
    return TermOfOffice.objects.filter(current, ~Exists(later)).order_by()


def _overdue_by_start(started_before: dict[int, date], now: datetime) -> Q:
    """For a term: some course it started too long ago for is neither done nor booked."""
    return functools.reduce(
        operator.or_,
        (
            Q(start_date__lt=day) & _not_done_by_term(course_id) & _not_booked(course_id, now)
            for course_id, day in started_before.items()
        ),
    )


def _not_done_by_term(course_id: int) -> Q:
    """For a term: its councillor has no record of the course. SQLite looks each councillor up
    in the (councillor, course) index, faster than listing the course's tens of thousands of
    records first. PostgreSQL is given that list, which it hashes once: looked up term by term
    under the OR it runs as fast, but it costs the query in millions and then spends seconds
    compiling it (JIT)."""
    if connection.vendor == "postgresql":
        return ~Q(councillor_id__in=TrainingRecord.objects.filter(course_id=course_id).values("councillor_id"))
    return _not_done(OuterRef("councillor_id"), course_id)


def _rule_courses(today: date) -> dict[str, dict[int, date | None]]:
    """By kind of rule, the courses asked for, each with the day before which a start makes it
    overdue: None for committee rules; an "all councillors" course without a due date is left
    out, as it is never overdue.

    One query, of the distinct rules (a handful, though nationally there are hundreds of
    committee rules for a couple of courses): the day is worked out with :func:`add_months`
    itself (month ends and all) rather than restated in each database's date functions. When
    several rules of a kind ask for one course the earliest due date wins, so the latest day."""
    courses: dict[str, dict[int, date | None]] = defaultdict(dict)
    for kind, course_id, months in (
        MandatoryRule.objects.filter(course__is_active=True)
        .order_by()
        .values_list("kind", "course_id", "within_months")
        .distinct()
    ):
        if kind == MandatoryRule.Kind.COMMITTEE_MEMBERS:
            courses[kind][course_id] = None
            continue
        # As _requirement: a new councillors' rule without months gives 6; an all councillors'
        # rule without months has no due date.
        if kind == MandatoryRule.Kind.NEW_COUNCILLORS:
            months = months or NEW_COUNCILLOR_DEFAULT_MONTHS
        if months:
            day = _overdue_if_started_before(months, today)
            courses[kind][course_id] = max(day, courses[kind].get(course_id) or day)
    return courses


def _overdue_if_started_before(months: int, today: date) -> date:
    """The earliest start whose due date, ``add_months(start, months)``, is not before ``today``.
    ``add_months`` never goes backwards, so the course is overdue exactly for starts before it."""
    try:
        day = add_months(today, -months)
    except ValueError:  # before the year 1: no start is that early
        return date.min
    # add_months(day, months) <= today; a few days back it is surely before (month ends fold at
    # most four days into one), then forward to the first day that is not.
    day = day - timedelta(days=7) if day > date.min + timedelta(days=7) else date.min
    while add_months(day, months) < today:
        day += timedelta(days=1)
    return day
