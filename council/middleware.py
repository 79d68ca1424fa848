from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
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


# When a staff session was last used, in seconds since the epoch.
LAST_SEEN_KEY = "council_last_seen"
# Staff sessions record their use at most this often, so a busy page does not write the session on every request.
LAST_SEEN_RESOLUTION = 60


def start_idle_clock(request, user) -> None:
    """Signing in counts as using the portal: a staff session's idle time runs from then (so the
    first page after signing in need not write the session again)."""
    if request is not None and hasattr(request, "session") and requires_mfa(user):
        request.session[LAST_SEEN_KEY] = int(time.time())


class StaffIdleTimeoutMiddleware:
    """Sign out staff (the roles that must use two-factor authentication) after
    ``STAFF_IDLE_TIMEOUT_MINUTES`` without a request; everyone else keeps the normal
    session age.

    Only staff sessions are read or written here: for anyone else the request costs nothing
    more. A staff session's time of last use is written at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and requires_mfa(user):
            timed_out = self._touch(request)
            if timed_out:
                return self._sign_out(request)
        return self.get_response(request)

    @staticmethod
    def _touch(request) -> bool:
        """True if the session has been idle too long; otherwise record this use (at most once a minute)."""
        now = int(time.time())
        last = request.session.get(LAST_SEEN_KEY)
        idle = now - last if isinstance(last, int) else None
        if idle is not None and idle > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
            return True
        # A clock that went backwards (idle < 0) keeps the later time.
        if idle is None or idle >= LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_KEY] = now
        return False

    @staticmethod
    def _sign_out(request):
        minutes = settings.STAFF_IDLE_TIMEOUT_MINUTES
        logout(request)
        messages.info(
            request,
            f"You were signed out because you had not used the portal for {minutes} minutes. Sign in again to go on.",
        )
        # Only a page can be gone back to: a form submitted after the timeout must be filled in again.
        return redirect_to_login(request.get_full_path() if request.method == "GET" else reverse("home"))
