"""Templated email through the outbox.

Every app sends email with :func:`send_templated_email`. The message is
rendered and stored in the caller's transaction and handed to Celery only once
that transaction commits; if the broker is down, the beat sweep
(:func:`deliver_due_email`) sends it later. Delivery claims the row with a
conditional UPDATE, so a message is never sent twice by two workers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.transaction import on_commit
from django.db.models import F
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
) -> OutboundEmail:
    """Queue an email rendered from ``templates/email/<template>.{subject.txt,txt,html}``.

    ``key`` makes the send idempotent: a second call with the same key returns
    the first message and sends nothing new. ``attachments`` are dicts with
    ``filename``, ``content`` (text) and ``mimetype``.
    """
    ctx = {"council_name": settings.COUNCIL_NAME, "site_url": settings.SITE_URL, **(context or {})}
    return queue_email(
        to=to,
        subject=render_to_string(f"email/{template}.subject.txt", ctx),
        body_text=render_to_string(f"email/{template}.txt", ctx),
        body_html=render_to_string(f"email/{template}.html", ctx),
        key=key,
        attachments=attachments,
    )


def queue_email(
    *,
    to: list[str] | str,
    subject: str,
    body_text: str,
    body_html: str = "",
    key: str | None = None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Store a message in the outbox and enqueue its delivery once the caller's transaction commits."""
    message, created = OutboundEmail.objects.get_or_create(
        key=key or f"adhoc:{uuid.uuid4()}",
        defaults={
            "to": [to] if isinstance(to, str) else list(to),
            "subject": " ".join(subject.split())[:255],
            "body_text": body_text,
            "body_html": body_html,
            "attachments": attachments or [],
        },
    )
    if created:
        on_commit(lambda: _enqueue(message.pk), robust=True)
    return message


def _enqueue(pk: int) -> None:
    from .tasks import deliver_email

    try:
        deliver_email.apply_async(args=[pk], retry=True)
    except Exception:  # the broker is down: the beat sweep will pick it up
        logger.warning("Could not enqueue email %s; the outbox sweep will send it.", pk, exc_info=True)


def deliver(pk: int) -> bool:
    """Send one queued message if it is due and nobody else has claimed it."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(pk=pk, status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now).update(
        status=OutboundEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    message = OutboundEmail.objects.get(pk=pk)
    try:
        _build(message).send(fail_silently=False)
    except Exception as exc:
        failed = message.attempts >= settings.EMAIL_MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=pk).update(
            status=OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            # Back off: 1, 2, 4, 8… minutes between tries.
            next_attempt_at=timezone.now() + timedelta(minutes=2 ** (message.attempts - 1)),
        )
        logger.warning("Email %s failed (attempt %s): %s", pk, message.attempts, exc)
        return False
    OutboundEmail.objects.filter(pk=pk).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return True


def deliver_due_email(limit: int = 500) -> int:
    """Send whatever is due: never enqueued, retried after a failure, or claimed by a dead worker."""
    now = timezone.now()
    OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=OutboundEmail.Status.PENDING
    )
    due = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
    return sum(deliver(pk) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


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
        email.attach(item["filename"], item["content"], item.get("mimetype"))
    return email
