"""Training pages for councillors: upcoming sessions, booking and the waiting list, their own
training record, and their private calendar feed.

Re-exported from ``training.views`` (the URLconf's module); each view declares who may use it.
A councillor only ever acts on their own bookings: the booking is looked up from the signed-in
account, never from anything the browser sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from council import selectors as council_selectors
from council.access import login_required, public, role_required
from council.models import Councillor
from council.roles import Capability, Role, user_can, user_has_role
from council.services import DomainError

from . import ics, mandatory, services
from .models import Booking, CalendarFeed, Course, Interest, Session, TrainingRecord

LIVE = (Booking.Status.BOOKED, Booking.Status.WAITING)


# --- Helpers --------------------------------------------------------------------------------------


def _own_councillor(request: HttpRequest) -> Councillor | None:
    """The councillor record linked to the signed-in account, for councillor-role users only."""
    if not user_has_role(request.user, Role.COUNCILLOR):
        return None
    return council_selectors.councillor_for_user(request.user)


def _not_linked(request: HttpRequest) -> HttpResponse:
    """A councillor-role account with no directory record: nothing to book until Member Services link it."""
    return render(request, "training/not_linked.html")


def _with_counts(queryset):
    return queryset.select_related("course").annotate(
        booked_count=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)),
        waiting_count=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITING)),
    )


def _get_session(pk: int) -> Session:
    return get_object_or_404(_with_counts(Session.objects.all()), pk=pk)


def _own_live_booking(session: Session, councillor: Councillor) -> Booking | None:
    return Booking.objects.filter(session=session, councillor=councillor, status__in=LIVE).first()


def _calendar_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def duration_text(minutes: int) -> str:
    """120 -> "2 hours", 90 -> "1 hour 30 minutes"."""
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not hours:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


@dataclass
class SessionRow:
    session: Session
    places_left: int
    my_status: str  # "booked", "waiting" or ""

    @property
    def duration(self) -> str:
        return duration_text(self.session.duration_minutes)


def _upcoming_rows(councillor: Councillor | None) -> list[SessionRow]:
    """Upcoming scheduled sessions with their booked counts, in two queries whatever their number."""
    now = timezone.now()
    upcoming = list(
        _with_counts(Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gt=now)).order_by(
            "starts_at", "pk"
        )
    )
    mine: dict[int, str] = {}
    if councillor is not None:
        mine = dict(
            Booking.objects.filter(
                councillor=councillor,
                status__in=LIVE,
                session__status=Session.Status.SCHEDULED,
                session__starts_at__gt=now,
            ).values_list("session_id", "status")
        )
    return [SessionRow(s, max(s.capacity - s.booked_count, 0), mine.get(s.pk, "")) for s in upcoming]


def _courses_without_sessions(councillor: Councillor | None) -> list[Course]:
    """Active courses with no upcoming session, each marked if the councillor already asked to be told."""
    upcoming = Session.objects.filter(
        course=OuterRef("pk"), status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
    )
    courses = Course.objects.filter(is_active=True).filter(~Exists(upcoming))
    if councillor is not None:
        asked = Interest.objects.filter(course=OuterRef("pk"), councillor=councillor, notified_at__isnull=True)
        courses = courses.annotate(interest_registered=Exists(asked))
    return list(courses.order_by("title"))


# --- Pages ----------------------------------------------------------------------------------------


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions, places left, and (for a linked councillor) where they stand on each."""
    councillor = _own_councillor(request)
    return render(
        request,
        "training/sessions.html",
        {
            "rows": _upcoming_rows(councillor),
            "courses_without_sessions": _courses_without_sessions(councillor),
            "councillor": councillor,
            "is_councillor": user_has_role(request.user, Role.COUNCILLOR),
            "can_manage": user_can(request.user, Capability.MANAGE_TRAINING),
        },
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session(pk)
    councillor = _own_councillor(request)
    now = timezone.now()
    my_booking = _own_live_booking(session, councillor) if councillor else None
    is_past = session.starts_at <= now
    is_cancelled = session.status == Session.Status.CANCELLED
    booking_closed = bool(session.booking_closes_at and session.booking_closes_at <= now)
    waiting_position = None
    if my_booking and my_booking.status == Booking.Status.WAITING:
        waiting_position = (
            Booking.objects.filter(
                session=session, status=Booking.Status.WAITING, requested_at__lt=my_booking.requested_at
            ).count()
            + 1
        )
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "councillor": councillor,
            "is_councillor": user_has_role(request.user, Role.COUNCILLOR),
            "my_booking": my_booking,
            "waiting_position": waiting_position,
            "places_left": max(session.capacity - session.booked_count, 0),
            "duration": duration_text(session.duration_minutes),
            "is_full": session.booked_count >= session.capacity,
            "is_past": is_past,
            "is_cancelled": is_cancelled,
            "booking_closed": booking_closed,
            "can_book": bool(
                councillor
                and councillor.is_active
                and not my_booking
                and not (is_past or is_cancelled or booking_closed)
            ),
            "can_cancel": bool(my_booking and not is_past and not is_cancelled),
            "can_manage": user_can(request.user, Capability.MANAGE_TRAINING),
        },
    )


