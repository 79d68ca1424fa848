"""The authorisation matrix: every URL pattern of the project, for every role and anonymous.

Each URL the project serves is fetched with GET as each role (and as nobody) and the outcome is
compared with ``EXPECTED``, a table written as data. A URL pattern missing from the table fails,
so no view can ship without someone deciding who may see it. The portal's own rows are derived
from ``council.roles.CAPABILITIES`` so the table cannot drift from the one place that says who
may do what.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from simple_history.admin import SimpleHistoryAdmin

from council.roles import CAPABILITIES, MFA_REQUIRED_ROLES, Capability, Role
from protocol import services as protocol_services
from protocol.importer import parse_protocol
from tests.factories import CouncillorFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ACTORS: list[str] = [ANONYMOUS, *Role.values]

# Outcomes of a GET.
PAGE = "page"  # 200
LOGIN = "login"  # 302 to the sign-in page
FORBIDDEN = "forbidden"  # 403
NOTFOUND = "notfound"  # 404
REDIRECT = "redirect"  # any other 302
ADMIN_LOGIN = "admin_login"  # 302 to the Django admin's own sign-in page
NOT_ALLOWED = "not_allowed"  # 405: the URL takes POST only

PROJECT_APPS = ("council.", "protocol.", "complaints.", "training.")


# --- Shapes of row --------------------------------------------------------------------------------


def everyone(outcome: str, *, anonymous: str | None = None) -> dict[str, str]:
    """The same outcome for every role; anonymous visitors may differ."""
    row = dict.fromkeys(Role.values, outcome)
    row[ANONYMOUS] = anonymous or outcome
    return row


PUBLIC = everyone(PAGE)


def signed_in(outcome: str = PAGE) -> dict[str, str]:
    """Any signed-in person; anonymous visitors are sent to sign in."""
    return everyone(outcome, anonymous=LOGIN)


def with_capability(capability: Capability, *, allowed: str = PAGE) -> dict[str, str]:
    """Holders of a role granted ``capability`` get ``allowed``; other roles 403; anonymous sign in."""
    row = {role: allowed if role in CAPABILITIES[capability] else FORBIDDEN for role in Role.values}
    row[ANONYMOUS] = LOGIN
    return row


def with_roles(*roles: Role, allowed: str = PAGE) -> dict[str, str]:
    row = {role: allowed if role in roles else FORBIDDEN for role in Role.values}
    row[ANONYMOUS] = LOGIN
    return row


def by_mfa(*, with_totp: str, without: str) -> dict[str, str]:
    """Roles that must use two-factor authentication hold a TOTP authenticator; the others do not."""
    row = {role: with_totp if role in MFA_REQUIRED_ROLES else without for role in Role.values}
    row[ANONYMOUS] = LOGIN
    return row


def admin_site(administrator: str) -> dict[str, str]:
    """The Django admin: only the Administrator (is_staff) gets in; everyone else is sent to the
    admin's own sign-in page."""
    row = everyone(ADMIN_LOGIN)
    row[Role.ADMINISTRATOR] = administrator
    return row


# --- The table ------------------------------------------------------------------------------------

