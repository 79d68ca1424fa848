"""Large reports made in the background: asked for from the report page, made by the Celery task
with progress, stored privately, offered for download to their owner only, and emailed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from council import pdf, report_jobs
from council.models import AuditEntry, ReportJob
from council.roles import Role
from tests.complaints.factories import use_private_storage
from tests.complaints.test_workflow import make_case
from tests.factories import CouncillorFactory, make_user
from tests.training.factories import MandatoryRuleFactory

pytestmark = pytest.mark.django_db

REGISTER = "/complaints/reports/register/"


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    settings.REPORT_BACKGROUND_ROWS = 2
    use_private_storage(settings, tmp_path)


@pytest.fixture
def officer(login):
    return login(Role.MONITORING_OFFICER)


def _ask_for_register(client, django_capture_on_commit_callbacks, count: int = 3, **query):
    for _ in range(count):
        make_case()
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(REGISTER, {"format": "pdf", **query})


def test_a_large_register_is_made_in_the_background_and_emailed(
    client, officer, django_capture_on_commit_callbacks, outbox
):
    response = _ask_for_register(client, django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:job", args=[job.pk])
    assert job.owner == officer and job.kind == "complaints.register" and job.rows == 3
    # The (eager) task has made it: stored privately, ready, and the owner emailed a link.
    assert job.status == ReportJob.Status.READY and job.progress == 100
    assert storages["private"].exists(job.file) and job.file.startswith("reports/")
    (message,) = [m for m in outbox if "report is ready" in m.subject]
    assert message.to == [officer.email]
    assert reverse("reports:job", args=[job.pk]) in message.body

    page = client.get(response.url)
    assert "Download the report" in page.content.decode()
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("CC-") >= 3
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"reports.requested", "complaints.register_exported", "reports.downloaded"} <= actions


def test_the_filters_chosen_on_the_page_go_with_the_job(client, officer, django_capture_on_commit_callbacks):
    old = make_case(received_at=timezone.now() - timedelta(days=400))
    for _ in range(3):
        make_case()
    day = timezone.localdate() - timedelta(days=30)
    query = {"date_from_0": day.day, "date_from_1": day.month, "date_from_2": day.year}
    with django_capture_on_commit_callbacks(execute=True):
        client.get(REGISTER, {"format": "pdf", **query})

    job = ReportJob.objects.get()
    assert job.rows == 3
    assert job.params["date_from_0"] == [str(day.day)]
    content = storages["private"].open(job.file).read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert old.reference not in text


def test_a_small_register_still_downloads_at_once(client, officer):
    make_case()
    response = client.get(REGISTER, {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert not ReportJob.objects.exists()


def test_the_register_page_says_a_large_pdf_is_made_in_the_background(client, officer):
    for _ in range(3):
        make_case()
    body = client.get(REGISTER).content.decode()
    assert "Make the register as a PDF" in body
    assert reverse("reports:jobs") in body


def test_nobody_else_sees_or_downloads_someone_elses_report(client, login, django_capture_on_commit_callbacks):
    login(Role.MONITORING_OFFICER)
    _ask_for_register(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()

    login(Role.MONITORING_OFFICER)  # another Monitoring Officer
    for name in ("reports:job", "reports:job_status", "reports:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert job.title not in client.get(reverse("reports:jobs")).content.decode()


def test_a_report_is_not_handed_over_once_the_role_is_gone(client, officer, django_capture_on_commit_callbacks):
    _ask_for_register(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    officer.groups.clear()
    if hasattr(officer, "_council_roles"):
        del officer._council_roles

    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert "You no longer have access" in client.get(reverse("reports:job", args=[job.pk])).content.decode()


def test_the_list_shows_the_persons_reports_with_their_status(client, officer, django_capture_on_commit_callbacks):
    _ask_for_register(client, django_capture_on_commit_callbacks)
    body = client.get(reverse("reports:jobs")).content.decode()
    assert "Complaint register" in body and "Ready" in body


def test_progress_is_shown_while_the_report_is_made(client, officer):
    job = ReportJob.objects.create(
        owner=officer,
        kind="complaints.register",
        title="Complaint register",
        status=ReportJob.Status.RUNNING,
        progress=42,
        progress_message="Laying out page 5 of about 12",
    )
    body = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "42% done: Laying out page 5 of about 12." in body
    assert 'aria-live="polite"' in body and reverse("reports:job_status", args=[job.pk]) in body
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert status == {
        "status": "running",
        "status_label": "Being made",
        "progress": 42,
        "message": "Laying out page 5 of about 12",
        "finished": False,
    }


def test_weasyprint_progress_reaches_the_job_page_by_page():
    heard: list[tuple[int, str]] = []
    rows = "".join(f"<p>Paragraph {i}</p>" for i in range(400))
    html = f"<!DOCTYPE html><html lang='en-GB'><head><title>T</title></head><body>{rows}</body></html>"
    from weasyprint import HTML

    with pdf._progress_from_weasyprint(lambda percent, message: heard.append((percent, message)), 4):
        HTML(string=html).render()

    pages = [message for _, message in heard if message.startswith("Laying out page")]
    assert pages[0] == "Laying out page 1 of about 4" and len(pages) >= 4
    percents = [percent for percent, _ in heard]
    assert percents == sorted(percents) and percents[-1] <= 85


def test_a_failed_build_is_recorded_with_a_message(client, officer, monkeypatch, django_capture_on_commit_callbacks):
    def broken(owner, params, progress):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        report_jobs._KINDS, "complaints.register", report_jobs.ReportKind("complaints.register", bool, broken)
    )
    _ask_for_register(client, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED
    assert "Something went wrong" in client.get(reverse("reports:job", args=[job.pk])).content.decode()


def test_a_job_is_made_once_however_often_it_is_sent(monkeypatch):
    owner = make_user(Role.MONITORING_OFFICER)
    calls = []

    def build(owner, params, progress):
        calls.append(1)
        return report_jobs.Built(content=b"%PDF-1.7 test", filename="x.pdf", rows=1)

    monkeypatch.setitem(report_jobs._KINDS, "test.kind", report_jobs.ReportKind("test.kind", bool, build))
    job = ReportJob.objects.create(owner=owner, kind="test.kind", title="Test")
    assert report_jobs.run(job.pk) == ReportJob.Status.READY
    assert report_jobs.run(job.pk) == ReportJob.Status.READY
    assert len(calls) == 1


def test_the_sweep_resends_restarts_fails_and_deletes(monkeypatch):
    owner = make_user(Role.MONITORING_OFFICER)
    sent = []
    monkeypatch.setattr(report_jobs, "enqueue", lambda pk: sent.append(pk))
    now = timezone.now()
    never_sent = ReportJob.objects.create(owner=owner, kind="x", title="A", created_at=now - timedelta(minutes=5))
    just_asked = ReportJob.objects.create(owner=owner, kind="x", title="B", created_at=now)
    died = ReportJob.objects.create(
        owner=owner, kind="x", title="C", status="running", attempts=1, heartbeat_at=now - timedelta(hours=1)
    )
    ReportJob.objects.create(  # died three times
        owner=owner, kind="x", title="D", status="running", attempts=3, heartbeat_at=now - timedelta(hours=1)
    )
    working = ReportJob.objects.create(owner=owner, kind="x", title="E", status="running", attempts=1, heartbeat_at=now)
    name = storages["private"].save("reports/old.pdf", io.BytesIO(b"%PDF old"))
    old = ReportJob.objects.create(
        owner=owner, kind="x", title="F", status="ready", file=name, finished_at=now - timedelta(days=8)
    )

    counts = report_jobs.sweep(now)

    assert counts == {"resent": 1, "restarted": 1, "failed": 1, "expired": 1}
    assert set(sent) == {never_sent.pk, died.pk}
    assert just_asked.pk not in sent
    statuses = dict(ReportJob.objects.values_list("title", "status"))
    assert statuses == {"A": "queued", "B": "queued", "C": "queued", "D": "failed", "E": "running", "F": "expired"}
    assert not storages["private"].exists(name)
    assert working.pk not in sent and old.pk not in sent


def test_the_training_matrix_is_made_in_the_background_over_the_threshold(
    client, member_services, django_capture_on_commit_callbacks
):
    MandatoryRuleFactory()
    for name in ("Ava Able", "Bob Baker", "Cat Cole"):
        CouncillorFactory(name=name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("training:matrix_pdf"))

    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job", args=[job.pk])
    assert job.status == ReportJob.Status.READY and job.rows == 3
    text = "".join(p.extract_text() for p in PdfReader(storages["private"].open(job.file)).pages)
    assert "Ava Able" in text and "Cat Cole" in text
    body = client.get(reverse("training:matrix")).content.decode()
    assert "it is made in the background" in body
