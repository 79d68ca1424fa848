"""Large reports made in the background, with progress on a page and an email when ready.

A report page that would make a PDF of more than ``REPORT_BACKGROUND_ROWS`` rows calls
``start()`` instead of rendering while the person waits. ``start`` records a ``ReportJob`` (the
filters chosen on the page are its ``params``) and, once that commits, asks Celery for
``council.tasks.generate_report``. The task claims the job with a conditional UPDATE (so two
workers never make it twice), re-checks that the owner may still have the report, builds it
with the owner's permissions, reports progress as it goes, stores the file in the private
storage and emails the owner a link. ``sweep()`` (beat) re-sends jobs the broker never got,
restarts ones whose worker died, and deletes files after ``REPORT_JOB_RETENTION_DAYS``.

Apps register what they can make in the background from their ``AppConfig.ready()``::

    report_jobs.register("complaints.register", allowed=may_see_register, build=build_register)

``build(owner, params, progress)`` returns a ``Built``; ``progress(percent, message)`` may be
called as often as is convenient (writes are throttled).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from .audit import log_action
from .models import ReportJob
from .notifications import send_templated_email

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

# A job whose worker has not written progress for this long is taken to have died.
STALE_AFTER = timedelta(minutes=10)
# A job the broker may never have received is sent again after this long.
RESEND_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Built:
    """A finished report."""

    content: bytes
    filename: str
    content_type: str = "application/pdf"
    rows: int = 0


@dataclass(frozen=True)
class ReportKind:
    slug: str
    allowed: Callable[[Any], bool]
    build: Callable[[Any, dict, Progress], Built]


_KINDS: dict[str, ReportKind] = {}


def register(slug: str, *, allowed: Callable[[Any], bool], build: Callable[[Any, dict, Progress], Built]) -> None:
    _KINDS[slug] = ReportKind(slug, allowed, build)


def kind_for(slug: str) -> ReportKind | None:
    return _KINDS.get(slug)


def may_have(user, job: ReportJob) -> bool:
    """Whether ``user`` may still have ``job``'s report: theirs, and still allowed to see it."""
    kind = kind_for(job.kind)
    return job.owner_id == user.pk and user.is_active and kind is not None and bool(kind.allowed(user))


def params_from(query: QueryDict, *, drop: tuple[str, ...] = ("format",)) -> dict[str, list[str]]:
    """The filters of a report page's query string, as JSON for ``ReportJob.params``."""
    return {key: query.getlist(key) for key in query if key not in drop}


def query_from(params: dict) -> QueryDict:
    """``params`` back as the query string the page had, for the page's own filter form."""
    query = QueryDict(mutable=True)
    for key, values in (params or {}).items():
        query.setlist(str(key), [str(v) for v in (values if isinstance(values, list) else [values])])
    return query