EXPECTED: dict[str, dict[str, str]] = {
    # The portal's public pages.
    "home": PUBLIC,
    "accessibility": PUBLIC,
    "privacy": PUBLIC,
    # The council directory and account administration.
    "council:councillor_list": with_capability(Capability.VIEW_DIRECTORY),
    "council:councillor_create": with_capability(Capability.MANAGE_DIRECTORY),
    "council:councillor_detail": with_capability(Capability.VIEW_DIRECTORY),
    "council:councillor_edit": with_capability(Capability.MANAGE_DIRECTORY),
    # A councillor's record report (page and PDF): whoever sees the directory.
    "council:councillor_record": with_capability(Capability.VIEW_DIRECTORY),
    "council:councillor_record_pdf": with_capability(Capability.VIEW_DIRECTORY),
    "council:invite_councillor": with_capability(Capability.INVITE_USERS),
    "council:invitation_list": with_capability(Capability.INVITE_USERS),
    "council:invitation_create": with_capability(Capability.INVITE_USERS),
    # Anyone may open an invitation link; an unknown token gets a 404 page saying the link is not valid.
    "council:accept_invitation": everyone(NOTFOUND),
    "council:import_upload": with_capability(Capability.IMPORT_DIRECTORY),
    # An unknown import batch is not found, but only those who may import learn that.
    "council:import_preview": with_capability(Capability.IMPORT_DIRECTORY, allowed=NOTFOUND),
    # allauth: reachable anonymously, or a redirect (to sign in, or home once signed in).
    "account_login": everyone(REDIRECT, anonymous=PAGE),
    "account_logout": everyone(PAGE, anonymous=REDIRECT),
    "account_inactive": PUBLIC,
    # Sign-up is closed (people are invited): anonymous visitors see a "closed" page.
    "account_signup": everyone(REDIRECT, anonymous=PAGE),
    "account_reauthenticate": signed_in(),
    "account_email": signed_in(),
    "account_email_verification_sent": PUBLIC,
    "account_change_password": signed_in(),
    # Everyone already has a password, so "set" goes on to "change".
    "account_set_password": signed_in(REDIRECT),
    "account_reset_password": PUBLIC,
    # Sign-in by emailed code is not enabled.
    "account_confirm_login_code": everyone(REDIRECT, anonymous=LOGIN),
    "account_confirm_email": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_done": PUBLIC,
    # allauth MFA. Staff roles hold a TOTP authenticator (required for them); the others have none.
    # Changing an authenticator first asks the person to sign in again.
    "mfa_index": signed_in(),
    "mfa_authenticate": everyone(REDIRECT, anonymous=LOGIN),  # only during a sign-in in progress
    "mfa_reauthenticate": by_mfa(with_totp=PAGE, without=REDIRECT),
    "mfa_activate_totp": signed_in(REDIRECT),  # to deactivate if active, else to re-authenticate
    "mfa_deactivate_totp": by_mfa(with_totp=REDIRECT, without=NOTFOUND),
    "mfa_view_recovery_codes": signed_in(NOTFOUND),  # none generated yet
    "mfa_generate_recovery_codes": signed_in(REDIRECT),
    "mfa_download_recovery_codes": signed_in(NOTFOUND),
    # The protocol: public pages (a version is published in the sample data).
    "protocol:current": PUBLIC,
    "protocol:version_list": PUBLIC,
    "protocol:version_detail": PUBLIC,
    "protocol:compare": PUBLIC,
    # Councillors' own pages. The matrix's councillor has no directory record linked, so each
    # page explains that Member Services must link it (200).
    "protocol:acknowledge": with_roles(Role.COUNCILLOR),
    "protocol:my_acknowledgements": with_roles(Role.COUNCILLOR),
    "protocol:my_accounts": with_roles(Role.COUNCILLOR),
    "protocol:account_add": with_roles(Role.COUNCILLOR),
    "protocol:account_edit": with_roles(Role.COUNCILLOR),
    "protocol:account_remove": with_roles(Role.COUNCILLOR),
    # Member Services' editor (a draft with one section is in the sample data).
    "protocol:manage": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:draft_create": with_capability(Capability.MANAGE_PROTOCOL, allowed=REDIRECT),
    "protocol:draft_detail": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:draft_preview": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:draft_publish": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:draft_delete": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:section_add": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:section_edit": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:section_delete": with_capability(Capability.MANAGE_PROTOCOL),
    "protocol:section_move": with_capability(Capability.MANAGE_PROTOCOL, allowed=REDIRECT),
    # Compliance.
    "protocol:compliance": with_capability(Capability.VIEW_COMPLIANCE),
    "protocol:compliance_csv": with_capability(Capability.VIEW_COMPLIANCE),
    "protocol:compliance_pdf": with_capability(Capability.VIEW_COMPLIANCE),
    "protocol:councillor_history": with_capability(Capability.VIEW_COMPLIANCE),
    "protocol:record_paper": with_capability(Capability.RECORD_ACKNOWLEDGEMENT),
    "protocol:declarations": with_capability(Capability.VIEW_COMPLIANCE),
    # Complaints: anyone may complain, search councillors and report a safeguarding concern.
    "complaints:start": PUBLIC,
    "complaints:new": PUBLIC,
    "complaints:councillor_search": PUBLIC,
    "complaints:check_email": PUBLIC,
    "complaints:wales": PUBLIC,
    "complaints:safeguarding": PUBLIC,
    # A complainant's private link: a token that names no complaint is not found, for everyone.
    "complaints:track": everyone(NOTFOUND),
    "complaints:track_withdraw": everyone(NOTFOUND),
    # Decisions (case 999999 does not exist). Only the MO and deputies decide and send (an IP is
    # refused before any lookup); the assigned IP may also read the notice and its PDF.
    "complaints:case_decision": with_roles(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, allowed=NOTFOUND),
    "complaints:decision_notice": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:decision_notice_pdf": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:decision_notice_send": with_roles(
        Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, allowed=NOTFOUND
    ),
    # Case work: the triage queue, and a case (999999 does not exist, so those who may handle
    # complaints get 404 before any other check; a councillor guessing ids gets 403).
    "complaints:queue": with_capability(Capability.HANDLE_COMPLAINTS),
    "complaints:case": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_transition": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_note": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_document": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_assign_ip": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_ip_view": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_conflict": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_confidentiality": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_legal_hold": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:case_letter": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    "complaints:evidence_download": with_capability(Capability.HANDLE_COMPLAINTS, allowed=NOTFOUND),
    # The Monitoring Officer's own record of a case (the case file PDF and who viewed or changed it):
    # not for Independent Persons, who are refused before any lookup.
    "complaints:case_bundle_pdf": with_roles(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, allowed=NOTFOUND),
    "complaints:case_audit": with_roles(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER, allowed=NOTFOUND),
    # The councillor complained about: their list (empty here), and no complaint 999999.
    # Complaint reports: the register names people (the MO and deputies only); the annual report does not.
    "complaints:report_register": with_roles(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER),
    "complaints:report_annual": with_capability(Capability.VIEW_REPORTS),
    # Reports made in the background: each person sees only their own (404 for anyone else's).
    "reports:jobs": signed_in(),
    "reports:job": signed_in(NOTFOUND),
    "reports:job_status": signed_in(NOTFOUND),
    "reports:job_download": signed_in(NOTFOUND),
    "complaints:my_cases": with_roles(Role.COUNCILLOR),
    "complaints:my_case": with_roles(Role.COUNCILLOR, allowed=NOTFOUND),
    # Training for councillors: sessions for anyone signed in (session 999999 does not exist).
    "training:sessions": signed_in(),
    "training:session_detail": signed_in(NOTFOUND),
    "training:session_ics": signed_in(NOTFOUND),
    # A councillor's own actions take POST only; the matrix's councillor is not linked, so their
    # own pages explain that Member Services must link the account (200).
    "training:book": with_roles(Role.COUNCILLOR, allowed=NOT_ALLOWED),
    "training:cancel_booking": with_roles(Role.COUNCILLOR, allowed=NOT_ALLOWED),
    "training:register_interest": with_roles(Role.COUNCILLOR, allowed=NOT_ALLOWED),
    "training:my_training": with_roles(Role.COUNCILLOR),
    "training:calendar_settings": with_roles(Role.COUNCILLOR),
    # The private calendar feed: a token that names no councillor is not found, for everyone.
    "training:calendar_feed": everyone(NOTFOUND),
    # Member Services' training pages (course, session and councillor 999999 do not exist).
    "training:course_list": with_capability(Capability.MANAGE_TRAINING),
    "training:course_create": with_capability(Capability.MANAGE_TRAINING),
    "training:course_detail": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:course_edit": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:session_create": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:course_interest": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:session_edit": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:session_cancel": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:session_bookings": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:attendance": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:councillor_record": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:record_add": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:matrix": with_capability(Capability.MANAGE_TRAINING),
    "training:matrix_csv": with_capability(Capability.MANAGE_TRAINING),
    "training:matrix_pdf": with_capability(Capability.MANAGE_TRAINING),
    "training:attendance_pdf": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:record_pdf": with_capability(Capability.MANAGE_TRAINING, allowed=NOTFOUND),
    "training:committees": with_capability(Capability.MANAGE_TRAINING),
    "training:emails_sent": with_capability(Capability.MANAGE_TRAINING),
}


