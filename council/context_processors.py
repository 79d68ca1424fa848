from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .roles import Capability, Role, user_can, user_roles


def site(request) -> dict:
    roles = user_roles(request.user)
    user = request.user
    nav = [("Home", reverse("home"))]
    if user_can(user, Capability.MANAGE_PROTOCOL):
        nav.append(("Protocol", reverse("protocol:manage")))
    else:
        nav.append(("Protocol", reverse("protocol:current")))
    if user_can(user, Capability.VIEW_COMPLIANCE):
        nav.append(("Compliance", reverse("protocol:compliance")))
    if user_can(user, Capability.MANAGE_TRAINING):
        nav.append(("Training", reverse("training:course_list")))
    elif Role.COUNCILLOR in roles:
        nav.append(("Training", reverse("training:sessions")))
    if user_can(user, Capability.HANDLE_COMPLAINTS):
        nav.append(("Complaints", reverse("complaints:queue")))
    if user_can(user, Capability.VIEW_DIRECTORY):
        nav.append(("Councillors", reverse("council:councillor_list")))
    if user_can(user, Capability.INVITE_USERS):
        nav.append(("Invitations", reverse("council:invitation_list")))
    if user_can(user, Capability.VIEW_REPORTS):
        nav.append(("Reports", reverse("complaints:report_annual")))
    if user.is_authenticated:
        nav.append(("Your account", reverse("account_change_password")))
    path = request.path
    items = [
        {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
        for label, url in nav
    ]
    return {
        "council_name": settings.COUNCIL_NAME,
        "role_labels": [Role(r).label for r in sorted(roles)],
        "nav_items": items if request.user.is_authenticated else [],
    }
