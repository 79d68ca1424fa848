from __future__ import annotations

from celery import shared_task

from . import reminders, services


@shared_task
def publish_scheduled_versions() -> int:
    return len(services.publish_due_versions())


@shared_task
def send_protocol_reminders() -> int:
    return reminders.sweep()
