"""A long complaint register made by a real Celery worker (threads pool, as in the Procfile): the
worker lays it out in parts with its PDF worker processes, stores it privately and emails its
owner through a real SMTP server."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.storage import storages
from pypdf import PdfReader

from complaints import register_pdf
from council.models import ReportJob
from council.roles import Role
from tests.complaints.factories import use_private_storage
from tests.complaints.test_workflow import make_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def threads_worker():
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from council.celery import app as celery_app
    from tests.integration.conftest import _close_worker_connections

    task_postrun.connect(_close_worker_connections, weak=False)
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=60):
        yield
    task_postrun.disconnect(_close_worker_connections)


def test_a_long_register_is_made_in_parts_by_a_worker_and_emailed(
    client, login, settings, tmp_path, monkeypatch, smtp_server, threads_worker
):
    use_private_storage(settings, tmp_path)
    settings.REPORT_BACKGROUND_ROWS = 5
    settings.PDF_PROCESSES = 2
    monkeypatch.setattr(register_pdf, "PART_PAGES", 1)
    officer = login(Role.MONITORING_OFFICER)
    cases = [make_case() for _ in range(60)]

    response = client.get("/complaints/reports/register/", {"format": "pdf"})
    assert response.status_code == 302

    message = smtp_server.wait_for(lambda m: "report is ready" in m["Subject"], timeout=120)
    assert message["To"] == officer.email
    deadline = time.monotonic() + 10
    while (job := ReportJob.objects.get()).status != ReportJob.Status.READY and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.status == ReportJob.Status.READY and job.rows == 60
    with storages["private"].open(job.file) as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    total = len(reader.pages)
    assert total >= 3
    texts = [page.extract_text() for page in reader.pages]
    assert all(f"Page {n} of {total}" in text for n, text in enumerate(texts, 1))
    whole = "\n".join(texts)
    assert all(case.reference in whole for case in cases)
    assert "/StructTreeRoot" in reader.trailer["/Root"]
