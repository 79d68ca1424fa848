"""Officers add documents to the case file; they are checked like the complainant's evidence."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Evidence, Stage, TimelineEntry
from council.roles import Role
from tests.complaints.test_workflow import make_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_officer_adds_a_report_to_the_case_file(client, login):
    officer = login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.INVESTIGATION)
    url = f"/complaints/cases/{complaint.pk}/documents/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {"file": SimpleUploadedFile("report.pdf", PDF, "application/pdf"), "description": "Investigator's report"},
    )

    assert response.status_code == 302
    document = Evidence.objects.get(complaint=complaint)
    assert (document.uploaded_by, document.description) == (officer, "Investigator's report")
    assert TimelineEntry.objects.filter(complaint=complaint, summary="Document added: report.pdf").exists()
    page = client.get(f"/complaints/cases/{complaint.pk}/").content.decode()
    assert "Investigator&#x27;s report" in page


def test_a_disguised_executable_is_refused_and_nothing_is_stored(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.INVESTIGATION)
    response = client.post(
        f"/complaints/cases/{complaint.pk}/documents/",
        {"file": SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")},
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert not Evidence.objects.filter(complaint=complaint).exists()


@pytest.mark.parametrize("role", [Role.INDEPENDENT_PERSON, Role.MEMBER_SERVICES, Role.COUNCILLOR])
def test_only_officers_add_documents(client, login, role):
    user = login(role)
    complaint = make_case(stage=Stage.INVESTIGATION)
    if role == Role.INDEPENDENT_PERSON:
        complaint.independent_persons.add(user)
    response = client.post(
        f"/complaints/cases/{complaint.pk}/documents/",
        {"file": SimpleUploadedFile("x.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 403
    assert not Evidence.objects.filter(complaint=complaint).exists()
