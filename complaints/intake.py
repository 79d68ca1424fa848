"""Intake helpers: saving a draft with its evidence, rate limits, equality answers, and the
sweep that deletes drafts nobody confirmed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from council.audit import log_action
from council.models import Authority, User

from . import services, uploads
from .models import Complaint, EqualityMonitoring, Evidence, Stage

# How many drafts a visitor may start in an hour, by IP address and by email address, and how
# many safeguarding concerns one IP address may send.
LIMITS = {"ip": (5, 3600), "email": (3, 3600), "safeguarding": (10, 3600)}


def _bucket(kind: str, value: str) -> str:
    # Hashed so that no email address or IP address sits in the cache in the clear.
    return f"complaints:limit:{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()}"


def _count(kind: str, value: str) -> bool:
    """Count one use; True while still within the limit. Counters live in the shared cache
    (the database locally, Redis in production), so every web process sees them."""
    limit, window = LIMITS[kind]
    key = _bucket(kind, value or "unknown")
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def over_limit(*, ip: str, email: str) -> bool:
    """Count one new draft against the visitor's IP address and email address; True when
    either is over its hourly limit."""
    within_ip = _count("ip", ip)
    within_email = _count("email", email)
    return not (within_ip and within_email)


def safeguarding_over_limit(*, ip: str) -> bool:
    return not _count("safeguarding", ip)


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@dataclass
class Upload:
    """The accepted files of one post of the form (by its position among the filled-in posts)."""

    post_index: int
    files: list[uploads.CheckedFile] = field(default_factory=list)


def save_with_evidence(
    *,
    data: services.ComplaintData,
    files: list[Upload],
    submitted_by: User | None = None,
    complaint: Complaint | None = None,
    remove: list[Evidence] | tuple[Evidence, ...] = (),
    then: Callable[[Complaint], object] | None = None,
) -> tuple[Complaint, str | None]:
    """Save the draft and its new files in one transaction; if anything fails, the stored files
    are removed too. Files already on the draft keep the post they belonged to. ``then`` runs
    in the same transaction (a signed-in person's complaint is submitted at once)."""
    with uploads.removed_if_failed() as saved, transaction.atomic():
        positions = _evidence_positions(complaint) if complaint is not None else {}
        complaint, token = services.save_draft(data=data, submitted_by=submitted_by, complaint=complaint)
        posts = list(complaint.posts.order_by("pk"))
        for evidence_pk, index in positions.items():
            if index < len(posts):
                Evidence.objects.filter(pk=evidence_pk).update(post=posts[index])
        gone = [e for e in remove if e.complaint_id == complaint.pk]
        if gone:
            Evidence.objects.filter(pk__in=[e.pk for e in gone]).delete()
            names = [e.stored_name for e in gone]
            transaction.on_commit(lambda: uploads.delete_files(names))
        for upload in files:
            post = posts[upload.post_index] if upload.post_index < len(posts) else None
            for checked in upload.files:
                uploads.store(complaint=complaint, checked=checked, post=post, saved=saved)
        if then is not None:
            then(complaint)
    return complaint, token


def _evidence_positions(complaint: Complaint) -> dict[int, int]:
    """Each existing file's post, as a position, because saving a draft replaces its posts."""
    order = {pk: i for i, pk in enumerate(complaint.posts.order_by("pk").values_list("pk", flat=True))}
    return {
        pk: order[post_id]
        for pk, post_id in complaint.evidence.filter(post__isnull=False).values_list("pk", "post_id")
        if post_id in order
    }


EQUALITY_FIELDS = ("age_band", "sex", "ethnicity", "disability", "religion", "sexual_orientation")


def record_equality(*, authority: Authority, answers: dict[str, str]) -> EqualityMonitoring | None:
    """Store optional equality answers apart from the complaint (no link to it, only the
    month and the authority), and only when something was answered."""
    values = {name: (answers.get(name) or "").strip() for name in EQUALITY_FIELDS}
    if not any(values.values()):
        return None
    return EqualityMonitoring.objects.create(
        principal_authority=authority, month=timezone.localdate().replace(day=1), **values
    )


def expire_drafts() -> int:
    """Delete drafts whose confirmation window has passed, with their evidence files.
    Returns how many were deleted. Safe to run twice."""
    with transaction.atomic():
        due = Complaint.objects.filter(stage=Stage.DRAFT, draft_expires_at__lt=timezone.now())
        ids = list(due.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        names = list(Evidence.objects.filter(complaint_id__in=ids).values_list("stored_name", flat=True))
        Complaint.objects.filter(pk__in=ids).delete()
        log_action(
            actor=None, action="complaint.drafts_expired", summary=f"{len(ids)} draft(s) expired", count=len(ids)
        )
    # After the commit: a failed delete must not leave rows pointing at missing files.
    uploads.delete_files(names)
    return len(ids)
