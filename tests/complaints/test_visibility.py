"""Who sees what: conflicted officers, Independent Persons, other authorities' officers,
councillors guessing ids, Member Services; what the councillor complained about is told,
and when; evidence downloads."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Evidence, Stage
from council.models import AuditEntry
from council.roles import Role
from tests.complaints.test_workflow import _submitted, give_ip_view, make_case, sign_in
from tests.factories import AuthorityFactory, CouncillorFactory, ParishFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return storages["private"]


def _evidence(complaint, storage, *, name="screenshot.png", content_type="image/png", data=b"\x89PNG\r\n\x1a\n"):
    stored = storage.save(f"complaints/{complaint.pk}/abcdef0123456789", ContentFile(data))
    return Evidence.objects.create(
        complaint=complaint,
        original_name=name,
        stored_name=stored,
        content_type=content_type,
        size=len(data),
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )


def _case_url(complaint: Complaint) -> str:
    return reverse("complaints:case", args=[complaint.pk])


def _queue(client) -> str:
    response = client.get(reverse("complaints:queue"))
    assert response.status_code == 200
    return response.content.decode()


# --- Officers and Independent Persons --------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER])
def test_an_officer_serving_every_authority_sees_every_case(client, login, role):
    login(role)
    one, other = make_case(), make_case()
    page = _queue(client)
    assert one.reference in page and other.reference in page
    assert client.get(_case_url(one)).status_code == 200


def test_an_officer_sees_the_cases_of_parish_councillors_in_their_area(client, login):
    parish = ParishFactory()
    complaint = make_case(councillor=CouncillorFactory(authority=parish))
    assert complaint.principal_authority == parish.principal
    login(Role.MONITORING_OFFICER, authority=parish.principal)
    assert complaint.reference in _queue(client)
    assert client.get(_case_url(complaint)).status_code == 200


def test_an_officer_of_another_principal_authority_sees_nothing(client, login):
    complaint = make_case()
    login(Role.MONITORING_OFFICER, authority=AuthorityFactory())
    assert complaint.reference not in _queue(client)
    assert client.get(_case_url(complaint)).status_code == 404
    evidence_url = reverse("complaints:evidence_download", args=[complaint.pk, 1])
    assert client.get(evidence_url).status_code == 404


@pytest.mark.parametrize("role", [Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, Role.INDEPENDENT_PERSON])
def test_a_conflicted_person_cannot_see_the_case(client, login, role):
    complaint = make_case(stage=Stage.ASSESSMENT)
    user = login(role)
    if role == Role.INDEPENDENT_PERSON:
        complaint.independent_persons.add(user)
    assert complaint.reference in _queue(client)
    services.record_conflict(actor=make_user(Role.MONITORING_OFFICER), complaint=complaint, user=user, reason="Friend")
    assert complaint.reference not in _queue(client)
    assert client.get(_case_url(complaint)).status_code == 404
    assert client.get(reverse("complaints:case_letter", args=[complaint.pk, "acknowledgement"])).status_code == 404
    assert client.post(reverse("complaints:case_note", args=[complaint.pk]), {"text": "x"}).status_code == 404


def test_recording_a_conflict_through_the_page_hides_the_case_from_that_person(client, login):
    complaint = make_case()
    deputy = make_user(Role.DEPUTY_MONITORING_OFFICER)
    login(Role.MONITORING_OFFICER)
    response = client.post(
        reverse("complaints:case_conflict", args=[complaint.pk]),
        {"user": deputy.pk, "reason": "Related to the councillor"},
    )
    assert response.status_code == 302
    assert complaint.conflicts.get().user == deputy
    sign_in(client, deputy)
    assert client.get(_case_url(complaint)).status_code == 404
    assert complaint.reference not in _queue(client)


def test_an_independent_person_sees_only_the_cases_assigned_to_them(client, login):
    assigned, other = make_case(stage=Stage.ASSESSMENT), make_case(stage=Stage.ASSESSMENT)
    ip = login(Role.INDEPENDENT_PERSON)
    services.assign_independent_person(actor=None, complaint=assigned, person=ip)
    page = _queue(client)
    assert assigned.reference in page
    assert other.reference not in page
    assert client.get(_case_url(assigned)).status_code == 200
    assert client.get(_case_url(other)).status_code == 404


def test_an_independent_person_does_not_see_internal_notes_or_officer_actions(client, login):
    complaint = make_case(stage=Stage.ASSESSMENT)
    services.add_note(actor=make_user(Role.MONITORING_OFFICER), complaint=complaint, text="Officer-only thoughts")
    ip = login(Role.INDEPENDENT_PERSON)
    complaint.independent_persons.add(ip)
    page = client.get(_case_url(complaint)).content.decode()
    assert "Officer-only thoughts" not in page
    assert reverse("complaints:case_transition", args=[complaint.pk, "no_further_action"]) not in page
    assert reverse("complaints:case_conflict", args=[complaint.pk]) not in page
    assert reverse("complaints:case_legal_hold", args=[complaint.pk]) not in page


@pytest.mark.parametrize(
    ("name", "args", "data"),
    [
        ("case_transition", ["no_further_action"], {"reason": "Trivial"}),
        ("case_conflict", [], {"reason": "Friend"}),
        ("case_confidentiality", [], {"decision": "grant", "reason": "Fear of reprisal"}),
        ("case_legal_hold", [], {"hold": "1", "reason": "Litigation"}),
        ("case_note", [], {"text": "A note"}),
        ("case_assign_ip", [], {}),
        ("case_letter", ["acknowledgement"], {}),
    ],
)
def test_an_independent_person_may_not_act_on_the_case(client, login, name, args, data):
    complaint = make_case(stage=Stage.ASSESSMENT, confidentiality_requested=True)
    ip = login(Role.INDEPENDENT_PERSON)
    complaint.independent_persons.add(ip)
    url = reverse(f"complaints:{name}", args=[complaint.pk, *args])
    if name == "case_conflict":
        data["user"] = ip.pk
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    complaint.refresh_from_db()
    assert complaint.stage == Stage.ASSESSMENT
    assert complaint.confidentiality_granted is None
    assert not complaint.legal_hold
    assert not complaint.conflicts.exists()
    assert not complaint.timeline.exists()


@pytest.mark.parametrize("role", [Role.MEMBER_SERVICES, Role.COMMUNICATIONS, Role.REPORT_VIEWER, Role.ADMINISTRATOR])
def test_other_roles_never_see_case_content(client, login, role):
    complaint = make_case()
    login(role)
    for url in (
        reverse("complaints:queue"),
        _case_url(complaint),
        reverse("complaints:case_letter", args=[complaint.pk, "acknowledgement"]),
        reverse("complaints:evidence_download", args=[complaint.pk, 1]),
    ):
        assert client.get(url).status_code == 403


# --- Councillors ------------------------------------------------------------------------------------


def _councillor_user(councillor):
    user = make_user(Role.COUNCILLOR)
    councillor.user = user
    councillor.save()
    return user


def test_a_councillor_guessing_case_ids_gets_nothing(client):
    mine = make_case(stage=Stage.ASSESSMENT)
    someone_elses = make_case(stage=Stage.ASSESSMENT)
    user = _councillor_user(mine.councillors.get())
    sign_in(client, user)
    assert client.get(_case_url(mine)).status_code == 403
    assert client.get(_case_url(someone_elses)).status_code == 403
    assert client.get(reverse("complaints:my_case", args=[someone_elses.pk])).status_code == 404
    assert client.get(reverse("complaints:my_case", args=[mine.pk])).status_code == 200
    page = client.get(reverse("complaints:my_cases")).content.decode()
    assert mine.reference in page
    assert someone_elses.reference not in page


def test_a_councillor_does_not_see_a_complaint_they_have_not_been_told_of(client):
    complaint = make_case(stage=Stage.ACKNOWLEDGED)
    sign_in(client, _councillor_user(complaint.councillors.get()))
    assert complaint.reference not in client.get(reverse("complaints:my_cases")).content.decode()
    assert client.get(reverse("complaints:my_case", args=[complaint.pk])).status_code == 404


def test_the_councillor_sees_only_what_has_been_disclosed(client, private_storage):
    officer = make_user(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ACKNOWLEDGED)
    services.transition(actor=officer, complaint=complaint, action="start_assessment")
    services.add_note(actor=officer, complaint=complaint, text="Secret officer note")
    give_ip_view(complaint)
    _evidence(complaint, private_storage)
    sign_in(client, _councillor_user(complaint.councillors.get()))
    page = client.get(reverse("complaints:my_case", args=[complaint.pk])).content.decode()
    assert complaint.reference in page
    assert "Initial assessment" in page
    assert "Something the councillor said." in page  # the post
    assert "Pat Complainant" in page  # no confidentiality asked for
    for secret in (
        "Secret officer note",
        "No breach in my view.",
        "screenshot.png",
        "pat.complainant@example.com",
        "01234 567890",
        "View sought from",
    ):
        assert secret not in page


def test_the_councillor_is_told_at_the_initial_assessment_not_on_submission(outbox):
    councillor = CouncillorFactory()
    complaint = _submitted(councillor)
    officer = make_user(Role.MONITORING_OFFICER)
    assert complaint.councillor_notified_at is None
    assert not [m for m in outbox if councillor.email in m.to]
    complaint = services.transition(actor=officer, complaint=complaint, action="acknowledge")
    assert not [m for m in outbox if councillor.email in m.to]
    complaint = services.transition(actor=officer, complaint=complaint, action="start_assessment")
    told = [m for m in outbox if councillor.email in m.to]
    assert len(told) == 1
    assert complaint.reference in told[0].subject
    assert "Pat Complainant" in told[0].body
    assert reverse("complaints:my_case", args=[complaint.pk]) in told[0].body
    assert complaint.councillor_notified_at is not None


@pytest.mark.parametrize(("granted", "named"), [(True, False), (False, True), (None, False)])
def test_the_complainants_name_is_withheld_from_the_councillor_when_confidentiality_is_granted(
    client, outbox, granted, named
):
    officer = make_user(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.ACKNOWLEDGED, confidentiality_requested=True, confidentiality_reasons="Fear")
    if granted is not None:
        services.set_confidentiality(actor=officer, complaint=complaint, granted=granted, reason="Considered")
    services.transition(actor=officer, complaint=complaint, action="start_assessment")
    councillor = complaint.councillors.get()
    (message,) = [m for m in outbox if councillor.email in m.to]
    html = message.alternatives[0][0]
    assert ("Pat Complainant" in message.body) is named
    assert ("Pat Complainant" in html) is named
    assert ("withheld at the Monitoring Officer's discretion" in message.body) is not named
    sign_in(client, _councillor_user(councillor))
    page = client.get(reverse("complaints:my_case", args=[complaint.pk])).content.decode()
    assert ("Pat Complainant" in page) is named
    assert ("Withheld at the Monitoring Officer" in page) is not named


def test_the_complainant_status_email_carries_no_personal_data(outbox):
    officer = make_user(Role.MONITORING_OFFICER)
    complaint = make_case(stage=Stage.RECEIVED)
    services.transition(actor=officer, complaint=complaint, action="acknowledge")
    (message,) = [m for m in outbox if "pat.complainant@example.com" in m.to]
    assert complaint.reference in message.subject
    assert "Acknowledged" in message.body
    assert "private link" in message.body
    councillor = complaint.councillors.get()
    assert councillor.name not in message.body
    assert "Pat Complainant" not in message.body


# --- Evidence ---------------------------------------------------------------------------------------


def _download(client, complaint, evidence):
    return client.get(reverse("complaints:evidence_download", args=[complaint.pk, evidence.pk]))


def test_evidence_downloads_as_an_attachment_with_safe_headers_and_an_audit_entry(client, login, private_storage):
    complaint = make_case()
    evidence = _evidence(complaint, private_storage)
    officer = login(Role.MONITORING_OFFICER)
    response = _download(client, complaint, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n"
    assert response["Content-Disposition"] == 'attachment; filename="screenshot.png"'
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    entry = AuditEntry.objects.get(action="complaint.evidence_viewed")
    assert entry.actor == officer
    assert entry.object_id == str(complaint.pk)


@pytest.mark.parametrize(
    ("name", "content_type", "disposition"),
    [
        ("page.html", "text/html", 'attachment; filename="page.html"'),
        ('../../etc/"pass"wd.svg', "image/svg+xml", 'attachment; filename="passwd.svg"'),
        ("notes.txt", "text/plain", 'attachment; filename="notes.txt"'),
    ],
)
def test_anything_but_an_image_or_pdf_is_sent_as_opaque_bytes(
    client, login, private_storage, name, content_type, disposition
):
    complaint = make_case()
    evidence = _evidence(complaint, private_storage, name=name, content_type=content_type, data=b"<script>x</script>")
    login(Role.MONITORING_OFFICER)
    response = _download(client, complaint, evidence)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_evidence_must_belong_to_the_case_in_the_address(client, login, private_storage):
    mine, other = make_case(), make_case()
    evidence = _evidence(other, private_storage)
    login(Role.MONITORING_OFFICER)
    assert _download(client, mine, evidence).status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.evidence_viewed").exists()


def test_an_assigned_independent_person_may_download_evidence_but_not_others(client, login, private_storage):
    complaint = make_case(stage=Stage.ASSESSMENT)
    evidence = _evidence(complaint, private_storage)
    ip = login(Role.INDEPENDENT_PERSON)
    assert _download(client, complaint, evidence).status_code == 404
    complaint.independent_persons.add(ip)
    assert _download(client, complaint, evidence).status_code == 200


def test_a_missing_file_is_not_found(client, login, private_storage):
    complaint = make_case()
    evidence = _evidence(complaint, private_storage)
    private_storage.delete(evidence.stored_name)
    login(Role.MONITORING_OFFICER)
    assert _download(client, complaint, evidence).status_code == 404
