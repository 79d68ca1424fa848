"""A councillor who joins (or returns) after a version is published must acknowledge it too.

``council`` knows nothing of the protocol, so the protocol listens for councillors being
saved rather than the directory's services calling in here.
"""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from council.models import Councillor

from . import services


@receiver(pre_save, sender=Councillor, dispatch_uid="protocol.councillor_was_active")
def remember_whether_active(sender, instance: Councillor, raw: bool = False, **kwargs) -> None:
    # Only an existing councillor being made active needs the old value, so only then ask the database.
    if raw or instance.pk is None or not instance.is_active:
        return
    instance._protocol_was_active = (
        Councillor.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )


@receiver(post_save, sender=Councillor, dispatch_uid="protocol.require_for_new_councillor")
def require_acknowledgement(sender, instance: Councillor, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not instance.is_active:
        return
    if created or getattr(instance, "_protocol_was_active", True) is False:
        services.require_for_new_councillor(councillor=instance)
