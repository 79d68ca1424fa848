"""The roles people hold in the portal, and what each may do.

This is the one place that says which roles may do what. Roles are Django
groups (created by a migration); capabilities are checked with
``user_can(user, Capability.X)`` in views and templates.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COUNCILLOR = "councillor", "Councillor"
    MONITORING_OFFICER = "monitoring_officer", "Monitoring Officer"
    DEPUTY_MONITORING_OFFICER = "deputy_monitoring_officer", "Deputy Monitoring Officer"
    INDEPENDENT_PERSON = "independent_person", "Independent Person"
    MEMBER_SERVICES = "member_services", "Member Services"
    COMMUNICATIONS = "communications", "Communications"
    REPORT_VIEWER = "report_viewer", "Report viewer"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles whose holders see personal or special-category data: they must use
# two-factor authentication before they can do anything else.
MFA_REQUIRED_ROLES = frozenset(
    {
        Role.MONITORING_OFFICER,
        Role.DEPUTY_MONITORING_OFFICER,
        Role.INDEPENDENT_PERSON,
        Role.MEMBER_SERVICES,
        Role.ADMINISTRATOR,
    }
)


class Capability(models.TextChoices):
    VIEW_DIRECTORY = "view_directory", "See the councillor directory"
    MANAGE_DIRECTORY = "manage_directory", "Add and edit councillors, committees and authorities"
    IMPORT_DIRECTORY = "import_directory", "Import councillors from ModernGov or CSV"
    INVITE_USERS = "invite_users", "Invite people to the portal"
    VIEW_AUDIT_LOG = "view_audit_log", "See the audit log"
    MANAGE_PROTOCOL = "manage_protocol", "Draft and publish protocol versions"
    VIEW_COMPLIANCE = "view_compliance", "See who has acknowledged the protocol, and declared accounts"
    RECORD_ACKNOWLEDGEMENT = "record_acknowledgement", "Record a councillor's signed paper acknowledgement"
    HANDLE_COMPLAINTS = "handle_complaints", "Work on code of conduct complaints (the triage queue and cases)"
    MANAGE_TRAINING = "manage_training", "Run councillor training: courses, sessions, bookings, attendance, records"
    VIEW_REPORTS = "view_reports", "See reports without personal data (the standards annual report)"


CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_DIRECTORY: frozenset(
        {
            Role.MEMBER_SERVICES,
            Role.MONITORING_OFFICER,
            Role.DEPUTY_MONITORING_OFFICER,
            Role.ADMINISTRATOR,
        }
    ),
    Capability.MANAGE_DIRECTORY: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.IMPORT_DIRECTORY: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.INVITE_USERS: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.VIEW_AUDIT_LOG: frozenset({Role.ADMINISTRATOR, Role.MONITORING_OFFICER}),
    Capability.MANAGE_PROTOCOL: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.VIEW_COMPLIANCE: frozenset(
        {Role.MEMBER_SERVICES, Role.ADMINISTRATOR, Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER}
    ),
    Capability.RECORD_ACKNOWLEDGEMENT: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.MANAGE_TRAINING: frozenset({Role.MEMBER_SERVICES, Role.ADMINISTRATOR}),
    Capability.VIEW_REPORTS: frozenset(
        {
            Role.REPORT_VIEWER,
            Role.MONITORING_OFFICER,
            Role.DEPUTY_MONITORING_OFFICER,
            Role.MEMBER_SERVICES,
            Role.ADMINISTRATOR,
        }
    ),
    # Independent Persons see only the cases they are assigned to (complaints.permissions).
    Capability.HANDLE_COMPLAINTS: frozenset(
        {Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, Role.INDEPENDENT_PERSON}
    ),
}


def user_roles(user) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_council_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role.values)
        user._council_roles = cached
    return cached


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def user_can(user, capability: Capability | str) -> bool:
    return bool(user_roles(user) & CAPABILITIES[Capability(capability)])


def requires_mfa(user) -> bool:
    return bool(user_roles(user) & MFA_REQUIRED_ROLES)
