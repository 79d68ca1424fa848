"""Reports made in the background: the person's list, one report's progress, and its download.

Each person sees only the reports they asked for; a download also re-checks that they may still
see that kind of report (a role taken away since stops the download)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import get_valid_filename
from django.views.decorators.cache import never_cache

from .access import login_required
from .audit import log_action
from .models import ReportJob
from .pagination import get_page, pagination
from .report_jobs import may_have

PAGE_SIZE = 25


def _own_job(request: HttpRequest, pk) -> ReportJob:
    return get_object_or_404(ReportJob, pk=pk, owner=request.user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The reports this person has asked to be made in the background, newest first."""
    page = get_page(request, Paginator(ReportJob.objects.filter(owner=request.user).order_by("-created_at"), PAGE_SIZE))
    return render(
        request,
        "council/report_jobs.html",
        {"page": page, "pagination": pagination(request, page), "retention_days": settings.REPORT_JOB_RETENTION_DAYS},
    )


@login_required
@never_cache
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    """How far the report has got; the download once it is ready."""
    job = _own_job(request, pk)
    return render(
        request,
        "council/report_job.html",
        {"job": job, "may_download": may_have(request.user, job), "retention_days": settings.REPORT_JOB_RETENTION_DAYS},
    )


@login_required
@never_cache
def job_status(request: HttpRequest, pk) -> JsonResponse:
    """The progress as JSON, for the page's script to show without reloading."""
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "message": job.progress_message,
            "finished": job.finished,
        }
    )


@login_required
@never_cache
def job_download(request: HttpRequest, pk) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != ReportJob.Status.READY or not job.file or not may_have(request.user, job):
        raise Http404("This report is not available.")
    storage = storages["private"]
    try:
        handle = storage.open(job.file, "rb")
    except FileNotFoundError as exc:
        raise Http404("This report is not available.") from exc
    log_action(
        actor=request.user,
        action="reports.downloaded",
        obj=job,
        summary=f"Downloaded {job.title} ({job.rows} rows)",
        kind=job.kind,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=get_valid_filename(job.filename) or "report.pdf",
        content_type=job.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
