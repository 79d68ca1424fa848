from __future__ import annotations

from celery import shared_task


@shared_task
def send_training_reminders() -> int:
    from .reminders import sweep

    return sweep()
