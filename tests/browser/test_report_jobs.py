"""A report made in the background, as its owner sees it in Chromium: the progress page is
axe-clean, its script shows progress without a reload, and the page offers the download as soon
as the worker has finished."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from council.models import ReportJob
from council.roles import Role
from tests.browser.support import PageProblems, assert_accessible, sign_in
from tests.complaints.factories import use_private_storage
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_page_updates_and_offers_the_download(page, live_server, settings, tmp_path):
    use_private_storage(settings, tmp_path)
    officer = make_user(Role.MONITORING_OFFICER)
    job = ReportJob.objects.create(
        owner=officer,
        kind="complaints.register",
        title="Complaint register",
        status=ReportJob.Status.RUNNING,
        progress=5,
        progress_message="Finding the complaints",
        rows=1200,
    )
    sign_in(page, officer)
    report = PageProblems()
    report.check(page, live_server.url + job.get_absolute_url())
    report.check(page, live_server.url + "/reports/")
    report.assert_clean("a Monitoring Officer with a report being made")

    page.goto(job.get_absolute_url())
    status = page.get_by_role("status")
    assert "5% done" in status.inner_text()
    ReportJob.objects.filter(pk=job.pk).update(progress=47, progress_message="Laying out page 20 of about 43")
    status.filter(has_text="47% done").wait_for()

    name = storages["private"].save(f"reports/{job.pk}.pdf", ContentFile(b"%PDF-1.7 test"))
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.READY, file=name, filename="register.pdf", progress=100, finished_at=timezone.now()
    )
    page.get_by_role("button", name="Download the report").wait_for()
    assert_accessible(page)
