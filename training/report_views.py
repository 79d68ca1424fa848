"""Training reports as tagged PDFs: a session's attendance, a councillor's training record, and
mandatory-training compliance. Re-exported from ``training.views`` (the URLconf's module)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify

from council import pdf
from council.access import capability_required
from council.audit import log_action
from council.models import Councillor
from council.roles import Capability

from . import mandatory
from .manage_views import _csv_url, _get_session, _matrix_for
from .models import Booking, TrainingRecord

# A PDF of thousands of rows takes long to lay out and nobody reads it; the CSV is the full export.
MATRIX_PDF_LIMIT = 500


def _pdf_response(template_name: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(pdf.render_pdf(template_name, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@capability_required(Capability.MANAGE_TRAINING)
def attendance_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Who was booked on one session, and whether they attended."""
    session = _get_session(pk)
    bookings = list(
        Booking.objects.filter(session=session, status=Booking.Status.BOOKED)
        .select_related("councillor__authority")
        .order_by("councillor__name", "pk")
    )
    context = {
        "title": f"Attendance: {session.course.title}, {date_format(timezone.localtime(session.starts_at), 'j F Y')}",
        "session": session,
        "bookings": bookings,
        "attended": sum(b.attendance == Booking.Attendance.ATTENDED for b in bookings),
        "generated": timezone.localtime(),
    }
    log_action(
        actor=request.user,
        action="training.attendance_report_downloaded",
        obj=session,
        summary=f"Downloaded the attendance for {session} as a PDF",
    )
    return _pdf_response("pdf/training_attendance.html", context, f"attendance-session-{session.pk}.pdf")


@capability_required(Capability.MANAGE_TRAINING)
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A councillor's training record: mandatory courses, training completed and bookings."""
    councillor = get_object_or_404(Councillor.objects.select_related("authority", "political_group"), pk=pk)
    context = {
        "title": f"Training record: Councillor {councillor.name}",
        "councillor": councillor,
        "requirements": mandatory.requirements_for(councillor),
        "records": TrainingRecord.objects.filter(councillor=councillor).select_related("course"),
        "bookings": Booking.objects.filter(councillor=councillor)
        .select_related("session__course")
        .order_by("-session__starts_at", "-pk"),
        "generated": timezone.localtime(),
    }
    log_action(
        actor=request.user,
        action="training.record_report_downloaded",
        obj=councillor,
        summary=f"Downloaded the training record of {councillor} as a PDF",
    )
    name = slugify(councillor.name)[:60] or "councillor"
    return _pdf_response("pdf/training_record.html", context, f"training-record-{name}-{councillor.pk}.pdf")


@capability_required(Capability.MANAGE_TRAINING)
def matrix_pdf(request: HttpRequest) -> HttpResponse:
    """Mandatory-training compliance with the matrix page's filters; the first MATRIX_PDF_LIMIT rows."""
    _form, filters, grid = _matrix_for(request)
    query = urlencode({k: v.pk for k, v in filters.items()})
    context = {
        "title": "Mandatory training compliance",
        "grid": grid,
        "rows": grid.rows[:MATRIX_PDF_LIMIT],
        "total": len(grid.rows),
        "counts": grid.counts(),
        "filters": [(key.replace("_", " ").capitalize(), str(value)) for key, value in filters.items()],
        "csv_url": request.build_absolute_uri(_csv_url(query)),
        "generated": timezone.localtime(),
    }
    log_action(
        actor=request.user,
        action="training.matrix_report_downloaded",
        summary=f"Downloaded the mandatory training matrix as a PDF ({len(context['rows'])} rows)",
        filters={k: v.pk for k, v in filters.items()},
    )
    return _pdf_response("pdf/training_matrix.html", context, "mandatory-training.pdf")
