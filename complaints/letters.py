"""Letters to the parties, generated from templates (templates/complaints/letters/<slug>.txt)
with the case's data. The Monitoring Officer copies the text or sends it by email; sending
writes a LETTER entry on the case timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from council.audit import log_action
from council.models import Councillor, OutboundEmail
from council.notifications import send_templated_email
from council.roles import Role, user_roles
from council.services import DomainError
from council.workdays import add_working_days

from . import services
from .models import Complaint, Stage, TimelineEntry
from .selectors import identity_withheld

COMPLAINANT = "complainant"
COUNCILLOR = "councillor"


@dataclass(frozen=True)
class Letter:
    slug: str
    title: str
    to: str  # COMPLAINANT or COUNCILLOR
    subject: str  # formatted with the case reference

    @property
    def template(self) -> str:
        return f"complaints/letters/{self.slug}.txt"


LETTERS: dict[str, Letter] = {
    letter.slug: letter
    for letter in [
        Letter("acknowledgement", "Acknowledgement to the complainant", COMPLAINANT, "Your complaint {reference}"),
        Letter(
            "councillor-comment",
            "Letter inviting the councillor to comment",
            COUNCILLOR,
            "A code of conduct complaint about you: {reference}",
        ),
        Letter(
            "request-information",
            "Request for information from the complainant",
            COMPLAINANT,
            "Your complaint {reference}: we need more information",
        ),
    ]
}


def get_letter(slug: str) -> Letter:
    letter = LETTERS.get(slug)
    if letter is None:
        raise Http404("No such letter.")
    return letter


@dataclass(frozen=True)
class RenderedLetter:
    letter: Letter
    recipient: str
    email: str
    subject: str
    text: str
    councillor: Councillor | None = None

    @property
    def html(self) -> SafeString:
        # The text was rendered with autoescaping off; escape it once here for the HTML part.
        return mark_safe(linebreaks(self.text, autoescape=True))


def unavailable_because(letter: Letter, complaint: Complaint) -> str:
    """Why this letter cannot be sent yet, or '' when it can."""
    if letter.to == COUNCILLOR and complaint.councillor_notified_at is None:
        return (
            "The councillor is told of the complaint when the initial assessment starts. "
            "This letter is available after that."
        )
    return ""


def _reply_within(name: str, default: int) -> tuple[int, date]:
    days = getattr(settings, name, default)
    return days, add_working_days(timezone.localdate(), days)


def _latest_request(complaint: Complaint) -> str:
    entries = [e for e in complaint.timeline.all() if e.to_stage == Stage.AWAITING_INFORMATION and e.text]
    return entries[-1].text if entries else ""


def _sender_title(sender) -> str:
    if Role.MONITORING_OFFICER in user_roles(sender):
        return "Monitoring Officer"
    return "Deputy Monitoring Officer"


def _as_text(rendered: str) -> str:
    """The letter as plain text. A template rendered with autoescaping off comes back marked safe
    for HTML, which this text is not: drop the mark, so that a page showing it escapes it."""
    return "".join(rendered)


def render(letter: Letter, complaint: Complaint, *, sender) -> list[RenderedLetter]:
    """The letter for each recipient: the complainant, or each councillor complained about."""
    context = {
        "complaint": complaint,
        "council_name": settings.COUNCIL_NAME,
        "authority": complaint.principal_authority,
        "sender": sender,
        "sender_title": _sender_title(sender),
        "today": timezone.localdate(),
        "headings": list(complaint.headings.all()),
        "posts": list(complaint.posts.all()),
        "councillors": list(complaint.councillors.all()),
        "identity_withheld": identity_withheld(complaint),
        "information_request": _latest_request(complaint),
        "acknowledge_within": settings.COMPLAINTS_ACKNOWLEDGE_WITHIN,
        "assess_within": settings.COMPLAINTS_ASSESS_WITHIN,
    }
    subject = letter.subject.format(reference=complaint.reference)
    if letter.to == COMPLAINANT:
        context["reply_days"], context["reply_by"] = _reply_within("COMPLAINTS_INFORMATION_WITHIN", 15)
        text = _as_text(render_to_string(letter.template, context))
        return [RenderedLetter(letter, complaint.complainant_name, complaint.complainant_email, subject, text)]
    context["reply_days"], context["reply_by"] = _reply_within("COMPLAINTS_COUNCILLOR_COMMENT_WITHIN", 10)
    context["about_you_url"] = settings.SITE_URL + reverse("complaints:my_case", args=[complaint.pk])
    rendered = []
    for councillor in context["councillors"]:
        text = _as_text(render_to_string(letter.template, {**context, "councillor": councillor}))
        email = councillor.contact_email
        rendered.append(RenderedLetter(letter, str(councillor), email, subject, text, councillor))
    return rendered


@transaction.atomic
def send_letter(*, actor, complaint: Complaint, letter: Letter) -> list[OutboundEmail]:
    """Email the letter to each recipient with an address and record it on the timeline."""
    reason = unavailable_because(letter, complaint)
    if reason:
        raise DomainError(reason)
    letters = [item for item in render(letter, complaint, sender=actor) if item.email]
    if not letters:
        raise DomainError("There is no email address to send this letter to. Copy the text and send it by post.")
    entry = services._timeline(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.LETTER,
        summary=f"Letter sent: {letter.title}"[:300],
        text="\n\n".join(item.text for item in letters),
        complainant=letter.to == COMPLAINANT,
        councillor=letter.to == COUNCILLOR,
    )
    sent = [
        send_templated_email(
            to=item.email,
            template="complaint_letter",
            key=f"complaint-letter:{complaint.pk}:{entry.pk}:{number}",
            context={"subject": item.subject, "body_text": item.text, "body_html": item.html},
        )
        for number, item in enumerate(letters)
    ]
    log_action(
        actor=actor,
        action="complaint.letter_sent",
        obj=complaint,
        summary=f"{complaint.reference}: {letter.title}",
        letter=letter.slug,
        recipients=len(sent),
    )
    return sent