def _simple_history_models() -> str:
    return "|".join(
        model._meta.model_name
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    )


# The Django admin, by pattern group: (regex on the URL name or, for unnamed patterns, the route;
# the Administrator's outcome). Everyone else is sent to the admin's sign-in page. Object URLs are
# fetched with an id that does not exist, which the admin answers by redirecting to its index. The
# Administrator holds every permission of the council app (the audit log, outbox and invitations
# are read-only there) and none of any other app's (unless a row below says otherwise).
ADMIN_GROUPS: list[tuple[str, str]] = [
    (r"^admin:(index|password_change|password_change_done|jsi18n|app_list)$", PAGE),
    (r"^admin:autocomplete$", FORBIDDEN),  # needs query parameters
    (r"^admin:view_on_site$", NOTFOUND),
    (r"^admin:council_(auditentry|outboundemail|invitation)_(add|delete)$", FORBIDDEN),
    (r"^admin:council_\w+_(changelist|add)$", PAGE),
    # django-simple-history's history pages answer an unknown object with 404.
    (r"^admin:council_\w+_simple_history$", NOTFOUND),
    (rf"^admin:council_({_simple_history_models()})_history$", NOTFOUND),
    (r"^admin:council_\w+_(change|delete|history)$", REDIRECT),
    (r"^admin:auth_user_password_change$", NOTFOUND),
    # Every other app's models (Django's auth, allauth, the other project apps): no permission.
    (r"^admin:\w+_history$", REDIRECT),
    (r"^admin:\w+_(changelist|add|change|delete)$", FORBIDDEN),
    (r"^admin/\w+/\w+/<path:object_id>/$", REDIRECT),  # old-style object URL → its change page
    (r"^admin/\(\?P<url>", NOTFOUND),  # the admin's catch-all
]
ADMIN_SPECIAL: dict[str, dict[str, str]] = {
    # The admin's sign-in page shows to anyone not yet allowed in.
    "admin:login": everyone(PAGE) | {Role.ADMINISTRATOR: REDIRECT},
    # Signing out of the admin takes a POST.
    "admin:logout": everyone(REDIRECT) | {Role.ADMINISTRATOR: NOT_ALLOWED},
}


