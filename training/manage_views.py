"""Member Services' training pages: courses, sessions, bookings on a councillor's behalf,
attendance, training records, the mandatory-training matrix, and the emails sent."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from council.access import capability_required
from council.audit import log_action
from council.ids import parse_id
from council.models import Committee, Councillor
from council.pagination import get_page, pagination
from council.roles import Capability
from council.services import DomainError

from . import course_services, mandatory, selectors, services
from .manage_forms import (
    AttendanceForm,
    CancelSessionForm,
    CouncillorChoiceForm,
    CourseForm,
    ManualRecordForm,
    MatrixFilterForm,
    SessionForm,
)
from .models import Booking, Course, Interest, MandatoryRule, Session, TrainingRecord, TrainingReminder

LIVE = (Booking.Status.BOOKED, Booking.Status.WAITING)
MATRIX_PAGE_SIZE = 100
EMAILS_PAGE_SIZE = 50


# --- Helpers --------------------------------------------------------------------------------------


def _rules_prefetch() -> Prefetch:
    return Prefetch(
        "mandatory_rules", queryset=MandatoryRule.objects.select_related("committee__authority").order_by("pk")
    )


# --- Courses --------------------------------------------------------------------------------------


@capability_required(Capability.MANAGE_TRAINING)
def course_list(request: HttpRequest) -> HttpResponse:
    """Every course, with who must do it, sessions to come and councillors waiting for one."""
    now = timezone.now()
    courses = (
        Course.objects.prefetch_related(_rules_prefetch())
        .annotate(
            upcoming=Count(
                "sessions",
                filter=Q(sessions__starts_at__gt=now, sessions__status=Session.Status.SCHEDULED),
                distinct=True,
            ),
            open_interest=Count("interests", filter=Q(interests__notified_at__isnull=True), distinct=True),
        )
        .order_by("-is_active", "title")
    )
    return render(request, "training/manage_course_list.html", {"courses": courses})


@capability_required(Capability.MANAGE_TRAINING)
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = course_services.create_course(
                actor=request.user,
                title=data["title"],
                topic=data["topic"],
                description=data["description"],
                rules=data["rules"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if not data["is_active"]:
                course_services.update_course(
                    actor=request.user,
                    course=course,
                    title=course.title,
                    topic=course.topic,
                    description=course.description,
                    is_active=False,
                )
            messages.success(request, f"The course {course.title} has been added.")
            return redirect("training:course_detail", course.pk)
    return render(request, "training/manage_course_form.html", {"form": form, "course": None})


@capability_required(Capability.MANAGE_TRAINING)
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course.objects.prefetch_related(_rules_prefetch()), pk=pk)
    sessions = selectors.sessions_with_counts().filter(course=course).order_by("-starts_at")
    now = timezone.now()
    return render(
        request,
        "training/manage_course_detail.html",
        {
            "course": course,
            "upcoming": [s for s in sessions if s.starts_at > now][::-1],
            "past": [s for s in sessions if s.starts_at <= now],
            "open_interest": course.interests.filter(notified_at__isnull=True).count(),
            "now": now,
        },
    )


@capability_required(Capability.MANAGE_TRAINING)
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    form = CourseForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The details and the rules are one change: both saved, or neither.
            with transaction.atomic():
                course_services.update_course(
                    actor=request.user,
                    course=course,
                    title=data["title"],
                    topic=data["topic"],
                    description=data["description"],
                    is_active=data["is_active"],
                )
                course_services.set_mandatory_rules(actor=request.user, course=course, rules=data["rules"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The course {data['title']} has been updated.")
            return redirect("training:course_detail", course.pk)
    return render(request, "training/manage_course_form.html", {"form": form, "course": course})


@capability_required(Capability.MANAGE_TRAINING)
def course_interest(request: HttpRequest, pk: int) -> HttpResponse:
    """Councillors waiting to hear of a session; register one on their behalf."""
    course = get_object_or_404(Course, pk=pk)
    interests = list(
        Interest.objects.filter(course=course)
        .select_related("councillor__authority", "registered_by")
        .order_by("notified_at", "created_at", "pk")
    )
    open_ids = [i.councillor_id for i in interests if i.notified_at is None]
    form = CouncillorChoiceForm(request.POST or None, exclude_ids=open_ids, submit_label="Register interest")
    if request.method == "POST" and form.is_valid():
        councillor = form.chosen()
        try:
            services.register_interest(actor=request.user, course=course, councillor=councillor)
        except DomainError as exc:
            form.add_error("councillor", str(exc).rstrip("."))
        else:
            messages.success(
                request, f"Councillor {councillor.name} will be told when a session of {course.title} is added."
            )
            return redirect("training:course_interest", course.pk)
    return render(
        request,
        "training/manage_course_interest.html",
        {
            "course": course,
            "form": form,
            "open": [i for i in interests if i.notified_at is None],
            "told": [i for i in interests if i.notified_at is not None],
        },
    )


# --- Sessions -------------------------------------------------------------------------------------


@capability_required(Capability.MANAGE_TRAINING)
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    form = SessionForm(request.POST or None, submit_label="Add session")
    if request.method == "POST" and form.is_valid():
        try:
            session = course_services.create_session(actor=request.user, course=course, **form.session_values())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            when = timezone.localtime(session.starts_at)
            messages.success(request, f"The session on {when:%-d %B %Y} has been added.")
            return redirect("training:course_detail", course.pk)
    return render(request, "training/manage_session_form.html", {"form": form, "course": course, "session": None})


@capability_required(Capability.MANAGE_TRAINING)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_with_counts(pk)
    if session.status == Session.Status.CANCELLED:
        messages.info(request, "This session has been cancelled, so it cannot be changed.")
        return redirect("training:course_detail", session.course_id)
    form = SessionForm(request.POST or None, session=session, submit_label="Save changes")
    if request.method == "POST" and form.is_valid():
        values = form.session_values()
        if values["capacity"] < session.booked:
            form.add_error(
                "capacity",
                f"{session.booked} councillors are booked, so the session needs at least {session.booked} places. "
                "Cancel bookings first to make it smaller",
            )
        else:
            try:
                course_services.update_session(actor=request.user, session=session, **values)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "The session has been updated. Everyone booked or waiting has been told.")
                return redirect("training:course_detail", session.course_id)
    return render(
        request, "training/manage_session_form.html", {"form": form, "course": session.course, "session": session}
    )


@capability_required(Capability.MANAGE_TRAINING)
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_with_counts(pk)
    if session.status == Session.Status.CANCELLED:
        messages.info(request, "This session has already been cancelled.")
        return redirect("training:course_detail", session.course_id)
    form = CancelSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course_services.cancel_session(actor=request.user, session=session, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            told = session.booked + session.waiting
            messages.success(
                request,
                f"The session has been cancelled. {told} councillor{'s' if told != 1 else ''} booked or waiting "
                f"{'have' if told != 1 else 'has'} been told.",
            )
            return redirect("training:course_detail", session.course_id)
    return render(request, "training/manage_session_cancel.html", {"form": form, "session": session})


def _live_bookings(session: Session) -> list[Booking]:
    return list(
        Booking.objects.filter(session=session, status__in=LIVE)
        .select_related("councillor__authority")
        .order_by("requested_at", "pk")
    )


@capability_required(Capability.MANAGE_TRAINING)
def session_bookings(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is booked and waiting, in order; book or cancel on a councillor's behalf."""
    session = selectors.session_with_counts(pk)
    bookings = _live_bookings(session)
    posted = request.POST if request.method == "POST" and "councillor" in request.POST else None
    form = CouncillorChoiceForm(posted, exclude_ids=[b.councillor_id for b in bookings], submit_label="Book a place")
    if request.method == "POST" and "cancel_booking" in request.POST:
        return _cancel_on_behalf(request, session, request.POST["cancel_booking"])
    if posted is not None and form.is_valid():
        councillor = form.chosen()
        try:
            booking = services.book(actor=request.user, session=session, councillor=councillor, on_behalf=True)
        except DomainError as exc:
            form.add_error("councillor", str(exc).rstrip("."))
        else:
            if booking.status == Booking.Status.BOOKED:
                messages.success(request, f"Councillor {councillor.name} has a place. They have been told by email.")
            else:
                messages.success(
                    request,
                    f"The session is full, so Councillor {councillor.name} is on the waiting list. "
                    "They will get a place automatically if one becomes free.",
                )
            return redirect("training:session_bookings", session.pk)
    return render(
        request,
        "training/manage_session_bookings.html",
        {
            "session": session,
            "form": form,
            "booked": [b for b in bookings if b.status == Booking.Status.BOOKED],
            "waiting": [b for b in bookings if b.status == Booking.Status.WAITING],
            "can_book": session.status == Session.Status.SCHEDULED and session.starts_at > timezone.now(),
        },
    )


