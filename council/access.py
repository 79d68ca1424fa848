"""View decorators: every view declares who may use it.

The authorisation-matrix test walks every URL pattern and fails for any view
that carries no ``access`` declaration, so no view can ship unprotected.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import Capability, user_can, user_has_role


def _mark(view, access: str):
    view.access = access
    return view


def public(view):
    """Anyone, signed in or not, may use this view."""
    return _mark(view, "public")


def login_required(view):
    """Any signed-in person may use this view."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _mark(wrapped, "login")


def role_required(*roles: str):
    """Only holders of one of these roles may use this view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapped, "roles:" + ",".join(sorted(roles)))

    return decorator


def capability_required(capability: Capability):
    """Only holders of a role granted this capability may use this view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapped, f"capability:{capability}")

    return decorator