def expected_row(endpoint: Endpoint) -> dict[str, str] | None:
    if endpoint.key in EXPECTED:
        return EXPECTED[endpoint.key]
    if endpoint.key in ADMIN_SPECIAL:
        return ADMIN_SPECIAL[endpoint.key]
    if endpoint.route.startswith("admin/"):
        for pattern, administrator in ADMIN_GROUPS:
            if re.search(pattern, endpoint.key):
                return admin_site(administrator)
    return None


# --- Sample arguments for URL patterns ------------------------------------------------------------


def _sample_data() -> SimpleNamespace:
    councillor = CouncillorFactory()
    published = protocol_services.import_version(
        actor=None, parsed=parse_protocol("Protocol\n\nIntroduction\nRead it.\n")
    )
    protocol_services.publish_version(actor=None, version=published)
    draft = protocol_services.start_draft(actor=None, protocol=published.protocol)
    return SimpleNamespace(councillor=councillor, published=published, draft=draft, section=draft.sections.get())


# Arguments naming a real object, by URL name; anything else gets a made-up value by converter.
SAMPLE_ARGS: dict[str, dict[str, Callable[[SimpleNamespace], object]]] = {
    "council:councillor_detail": {"pk": lambda data: data.councillor.pk},
    "council:councillor_edit": {"pk": lambda data: data.councillor.pk},
    "council:councillor_record": {"pk": lambda data: data.councillor.pk},
    "council:councillor_record_pdf": {"pk": lambda data: data.councillor.pk},
    "council:invite_councillor": {"pk": lambda data: data.councillor.pk},
    "protocol:version_detail": {"slug": lambda data: data.published.protocol.slug, "number": lambda data: 1},
    "protocol:draft_detail": {"pk": lambda data: data.draft.pk},
    "protocol:draft_preview": {"pk": lambda data: data.draft.pk},
    "protocol:draft_publish": {"pk": lambda data: data.draft.pk},
    "protocol:draft_delete": {"pk": lambda data: data.draft.pk},
    "protocol:section_add": {"pk": lambda data: data.draft.pk},
    "protocol:section_edit": {"pk": lambda data: data.section.pk},
    "protocol:section_delete": {"pk": lambda data: data.section.pk},
    "protocol:section_move": {"pk": lambda data: data.section.pk},
    "protocol:councillor_history": {"pk": lambda data: data.councillor.pk},
    "protocol:record_paper": {"pk": lambda data: data.councillor.pk},
}

