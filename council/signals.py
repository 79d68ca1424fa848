from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_roles(sender, **kwargs) -> None:
    """Keep the role groups present after every migrate (the migration creates
    them; this repairs a database where someone deleted one)."""
    if sender.name != "council":
        return
    from django.contrib.auth.models import Group

    from .roles import Role

    using = kwargs.get("using", "default")
    for role in Role:
        Group.objects.using(using).get_or_create(name=role.value)


@receiver(user_logged_in)
def start_staff_idle_clock(sender, request, user, **kwargs) -> None:
    from .middleware import start_idle_clock

    start_idle_clock(request, user)
