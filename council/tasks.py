from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import notifications, services


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def deliver_email_batch(pks: list[int]) -> int:
    return notifications.deliver_batch(pks)


@shared_task
def deliver_pending_email() -> int:
    return notifications.deliver_due_email()


@shared_task
def expire_invitations() -> int:
    return services.expire_invitations()


@shared_task(acks_late=True)
def generate_report(pk: str) -> str:
    from . import report_jobs

    return report_jobs.run(pk)


@shared_task
def sweep_report_jobs() -> dict:
    from . import report_jobs

    return report_jobs.sweep()
