"""The complainant's private link: confirming, reviewing, following and withdrawing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Stage
from council.roles import Role
from tests.complaints.factories import draft, submitted, use_private_storage
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    cache.clear()


def _track(token: str) -> str:
    return reverse("complaints:track", args=[token])


def test_the_link_confirms_and_shows_the_review(client):
    complaint, token = draft()
    response = client.get(_track(token))
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is not None
    assert "Send to the Monitoring Officer" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_link_is_not_found_and_not_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.get(_track("not-a-real-token"))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert "not-a-real-token" not in caplog.text


def test_an_expired_draft_is_gone(client):
    complaint, token = draft()
    Complaint.objects.filter(pk=complaint.pk).update(draft_expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(_track(token))
    assert response.status_code == 410
    assert "start again" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is None
    assert client.post(_track(token), {"send": ""}).status_code == 410
    complaint.refresh_from_db()
    assert complaint.stage == Stage.DRAFT


def test_a_link_shows_only_its_own_complaint(client):
    mine, my_token = submitted(complainant_name="Alice Able", outcome_sought="Alice wants an apology")
    theirs, their_token = submitted(complainant_name="Bob Baker", outcome_sought="Bob wants training")
    page = client.get(_track(my_token)).content.decode()
    assert mine.reference in page and theirs.reference not in page
    page = client.get(_track(their_token)).content.decode()
    assert theirs.reference in page and mine.reference not in page
    # Guessing: a token that differs by one character finds nothing.
    assert client.get(_track(my_token[:-1] + ("A" if my_token[-1] != "A" else "B"))).status_code == 404


def test_the_status_page_shows_the_stage_and_public_timeline_only(client):
    complaint, token = submitted()
    mo = make_user(Role.MONITORING_OFFICER)
    services.add_note(actor=mo, complaint=complaint, text="SECRET internal view of the complainant")
    services.transition(actor=mo, complaint=complaint, action="acknowledge")
    response = client.get(_track(token))
    page = response.content.decode()
    assert complaint.reference in page and "Acknowledged" in page
    assert "Complaint received by the Monitoring Officer" in page
    assert "SECRET" not in page
    assert '<meta name="referrer" content="no-referrer">' in page
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_complainant_can_withdraw(client, outbox):
    complaint, token = submitted()
    withdraw = reverse("complaints:track_withdraw", args=[token])
    page = client.get(withdraw).content.decode()
    assert "Withdraw your complaint" in page
    page = client.post(withdraw, {"reason": ""}).content.decode()
    assert "Tell us why you are withdrawing" in page
    complaint.refresh_from_db()
    assert complaint.stage == Stage.RECEIVED
    response = client.post(withdraw, {"reason": "Sorted it out with them"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.stage == Stage.WITHDRAWN
    assert "has been withdrawn" in response.content.decode()
    entry = complaint.timeline.filter(to_stage=Stage.WITHDRAWN).get()
    assert entry.text == "Sorted it out with them"
    # Once withdrawn it cannot be withdrawn again.
    assert "Withdraw my complaint" not in client.get(_track(token)).content.decode()
    assert client.get(withdraw).status_code == 302


def test_withdraw_of_an_unknown_link_is_not_found(client):
    assert client.get(reverse("complaints:track_withdraw", args=["nope"])).status_code == 404


def test_sending_twice_does_not_send_twice(client, outbox):
    complaint, token = draft()
    client.get(_track(token))
    client.post(_track(token), {"send": ""})
    complaint.refresh_from_db()
    reference = complaint.reference
    response = client.post(_track(token), {"send": ""})
    assert response.status_code == 200  # the status page
    complaint.refresh_from_db()
    assert complaint.reference == reference and complaint.timeline.count() == 1


def test_changing_a_draft_keeps_the_confirmed_address(client):
    from tests.complaints.factories import form_data

    complaint, token = draft()
    client.get(_track(token))
    councillor = complaint.councillors.get()
    data = form_data(councillor, complainant_email="attacker@example.com", save="")
    client.post(_track(token) + "?change=1", data)
    complaint.refresh_from_db()
    assert complaint.complainant_email == "pat@example.com"
