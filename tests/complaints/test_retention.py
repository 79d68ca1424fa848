"""Retention: closed cases are anonymised after the set period; statistics survive; a legal
hold keeps a case whole."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Count
from django.db.models.functions import TruncMonth

from complaints.models import (
    CodeHeading,
    Complaint,
    Decision,
    Evidence,
    IPConsultation,
    Post,
    Sanction,
    Stage,
    TimelineEntry,
)
from complaints.retention import ANONYMISED_NAME, anonymise_due
from council.audit import log_action
from council.models import AuditEntry, OutboundEmail
from council.notifications import queue_email
from council.roles import Role
from tests.factories import CouncillorFactory, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=3 * 366)  # closed more than three years ago
RECENT = NOW - timedelta(days=2 * 365)
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def make_closed_case(*, closed_at: datetime = OLD, stage: str = Stage.CLOSED, **fields) -> Complaint:
    councillor = CouncillorFactory()
    complaint = Complaint.objects.create(
        reference=f"CC-2022-{next(_numbers):05d}",
        principal_authority=councillor.authority,
        stage=stage,
        complainant_name="Pat Complainant",
        complainant_email="pat@example.org",
        complainant_phone="07700 900123",
        complainant_address="1 High Street",
        complainant_type=Complaint.ComplainantType.PUBLIC,
        acting_as_councillor=Complaint.ActingAsCouncillor.YES,
        acting_reasons="Signed as Cllr",
        outcome_sought="An apology",
        confidentiality_requested=True,
        confidentiality_reasons="I work for the council",
        received_at=closed_at - timedelta(days=90),
        assessed_at=closed_at - timedelta(days=60),
        decided_at=closed_at - timedelta(days=10),
        closed_at=closed_at,
        access_token_hash=f"hash{next(_numbers)}",
        **fields,
    )
    complaint.councillors.add(councillor)
    complaint.headings.add(*CodeHeading.objects.filter(number__in=[1, 5]))
    post = Post.objects.create(complaint=complaint, platform="X", url="https://x.example/1", content="Rude words")
    name = storages["private"].save(f"complaints/{complaint.pk}/abc.png", ContentFile(b"\x89PNG data"))
    Evidence.objects.create(
        complaint=complaint,
        post=post,
        original_name="screenshot.png",
        stored_name=name,
        content_type="image/png",
        size=9,
        sha256="0" * 64,
    )
    TimelineEntry.objects.create(complaint=complaint, kind=TimelineEntry.Kind.NOTE, summary="Note", text="Pat rang.")
    ip = make_user(Role.INDEPENDENT_PERSON)
    IPConsultation.objects.create(complaint=complaint, independent_person=ip, stage=Stage.HEARING, view="A breach.")
    Decision.objects.create(
        complaint=complaint,
        finding=Decision.Finding.BREACH_SANCTIONS,
        findings="Pat was insulted.",
        reasons="Disrespect.",
        sanctions=[Sanction.CENSURE],
        ip_view_summary="A breach.",
        decided_at=complaint.decided_at,
    )
    queue_email(
        to="pat@example.org", subject="Your complaint", body_text="Dear Pat", key=f"complaint-status:{complaint.pk}:3"
    )
    return complaint


def statistics() -> dict:
    complaints = Complaint.objects.all()
    return {
        "by_month": list(
            complaints.annotate(month=TruncMonth("received_at"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by("month")
        ),
        "by_heading": list(complaints.values("headings__number").annotate(n=Count("pk")).order_by("headings__number")),
        "by_outcome": list(
            complaints.values("principal_authority", "stage", "decision__finding", "decision__sanctions")
            .annotate(n=Count("pk"))
            .order_by("principal_authority", "stage")
        ),
        "timings": list(complaints.values_list("received_at", "assessed_at", "decided_at", "closed_at").order_by("pk")),
    }


def test_old_closed_cases_are_anonymised_and_the_statistics_survive(django_capture_on_commit_callbacks):
    old = make_closed_case()
    withdrawn = make_closed_case(stage=Stage.WITHDRAWN)
    recent = make_closed_case(closed_at=RECENT)
    stored = old.evidence.get().stored_name
    log_action(actor=None, action="complaints.evidence_downloaded", obj=old, summary="pat-complainant.pdf", file="x")
    before = statistics()

    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due(now=NOW) == 2

    assert statistics() == before
    old.refresh_from_db()
    assert old.anonymised_at == NOW
    assert old.complainant_name == ANONYMISED_NAME
    assert "pat" not in old.complainant_email
    assert old.complainant_phone == old.complainant_address == ""
    assert old.acting_reasons == old.outcome_sought == old.confidentiality_reasons == ""
    assert old.access_token_hash is None
    assert not old.councillors.exists()
    assert old.principal_authority_id is not None
    assert set(old.headings.values_list("number", flat=True)) == {1, 5}
    assert old.posts.get().content == "" and old.posts.get().url == ""
    assert not old.timeline.exclude(text="").exists()
    assert old.ip_consultations.get().view == ""
    decision = Decision.objects.get(complaint=old)
    assert (decision.findings, decision.reasons, decision.ip_view_summary) == ("", "", "")
    assert (decision.finding, decision.sanctions) == (Decision.Finding.BREACH_SANCTIONS, [Sanction.CENSURE])
    # Evidence: rows and files gone.
    assert not Evidence.objects.filter(complaint=old).exists()
    assert not storages["private"].exists(stored)
    assert not OutboundEmail.objects.filter(key=f"complaint-status:{old.pk}:3").exists()
    # One audit entry per case; the trail keeps who and when, but not what it said.
    assert AuditEntry.objects.filter(action="complaint.anonymised", object_id=str(old.pk)).count() == 1
    trail = AuditEntry.objects.filter(object_type="complaints.complaint", object_id=str(old.pk))
    assert trail.filter(action="complaints.evidence_downloaded").get().summary == ""
    assert not trail.exclude(action="complaint.anonymised").exclude(summary="", data={}).exists()
    assert AuditEntry.objects.filter(action="complaint.anonymised").count() == 2
    withdrawn.refresh_from_db()
    assert withdrawn.anonymised_at == NOW
    # Not yet due: untouched.
    recent.refresh_from_db()
    assert recent.anonymised_at is None
    assert recent.complainant_name == "Pat Complainant"
    assert storages["private"].exists(recent.evidence.get().stored_name)


def test_a_case_under_legal_hold_is_kept_whole(django_capture_on_commit_callbacks):
    held = make_closed_case(legal_hold=True)
    stored = held.evidence.get().stored_name
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due(now=NOW) == 0
    held.refresh_from_db()
    assert held.anonymised_at is None
    assert held.complainant_name == "Pat Complainant"
    assert held.councillors.exists()
    assert storages["private"].exists(stored)
    assert not AuditEntry.objects.filter(action="complaint.anonymised").exists()


def test_open_cases_and_anonymised_cases_are_left_alone(django_capture_on_commit_callbacks):
    open_case = make_closed_case(stage=Stage.HEARING)
    done = make_closed_case(anonymised_at=NOW - timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due(now=NOW) == 0
        assert anonymise_due(now=NOW) == 0
    open_case.refresh_from_db()
    done.refresh_from_db()
    assert open_case.complainant_name == done.complainant_name == "Pat Complainant"


def test_running_twice_anonymises_once(django_capture_on_commit_callbacks):
    make_closed_case()
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due(now=NOW) == 1
        assert anonymise_due(now=NOW) == 0
    assert AuditEntry.objects.filter(action="complaint.anonymised").count() == 1


def test_the_retention_period_is_a_setting(settings, django_capture_on_commit_callbacks):
    settings.COMPLAINTS_RETENTION_YEARS = 1
    recent = make_closed_case(closed_at=RECENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due(now=NOW) == 1
    recent.refresh_from_db()
    assert recent.anonymised_at == NOW