def start(user, slug: str, *, title: str, params: dict, rows: int = 0) -> ReportJob:
    """Record a job for ``user`` and ask a worker for it once this transaction commits."""
    if slug not in _KINDS:
        raise KeyError(slug)
    with transaction.atomic():
        job = ReportJob.objects.create(owner=user, kind=slug, title=title[:255], params=params, rows=rows)
        log_action(
            actor=user,
            action="reports.requested",
            obj=job,
            summary=f"Asked for {job.title} ({rows} rows) to be made in the background",
            kind=slug,
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(pk) -> None:
    from .tasks import generate_report

    try:
        generate_report.delay(str(pk))
    except Exception:  # the broker is down: the sweep sends it again
        logger.warning("Could not queue report job %s; the sweep will retry", pk, exc_info=True)


class _ProgressWriter:
    """Writes progress to the job row, at most a few times a second and only when it moves."""

    def __init__(self, pk) -> None:
        self.pk = pk
        self.percent = -1
        self.written_at = 0.0

    def __call__(self, percent: int, message: str = "") -> None:
        percent = max(0, min(99, int(percent)))
        now = time.monotonic()
        if percent == self.percent or (now - self.written_at < 0.5 and percent - self.percent < 10):
            return
        self.percent, self.written_at = percent, now
        ReportJob.objects.filter(pk=self.pk, status=ReportJob.Status.RUNNING).update(
            progress=percent, progress_message=message[:255], heartbeat_at=timezone.now()
        )


def run(pk) -> str:
    """Make job ``pk`` if it is waiting; return its status afterwards."""
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=pk, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        progress=0,
        progress_message="Starting",
    )
    if not claimed:  # made already, being made by another worker, or gone
        job = ReportJob.objects.filter(pk=pk).first()
        return job.status if job else "missing"
    job = ReportJob.objects.select_related("owner").get(pk=pk)
    kind = kind_for(job.kind)
    if kind is None or not job.owner.is_active or not kind.allowed(job.owner):
        return _fail(job, "You no longer have access to this report.")
    try:
        built = kind.build(job.owner, job.params, _ProgressWriter(job.pk))
    except Exception:
        logger.exception("Report job %s (%s) failed", job.pk, job.kind)
        return _fail(job, "Something went wrong making the report. Try again, or choose fewer rows.")
    return _finish(job, built)


def _fail(job: ReportJob, message: str) -> str:
    ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING).update(
        status=ReportJob.Status.FAILED, error=message[:500], finished_at=timezone.now()
    )
    return ReportJob.Status.FAILED


def _finish(job: ReportJob, built: Built) -> str:
    storage = storages["private"]
    extension = built.filename.rsplit(".", 1)[-1] if "." in built.filename else "bin"
    name = storage.save(f"reports/{job.pk}-{secrets.token_hex(8)}.{extension}", ContentFile(built.content))
    try:
        with transaction.atomic():
            done = ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING).update(
                status=ReportJob.Status.READY,
                file=name,
                filename=built.filename[:255],
                content_type=built.content_type,
                size=len(built.content),
                rows=built.rows,
                progress=100,
                progress_message="Ready",
                finished_at=timezone.now(),
            )
            if not done:  # another worker finished it first (after a restart): keep theirs
                transaction.on_commit(lambda: storage.delete(name))
                return ReportJob.objects.get(pk=job.pk).status
            job.refresh_from_db()
            send_templated_email(
                to=job.owner.email,
                template="report_ready",
                context={
                    "job": job,
                    "url": settings.SITE_URL + reverse("reports:job", args=[job.pk]),
                    "days": settings.REPORT_JOB_RETENTION_DAYS,
                },
                key=f"report-ready:{job.pk}",
            )
    except Exception:
        storage.delete(name)
        raise
    return ReportJob.Status.READY


def sweep(now=None) -> dict[str, int]:
    """Resend waiting jobs, restart or fail ones whose worker died, delete old files."""
    now = now or timezone.now()
    counts = {"resent": 0, "restarted": 0, "failed": 0, "expired": 0}
    for pk in ReportJob.objects.filter(status=ReportJob.Status.QUEUED, created_at__lt=now - RESEND_AFTER).values_list(
        "pk", flat=True
    ):
        enqueue(pk)
        counts["resent"] += 1
    stale = ReportJob.objects.filter(status=ReportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    counts["failed"] = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=ReportJob.Status.FAILED,
        error="The report could not be made. Try again, or choose fewer rows.",
        finished_at=now,
    )
    for pk in list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True)):
        if ReportJob.objects.filter(pk=pk, status=ReportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
            status=ReportJob.Status.QUEUED, progress=0, progress_message=""
        ):
            enqueue(pk)
            counts["restarted"] += 1
    cutoff = now - timedelta(days=settings.REPORT_JOB_RETENTION_DAYS)
    storage = storages["private"]
    for job in ReportJob.objects.filter(status=ReportJob.Status.READY, finished_at__lt=cutoff):
        if job.file:
            storage.delete(job.file)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.EXPIRED, file="")
        counts["expired"] += 1
    return counts
