"""A small but complete portal for the security tests: people in every role, a councillor with
an account, complaints at several stages with their private links, a protocol in force and a
draft, training sessions with bookings, and an invitation. Every form of the site has something
real to work on."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from complaints.models import CodeHeading, Complaint, IPConsultation, Post, Stage
from council.models import Authority, Councillor, Invitation, User
from council.roles import Role
from council.services import _hash_token
from protocol.models import Section, SocialAccount, Version
from tests.complaints.factories import draft, submitted
from tests.factories import AuthorityFactory, CouncillorFactory, ParishFactory, make_user
from tests.protocol.factories import SectionFactory, make_draft, make_published
from tests.training.factories import BookingFactory, CourseFactory, SessionFactory, TrainingRecordFactory
from training.models import Course, Session

_numbers = itertools.count(90001)


@dataclass
class World:
    authority: Authority
    parish: Authority
    other_authority: Authority
    councillor: Councillor  # linked to users[COUNCILLOR]
    other_councillor: Councillor  # linked to other_councillor_user
    other_councillor_user: User
    users: dict[str, User]
    ip_unassigned: User
    published: Version
    draft_version: Version
    account: SocialAccount
    case: Complaint  # initial assessment; the IP is asked for a view; confidentiality asked
    hearing_case: Complaint  # ready for a decision
    other_authority_case: Complaint
    draft_complaint: Complaint
    draft_token: str
    tracked: Complaint  # sent to the Monitoring Officer: the complainant may withdraw it
    tracked_token: str
    consultation: IPConsultation
    course: Course
    future_session: Session
    past_session: Session
    invitation: Invitation
    invitation_token: str
    extra: dict = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.users[role]


def make_case(councillor: Councillor, stage: str, **fields) -> Complaint:
    """A submitted case at ``stage``, built with the ORM (the workflow is tested elsewhere)."""
    now = timezone.now()
    values = {
        "reference": f"CC-2026-{next(_numbers):05d}",
        "principal_authority": councillor.authority.principal_authority,
        "stage": stage,
        "complainant_name": "Pat Complainant",
        "complainant_email": "pat@example.org",
        "complainant_phone": "07700 900123",
        "complainant_address": "1 High Street",
        "complainant_type": Complaint.ComplainantType.PUBLIC,
        "acting_as_councillor": Complaint.ActingAsCouncillor.YES,
        "outcome_sought": "An apology",
        "received_at": now,
        "email_confirmed_at": now,
        "councillor_notified_at": now,
        **fields,
    }
    complaint = Complaint.objects.create(**values)
    complaint.councillors.add(councillor)
    heading = CodeHeading.objects.filter(is_active=True).first()
    if heading is not None:
        complaint.headings.add(heading)
    Post.objects.create(complaint=complaint, platform="Facebook", content="A rude post.", posted_at=now)
    return complaint


def _verified(user: User) -> User:
    # An accepted invitation proves the address (allauth wants a verified one for MFA pages).
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
    return user


def build_world() -> World:
    authority = AuthorityFactory(name="Oxbridge City Council")
    parish = ParishFactory(principal=authority)
    other_authority = AuthorityFactory(name="Elsewhere District Council")
    users = {role: _verified(make_user(role, is_staff=role == Role.ADMINISTRATOR)) for role in Role.values}
    councillor = CouncillorFactory(authority=authority, name="Sam Councillor", user=users[Role.COUNCILLOR])
    other_councillor_user = _verified(make_user(Role.COUNCILLOR))
    other_councillor = CouncillorFactory(authority=parish, name="Alex Othercllr", user=other_councillor_user)
    ip_unassigned = _verified(make_user(Role.INDEPENDENT_PERSON))

    published = make_published()
    draft_version = make_draft(protocol=published.protocol)
    account = SocialAccount.objects.create(
        councillor=councillor, platform=SocialAccount.Platform.X, handle="@samcllr", use=SocialAccount.Use.COUNCILLOR
    )

    case = make_case(
        councillor,
        Stage.ASSESSMENT,
        confidentiality_requested=True,
        confidentiality_reasons="I work for the council.",
    )
    case.independent_persons.add(users[Role.INDEPENDENT_PERSON])
    consultation = IPConsultation.objects.create(
        complaint=case, independent_person=users[Role.INDEPENDENT_PERSON], stage=case.stage
    )
    hearing_case = make_case(councillor, Stage.HEARING)
    IPConsultation.objects.create(
        complaint=hearing_case,
        independent_person=users[Role.INDEPENDENT_PERSON],
        stage=Stage.HEARING,
        view="A view.",
        given_at=timezone.now(),
    )
    hearing_case.independent_persons.add(users[Role.INDEPENDENT_PERSON])
    other_authority_case = make_case(CouncillorFactory(authority=other_authority), Stage.ASSESSMENT)

    draft_complaint, draft_token = draft(councillor)
    tracked, tracked_token = submitted(other_councillor)

    course = CourseFactory(title="Social media and you")
    future_session = SessionFactory(course=course, capacity=2)
    past_session = SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=2))
    BookingFactory(session=future_session, councillor=councillor)
    BookingFactory(session=past_session, councillor=councillor)
    BookingFactory(session=past_session, councillor=other_councillor)
    TrainingRecordFactory(councillor=other_councillor, course=course, title="Other's own record")
    CourseFactory(title="Planning for beginners")  # no sessions: councillors may register interest

    invitation_token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email="invited@council.example",
        full_name="Invited Person",
        roles=[Role.COUNCILLOR],
        token_hash=_hash_token(invitation_token),
        invited_by=users[Role.MEMBER_SERVICES],
        expires_at=timezone.now() + timedelta(days=7),
    )
    return World(
        authority=authority,
        parish=parish,
        other_authority=other_authority,
        councillor=councillor,
        other_councillor=other_councillor,
        other_councillor_user=other_councillor_user,
        users=users,
        ip_unassigned=ip_unassigned,
        published=published,
        draft_version=draft_version,
        account=account,
        case=case,
        hearing_case=hearing_case,
        other_authority_case=other_authority_case,
        draft_complaint=draft_complaint,
        draft_token=draft_token,
        tracked=tracked,
        tracked_token=tracked_token,
        consultation=consultation,
        course=course,
        future_session=future_session,
        past_session=past_session,
        invitation=invitation,
        invitation_token=invitation_token,
    )


def _a_section(world: World) -> Section:
    """A section of the draft (a test may have deleted them all: then a new one)."""
    section = world.draft_version.sections.order_by("-order").first()
    if section is None:
        section = SectionFactory(version=world.draft_version, title="Added again", slug="added-again")
    return section


# The arguments of each URL pattern that names an object, taken from the world.
URL_ARGS = {
    "council:councillor_detail": lambda w: [w.councillor.pk],
    "council:councillor_edit": lambda w: [w.councillor.pk],
    "council:councillor_record": lambda w: [w.councillor.pk],
    "council:councillor_record_pdf": lambda w: [w.councillor.pk],
    "council:invite_councillor": lambda w: [w.other_councillor.pk],
    "council:accept_invitation": lambda w: [w.invitation_token],
    "protocol:version_detail": lambda w: [w.published.protocol.slug, w.published.number],
    "protocol:account_edit": lambda w: [w.account.pk],
    "protocol:account_remove": lambda w: [w.account.pk],
    "protocol:draft_detail": lambda w: [w.draft_version.pk],
    "protocol:draft_preview": lambda w: [w.draft_version.pk],
    "protocol:draft_publish": lambda w: [w.draft_version.pk],
    "protocol:draft_delete": lambda w: [w.draft_version.pk],
    "protocol:section_add": lambda w: [w.draft_version.pk],
    "protocol:section_edit": lambda w: [_a_section(w).pk],
    "protocol:section_delete": lambda w: [_a_section(w).pk],
    "protocol:section_move": lambda w: [_a_section(w).pk],
    "protocol:councillor_history": lambda w: [w.councillor.pk],
    "protocol:record_paper": lambda w: [w.other_councillor.pk],
    "complaints:track": lambda w: [w.draft_token],
    "complaints:track_withdraw": lambda w: [w.tracked_token],
    "complaints:case": lambda w: [w.case.pk],
    "complaints:case_transition": lambda w: [w.case.pk, "request_information"],
    "complaints:case_note": lambda w: [w.case.pk],
    "complaints:case_document": lambda w: [w.case.pk],
    "complaints:case_assign_ip": lambda w: [w.case.pk],
    "complaints:case_ip_view": lambda w: [w.case.pk, w.consultation.pk],
    "complaints:case_conflict": lambda w: [w.case.pk],
    "complaints:case_confidentiality": lambda w: [w.case.pk],
    "complaints:case_legal_hold": lambda w: [w.case.pk],
    "complaints:case_letter": lambda w: [w.case.pk, "acknowledgement"],
    "complaints:evidence_download": lambda w: [w.case.pk, 999999],
    "complaints:case_decision": lambda w: [w.hearing_case.pk],
    "complaints:decision_notice": lambda w: [w.hearing_case.pk],
    "complaints:decision_notice_pdf": lambda w: [w.hearing_case.pk],
    "complaints:decision_notice_send": lambda w: [w.hearing_case.pk],
    "complaints:case_bundle_pdf": lambda w: [w.case.pk],
    "complaints:case_audit": lambda w: [w.case.pk],
    "complaints:my_case": lambda w: [w.case.pk],
    "training:session_detail": lambda w: [w.future_session.pk],
    "training:book": lambda w: [w.future_session.pk],
    "training:cancel_booking": lambda w: [w.future_session.pk],
    "training:session_ics": lambda w: [w.future_session.pk],
    "training:register_interest": lambda w: [Course.objects.get(title="Planning for beginners").pk],
    "training:calendar_feed": lambda w: ["not-a-real-token"],
    "training:course_detail": lambda w: [w.course.pk],
    "training:course_edit": lambda w: [w.course.pk],
    "training:session_create": lambda w: [w.course.pk],
    "training:course_interest": lambda w: [w.course.pk],
    "training:session_edit": lambda w: [w.future_session.pk],
    "training:session_cancel": lambda w: [w.future_session.pk],
    "training:session_bookings": lambda w: [w.future_session.pk],
    "training:attendance": lambda w: [w.past_session.pk],
    "training:attendance_pdf": lambda w: [w.past_session.pk],
    "training:councillor_record": lambda w: [w.councillor.pk],
    "training:record_add": lambda w: [w.councillor.pk],
    "training:record_pdf": lambda w: [w.councillor.pk],
}


def url_for(world: World, name: str) -> str:
    from django.urls import reverse

    args = URL_ARGS.get(name)
    return reverse(name, args=args(world) if args else None)