# Regex groups, by group name (allauth and the admin still use re_path).
REGEX_GROUP_SAMPLES = {"app_label": "council", "key": "nonexistent-key", "uidb36": "zz", "url": "nonexistent/"}


def _converter_sample(converter: object) -> str:
    if isinstance(converter, IntConverter):
        return "999999"
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-0000-0000-000000000000"
    if isinstance(converter, PathConverter):  # the admin's object ids
        return "999999"
    if isinstance(converter, SlugConverter):
        return "nonexistent"
    if isinstance(converter, StringConverter):
        return "nonexistent-token"
    raise AssertionError(f"No sample value for converter {converter!r}: add one to this test")


# --- Walking the URLconf --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str  # the namespaced URL name, or the full route where the pattern has no name
    route: str
    patterns: tuple  # the RoutePattern/RegexPattern of each include level, then the pattern's own
    callback: Callable

    def url(self, data: SimpleNamespace) -> str:
        overrides = SAMPLE_ARGS.get(self.key, {})
        return "/" + "".join(_example(pattern, overrides, data) for pattern in self.patterns)


def _example(pattern, overrides: dict, data: SimpleNamespace) -> str:
    def value(name: str, converter: object) -> str:
        if name in overrides:
            return str(overrides[name](data))
        return _converter_sample(converter)

    if isinstance(pattern, RoutePattern):
        return re.sub(
            r"<(?:[^>:]+:)?([^>]+)>",
            lambda m: value(m.group(1), pattern.converters[m.group(1)]),
            str(pattern._route),
        )
    assert isinstance(pattern, RegexPattern), pattern
    text = pattern._regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    text = re.sub(
        r"\(\?P<(\w+)>[^()]*\)",
        lambda m: str(overrides[m.group(1)](data)) if m.group(1) in overrides else REGEX_GROUP_SAMPLES[m.group(1)],
        text,
    )
    text = re.sub(r"\([^()]*\)", "999999", text)  # unnamed groups: an id
    return text.replace("\\", "")


def endpoints() -> list[Endpoint]:
    return list(_walk(get_resolver().url_patterns, (), "", ""))


