"""Every page that lists things makes the same number of queries with 10 rows as with 1,000.

Each entry of ``PAGES`` signs in as a role allowed to see the page, builds the data the page
lists with everything it shows next to each row (a councillor's ward, group, terms, committees
and account; a complaint's councillors, headings, evidence and Independent Persons; a session's
bookings …), and returns the page's address and a ``grow(n)`` that adds ``n`` more rows. The
test fetches the page with 10 rows and again with 1,000 and compares the number of queries: a
query per row (an N+1) shows as a difference, and the message lists both sets of queries.

Paginated pages must hold steady too (page 1 of 20 makes the same queries as a single page).
PDFs are checked the same way, with WeasyPrint's layout stubbed out: every query happens while
the template renders, and laying out a thousand rows would only make the test slow.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from council import pdf
from council.roles import Role
from tests.complaints.factories import draft, submitted
from tests.factories import make_user
from tests.scale.builders import World
from training import services as training_services
from training.models import Course, Session

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 1_000

Grow = Callable[[int], object]
Build = Callable[[World, Callable], tuple[str, Grow]]
PAGES: dict[str, Build] = {}
# Pages that are PDFs: the layout is stubbed (see _LaidOutNothing).
PDF_PAGES: set[str] = set()
# Pages that show counts, not rows: they need not grow when the rows do.
COUNTS_ONLY: set[str] = set()


def page(name: str, *, is_pdf: bool = False, counts_only: bool = False) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        assert name not in PAGES, name
        PAGES[name] = build
        if is_pdf:
            PDF_PAGES.add(name)
        if counts_only:
            COUNTS_ONLY.add(name)
        return build

    return register


# --- The council: directory, invitations, audit log -----------------------------------------------


@page("council:councillor_list")
def _councillor_list(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("council:councillor_list"), lambda n: world.councillors(n, mixed=True, accounts=True)


@page("council:councillor_list?q=…")
def _councillor_search(world, login):
    login(Role.MONITORING_OFFICER)
    return reverse("council:councillor_list") + "?q=Cllr+Scale&status=active", lambda n: world.councillors(
        n, mixed=True, accounts=True
    )


@page("council:councillor_detail")
def _councillor_profile(world, login):
    login(Role.MEMBER_SERVICES)
    world.version()
    world.mandatory_courses()  # the training panel shows them
    councillor = world.councillors(1, accounts=True)[0]
    world.requirements([councillor])
    return reverse("council:councillor_detail", args=[councillor.pk]), lambda n: world.profile_rows(councillor, n)


def _record(world, login, name):
    login(Role.MEMBER_SERVICES)
    world.version()
    councillor = world.councillors(1, accounts=True)[0]
    world.requirements([councillor])

    def grow(n: int) -> None:
        world.profile_rows(councillor, n)
        world.protocol_history(councillor, n)
        world.own_training(councillor, n)

    return reverse(name, args=[councillor.pk]), grow


@page("council:councillor_record")
def _councillor_record_page(world, login):
    return _record(world, login, "council:councillor_record")


@page("council:councillor_record_pdf", is_pdf=True)
def _councillor_record_pdf(world, login):
    return _record(world, login, "council:councillor_record_pdf")


@page("council:invitation_list")
def _invitations(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("council:invitation_list"), world.invitations


def _admin(login) -> None:
    login(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@page("admin: audit log")
def _audit_log(world, login):
    _admin(login)
    return reverse("admin:council_auditentry_changelist"), world.audit_entries


@page("admin: authorities")
def _admin_authorities(world, login):
    _admin(login)
    return reverse("admin:council_authority_changelist"), world.parishes


@page("admin: councillors")
def _admin_councillors(world, login):
    _admin(login)
    return reverse("admin:council_councillor_changelist"), lambda n: world.councillors(n, mixed=True, accounts=True)


# --- The protocol ------------------------------------------------------------------------------------


@page("protocol:current")
def _protocol_current(world, login):
    version = world.version()
    return reverse("protocol:current"), lambda n: world.sections(version, n)


@page("protocol:version_list")
def _protocol_versions(world, login):
    world.version()
    return reverse("protocol:version_list"), world.old_versions


@page("protocol:compare")
def _protocol_compare(world, login):
    old = world.old_versions(1)[0]
    new = world.version()

    def grow(n: int) -> None:
        world.sections(old, n)
        world.sections(new, n)

    return reverse("protocol:compare") + f"?from={old.number}&to={new.number}", grow


@page("protocol:manage")
def _protocol_manage(world, login):
    login(Role.MEMBER_SERVICES)
    world.draft()
    return reverse("protocol:manage"), world.old_versions


@page("protocol:draft_detail")
def _protocol_draft(world, login):
    login(Role.MEMBER_SERVICES)
    draft = world.draft()
    return reverse("protocol:draft_detail", args=[draft.pk]), lambda n: world.sections(draft, n)


def _compliance(world, login, role, url):
    login(role)
    world.version()
    return url, lambda n: world.requirements(world.councillors(n, mixed=True))


@page("protocol:compliance")
def _compliance_dashboard(world, login):
    return _compliance(world, login, Role.MEMBER_SERVICES, reverse("protocol:compliance"))


@page("protocol:compliance as the Monitoring Officer")
def _compliance_dashboard_mo(world, login):
    return _compliance(world, login, Role.MONITORING_OFFICER, reverse("protocol:compliance"))


@page("protocol:compliance?status=acknowledged")
def _compliance_acknowledged(world, login):
    return _compliance(world, login, Role.MEMBER_SERVICES, reverse("protocol:compliance") + "?status=acknowledged")


@page("protocol:compliance_csv")
def _compliance_csv(world, login):
    return _compliance(world, login, Role.MEMBER_SERVICES, reverse("protocol:compliance_csv"))


@page("protocol:compliance_pdf", is_pdf=True)
def _compliance_pdf(world, login):
    return _compliance(world, login, Role.DEPUTY_MONITORING_OFFICER, reverse("protocol:compliance_pdf"))


@page("protocol:declarations")
def _declarations(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("protocol:declarations"), world.social_accounts


@page("protocol:councillor_history")
def _councillor_history(world, login):
    login(Role.MEMBER_SERVICES)
    world.version()
    councillor = world.councillors(1)[0]
    return reverse("protocol:councillor_history", args=[councillor.pk]), lambda n: world.protocol_history(councillor, n)


@page("protocol:my_acknowledgements")
def _my_acknowledgements(world, login):
    world.version()
    own = world.linked_councillor(login(Role.COUNCILLOR))
    return reverse("protocol:my_acknowledgements"), lambda n: world.protocol_history(own, n)


@page("protocol:my_accounts")
def _my_accounts(world, login):
    own = world.linked_councillor(login(Role.COUNCILLOR))
    return reverse("protocol:my_accounts"), lambda n: world.social_accounts(n, councillor=own)


# --- Complaints --------------------------------------------------------------------------------------


@page("complaints:councillor_search")
def _complaint_councillor_search(world, login):
    return reverse("complaints:councillor_search") + "?q=Scale+Councillor", world.councillors


@page("complaints:queue")
def _queue(world, login):
    login(Role.MONITORING_OFFICER)
    return reverse("complaints:queue"), world.complaints


@page("complaints:queue?status=all")
def _queue_all(world, login):
    login(Role.MONITORING_OFFICER)
    return reverse("complaints:queue") + "?status=all", world.complaints


@page("complaints:queue as a deputy of one authority")
def _queue_deputy(world, login):
    login(Role.DEPUTY_MONITORING_OFFICER, authority=world.principals[0])
    return reverse("complaints:queue"), world.complaints


@page("complaints:queue as an Independent Person")
def _queue_ip(world, login):
    ip = login(Role.INDEPENDENT_PERSON)
    return reverse("complaints:queue"), lambda n: world.complaints(n, independent_person=ip)


@page("complaints:case (its lists)")
def _case(world, login):
    login(Role.MONITORING_OFFICER)
    ip = make_user(Role.INDEPENDENT_PERSON)
    complaint = world.complaints(1, independent_person=ip)[0]
    world.version()
    return reverse("complaints:case", args=[complaint.pk]), lambda n: world.case_file(
        complaint, n, independent_person=ip
    )


@page("complaints:case_bundle_pdf", is_pdf=True)
def _case_bundle(world, login):
    login(Role.MONITORING_OFFICER)
    ip = make_user(Role.INDEPENDENT_PERSON)
    complaint = world.complaints(1, independent_person=ip)[0]
    world.version()
    return reverse("complaints:case_bundle_pdf", args=[complaint.pk]), lambda n: world.case_file(
        complaint, n, independent_person=ip
    )


@page("complaints:case_audit")
def _case_audit(world, login):
    login(Role.DEPUTY_MONITORING_OFFICER)
    complaint = world.complaints(1)[0]
    return reverse("complaints:case_audit", args=[complaint.pk]), lambda n: world.case_audit_entries(complaint, n)


def _tracked(world, *, send: bool):
    """A complaint made through the public form, and the link its complainant follows it by."""
    councillor = world.pool[0]
    complaint, token = submitted(councillor) if send else draft(councillor)
    ip = make_user(Role.INDEPENDENT_PERSON)
    return reverse("complaints:track", args=[token]), lambda n: world.case_file(complaint, n, independent_person=ip)


@page("complaints:track (the draft to review)")
def _track_draft(world, login):
    return _tracked(world, send=False)


@page("complaints:track (progress)")
def _track_progress(world, login):
    return _tracked(world, send=True)


@page("complaints:my_case (its lists)")
def _my_case(world, login):
    own = world.linked_councillor(login(Role.COUNCILLOR))
    complaint = world.complaints(1, about=own, notified=True)[0]
    ip = make_user(Role.INDEPENDENT_PERSON)
    return reverse("complaints:my_case", args=[complaint.pk]), lambda n: world.case_file(
        complaint, n, independent_person=ip
    )


@page("complaints:my_cases")
def _my_cases(world, login):
    own = world.linked_councillor(login(Role.COUNCILLOR))
    return reverse("complaints:my_cases"), lambda n: world.complaints(n, about=own, notified=True)


@page("complaints:report_register")
def _register(world, login):
    login(Role.MONITORING_OFFICER)
    return reverse("complaints:report_register"), world.complaints


@page("complaints:report_register?format=csv")
def _register_csv(world, login):
    login(Role.MONITORING_OFFICER)
    return reverse("complaints:report_register") + "?format=csv", world.complaints


@page("complaints:report_register?format=pdf", is_pdf=True)
def _register_pdf(world, login):
    login(Role.DEPUTY_MONITORING_OFFICER)
    return reverse("complaints:report_register") + "?format=pdf", world.complaints


@page("complaints:report_annual")
def _annual(world, login):
    login(Role.REPORT_VIEWER)
    return reverse("complaints:report_annual"), world.complaints


@page("complaints:report_annual?format=csv")
def _annual_csv(world, login):
    login(Role.REPORT_VIEWER)
    return reverse("complaints:report_annual") + "?format=csv", world.complaints


@page("complaints:report_annual?format=pdf", is_pdf=True)
def _annual_pdf(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("complaints:report_annual") + "?format=pdf", world.complaints


# --- Training ----------------------------------------------------------------------------------------


def _sessions_and_courses(world: World, n: int) -> None:
    world.sessions(n)
    world.courses(n)


@page("training:sessions")
def _sessions(world, login):
    world.linked_councillor(login(Role.COUNCILLOR))
    return reverse("training:sessions"), lambda n: _sessions_and_courses(world, n)


@page("training:sessions as Member Services")
def _sessions_ms(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("training:sessions"), lambda n: _sessions_and_courses(world, n)


@page("training:my_training")
def _my_training(world, login):
    own = world.linked_councillor(login(Role.COUNCILLOR))
    return reverse("training:my_training"), lambda n: world.own_training(own, n)


@page("training:calendar_feed")
def _calendar_feed(world, login):
    own = world.linked_councillor(make_user(Role.COUNCILLOR))
    token = training_services.issue_calendar_token(own)
    return reverse("training:calendar_feed", args=[token]), lambda n: world.own_training(own, n)


@page("training:course_list")
def _course_list(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("training:course_list"), world.courses


@page("training:course_detail")
def _course_detail(world, login):
    login(Role.MEMBER_SERVICES)
    course = world.mandatory_courses()[2]
    return reverse("training:course_detail", args=[course.pk]), lambda n: world.sessions(n, course=course)


@page("training:course_interest")
def _course_interest(world, login):
    login(Role.MEMBER_SERVICES)
    course = Course.objects.create(title="Data protection", topic="data_protection")
    return reverse("training:course_interest", args=[course.pk]), lambda n: world.interests(course, n)


def _one_session(world: World, *, started: bool) -> Session:
    starts = timezone.now() + (timedelta(hours=-1) if started else timedelta(days=5))
    return Session.objects.create(course=world.mandatory_courses()[0], starts_at=starts, capacity=3)


@page("training:session_bookings")
def _session_bookings(world, login):
    login(Role.MEMBER_SERVICES)
    session = _one_session(world, started=False)
    return reverse("training:session_bookings", args=[session.pk]), lambda n: world.session_with_bookings(session, n)


@page("training:attendance")
def _attendance(world, login):
    login(Role.MEMBER_SERVICES)
    session = _one_session(world, started=True)
    return reverse("training:attendance", args=[session.pk]), lambda n: world.session_with_bookings(session, n)


@page("training:attendance_pdf", is_pdf=True)
def _attendance_pdf(world, login):
    login(Role.MEMBER_SERVICES)
    session = _one_session(world, started=True)
    return reverse("training:attendance_pdf", args=[session.pk]), lambda n: world.session_with_bookings(session, n)


@page("training:councillor_record")
def _councillor_record(world, login):
    login(Role.MEMBER_SERVICES)
    councillor = world.councillors(1)[0]
    return reverse("training:councillor_record", args=[councillor.pk]), lambda n: world.own_training(councillor, n)


@page("training:record_pdf", is_pdf=True)
def _record_pdf(world, login):
    login(Role.MEMBER_SERVICES)
    councillor = world.councillors(1)[0]
    return reverse("training:record_pdf", args=[councillor.pk]), lambda n: world.own_training(councillor, n)


def _matrix(world, login, url):
    login(Role.MEMBER_SERVICES)
    world.mandatory_courses()  # the matrix's columns
    return url, lambda n: world.training_history(world.councillors(n))


@page("training:matrix")
def _matrix_page(world, login):
    return _matrix(world, login, reverse("training:matrix"))


@page("training:matrix_csv")
def _matrix_csv(world, login):
    return _matrix(world, login, reverse("training:matrix_csv"))


@page("training:matrix_pdf", is_pdf=True)
def _matrix_pdf(world, login):
    return _matrix(world, login, reverse("training:matrix_pdf"))


@page("training:committees")
def _committees(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("training:committees"), world.regulatory_committees


@page("training:emails_sent")
def _emails_sent(world, login):
    login(Role.MEMBER_SERVICES)
    return reverse("training:emails_sent"), world.training_emails


# --- Reports made in the background ---------------------------------------------------------------------


@page("reports:jobs")
def _report_jobs(world, login):
    user = login(Role.MONITORING_OFFICER)
    return reverse("reports:jobs"), lambda n: world.report_jobs(user, n)


# --- The home page's panels, for every role ------------------------------------------------------------


def _home(role: str) -> Build:
    def build(world, login):
        user = login(role)
        own = world.linked_councillor(user) if role == Role.COUNCILLOR else None
        world.version()

        def grow(n: int) -> None:
            councillors = world.councillors(n, mixed=True, accounts=True)
            world.requirements(councillors)
            world.training_history(councillors)
            world.regulatory_committees(n)
            world.complaints(n, independent_person=user if role == Role.INDEPENDENT_PERSON else None)
            world.sessions(n)
            if own is not None:
                world.complaints(n, about=own, notified=True)
                world.own_training(own, n)

        return reverse("home"), grow

    return build


for _role in Role:
    page(f"home as {_role.label}", counts_only=True)(_home(_role))


# --- The test ------------------------------------------------------------------------------------------


class _LaidOutNothing:
    """Stands in for a WeasyPrint document: the template has rendered (and made its queries)."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.pages: list = []

    def write_pdf(self, **kwargs) -> bytes:
        return self.html.encode()


