"""Templated email through the outbox.

Every app sends email with :func:`send_templated_email`. The message is
rendered and stored in the caller's transaction and handed to Celery only once
that transaction commits; if the broker is down, the beat sweep
(:func:`deliver_due_email`) sends it later. Delivery claims the row with a
conditional UPDATE, so a message is never sent twice by two workers.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.db.transaction import on_commit
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def send_templated_email(
    *,
    to: list[str] | str,
    template: str,
    context: dict | None = None,
    key: str | None = None,
    attachments: list[dict] | None = None,
    enqueue: bool = True,
) -> OutboundEmail:
    """Queue an email rendered from ``templates/email/<template>.{subject.txt,txt,html}``.

    ``key`` makes the send idempotent: a second call with the same key returns
    the first message and sends nothing new. ``attachments`` are dicts with
    ``filename``, ``content`` (text) and ``mimetype``; binary content is passed
    base64-encoded with ``"encoding": "base64"``. With ``enqueue=False`` the
    caller hands the messages to :func:`enqueue_batch` itself (bulk senders).
    """
    return queue_email(to=to, **_render(template, context), key=key, attachments=attachments, enqueue=enqueue)


def send_templated_emails(messages: list[dict]) -> dict[str, OutboundEmail]:
    """:func:`send_templated_email` for many messages in a few queries, whatever their number:
    for bulk senders (a reminder sweep), which hand the new ones to :func:`enqueue_batch` themselves.

    Each message is a dict of ``key`` (required), ``to``, ``template`` and ``context``. Returns the
    outbox messages by key, each with ``created`` as send_templated_email sets it; a key already in
    the outbox keeps its first message, and is not rendered again.
    """
    keys = [m["key"] for m in messages]
    existing = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(key=m["key"], **_outbox_fields(to=m["to"], **_render(m["template"], m.get("context"))))
            for m in messages
            if m["key"] not in existing
        ],
        # A concurrent sender may have written a key since: its message stands, as with get_or_create.
        # Both then count it as theirs and enqueue it, and delivery's claim still sends it once.
        ignore_conflicts=True,
    )
    by_key = OutboundEmail.objects.in_bulk(keys, field_name="key")
    for key, message in by_key.items():
        message.created = key not in existing
    return by_key


def _render(template: str, context: dict | None) -> dict[str, str]:
    ctx = {"council_name": settings.COUNCIL_NAME, "site_url": settings.SITE_URL, **(context or {})}
    return {
        "subject": render_to_string(f"email/{template}.subject.txt", ctx),
        "body_text": render_to_string(f"email/{template}.txt", ctx),
        "body_html": render_to_string(f"email/{template}.html", ctx),
    }


def _outbox_fields(
    *, to: list[str] | str, subject: str, body_text: str, body_html: str = "", attachments: list[dict] | None = None
) -> dict:
    return {
        "to": [to] if isinstance(to, str) else list(to),
        "subject": " ".join(subject.split())[:255],
        "body_text": body_text,
        "body_html": body_html,
        "attachments": attachments or [],
    }


def queue_email(
    *,
    to: list[str] | str,
    subject: str,
    body_text: str,
    body_html: str = "",
    key: str | None = None,
    attachments: list[dict] | None = None,
    enqueue: bool = True,
) -> OutboundEmail:
    """Store a message in the outbox and enqueue its delivery once the caller's transaction commits."""
    message, created = OutboundEmail.objects.get_or_create(
        key=key or f"adhoc:{uuid.uuid4()}",
        defaults=_outbox_fields(
            to=to, subject=subject, body_text=body_text, body_html=body_html, attachments=attachments
        ),
    )
    message.created = created
    if created and enqueue:
        enqueue_batch([message.pk])
    return message


def enqueue_batch(pks: list[int], *, size: int = 100) -> None:
    """Hand messages to Celery in batches once the caller's transaction commits."""
    for i in range(0, len(pks), size):
        chunk = pks[i : i + size]
        on_commit(lambda chunk=chunk: _enqueue(chunk), robust=True)


def _enqueue(pks: list[int]) -> bool:
    """Hand a batch to the broker; False (and a warning) when the broker cannot take it."""
    from .tasks import deliver_email_batch

    try:
        deliver_email_batch.apply_async(args=[pks], retry=True)
    except Exception:  # the broker is down: the beat sweep will pick them up
        logger.warning("Could not enqueue email %s; the outbox sweep will send it.", pks, exc_info=True)
        return False
    return True


def deliver(pk: int) -> bool:
    """Send one queued message if it is due and nobody else has claimed it."""
    return deliver_batch([pk]) == 1


def deliver_batch(pks: list[int]) -> int:
    """Claim the due messages among ``pks`` (a conditional UPDATE, so two workers never
    send the same one) and send them over one connection. Returns how many were sent."""
    now = timezone.now()
    token = uuid.uuid4().hex
    OutboundEmail.objects.filter(pk__in=pks, status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now).update(
        status=OutboundEmail.Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    messages = list(OutboundEmail.objects.filter(claim_token=token, status=OutboundEmail.Status.SENDING))
    if not messages:
        return 0
    sent = 0
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:
        _record_failures(messages, exc)
        return 0
    try:
        for message in messages:
            try:
                connection.send_messages([_build(message)])
            except Exception as exc:
                _record_failures([message], exc)
            else:
                # Recorded as soon as the server has it, not at the end of the batch: a worker
                # killed mid-batch would otherwise leave the ones already sent to be sent again.
                OutboundEmail.objects.filter(pk=message.pk).update(
                    status=OutboundEmail.Status.SENT, sent_at=timezone.now()
                )
                sent += 1
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return sent


def _record_failures(messages: list[OutboundEmail], exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    for message in messages:
        failed = message.attempts >= settings.EMAIL_MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=message.pk).update(
            status=OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.PENDING,
            last_error=error,
            # Back off: 1, 2, 4, 8… minutes between tries.
            next_attempt_at=timezone.now() + timedelta(minutes=2 ** (message.attempts - 1)),
        )
        logger.warning("Email %s failed (attempt %s): %s", message.pk, message.attempts, error)


def deliver_due_email(limit: int = 500) -> int:
    """Send whatever is due: never enqueued, retried after a failure, or claimed by a dead worker."""
    now = timezone.now()
    OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=OutboundEmail.Status.PENDING
    )
    due = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver_batch(due[i : i + 100]) for i in range(0, len(due), 100))


def _build(message: OutboundEmail) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message.to,
        headers={"Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments:
        content = item["content"]
        if item.get("encoding") == "base64":  # binary content (a PDF) is stored base64-encoded in the JSON field
            content = base64.b64decode(content)
        email.attach(item["filename"], content, item.get("mimetype"))
    return email
