"""Object-level access: a person allowed to use a kind of page still sees only their own objects.

Already covered elsewhere (and not repeated here): a councillor guessing case ids
(complaints:my_case → 404, tests/complaints/test_visibility.py), a conflicted person and an
unassigned Independent Person on the case page itself, an officer of another authority on the
queue, evidence named through another case's address, another councillor's social media
account (tests/protocol/test_declarations.py), another councillor's booking
(tests/training/test_councillor_pages.py), another session's import (tests/council/
test_import_upload.py) and another person's report job (tests/council/test_report_jobs.py).

Added here: every URL of a case (walked from the URLconf, so new ones are covered) for each
kind of outsider; complaint links that look valid but are not; an Independent Person and
another person's consultation; and a councillor and other councillors' training records.

Member Services are not limited by ``User.authority``: the directory deliberately lists the
councillors of every authority (council/directory_views.py), and only the complaint pages
apply an officer's authority.
"""

from __future__ import annotations

import secrets

import pytest
from django.urls import reverse

from complaints import services as complaint_services
from complaints.models import Complaint, Conflict, IPConsultation, Stage, TimelineEntry
from council.roles import Role
from tests.council.test_authorisation_matrix import endpoints
from tests.factories import make_user
from training.models import Booking, TrainingRecord

from .world import World, build_world, url_for

pytestmark = pytest.mark.django_db

CASE_URLS = sorted(
    e.key for e in endpoints() if e.key.startswith("complaints:") and e.route.startswith("complaints/cases/<int:pk>/")
)


@pytest.fixture
def world() -> World:
    return build_world()


def _sign_in(client, user) -> None:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def _state(complaint: Complaint) -> tuple:
    complaint.refresh_from_db()
    return (
        complaint.stage,
        complaint.legal_hold,
        complaint.confidentiality_granted,
        TimelineEntry.objects.filter(complaint=complaint).count(),
        Conflict.objects.filter(complaint=complaint).count(),
        IPConsultation.objects.filter(complaint=complaint).exclude(view="").count(),
        complaint.evidence.count(),
        hasattr(complaint, "decision"),
    )


def _outsiders(world: World) -> dict[str, object]:
    """People who may use case pages in general but not world.case."""
    case = world.case
    conflicted_officer = make_user(Role.MONITORING_OFFICER)
    conflicted_ip = make_user(Role.INDEPENDENT_PERSON)
    case.independent_persons.add(conflicted_ip)
    for person in (conflicted_officer, conflicted_ip):
        Conflict.objects.create(complaint=case, user=person, reason="Related to the councillor")
    elsewhere = make_user(Role.MONITORING_OFFICER, authority=world.other_authority)
    return {
        "conflicted officer": conflicted_officer,
        "conflicted independent person": conflicted_ip,
        "independent person not assigned": world.ip_unassigned,
        "officer of another authority": elsewhere,
    }


def _case_url(world: World, name: str, case: Complaint) -> str:
    """The URL ``name`` for ``case``, with the world's other arguments (action, letter, view, …)."""
    url = url_for(world, name)
    for known in (world.case, world.hearing_case):
        url = url.replace(f"/cases/{known.pk}/", f"/cases/{case.pk}/")
    return url


def test_the_walk_finds_the_case_urls():
    expected = {"complaints:case", "complaints:case_note", "complaints:case_decision", "complaints:evidence_download"}
    assert expected <= set(CASE_URLS)


@pytest.mark.parametrize("name", CASE_URLS)
def test_outsiders_get_nothing_from_any_case_url(client, world, name):
    case = world.case
    # The hearing case's pages (decision, notice) are reached through it too.
    world.hearing_case.independent_persons.clear()
    Complaint.objects.filter(pk=world.hearing_case.pk).update(principal_authority=case.principal_authority)
    wrong = []
    for who, user in _outsiders(world).items():
        Conflict.objects.get_or_create(complaint=world.hearing_case, user=user, defaults={"reason": "Related"})
        for target in (case, world.hearing_case):
            url = _case_url(world, name, target)
            before = _state(target)
            _sign_in(client, user)
            officer = "officer" in who
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"text": "x", "reason": "x", "view": "x", "hold": "on"})
                allowed = {404} if officer and method == "get" else {403, 404, 405}
                body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
                if response.status_code not in allowed or target.reference in body:
                    wrong.append(f"{who}: {method.upper()} {url} → {response.status_code}")
            if _state(target) != before:
                wrong.append(f"{who}: {url} changed the case")
    assert not wrong, "\n".join(wrong)