def _render_without_layout(template_name: str, context: dict | None = None) -> _LaidOutNothing:
    return _LaidOutNothing(pdf.render_html(template_name, context))


def _fetch(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return response, queries.captured_queries


def _shape(sql: str) -> str:
    """The query with its numbers taken out, so that the same query for another row looks the same."""
    return re.sub(r"\b\d+\b", "N", sql)


def _explain(url: str, few: list[dict], many: list[dict]) -> str:
    """Which queries were added, counted by shape (an N+1 shows as one shape repeated per row)."""
    few_shapes, many_shapes = Counter(_shape(q["sql"]) for q in few), Counter(_shape(q["sql"]) for q in many)
    changed = [
        f"  {few_shapes[shape]:4} -> {count:4}  {shape[:600]}"
        for shape, count in (many_shapes | few_shapes).items()
        if few_shapes[shape] != many_shapes[shape]
    ]
    listing = "\n".join(f"  {i:3}. {q['sql'][:300]}" for i, q in enumerate(many[:80], start=1))
    return (
        f"{url} made {len(few)} queries with {FEW} rows but {len(many)} with {MANY}.\n"
        f"Queries whose number changed ({FEW} rows -> {MANY} rows; numbers shown as N):\n"
        + "\n".join(changed)
        + f"\nThe first {min(len(many), 80)} of {len(many)} queries with {MANY} rows:\n{listing}"
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_a_list_page_makes_as_many_queries_for_1000_rows_as_for_10(name, client, login, monkeypatch, settings):
    if name in PDF_PAGES:
        monkeypatch.setattr(pdf, "render_document", _render_without_layout)
        # Made while the person waits, however many rows (not handed to a background job).
        settings.REPORT_BACKGROUND_ROWS = 10 * MANY
    # A staff session records its last use at most once a minute; a slow run must not see that
    # write land in one measurement and not the other.
    monkeypatch.setattr("council.middleware.LAST_SEEN_RESOLUTION", 10**9, raising=False)
    world = World()
    url, grow = PAGES[name](world, login)
    grow(FEW)
    _fetch(client, url)  # the first request fills per-process caches (content types, sites)
    small, few = _fetch(client, url)
    grow(MANY - FEW)
    large, many = _fetch(client, url)
    assert len(many) == len(few), _explain(url, few, many)
    if name not in COUNTS_ONLY:
        # The page really shows the new rows: it is not comparing two empty lists.
        assert len(large.content) > len(small.content), f"{url} looks the same with {MANY} rows as with {FEW}"
