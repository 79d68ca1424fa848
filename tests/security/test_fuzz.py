"""Every form of the site, fed hostile input by Hypothesis: never a server error, never a redirect
off the site, and text that was sent is never shown as markup (on the page, on the page a
redirect leads to, or in an HTML email).

Each form is read from its own page as the person who may use it sees it, so a field added to
a form is fuzzed without changing this file. Each form first gets a fixed sweep (one hostile
value in every field at once: digits of other scripts, NUL, numbers too big for the database,
markup, very long text, lists), then Hypothesis's random submissions.

``TARGETS`` lists the forms (POST) and the filter forms (GET); ``NO_INPUT`` lists the pages that
take no input, each with the reason. ``test_every_url_is_fuzzed_or_takes_no_input`` fails for a
URL in neither, so a new form cannot ship without being fuzzed. Every page also gets stray query
strings (``test_pages_ignore_unexpected_query_strings``).

Django's test client raises an exception from a view instead of answering 500: that exception
is the failure Hypothesis reports (with the submission that caused it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from complaints.letters import LETTERS
from complaints.workflow import ACTIONS
from council.forms import CouncillorForm
from council.models import Authority
from council.roles import Role
from tests.council.test_authorisation_matrix import endpoints
from tests.factories import TEST_PASSWORD

from .fuzzing import ENCODINGS, MARK, check_after, check_emails, form_data, fuzz_settings, send
from .htmlforms import FormField, merged_form
from .world import World, build_world, url_for

pytestmark = pytest.mark.django_db

ANONYMOUS = None
EXAMPLES = 12


@dataclass(frozen=True)
class Target:
    url: str  # the URL name the form sends to
    role: str | None  # who uses it (None: a visitor who is not signed in)
    method: str = "post"
    label: str = ""  # tells apart two targets of one URL
    page: str = ""  # the page showing the form, when not the URL itself (a path suffix such as "?change=1")
    fields: dict[str, FormField] = field(default_factory=dict)  # fields of a form no page shows
    prepare: Callable[[object, World], str | None] | None = None  # returns the path to send to, if not url_for
    # Chooses the path (e.g. the action in the URL) with choose(values, label).
    path: Callable[[World, Callable[[list, str], object]], str] | None = None
    examples: int = EXAMPLES

    @property
    def id(self) -> str:
        return f"{self.method}-{self.url}{'-' + self.label if self.label else ''}"


def _fields(*names: str, kind: str = "text", options: tuple[str, ...] = ()) -> dict[str, FormField]:
    return {name: FormField(name=name, kind=kind, options=list(options)) for name in names}


# --- Steps some forms need first -----------------------------------------------------------------


def _reauthenticate(client, world: World) -> None:
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})


def _start_staff_sign_in(client, world: World) -> None:
    """Password accepted, the code still to come: the state the code form is used in."""
    client.logout()
    user = world.user(Role.MONITORING_OFFICER)
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})


def _password_reset_form(client, world: World) -> str:
    user = world.user(Role.COUNCILLOR)
    user.refresh_from_db()
    key = default_token_generator.make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    response = client.get(path)
    return response["Location"] if response.status_code == 302 else path


def _import_batch(client, world: World) -> str:
    csv = b"name,email,ward,political_group\nPat Imported,pat.imported@council.example,North,Independent\n"
    response = client.post(
        reverse("council:import_upload"),
        {"authority": str(world.authority.pk), "nation": "england", "file": SimpleUploadedFile("c.csv", csv)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _national_directory(client, world: World) -> None:
    """More authorities than the councillor form lists: it asks for the authority first."""
    if world.extra.get("national"):
        return
    Authority.objects.bulk_create(
        Authority(
            name=f"Fuzz Parish {i:03d}", slug=f"fuzz-parish-{i}", kind=Authority.Kind.PARISH, principal=world.authority
        )
        for i in range(CouncillorForm.MAX_UNFILTERED_OPTIONS)
    )
    world.extra["national"] = True


def _national_councillor_details(client, world: World) -> str:
    """The national add form, for the authority chosen on its questions."""
    _national_directory(client, world)
    return f"{reverse('council:councillor_create')}?authority={world.authority.pk}&parish={world.parish.pk}"


def _transition_path(world: World, choose) -> str:
    action = choose([*ACTIONS, "no-such-action"], "action")
    case = choose([world.case, world.hearing_case], "case")
    return reverse("complaints:case_transition", args=[case.pk, action])


def _letter_path(world: World, choose) -> str:
    letter = choose([*LETTERS, "no-such-letter"], "letter")
    return reverse("complaints:case_letter", args=[world.case.pk, letter])


MS, MO, CLLR, IP = Role.MEMBER_SERVICES, Role.MONITORING_OFFICER, Role.COUNCILLOR, Role.INDEPENDENT_PERSON

TARGETS: list[Target] = [
    # The council directory, invitations and imports.
    Target("council:councillor_create", MS),
    Target(
        "council:councillor_create",
        MS,
        label="national",
        prepare=_national_councillor_details,
        fields=_fields("authority", "committees"),  # the authority is fixed; the world's has no committees
    ),
    Target("council:councillor_edit", MS),
    Target(
        "council:councillor_edit",
        MS,
        label="national",
        prepare=_national_directory,
        fields=_fields("authority", "committees"),
    ),
    Target("council:invite_councillor", MS),
    Target("council:invitation_list", MS),
    Target("council:invitation_create", MS),
    Target("council:accept_invitation", ANONYMOUS),
    Target("council:import_upload", MS),
    Target("council:import_preview", MS, prepare=_import_batch, examples=6),
    # Accounts (allauth).
    Target("account_login", ANONYMOUS),
    Target("account_logout", CLLR),
    Target("account_signup", ANONYMOUS, fields=_fields("email", "password1", "password2")),
    Target("account_reauthenticate", CLLR),
    Target("account_email", CLLR),
    Target("account_change_password", CLLR),
    Target("account_set_password", CLLR, fields=_fields("password1", "password2")),
    Target("account_reset_password", ANONYMOUS),
    Target("account_reset_password_from_key", ANONYMOUS, prepare=_password_reset_form, examples=8),
    Target("account_confirm_login_code", ANONYMOUS, fields=_fields("code")),
    Target("mfa_authenticate", ANONYMOUS, prepare=_start_staff_sign_in, examples=8),
    Target("mfa_reauthenticate", MS),
    Target("mfa_activate_totp", CLLR, prepare=_reauthenticate, fields=_fields("code")),
    Target("mfa_deactivate_totp", MS, prepare=_reauthenticate),
    Target("mfa_generate_recovery_codes", MS, prepare=_reauthenticate),
    # The protocol.
    Target("protocol:acknowledge", CLLR),
    Target("protocol:account_add", CLLR),
    Target("protocol:account_edit", CLLR),
    Target("protocol:account_remove", CLLR),
    Target("protocol:draft_create", MS, fields=_fields("protocol")),
    Target("protocol:draft_detail", MS),
    Target("protocol:draft_publish", MS),
    Target("protocol:draft_delete", MS),
    Target("protocol:section_add", MS),
    Target("protocol:section_edit", MS),
    Target("protocol:section_delete", MS),
    Target("protocol:section_move", MS, fields=_fields("direction", kind="submit", options=("up", "down"))),
    Target("protocol:record_paper", MS),
    # Complaints: the public side.
    Target("complaints:new", ANONYMOUS),
    Target("complaints:new", CLLR, label="signed-in"),
    Target("complaints:track", ANONYMOUS, label="review"),
    Target("complaints:track", ANONYMOUS, label="change", page="?change=1"),
    Target("complaints:track_withdraw", ANONYMOUS),
    Target("complaints:safeguarding", ANONYMOUS),
    # Complaints: the case file.
    Target("complaints:case_transition", MO, path=_transition_path),
    Target("complaints:case_note", MO),
    Target("complaints:case_document", MO),
    Target("complaints:case_assign_ip", MO),
    Target("complaints:case_ip_view", IP),
    Target("complaints:case_conflict", MO),
    Target("complaints:case_confidentiality", MO),
    Target("complaints:case_legal_hold", MO),
    Target("complaints:case_letter", MO, path=_letter_path, examples=6),
    Target("complaints:case_decision", MO),
    Target("complaints:decision_notice", MO, examples=6),
    Target("complaints:decision_notice_send", MO, examples=6),
    # Training: councillors.
    Target("training:book", CLLR),
    Target("training:cancel_booking", CLLR),
    Target("training:register_interest", CLLR),
    Target("training:calendar_settings", CLLR),
    # Training: Member Services.
    Target("training:course_create", MS),
    Target("training:course_edit", MS),
    Target("training:session_create", MS),
    Target("training:course_interest", MS),
    Target("training:session_edit", MS),
    Target("training:session_cancel", MS),
    Target("training:session_bookings", MS),
    Target("training:attendance", MS),
    Target("training:record_add", MS),
    # Filter and search forms (GET), with any query string.
    # The three filter forms of council.authority_filters read a parish from the address even
    # where the page shows no parish select; at national scale it shows one.
    Target("council:councillor_list", MS, method="get", fields=_fields("parish")),
    Target("council:councillor_list", MS, method="get", label="national", prepare=_national_directory),
    # The councillor form's questions (which authority) in a national directory.
    Target(
        "council:councillor_create",
        MS,
        method="get",
        label="national",
        prepare=_national_directory,
        fields=_fields("authority", "parish", "change"),
    ),
    Target(
        "council:councillor_edit",
        MS,
        method="get",
        label="national",
        prepare=_national_directory,
        fields=_fields("authority", "parish", "change"),
    ),
    Target("council:invitation_list", MS, method="get", fields=_fields("status")),
    Target("complaints:councillor_search", ANONYMOUS, method="get"),
    Target("complaints:new", ANONYMOUS, method="get", fields=_fields("councillor")),
    Target("protocol:version_list", ANONYMOUS, method="get", fields=_fields("protocol")),
    Target("protocol:compare", ANONYMOUS, method="get", fields=_fields("protocol", "from", "to")),
    Target("protocol:draft_preview", MS, method="get", fields=_fields("show", options=("changes",))),
    Target("protocol:compliance", MS, method="get", fields=_fields("parish")),
    Target("protocol:compliance", MS, method="get", label="national", prepare=_national_directory),
    Target("protocol:compliance_csv", MS, method="get", page="protocol:compliance"),
    Target("protocol:compliance_pdf", MS, method="get", page="protocol:compliance", examples=4),
    Target("protocol:declarations", MS, method="get"),
    Target("complaints:queue", MO, method="get"),
    Target("complaints:report_register", MO, method="get"),
    Target("complaints:report_annual", MS, method="get"),
    Target("training:matrix", MS, method="get", fields=_fields("parish")),
    Target("training:matrix", MS, method="get", label="national", prepare=_national_directory),
    Target("training:matrix_csv", MS, method="get", page="training:matrix"),
    Target("training:matrix_pdf", MS, method="get", page="training:matrix", examples=4),
]

# URLs with no input beyond the address (they are still sent random query strings by
# test_pages_ignore_unexpected_query_strings), each with the reason it takes none.
NO_INPUT: dict[str, str] = {
    "home": "page",
    "accessibility": "page",
    "privacy": "page",
    "account_inactive": "allauth page",
    "account_email_verification_sent": "allauth page",
    "account_confirm_email": "email verification is off (ACCOUNT_EMAIL_VERIFICATION = 'none')",
    "account_reset_password_done": "allauth page",
    "account_reset_password_from_key_done": "allauth page",
    "mfa_index": "allauth page of links",
    "mfa_view_recovery_codes": "allauth page",
    "mfa_download_recovery_codes": "a text download",
    "council:councillor_detail": "a profile",
    "council:councillor_record": "a printable record",
    "council:councillor_record_pdf": "a PDF",
    "protocol:current": "page",
    "protocol:version_detail": "page",
    "protocol:my_acknowledgements": "page",
    "protocol:my_accounts": "page",
    "protocol:manage": "page of links and buttons posting to other URLs (fuzzed there)",
    "protocol:councillor_history": "page",
    "complaints:start": "page",
    "complaints:check_email": "page",
    "complaints:wales": "page",
    "complaints:case": "the case page; its forms post to the case URLs fuzzed above",
    "complaints:evidence_download": "a download",
    "complaints:decision_notice_pdf": "a PDF",
    "complaints:case_bundle_pdf": "a PDF",
    "complaints:case_audit": "page",
    "complaints:my_cases": "page",
    "complaints:my_case": "page",
    "training:sessions": "page; its buttons post to the training URLs fuzzed above",
    "training:session_detail": "page; its buttons post to the training URLs fuzzed above",
    "training:session_ics": "a calendar download",
    "training:my_training": "page",
    "training:calendar_feed": "a calendar feed",
    "training:course_list": "page",
    "training:course_detail": "page",
    "training:councillor_record": "page",
    "training:attendance_pdf": "a PDF",
    "training:record_pdf": "a PDF",
    "training:committees": "page",
    "training:emails_sent": "page",
    "reports:jobs": "page",
    "reports:job": "page",
    "reports:job_status": "JSON for the progress page",
    "reports:job_download": "a download",
}


def _fuzzed_urls() -> set[str]:
    return {t.url for t in TARGETS}


def test_every_url_is_fuzzed_or_takes_no_input():
    names = {e.key for e in endpoints() if not e.route.startswith("admin/")}
    missing = sorted(names - _fuzzed_urls() - set(NO_INPUT))
    assert not missing, "URLs neither fuzzed (TARGETS) nor listed as taking no input (NO_INPUT):\n  " + "\n  ".join(
        missing
    )
    stale = sorted((_fuzzed_urls() | set(NO_INPUT)) - names)
    assert not stale, f"Rows for URLs that no longer exist: {stale}"
    assert not _fuzzed_urls() & set(NO_INPUT)


# --- The fuzz test -------------------------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return build_world()


def _sign_in(client, world: World, role: str | None) -> None:
    if role is None:
        return
    client.force_login(world.user(role), backend="django.contrib.auth.backends.ModelBackend")


def _discover(client, world: World, target: Target, path: str) -> dict[str, FormField]:
    """The target's form fields, read from its page once per test and kept on the world."""
    cache = world.extra.setdefault("forms", {})
    if target.id in cache:
        return cache[target.id]
    # A page named by URL name, a suffix (such as "?change=1") of the path the form sends to, or
    # that path itself (with the query string a form's page may need, e.g. a chosen authority).
    if ":" in target.page:
        page = url_for(world, target.page)
    else:
        page = path.split("?")[0] + target.page if target.page else path
    response = client.get(page)
    fields = dict(target.fields)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        action = path.split("?")[0] if target.method == "post" else page.split("?")[0]
        found = merged_form(response.content.decode(), page, action=action, method=target.method)
        if found is not None:
            fields.update(found.fields)
    cache[target.id] = fields
    return fields