def test_an_independent_person_may_record_only_their_own_view(client, world):
    case = world.case
    colleague = make_user(Role.INDEPENDENT_PERSON)
    consultation = complaint_services.assign_independent_person(actor=None, complaint=case, person=colleague)
    _sign_in(client, world.user(Role.INDEPENDENT_PERSON))  # assigned too, but this is not their consultation
    url = reverse("complaints:case_ip_view", args=[case.pk, consultation.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"view": "Not mine to give"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.view == "" and consultation.given_at is None


def test_a_consultation_named_through_another_case_is_not_found(client, world):
    _sign_in(client, world.user(Role.MONITORING_OFFICER))
    url = reverse("complaints:case_ip_view", args=[world.hearing_case.pk, world.consultation.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"view": "Wrong case"}).status_code == 404


# --- The complainant's private link ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["draft", "sent"])
def test_a_link_that_looks_valid_but_is_not_finds_nothing(client, world, which):
    complaint = world.draft_complaint if which == "draft" else world.tracked
    real = world.draft_token if which == "draft" else world.tracked_token
    guess = secrets.token_urlsafe(32)
    assert len(guess) == len(real) and guess != real
    before = _state(complaint)
    track = reverse("complaints:track", args=[guess])
    withdraw = reverse("complaints:track_withdraw", args=[guess])
    responses = [
        client.get(track),
        client.get(track + "?change=1"),
        client.post(track, {"send": ""}),
        client.post(track, {"complainant_name": "Changed"}),
        client.get(withdraw),
        client.post(withdraw, {"reason": "Guessing"}),
    ]
    for response in responses:
        assert response.status_code == 404
        body = response.content.decode()
        assert complaint.complainant_name not in body
        assert (complaint.reference or "CC-") not in body
        assert response["Cache-Control"] == "no-store"
    assert _state(complaint) == before
    # The real link still works.
    assert client.get(reverse("complaints:track", args=[real])).status_code == 200


def test_one_complainants_link_cannot_act_on_another_complaint(client, world):
    """The draft's link only ever reaches the draft, whatever is posted with it."""
    before = _state(world.tracked)
    client.post(
        reverse("complaints:track_withdraw", args=[world.draft_token]),
        {"reason": "Not mine", "complaint": world.tracked.pk, "pk": world.tracked.pk},
    )
    assert _state(world.tracked) == before
    assert world.tracked.stage == Stage.RECEIVED


# --- A councillor and other councillors' training ---------------------------------------------------


def test_a_councillor_sees_only_their_own_training(client, world):
    mine = TrainingRecord.objects.create(
        councillor=world.councillor, title="My own record", completed_on="2026-01-05", source="manual"
    )
    _sign_in(client, world.user(Role.COUNCILLOR))
    page = client.get(reverse("training:my_training")).content.decode()
    assert mine.title in page
    assert "Other&#x27;s own record" not in page and "Other's own record" not in page
    for name in ("training:councillor_record", "training:record_pdf", "training:record_add"):
        url = reverse(name, args=[world.other_councillor.pk])
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("training:record_add", args=[world.other_councillor.pk]),
        {"title": "Forged", "completed_on_0": "1", "completed_on_1": "1", "completed_on_2": "2026"},
    )
    assert response.status_code == 403
    assert not TrainingRecord.objects.filter(title="Forged").exists()


def test_a_councillor_cannot_book_or_cancel_for_someone_else(client, world):
    _sign_in(client, world.user(Role.COUNCILLOR))
    session = world.past_session
    theirs = Booking.objects.get(session=session, councillor=world.other_councillor)
    bookings = reverse("training:session_bookings", args=[session.pk])
    assert client.post(bookings, {"cancel_booking": str(theirs.pk)}).status_code == 403
    assert client.post(bookings, {"councillor": str(world.other_councillor.pk)}).status_code == 403
    assert client.post(reverse("training:attendance", args=[session.pk]), {}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.BOOKED