def _walk(patterns, parents: tuple, namespace: str, route: str) -> Iterator[Endpoint]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry.url_patterns, (*parents, entry.pattern), inner, route + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            full_route = route + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or full_route
            yield Endpoint(key=key, route=full_route, patterns=(*parents, entry.pattern), callback=entry.callback)


# --- Fetching -------------------------------------------------------------------------------------


def classify(response) -> str:
    if response.status_code == 200:
        return PAGE
    if response.status_code in (301, 302):
        target = urlsplit(response["Location"]).path
        if target == reverse("account_login"):
            return LOGIN
        if target == reverse("admin:login"):
            return ADMIN_LOGIN
        return REDIRECT
    return {403: FORBIDDEN, 404: NOTFOUND, 405: NOT_ALLOWED}.get(response.status_code, str(response.status_code))


def _actor_user(actor: str, login):
    if actor == ANONYMOUS:
        return None
    # The Administrator is the one role that may use the Django admin.
    user = login(actor, is_staff=actor == Role.ADMINISTRATOR)
    # An accepted invitation proves the address, so it counts as verified (allauth refuses to add
    # an authenticator while an unverified address is on file).
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


# --- Tests ----------------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix():
    found = endpoints()
    missing = sorted(e.key for e in found if expected_row(e) is None)
    assert not missing, "URL patterns with no row in the authorisation matrix (add them to EXPECTED):\n  " + (
        "\n  ".join(missing)
    )
    stale = sorted(set(EXPECTED) - {e.key for e in found})
    assert not stale, "Rows in EXPECTED for URLs that no longer exist:\n  " + "\n  ".join(stale)


def test_every_row_covers_every_role_and_anonymous():
    for endpoint in endpoints():
        row = expected_row(endpoint) or dict.fromkeys(ACTORS)  # a missing row fails the test above
        assert set(row) == set(ACTORS), f"{endpoint.key}: row must name exactly {ACTORS}"


def test_sample_urls_resolve_to_their_own_pattern():
    data = _sample_data()
    wrong = []
    for endpoint in endpoints():
        url = endpoint.url(data)
        if resolve(url).func is not endpoint.callback:
            wrong.append(f"{endpoint.key}: {url} resolves to {resolve(url).func}")
    assert not wrong, "\n".join(wrong)


def test_every_project_view_declares_who_may_use_it():
    resolver = get_resolver()
    views = {e.key: e.callback for e in endpoints()}
    views.update({f"handler{code}": resolver.resolve_error_handler(code) for code in (400, 403, 404, 500)})
    undeclared = sorted(
        f"{key} ({view.__module__}.{getattr(view, '__name__', view)})"
        for key, view in views.items()
        if view.__module__.startswith(PROJECT_APPS) and not getattr(view, "access", None)
    )
    assert not undeclared, "Views without a council.access decorator (public, login_required, …):\n  " + (
        "\n  ".join(undeclared)
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_the_matrix_for(actor, client, login):
    data = _sample_data()
    user = _actor_user(actor, login)
    mismatches = []
    for endpoint in endpoints():
        url = endpoint.url(data)
        row = expected_row(endpoint)
        if row is None:
            continue  # test_every_url_pattern_is_in_the_matrix reports it
        if user is not None:
            # A page might sign the user out (or change the session); start each fetch signed in.
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        want = row[actor]
        try:
            response = client.get(url)
        except Exception as error:  # a crash is a mismatch too; report it with the rest
            mismatches.append(
                f"{endpoint.key:45} GET {url}: expected {want}, got {type(error).__name__}: {str(error)[:120]}"
            )
            continue
        got = classify(response)
        if got != want:
            where = f" → {response['Location']}" if response.has_header("Location") else ""
            mismatches.append(
                f"{endpoint.key:45} GET {url}: expected {want}, got {got} ({response.status_code}{where})"
            )
    assert not mismatches, f"As {actor}, {len(mismatches)} URL(s) gave the wrong outcome:\n  " + "\n  ".join(mismatches)