# Values sent in every field at once (one submission each) before Hypothesis draws anything:
# the inputs most likely to reach code that reads the request directly.
SWEEP: dict[str, str | list[str]] = {
    "digits-of-other-scripts": "²",  # str.isdigit() is True, int() refuses it
    "arabic-indic-digits": "١٢",  # int() accepts it
    "nul": "a\x00b",
    "too-big-for-the-database": "9" * 30,
    "negative": "-1",
    "markup": MARK,
    "very-long": "A" * 20_000,
    "list": ["1", "²", MARK],
    "empty": "",
}


def _path(client, world: World, target: Target, choose) -> str:
    path = target.prepare(client, world) if target.prepare is not None else None
    if target.path is not None:
        path = target.path(world, choose)
    return path or url_for(world, target.url)


def _sweep(client, world: World, target: Target) -> None:
    for label, value in SWEEP.items():
        _sign_in(client, world, target.role)
        path = _path(client, world, target, lambda values, label: values[0])
        fields = _discover(client, world, target, path)
        submission = {
            name: (field.options[0] if field.kind == "submit" and field.options else value)
            for name, field in fields.items()
            if field.kind != "file" and name not in ("csrfmiddlewaretoken", "search")
        }
        what = f"{target.method.upper()} {path} as {target.role or 'anonymous'} with {label} in every field"
        response = send(client, target.method, path, submission, "form")
        check_after(client, response, what)
        check_emails(what)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_hostile_input(client, world, target, outbox):
    _sweep(client, world, target)

    @fuzz_settings(target.examples)
    @given(data=st.data())
    def run(data):
        _sign_in(client, world, target.role)
        path = _path(client, world, target, lambda values, label: data.draw(st.sampled_from(values), label=label))
        fields = _discover(client, world, target, path)
        submission = data.draw(form_data(fields), label="submission")
        encoding = data.draw(ENCODINGS, label="encoding") if target.method == "post" else "form"
        what = f"{target.method.upper()} {path} as {target.role or 'anonymous'}"
        response = send(client, target.method, path, submission, encoding)
        check_after(client, response, what)
        check_emails(what)

    run()


