"""Text people typed is shown as text, never as markup: on every page, in PDFs and through the
forms that store it.

The world's stored text (names, titles, complaint details, notes, views, decisions, section
bodies, training records, invitations) is given a marker tag and a script; then every page of
the portal is fetched as each kind of person, and none may contain the tag or the script as
markup. PDFs must show the marker as the characters typed (WeasyPrint would swallow a real tag).
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints import services as complaint_services
from complaints.models import Complaint, Decision, IPConsultation, Post
from council.models import Councillor, PoliticalGroup, User, Ward
from council.roles import Role
from protocol.models import Section, SocialAccount, Version
from tests.complaints.factories import form_data
from tests.council.test_authorisation_matrix import endpoints
from training.models import Course, Session, TrainingRecord

from .fuzzing import MARK, SCRIPT
from .world import World, build_world, url_for

pytestmark = pytest.mark.django_db

HOSTILE = f"{MARK}{SCRIPT}"
ESCAPED_MARK = "&lt;b id=fuzzmark&gt;"
ACTORS = [
    None,
    Role.COUNCILLOR,
    Role.MEMBER_SERVICES,
    Role.MONITORING_OFFICER,
    Role.INDEPENDENT_PERSON,
    Role.REPORT_VIEWER,
    Role.ADMINISTRATOR,
]


def _hostile(text: str) -> str:
    return f"{text} {HOSTILE}"


def mark_everything(world: World) -> None:
    """Put the marker into every kind of stored text the pages show."""
    for model, field in [(Ward, "name"), (PoliticalGroup, "name"), (Councillor, "name"), (User, "full_name")]:
        for obj in model.objects.all():
            model.objects.filter(pk=obj.pk).update(**{field: _hostile(getattr(obj, field))})
    Course.objects.update(description=_hostile("About"))
    for course in Course.objects.all():
        Course.objects.filter(pk=course.pk).update(title=_hostile(course.title))
    Session.objects.update(venue=_hostile("Room 1"), trainer=_hostile("Trainer"))
    TrainingRecord.objects.update(title=_hostile("Record"), provider=_hostile("Provider"))
    Section.objects.update(title=_hostile("Section"), body=f"Body {HOSTILE}\n\n[link](javascript:alert(1))")
    Version.objects.update(change_summary=_hostile("Summary"))
    SocialAccount.objects.update(handle=_hostile("@handle"))
    Complaint.objects.update(
        complainant_name=_hostile("Pat"),
        complainant_address=_hostile("1 High St"),
        outcome_sought=_hostile("An apology"),
        acting_reasons=_hostile("Because"),
        confidentiality_reasons=_hostile("Reasons"),
    )
    Post.objects.update(platform=f"FB {MARK}", content=_hostile("The post"), url="https://x.example/?q=<b>")
    IPConsultation.objects.filter(given_at__isnull=False).update(view=_hostile("A view"))
    world.invitation.__class__.objects.update(full_name=_hostile("Invited"))
    complaint_services.add_note(actor=world.user(Role.MONITORING_OFFICER), complaint=world.case, text=HOSTILE)
    Decision.objects.create(
        complaint=world.hearing_case,
        finding=Decision.Finding.NO_BREACH,
        findings=_hostile("Findings"),
        reasons=_hostile("Reasons"),
        ip_view_summary=_hostile("IP"),
    )


RAW = re.compile(re.escape(MARK) + "|" + re.escape(SCRIPT) + r"""|<a\s[^>]*href=["']?\s*javascript:""", re.IGNORECASE)


def _raw_markup(html: str) -> list[str]:
    return [html[max(0, m.start() - 80) : m.end() + 40].replace("\n", " ") for m in RAW.finditer(html)]


def _errors(response) -> str:
    form = response.context.get("form") if response.context else None
    return str(form.errors.as_data() if form is not None else response.content.decode()[:500])


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
def test_stored_text_is_escaped_on_every_page(client, actor):
    world = build_world()
    mark_everything(world)
    if actor is not None:
        client.force_login(world.user(actor), backend="django.contrib.auth.backends.ModelBackend")
    shown = 0
    wrong = []
    for endpoint in endpoints():
        if endpoint.route.startswith("admin/") or endpoint.key.endswith(("_pdf", "_ics", "_csv", "download")):
            continue
        try:
            url = url_for(world, endpoint.key)
        except Exception:  # a URL needing an object the world has no sample of (e.g. a report job)
            continue
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        shown += ESCAPED_MARK in html
        wrong += [f"{endpoint.key} ({url}): …{snippet}…" for snippet in _raw_markup(html)]
        if actor is not None:  # a page may have signed the person out; carry on signed in
            client.force_login(world.user(actor), backend="django.contrib.auth.backends.ModelBackend")
    assert not wrong, "Stored text shown as markup:\n  " + "\n  ".join(wrong)
    assert shown, "no page showed the marked text at all: the test would prove nothing"