@role_required(Role.COUNCILLOR)
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a place, or join the waiting list when the session is full."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    session = _get_session(pk)
    try:
        booking = services.book(actor=request.user, session=session, councillor=councillor, on_behalf=False)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        when = timezone.localtime(session.starts_at)
        if booking.status == Booking.Status.BOOKED:
            messages.success(
                request, f"You have a place on {session.course.title} on {when.day} {when:%B %Y at %H:%M}."
            )
        else:
            messages.success(
                request,
                f"{session.course.title} on {when.day} {when:%B %Y} is full, so you are on the waiting list. "
                "If a place comes free it will be yours automatically and we will email you.",
            )
    return redirect("training:session_detail", pk=session.pk)


@role_required(Role.COUNCILLOR)
@require_POST
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the signed-in councillor's own place, or take them off the waiting list."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    session = _get_session(pk)
    booking = _own_live_booking(session, councillor)
    if booking is None:
        messages.info(request, "You do not have a place or a place on the waiting list for this session.")
        return redirect("training:session_detail", pk=session.pk)
    if session.starts_at <= timezone.now():
        # Attendance is being recorded against it; changes now go through Member Services.
        messages.error(request, "This session has already started, so your booking cannot be cancelled here.")
        return redirect("training:session_detail", pk=session.pk)
    was_waiting = booking.status == Booking.Status.WAITING
    try:
        services.cancel_booking(actor=request.user, booking=booking)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if was_waiting:
            messages.success(request, f"You have left the waiting list for {session.course.title}.")
        else:
            messages.success(request, f"Your place on {session.course.title} has been cancelled.")
    return redirect("training:session_detail", pk=session.pk)


@login_required
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The session as a calendar entry; a cancelled session cancels the entry."""
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    method = "CANCEL" if session.status == Session.Status.CANCELLED else "REQUEST"
    content = ics.event_calendar(session, method=method)
    return _calendar_response(content, f"training-session-{session.pk}.ics", attachment=True)


@role_required(Role.COUNCILLOR)
@require_POST
def register_interest(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to be told when a session of a course is added."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    course = get_object_or_404(Course, pk=pk, is_active=True)
    try:
        services.register_interest(actor=request.user, course=course, councillor=councillor)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"We will email you when a session of {course.title} is added.")
    return redirect(reverse("training:sessions") + f"#course-{course.pk}")


@role_required(Role.COUNCILLOR)
def my_training(request: HttpRequest) -> HttpResponse:
    """The councillor's own record: completed, booked and waiting, and mandatory training."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    bookings = (
        Booking.objects.filter(
            councillor=councillor,
            status__in=LIVE,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gt=timezone.now(),
        )
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    requirements = [
        {"course": course, "due_date": due_date, "status": status}
        for course, due_date, status in mandatory.requirements_for(councillor)
    ]
    return render(
        request,
        "training/my_training.html",
        {
            "councillor": councillor,
            "records": list(TrainingRecord.objects.filter(councillor=councillor).select_related("course")),
            "bookings": list(bookings),
            "requirements": requirements,
            "outstanding": sum(1 for r in requirements if r["status"] != "complete"),
            "overdue": sum(1 for r in requirements if r["status"] == "overdue"),
        },
    )


@role_required(Role.COUNCILLOR)
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The private calendar link. Only its hash is stored, so the link shows once, when issued."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    context: dict[str, Any] = {"feed_url": None}
    if request.method == "POST":
        token = services.issue_calendar_token(councillor, actor=request.user)
        context["feed_url"] = settings.SITE_URL + reverse("training:calendar_feed", args=[token])
    context["has_feed"] = CalendarFeed.objects.filter(councillor=councillor).exists()
    response = render(request, "training/calendar_settings.html", context)
    response["Cache-Control"] = "private, no-store"  # the page may carry a secret link
    return response


@public
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A councillor's booked sessions for their calendar app; the token in the URL is the key."""
    councillor = services.councillor_for_calendar_token(token)
    if councillor is None:
        raise Http404("This calendar link is not valid. It may have been replaced.")
    response = _calendar_response(ics.feed_calendar(councillor), "training.ics", attachment=False)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