# Query strings no page expects, sent to every page of the portal (PDFs aside: they are slow to
# make and read no query string).
STRAY_QUERIES: list[dict[str, str | list[str]]] = [
    {"page": "²", "q": "a\x00b", "status": MARK, "next": "//evil.example/", "format": "pdf", "show": "changes"},
    {"page": "9" * 30, "authority": "²", "stage": ["x", "y"], "protocol": "a\x00", "sort": "'; DROP TABLE x; --"},
    {"page": "-1", "councillor": "9" * 30, "from": "١", "to": "A" * 5000, "change": "1", "apply": ""},
]


@pytest.mark.parametrize("role", [ANONYMOUS, CLLR, MS, MO, IP], ids=lambda r: r or "anonymous")
def test_pages_ignore_unexpected_query_strings(client, world, role):
    wrong = []
    for endpoint in endpoints():
        if endpoint.route.startswith("admin/") or endpoint.route.endswith((".pdf", "pdf/")):
            continue
        try:
            url = url_for(world, endpoint.key)
        except Exception:  # a URL needing an object the world has no sample of (e.g. a report job)
            continue
        for query in STRAY_QUERIES:
            _sign_in(client, world, role)
            try:
                check_after(client, client.get(url, query), f"GET {url} as {role}")
            except Exception as error:  # report every page that fails, not just the first
                wrong.append(f"{url} with {sorted(query)}: {type(error).__name__}: {str(error)[:200]}")
                break
    assert not wrong, "\n".join(wrong)
