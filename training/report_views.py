"""Training reports as tagged PDFs: a session's attendance, a councillor's training record, and
mandatory-training compliance. Re-exported from ``training.views`` (the URLconf's module)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify

from council import pdf, report_jobs
from council.access import capability_required
from council.audit import log_action
from council.exports import download
from council.models import Councillor
from council.roles import Capability, user_can

from . import mandatory, selectors
from .manage_forms import MatrixFilterForm
from .models import Booking, TrainingRecord

# A PDF of thousands of rows takes long to lay out and nobody reads it; the CSV is the full export.
# Over REPORT_BACKGROUND_ROWS councillors the PDF is made in the background.
MATRIX_PDF_LIMIT = 5000
# About this many councillors fit a landscape A4 page: for the progress shown while it is made.
MATRIX_ROWS_PER_PAGE = 20


def _pdf_response(template_name: str, context: dict, filename: str) -> HttpResponse:
    return download(pdf.render_pdf(template_name, context), filename=filename)


@capability_required(Capability.MANAGE_TRAINING)
def attendance_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Who was booked on one session, and whether they attended."""
    session = selectors.session_with_counts(pk)
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


def _matrix_filters(query: QueryDict) -> dict:
    return MatrixFilterForm.from_query(query).filters()


@capability_required(Capability.MANAGE_TRAINING)
def matrix_pdf(request: HttpRequest) -> HttpResponse:
    """Mandatory-training compliance with the matrix page's filters; the first MATRIX_PDF_LIMIT rows.

    Over REPORT_BACKGROUND_ROWS councillors it is made in the background (council.report_jobs)."""
    filters = _matrix_filters(request.GET)
    total = mandatory.councillors_for(filters).count()
    if total > settings.REPORT_BACKGROUND_ROWS:
        job = report_jobs.start(
            request.user,
            "training.matrix",
            title=_matrix_title(filters),
            params=report_jobs.params_from(request.GET),
            rows=min(total, MATRIX_PDF_LIMIT),
        )
        messages.success(request, f"The report covers {total:,} councillors, so it is being made in the background.")
        return redirect(job)
    context = _matrix_context(filters)
    _log_matrix(request.user, filters, len(context["rows"]), "downloaded")
    return _pdf_response("pdf/training_matrix.html", context, "mandatory-training.pdf")


def _matrix_title(filters: dict) -> str:
    shown = "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in filters.items())
    return "Mandatory training compliance" + (f" ({shown})" if shown else "")


def build_matrix_pdf(owner, params: dict, progress: report_jobs.Progress) -> report_jobs.Built:
    """The matrix PDF in the background, with the filters chosen on the page."""
    progress(2, "Working out who has done which course")
    filters = _matrix_filters(report_jobs.query_from(params))
    context = _matrix_context(filters)
    rows = len(context["rows"])
    _log_matrix(owner, filters, rows, "made in the background")
    content = pdf.render_pdf(
        "pdf/training_matrix.html", context, progress=progress, expected_pages=rows // MATRIX_ROWS_PER_PAGE + 1
    )
    return report_jobs.Built(content=content, filename="mandatory-training.pdf", rows=rows)


report_jobs.register(
    "training.matrix",
    allowed=lambda user: user_can(user, Capability.MANAGE_TRAINING),
    build=build_matrix_pdf,
)


def _matrix_context(filters: dict) -> dict:
    grid = mandatory.matrix(filters)
    query = urlencode({k: v.pk for k, v in filters.items()})
    context = {
        "title": "Mandatory training compliance",
        "grid": grid,
        "rows": grid.rows[:MATRIX_PDF_LIMIT],
        "total": len(grid.rows),
        "counts": grid.counts(),
        "filters": [(key.replace("_", " ").capitalize(), str(value)) for key, value in filters.items()],
        "csv_url": settings.SITE_URL + selectors.matrix_csv_url(query),
        "generated": timezone.localtime(),
    }
    return context


def _log_matrix(user, filters: dict, rows: int, how: str) -> None:
    # Personal data leaving the portal: say who took it.
    log_action(
        actor=user,
        action="training.matrix_report_downloaded",
        summary=f"Mandatory training matrix as a PDF ({rows} rows), {how}",
        filters={k: v.pk for k, v in filters.items()},
    )
