from __future__ import annotations

from celery import shared_task


@shared_task
def expire_drafts() -> int:
    from .intake import expire_drafts as run

    return run()


@shared_task
def send_daily_digest() -> int:
    from .digest import send_daily_digest as run

    return run()


@shared_task
def anonymise_closed_cases() -> int:
    from .retention import anonymise_due as run

    return run()
