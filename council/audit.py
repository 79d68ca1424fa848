"""The audit trail: every state change writes an entry in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def log_action(*, actor, action: str, obj: models.Model | None = None, summary: str = "", **data: Any) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``. Call inside the service's transaction."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data=data,
    )
