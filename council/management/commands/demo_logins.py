"""Print where the site is and how to sign in as each demo role (development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from council.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from council.models import User
from council.roles import MFA_REQUIRED_ROLES, Role


class Command(BaseCommand):
    help = "Print the site address and the demo accounts' emails and password (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=settings.SITE_URL, help="The address the site is served at.")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        self.stdout.write(f"The member portal is at {url}")
        if settings.PRODUCTION:
            # Never print credentials from a live system, even if someone loaded demo data there.
            self.stdout.write("Demo accounts are not available in production.")
            return
        existing = set(User.objects.filter(email__in=[e for _, e, _ in DEMO_ACCOUNTS]).values_list("email", flat=True))
        rows = [("Role", "Email", "Password")]
        rows += [
            (role.label, email, DEMO_PASSWORD if email in existing else "(not loaded)")
            for role, email, _ in DEMO_ACCOUNTS
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        if len(existing) < len(DEMO_ACCOUNTS):
            self.stdout.write("Run `manage.py load_demo` to create the accounts marked (not loaded).")
        staff = ", ".join(Role(r).label for r in Role.values if r in MFA_REQUIRED_ROLES)
        self.stdout.write(
            f"{staff} set up two-factor authentication the first time they sign in: "
            "have an authenticator app ready (or any TOTP app)."
        )
