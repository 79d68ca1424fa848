from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from .notifications import queue_email
from .roles import requires_mfa


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an invitation from Member Services.
    allauth's own emails (password reset) go through the council outbox."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        if message.content_subtype == "html":
            html, text = message.body, ""
        else:
            text = message.body
        queue_email(to=message.to, subject=message.subject, body_text=text, body_html=html)


class MFAAdapter(DefaultMFAAdapter):
    """Staff roles that must use two-factor authentication cannot switch it off."""

    def can_delete_authenticator(self, authenticator) -> bool:
        return not requires_mfa(authenticator.user) and super().can_delete_authenticator(authenticator)
