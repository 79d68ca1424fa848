from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from .roles import requires_mfa

# Paths a person who must set up two-factor authentication may still reach.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/")


class RequireMFAMiddleware:
    """Staff roles that see personal data must set up two-factor authentication
    before they can use anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and requires_mfa(user)
            and not has_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.get_full_path())
        return self.get_response(request)


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