# --- Through the forms --------------------------------------------------------------------------


def test_a_complaint_sent_through_the_form_is_shown_escaped_to_the_officer(client, login):
    world = build_world()
    complainant = world.user(Role.COUNCILLOR)
    client.force_login(complainant, backend="django.contrib.auth.backends.ModelBackend")
    data = form_data(
        world.other_councillor,
        complainant_name=_hostile("Sam"),
        post0_platform=f"FB {MARK}",
        post0_content=_hostile("A post"),
        acting_reasons=_hostile("Because"),
        outcome_sought=_hostile("An apology"),
    )
    response = client.post(reverse("complaints:new"), data)
    assert response.status_code == 302, _errors(response)
    complaint = Complaint.objects.get(submitted_by=complainant)
    assert MARK in complaint.outcome_sought  # stored as typed

    client.force_login(world.user(Role.MONITORING_OFFICER), backend="django.contrib.auth.backends.ModelBackend")
    for url in [
        reverse("complaints:case", args=[complaint.pk]),
        reverse("complaints:queue"),
        reverse("complaints:case_letter", args=[complaint.pk, "acknowledgement"]),
        reverse("complaints:report_register"),
    ]:
        html = client.get(url).content.decode()
        assert not _raw_markup(html), url
    case_page = client.get(reverse("complaints:case", args=[complaint.pk])).content.decode()
    assert ESCAPED_MARK in case_page


def test_a_note_and_a_view_are_shown_escaped(client):
    world = build_world()
    client.force_login(world.user(Role.MONITORING_OFFICER), backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("complaints:case_note", args=[world.case.pk]), {"text": HOSTILE})
    client.force_login(world.user(Role.INDEPENDENT_PERSON), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(url_for(world, "complaints:case_ip_view"), {"view": _hostile("My view")})
    assert response.status_code == 302
    html = client.get(reverse("complaints:case", args=[world.case.pk])).content.decode()
    assert ESCAPED_MARK in html and not _raw_markup(html)
    client.force_login(world.user(Role.MONITORING_OFFICER), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("complaints:case", args=[world.case.pk])).content.decode()
    assert html.count(ESCAPED_MARK) >= 2 and not _raw_markup(html)


def test_a_protocol_section_body_cannot_carry_html_or_script_links(client):
    world = build_world()
    client.force_login(world.user(Role.MEMBER_SERVICES), backend="django.contrib.auth.backends.ModelBackend")
    body = f'Intro {HOSTILE}\n\n[click](javascript:alert(1)) and <a href="javascript:x">raw</a> <img src=x onerror=y>'
    response = client.post(
        reverse("protocol:section_add", args=[world.draft_version.pk]), {"title": _hostile("Title"), "body": body}
    )
    assert response.status_code == 302
    html = client.get(reverse("protocol:draft_preview", args=[world.draft_version.pk])).content.decode()
    assert ESCAPED_MARK in html
    assert not _raw_markup(html)
    assert "onerror=y" not in html.replace("onerror=y&gt;", "")  # only ever as escaped text


def test_a_councillor_added_through_the_directory_is_shown_escaped(client):
    world = build_world()
    client.force_login(world.user(Role.MEMBER_SERVICES), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("council:councillor_create"),
        {
            "name": _hostile("Chris"),
            "authority": str(world.authority.pk),
            "email": "chris@council.example",
            "is_active": "on",
            "term_start_0": "1",
            "term_start_1": "5",
            "term_start_2": "2025",
        },
    )
    assert response.status_code == 302, _errors(response)
    councillor = Councillor.objects.get(email="chris@council.example")
    for url in [response["Location"], reverse("council:councillor_list"), reverse("protocol:compliance")]:
        html = client.get(url).content.decode()
        assert ESCAPED_MARK in html and not _raw_markup(html), url
    assert MARK in councillor.name


# --- PDFs -----------------------------------------------------------------------------------------


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.MONITORING_OFFICER, "complaints:decision_notice_pdf"),
        (Role.MEMBER_SERVICES, "training:record_pdf"),
        (Role.MEMBER_SERVICES, "training:attendance_pdf"),
    ],
)
def test_pdfs_show_stored_markup_as_the_characters_typed(client, role, url_name):
    world = build_world()
    mark_everything(world)
    TrainingRecord.objects.create(
        councillor=world.councillor, title=_hostile("Course"), completed_on=timezone.localdate(), source="manual"
    )
    client.force_login(world.user(role), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(url_for(world, url_name))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(_pdf_text(response).split())
    assert "fuzzmark" in text
    assert "<b id=fuzzmark>" in text.replace("< b", "<b")