def _cancel_on_behalf(request: HttpRequest, session: Session, raw_pk: str) -> HttpResponse:
    booking = Booking.objects.filter(session=session, pk=parse_id(raw_pk) or 0).first()
    if booking is None:
        messages.error(request, "That booking was not found. It may already have been cancelled.")
        return redirect("training:session_bookings", session.pk)
    try:
        promoted = services.cancel_booking(actor=request.user, booking=booking)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        text = f"The booking for Councillor {booking.councillor.name} has been cancelled."
        if promoted is not None:
            text += f" Councillor {promoted.councillor.name} has been given the place from the waiting list."
        messages.success(request, text)
    return redirect("training:session_bookings", session.pk)


@capability_required(Capability.MANAGE_TRAINING)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark each booked councillor attended or absent; made for a tablet in the training room."""
    session = selectors.session_with_counts(pk)
    if session.status == Session.Status.CANCELLED:
        messages.info(request, "This session was cancelled, so there is no attendance to record.")
        return redirect("training:course_detail", session.course_id)
    bookings = [b for b in _live_bookings(session) if b.status == Booking.Status.BOOKED]
    form = AttendanceForm(request.POST or None, bookings=bookings)
    if request.method == "POST" and form.is_valid():
        marks = form.marks()
        try:
            # One save for the whole list: all recorded, or none.
            with transaction.atomic():
                for booking, attended, reason in marks:
                    services.record_attendance(
                        actor=request.user, booking=booking, attended=attended, absence_reason=reason
                    )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Attendance saved for {len(marks)} councillor{'s' if len(marks) != 1 else ''}.")
            return redirect("training:attendance", session.pk)
    return render(
        request,
        "training/manage_attendance.html",
        {"session": session, "form": form, "started": session.starts_at <= timezone.now()},
    )


# --- Councillors' records -------------------------------------------------------------------------


@capability_required(Capability.MANAGE_TRAINING)
def councillor_record(request: HttpRequest, pk: int) -> HttpResponse:
    councillor = get_object_or_404(Councillor.objects.select_related("authority", "political_group"), pk=pk)
    records = TrainingRecord.objects.filter(councillor=councillor).select_related("course", "recorded_by")
    bookings = (
        Booking.objects.filter(councillor=councillor)
        .select_related("session__course")
        .order_by("-session__starts_at", "-pk")
    )
    return render(
        request,
        "training/manage_councillor_record.html",
        {
            "councillor": councillor,
            "records": records,
            "bookings": bookings,
            "requirements": mandatory.requirements_for(councillor),
            "now": timezone.now(),
        },
    )


@capability_required(Capability.MANAGE_TRAINING)
def record_add(request: HttpRequest, pk: int) -> HttpResponse:
    councillor = get_object_or_404(Councillor.objects.select_related("authority"), pk=pk)
    form = ManualRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_manual_record(
                actor=request.user,
                councillor=councillor,
                title=data["title"].strip(),
                completed_on=data["completed_on"],
                course=form.chosen_course(),
                provider=data["provider"].strip(),
                notes=data["notes"].strip(),
                evidence=data.get("evidence"),
            )
        except DomainError as exc:
            form.add_error("evidence" if data.get("evidence") else None, str(exc).rstrip("."))
        else:
            messages.success(request, f"The training record for Councillor {councillor.name} has been saved.")
            return redirect("training:councillor_record", councillor.pk)
    return render(request, "training/manage_record_form.html", {"form": form, "councillor": councillor})


# --- Mandatory training ---------------------------------------------------------------------------


def _matrix_for(request: HttpRequest) -> tuple[MatrixFilterForm, dict, object]:
    form = MatrixFilterForm.from_query(request.GET)
    filters = form.filters()
    return form, filters, mandatory.matrix(filters)


@capability_required(Capability.MANAGE_TRAINING)
def matrix(request: HttpRequest) -> HttpResponse:
    """Councillors by mandatory courses, with what is outstanding and overdue."""
    form = MatrixFilterForm.from_query(request.GET)
    filters = form.filters()
    # Work out the matrix for the councillors on this page only (the CSV has everyone).
    page = get_page(request, Paginator(mandatory.councillors_for(filters), MATRIX_PAGE_SIZE))
    grid = mandatory.matrix({**filters, "councillors": [c.pk for c in page.object_list]})
    page.object_list = grid.rows
    query = urlencode({k: v.pk for k, v in filters.items()})
    return render(
        request,
        "training/manage_matrix.html",
        {
            "form": form,
            "grid": grid,
            "page": page,
            "pagination": pagination(request, page),
            "filtered": bool(filters),
            "csv_url": selectors.matrix_csv_url(query),
            "background_rows": settings.REPORT_BACKGROUND_ROWS,
        },
    )


@capability_required(Capability.MANAGE_TRAINING)
def matrix_csv(request: HttpRequest) -> HttpResponse:
    """The matrix, every row, as a spreadsheet (same filters)."""
    _form, filters, grid = _matrix_for(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mandatory-training.csv"'
    # Matrix.write_csv guards every cell against spreadsheet formula injection.
    grid.write_csv(response)
    count = len(grid.rows)
    # Personal data leaving the portal: say who took it.
    log_action(
        actor=request.user,
        action="training.matrix_exported",
        summary=f"Exported the mandatory training matrix ({count} rows)",
        filters={k: v.pk for k, v in filters.items()},
    )
    return response


@capability_required(Capability.MANAGE_TRAINING)
def committees(request: HttpRequest) -> HttpResponse:
    """Regulatory committees, with members who lack the training required before they sit."""
    flagged = defaultdict(list)
    for committee, councillor, course in mandatory.flags({"regulatory_only": True}):
        flagged[committee.pk].append({"councillor": councillor, "course": course})
    regulatory = list(
        Committee.objects.filter(is_regulatory=True)
        .select_related("authority")
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("authority__name", "name")
    )
    rows = [{"committee": c, "flags": flagged.get(c.pk, [])} for c in regulatory]
    return render(
        request,
        "training/manage_committees.html",
        {"rows": rows, "flag_count": sum(len(r["flags"]) for r in rows)},
    )


@capability_required(Capability.MANAGE_TRAINING)
def emails_sent(request: HttpRequest) -> HttpResponse:
    """Every training email, newest first: what was sent to whom, and whether it has gone."""
    reminders = TrainingReminder.objects.select_related(
        "councillor__authority", "session__course", "course", "email"
    ).order_by("-created_at", "-pk")
    page = get_page(request, Paginator(reminders, EMAILS_PAGE_SIZE))
    return render(
        request,
        "training/manage_emails.html",
        {"page": page, "pagination": pagination(request, page)},
    )
