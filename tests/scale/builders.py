"""Bulk test data for the query-count tests: each builder adds ``n`` more rows of one thing,
with the related rows its pages show (wards, groups, terms, committees, accounts, invitations,
bookings, evidence …), using ``bulk_create`` so that a thousand rows take a fraction of a second.

Rows vary by their running number ``i`` with periods of at most ten (``i % 3``, ``i % 10`` …),
so the first ten rows already hold every variant (a councillor without a ward, an overdue
requirement, a closed case with a decision, a waiting-list booking …) and a thousand rows add
only more of the same: any difference in the number of queries comes from the number of rows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from complaints.models import (
    CodeHeading,
    Complaint,
    Decision,
    Evidence,
    IPConsultation,
    LegalConcern,
    Post,
    Stage,
    TimelineEntry,
)
from complaints.reports import last_financial_year
from council.models import (
    AuditEntry,
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    Invitation,
    OutboundEmail,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)
from council.roles import Role
from protocol.models import Acknowledgement, Reminder, Requirement, Section, SocialAccount, Version
from tests.protocol.factories import make_draft, make_published
from training.models import (
    Booking,
    Course,
    Interest,
    MandatoryRule,
    Session,
    Topic,
    TrainingRecord,
    TrainingReminder,
)

# Ten stages, so that any ten consecutive complaints include each of them.
STAGES = [
    Stage.RECEIVED,
    Stage.ACKNOWLEDGED,
    Stage.ASSESSMENT,
    Stage.AWAITING_INFORMATION,
    Stage.INFORMAL_RESOLUTION,
    Stage.INVESTIGATION,
    Stage.HEARING,
    Stage.DECISION,
    Stage.CLOSED,
    Stage.WITHDRAWN,
]
DECIDED = {Stage.DECISION, Stage.CLOSED}
FINDINGS = list(Decision.Finding.values)
POOL_SIZE = 12


def _at(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class World:
    """Three authorities (two principal councils and a parish) with wards, groups and committees,
    and builders for everything the list pages list."""

    def __init__(self) -> None:
        self._next = 1
        self.now = timezone.now()
        self.today = timezone.localdate()
        city = Authority.objects.create(name="Scale City Council", slug="scale-city")
        county = Authority.objects.create(name="Scale County Council", slug="scale-county")
        parish = Authority.objects.create(
            name="Scale Parish Council",
            slug="scale-parish",
            kind=Authority.Kind.PARISH,
            principal=city,
            clerk_name="Parish Clerk",
            clerk_email="clerk@scale-parish.example",
        )
        self.authorities = [city, county, parish]
        self.principals = [city, county]
        self.wards = {
            a.pk: [Ward.objects.create(authority=a, name=f"Ward {j}") for j in range(2)] for a in self.authorities
        }
        self.groups = {
            a.pk: [PoliticalGroup.objects.create(authority=a, name=f"Group {j}") for j in range(2)]
            for a in self.authorities
        }
        self.committees = {
            a.pk: [
                Committee.objects.create(authority=a, name="Planning", is_regulatory=True),
                Committee.objects.create(authority=a, name="Scrutiny"),
            ]
            for a in self.authorities
        }
        self.officer = User.objects.create_user("scale.officer@council.example", full_name="Scale Officer")
        self._pool: list[Councillor] | None = None
        self._courses: list[Course] | None = None
        self._version: Version | None = None

    def take(self, n: int) -> range:
        """The next ``n`` running numbers (unique across every builder)."""
        start, self._next = self._next, self._next + n
        return range(start, start + n)

    # --- Who's who --------------------------------------------------------------------------------

    def councillors(self, n: int, *, mixed: bool = False, accounts: bool = False) -> list[Councillor]:
        """``n`` councillors, each with two terms and two committee seats; with ``mixed`` some have
        left office, with ``accounts`` some have portal accounts and some a pending invitation."""
        rows = []
        for i in self.take(n):
            authority = self.authorities[i % 3]
            plain = i % 5 == 0  # no ward, no group
            rows.append(
                Councillor(
                    authority=authority,
                    name=f"Scale Councillor {i:05d}",
                    ward=None if plain else self.wards[authority.pk][i % 2],
                    political_group=None if plain else self.groups[authority.pk][i % 2],
                    email="" if i % 10 == 3 else f"cllr{i}@scale.example",
                    is_active=not (mixed and i % 7 == 0),
                    member_services_contact=self.officer if i % 2 else None,
                )
            )
        councillors = Councillor.objects.bulk_create(rows)
        TermOfOffice.objects.bulk_create(
            term
            for c in councillors
            for term in (
                TermOfOffice(
                    councillor=c,
                    start_date=self.today - timedelta(days=2000),
                    end_date=self.today - timedelta(days=600),
                ),
                TermOfOffice(councillor=c, start_date=self.today - timedelta(days=400)),
            )
        )
        positions = list(CommitteeMembership.Position.values)
        CommitteeMembership.objects.bulk_create(
            CommitteeMembership(committee=committee, councillor=c, position=positions[(c.pk + k) % len(positions)])
            for c in councillors
            for k, committee in enumerate(self.committees[c.authority_id])
        )
        if accounts:
            self._accounts_and_invitations(councillors)
        return councillors

    def _accounts_and_invitations(self, councillors: list[Councillor]) -> None:
        with_account = [c for c in councillors if c.pk % 3 == 0]
        users = User.objects.bulk_create(
            User(email=f"cllr-user{c.pk}@scale.example", full_name=c.name, password="!") for c in with_account
        )
        for councillor, user in zip(with_account, users, strict=True):
            councillor.user = user
        Councillor.objects.bulk_update(with_account, ["user"])
        group = Group.objects.get(name=Role.COUNCILLOR)
        User.groups.through.objects.bulk_create(User.groups.through(user=u, group=group) for u in users)
        Invitation.objects.bulk_create(
            Invitation(
                email=c.email or f"invite{c.pk}@scale.example",
                full_name=c.name,
                roles=[Role.COUNCILLOR],
                councillor=c,
                token_hash=f"scale-councillor-{c.pk}",
                invited_by=self.officer,
                expires_at=self.now + timedelta(days=7),
            )
            for c in councillors
            if c.pk % 3 == 1
        )

    @property
    def pool(self) -> list[Councillor]:
        """A dozen councillors to hang related rows on (bookings, complaints, reminders)."""
        if self._pool is None:
            self._pool = self.councillors(POOL_SIZE)
        return self._pool

    def linked_councillor(self, user: User) -> Councillor:
        """The signed-in councillor's own directory record."""
        authority = self.authorities[0]
        councillor = Councillor.objects.create(
            authority=authority,
            name=user.full_name or "Signed In Councillor",
            ward=self.wards[authority.pk][0],
            political_group=self.groups[authority.pk][0],
            email=user.email,
            user=user,
        )
        TermOfOffice.objects.create(councillor=councillor, start_date=self.today - timedelta(days=100))
        CommitteeMembership.objects.create(committee=self.committees[authority.pk][0], councillor=councillor)
        return councillor

    def invitations(self, n: int) -> None:
        """Invitations in every state, some for a councillor, some sent by nobody (the system)."""
        pool = self.pool
        rows = []
        for i in self.take(n):
            kind = i % 4
            rows.append(
                Invitation(
                    email=f"person{i}@scale.example",
                    full_name="" if i % 5 == 0 else f"Scale Person {i}",
                    roles=[[Role.COUNCILLOR], [Role.MEMBER_SERVICES, Role.COMMUNICATIONS], [], ["retired"]][kind],
                    councillor=pool[i % POOL_SIZE] if i % 2 else None,
                    token_hash=f"scale-invitation-{i}",
                    invited_by=None if i % 6 == 0 else self.officer,
                    created_at=self.now - timedelta(days=i % 9),
                    expires_at=self.now + timedelta(days=7) if kind != 3 else self.now - timedelta(days=1),
                    accepted_at=self.now if kind == 1 else None,
                    revoked_at=self.now - timedelta(days=1) if kind == 2 else None,
                )
            )
        Invitation.objects.bulk_create(rows)

    def audit_entries(self, n: int) -> None:
        users = [self.officer, None, *[c.user for c in self.pool if c.user_id]]
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=users[i % len(users)] if i % 2 else self.officer,
                action=f"scale.action_{i % 4}",
                object_type="council.councillor",
                object_id=str(i),
                summary=f"Scale entry {i}",
            )
            for i in self.take(n)
        )

    def profile_rows(self, councillor: Councillor, n: int) -> None:
        """Terms, committee seats and invitations of one councillor."""
        numbers = self.take(n)
        TermOfOffice.objects.bulk_create(
            TermOfOffice(
                councillor=councillor,
                start_date=self.today - timedelta(days=10_000 + 2 * i),
                end_date=self.today - timedelta(days=9_999 + 2 * i),
            )
            for i in numbers
        )
        committees = Committee.objects.bulk_create(
            Committee(authority=councillor.authority, name=f"Scale Committee {i}", is_regulatory=i % 2 == 0)
            for i in numbers
        )
        CommitteeMembership.objects.bulk_create(
            CommitteeMembership(committee=c, councillor=councillor) for c in committees
        )
        Invitation.objects.bulk_create(
            Invitation(
                email=f"profile{i}@scale.example",
                roles=[Role.COUNCILLOR],
                councillor=councillor,
                token_hash=f"scale-profile-{i}",
                invited_by=self.officer,
                expires_at=self.now + timedelta(days=1 + i % 7),
                revoked_at=self.now if i % 2 else None,
            )
            for i in numbers
        )

    # --- The protocol -----------------------------------------------------------------------------

    def version(self) -> Version:
        """The version in force (published through the services, as for real)."""
        if self._version is None:
            self._version = make_published()
        return self._version

    def requirements(self, councillors: list[Councillor]) -> None:
        """A requirement for each councillor to acknowledge the version in force: a third
        acknowledged (in the portal or on paper), a third overdue, a third not yet due."""
        version = self.version()
        acknowledged = [c for c in councillors if c.pk % 3 == 0 and c.is_active]
        acks = Acknowledgement.objects.bulk_create(
            Acknowledgement(
                councillor=c,
                version=version,
                content_hash=version.content_hash,
                typed_name=c.name,
                method=Acknowledgement.Method.PAPER if c.pk % 2 else Acknowledgement.Method.SELF,
                recorded_by=self.officer if c.pk % 2 else None,
            )
            for c in acknowledged
        )
        ack_for = {a.councillor_id: a for a in acks}
        rows = []
        for c in councillors:
            ack = ack_for.get(c.pk)
            due = self.today + timedelta(days=10) if c.pk % 3 == 2 else self.today - timedelta(days=5)
            rows.append(
                Requirement(
                    councillor=c,
                    version=version,
                    due_date=due,
                    met_at=ack.acknowledged_at if ack else None,
                    acknowledgement=ack,
                )
            )
        Requirement.objects.bulk_create(rows)

    def social_accounts(self, n: int, *, councillor: Councillor | None = None) -> None:
        pool = self.pool
        platforms = list(SocialAccount.Platform.values)
        SocialAccount.objects.bulk_create(
            SocialAccount(
                councillor=councillor or pool[i % POOL_SIZE],
                platform=platforms[i % len(platforms)],
                handle=f"@scale{i}",
                use=SocialAccount.Use.COUNCILLOR if i % 2 else SocialAccount.Use.PERSONAL,
                has_disclaimer=i % 3 == 0,
            )
            for i in self.take(n)
        )

    def old_versions(self, n: int) -> list[Version]:
        """``n`` superseded versions of the protocol in force, material and minor."""
        in_force = self.version()
        numbers = self.take(n)
        versions = Version.objects.bulk_create(
            Version(
                protocol=in_force.protocol,
                number=1000 + i,
                state=Version.State.SUPERSEDED,
                change_kind=Version.ChangeKind.MINOR if i % 2 else Version.ChangeKind.MATERIAL,
                change_summary=f"Change {i}",
                published_at=self.now - timedelta(days=3000 - i),
                superseded_at=self.now - timedelta(days=2999 - i),
                content_hash=f"{i:064d}",
                created_by=self.officer if i % 2 else None,
            )
            for i in numbers
        )
        for version in versions:
            version.basis = in_force if version.change_kind == Version.ChangeKind.MINOR else version
        Version.objects.bulk_update(versions, ["basis"])
        Section.objects.bulk_create(
            Section(version=v, order=1, title="Introduction", slug="introduction", body="Think first.")
            for v in versions
        )
        return versions

    def protocol_history(self, councillor: Councillor, n: int) -> None:
        """Acknowledgements, requirements, reminders and declared accounts of one councillor."""
        versions = self.old_versions(n)
        acks = Acknowledgement.objects.bulk_create(
            Acknowledgement(
                councillor=councillor,
                version=v,
                content_hash=v.content_hash,
                typed_name=councillor.name,
                acknowledged_at=v.published_at + timedelta(days=1),
                method=Acknowledgement.Method.PAPER if v.number % 2 else Acknowledgement.Method.SELF,
                recorded_by=self.officer if v.number % 2 else None,
            )
            for v in versions
        )
        Requirement.objects.bulk_create(
            Requirement(
                councillor=councillor,
                version=v,
                due_date=self.today - timedelta(days=30),
                met_at=ack.acknowledged_at if v.number % 3 else None,
                acknowledgement=ack if v.number % 3 else None,
            )
            for v, ack in zip(versions, acks, strict=True)
        )
        kinds = list(Reminder.Kind.values)
        emails = OutboundEmail.objects.bulk_create(
            OutboundEmail(key=f"scale-protocol-{v.pk}", to=[councillor.email], subject="Reminder", body_text="Please")
            for v in versions
        )
        Reminder.objects.bulk_create(
            Reminder(
                councillor=councillor,
                version=v,
                kind=kinds[v.number % len(kinds)],
                on_date=self.today - timedelta(days=v.number % 9),
                email=email if v.number % 2 else None,
            )
            for v, email in zip(versions, emails, strict=True)
        )
        self.social_accounts(n, councillor=councillor)

    def sections(self, version: Version, n: int) -> None:
        Section.objects.bulk_create(
            Section(version=version, order=100 + i, title=f"Section {i}", slug=f"section-{i}", body=f"Rule **{i}**.")
            for i in self.take(n)
        )

    def draft(self) -> Version:
        self.version()
        return make_draft()

    # --- Complaints -------------------------------------------------------------------------------

    def complaints(
        self,
        n: int,
        *,
        about: Councillor | None = None,
        independent_person: User | None = None,
        notified: bool = False,
    ) -> list[Complaint]:
        """Complaints in every stage received over the last financial year, each about one or two
        councillors, citing Code headings and legal concerns, with a post, evidence and a timeline
        entry; decided ones have a decision."""
        period = last_financial_year(self.today)
        rows = []
        for i in self.take(n):
            stage = STAGES[i % 10]
            received = _at(period.start + timedelta(days=i % 360))
            is_open = stage not in (Stage.CLOSED, Stage.WITHDRAWN)
            rows.append(
                Complaint(
                    reference=f"SC/{i:06d}",
                    principal_authority=self.principals[i % 2],
                    stage=stage,
                    complainant_name=f"Complainant {i}",
                    complainant_email=f"complainant{i}@example.com",
                    complainant_type=Complaint.ComplainantType.PUBLIC,
                    acting_as_councillor=Complaint.ActingAsCouncillor.YES,
                    outcome_sought="An apology",
                    confidentiality_requested=i % 4 == 0,
                    email_confirmed_at=received,
                    received_at=received,
                    acknowledged_at=received + timedelta(days=2) if i % 10 else None,
                    assessed_at=received + timedelta(days=20) if i % 10 >= 4 else None,
                    decided_at=received + timedelta(days=60) if stage in DECIDED else None,
                    closed_at=received + timedelta(days=70) if not is_open else None,
                    due_date=self.today + timedelta(days=i % 7 - 3) if is_open and i % 5 else None,
                    due_for="Initial assessment" if is_open else "",
                    councillor_notified_at=received + timedelta(days=5) if notified or i % 2 else None,
                )
            )
        complaints = Complaint.objects.bulk_create(rows)
        pool = self.pool
        through = Complaint.councillors.through
        through.objects.bulk_create(
            through(complaint=c, councillor=councillor)
            for c in complaints
            for councillor in ([about] if about else [pool[c.pk % POOL_SIZE]])
            + ([pool[(c.pk + 1) % POOL_SIZE]] if c.pk % 2 else [])
        )
        headings = list(CodeHeading.objects.order_by("number"))
        concerns = list(LegalConcern.objects.order_by("order"))
        Complaint.headings.through.objects.bulk_create(
            Complaint.headings.through(complaint=c, codeheading=headings[(c.pk + k) % len(headings)])
            for c in complaints
            for k in range(c.pk % 3)
        )
        Complaint.legal_concerns.through.objects.bulk_create(
            Complaint.legal_concerns.through(complaint=c, legalconcern=concerns[c.pk % len(concerns)])
            for c in complaints
            if c.pk % 2
        )
        if independent_person is not None:
            Complaint.independent_persons.through.objects.bulk_create(
                Complaint.independent_persons.through(complaint=c, user=independent_person) for c in complaints
            )
        posts = Post.objects.bulk_create(
            Post(complaint=c, platform="Facebook", url=f"https://facebook.example/{c.pk}", content="A rude post")
            for c in complaints
        )
        Evidence.objects.bulk_create(
            Evidence(
                complaint=c,
                post=post,
                original_name=f"screenshot-{c.pk}.png",
                stored_name=f"scale-evidence-{c.pk}",
                content_type="image/png",
                size=100,
                sha256="0" * 64,
            )
            for c, post in zip(complaints, posts, strict=True)
        )
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                complaint=c,
                actor=self.officer,
                kind=TimelineEntry.Kind.TRANSITION,
                to_stage=c.stage,
                summary="Moved on",
                visible_to_complainant=True,
                visible_to_councillor=True,
            )
            for c in complaints
        )
        Decision.objects.bulk_create(
            Decision(
                complaint=c,
                finding=FINDINGS[c.pk % len(FINDINGS)],
                findings="Findings",
                reasons="Reasons",
                decided_by=self.officer,
                decided_at=c.decided_at,
            )
            for c in complaints
            if c.stage in DECIDED
        )
        return complaints

    def case_file(self, complaint: Complaint, n: int, *, independent_person: User) -> None:
        """More of everything on one case: posts with evidence, timeline entries (notes among
        them), the Independent Person's views, and a councillor for every 250 of those (the page
        crosses each councillor with each post, so a thousand of both would be a million cells)."""
        numbers = self.take(n)
        councillors = self.councillors(max(1, n // 250))
        through = Complaint.councillors.through
        through.objects.bulk_create(through(complaint=complaint, councillor=c) for c in councillors)
        posts = Post.objects.bulk_create(
            Post(
                complaint=complaint,
                platform="X",
                url="javascript:alert(1)" if i % 4 == 0 else f"https://x.example/{i}",
                posted_at=self.now - timedelta(days=i % 9) if i % 3 else None,
                content=f"Post {i}",
            )
            for i in numbers
        )
        Evidence.objects.bulk_create(
            Evidence(
                complaint=complaint,
                post=post if i % 2 else None,
                original_name=f"file-{i}.pdf",
                stored_name=f"scale-case-{i}",
                content_type="application/pdf",
                size=1000,
                sha256="1" * 64,
                uploaded_by=self.officer if i % 3 == 0 else None,
            )
            for i, post in zip(numbers, posts, strict=True)
        )
        kinds = list(TimelineEntry.Kind.values)
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                complaint=complaint,
                actor=self.officer if i % 2 else None,
                kind=kinds[i % len(kinds)],
                summary=f"Entry {i}",
                text="Details",
                visible_to_complainant=i % 2 == 0,
                visible_to_councillor=i % 3 == 0,
            )
            for i in numbers
        )
        IPConsultation.objects.bulk_create(
            IPConsultation(
                complaint=complaint,
                independent_person=independent_person,
                stage=Stage.ASSESSMENT,
                view="A view" if i % 2 else "",
                given_at=self.now if i % 2 else None,
            )
            for i in numbers
        )

    # --- Training ---------------------------------------------------------------------------------

    def mandatory_courses(self) -> list[Course]:
        """Three mandatory courses: for all councillors, for new ones, and for planning committees."""
        if self._courses is None:
            courses = [
                Course.objects.create(title="Code of conduct", topic=Topic.CODE_OF_CONDUCT),
                Course.objects.create(title="Social media", topic=Topic.SOCIAL_MEDIA),
                Course.objects.create(title="Planning", topic=Topic.PLANNING),
            ]
            MandatoryRule.objects.create(course=courses[0], kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=6)
            MandatoryRule.objects.create(course=courses[1], kind=MandatoryRule.Kind.NEW_COUNCILLORS, within_months=3)
            for committees in self.committees.values():
                MandatoryRule.objects.create(
                    course=courses[2], kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committees[0]
                )
            self._courses = courses
        return self._courses

    def courses(self, n: int) -> list[Course]:
        """Courses (some inactive) with rules, an upcoming session for half, and interest in the rest."""
        numbers = self.take(n)
        topics = list(Topic.values)
        courses = Course.objects.bulk_create(
            Course(title=f"Scale course {i:05d}", topic=topics[i % len(topics)], is_active=i % 10 != 9) for i in numbers
        )
        rules = []
        for c in courses:
            if c.pk % 3 == 0:
                rules.append(MandatoryRule(course=c, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=12))
            elif c.pk % 3 == 1:
                committee = self.committees[self.authorities[c.pk % 3].pk][0]
                rules.append(MandatoryRule(course=c, kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=committee))
        MandatoryRule.objects.bulk_create(rules)
        Session.objects.bulk_create(
            Session(course=c, starts_at=self.now + timedelta(days=10), capacity=10, venue="Town Hall")
            for c in courses
            if c.pk % 2 == 0
        )
        pool = self.pool
        Interest.objects.bulk_create(
            Interest(course=c, councillor=pool[c.pk % POOL_SIZE], registered_by=self.officer)
            for c in courses
            if c.pk % 2
        )
        return courses

    def sessions(self, n: int, *, course: Course | None = None) -> list[Session]:
        """Sessions (mostly upcoming; some past, some cancelled), each with two places booked and
        one councillor waiting."""
        courses = [course] if course else self.mandatory_courses()
        numbers = self.take(n)
        sessions = Session.objects.bulk_create(
            Session(
                course=courses[i % len(courses)],
                starts_at=self.now + timedelta(days=1 + i % 60) if i % 5 else self.now - timedelta(days=1 + i % 60),
                capacity=2 + i % 3,
                venue="Committee Room 1" if i % 2 else "",
                online_url="" if i % 2 else "https://meet.example/training",
                trainer="Pat Trainer",
                status=Session.Status.CANCELLED if i % 10 == 3 else Session.Status.SCHEDULED,
            )
            for i in numbers
        )
        pool = self.pool
        statuses = [Booking.Status.BOOKED, Booking.Status.BOOKED, Booking.Status.WAITING]
        Booking.objects.bulk_create(
            Booking(
                session=s,
                councillor=pool[(s.pk + k) % POOL_SIZE],
                status=status,
                booked_by=self.officer if k else None,
            )
            for s in sessions
            for k, status in enumerate(statuses)
        )
        return sessions

    def session_with_bookings(self, session: Session, n: int) -> None:
        """``n`` more councillors on one session: most booked (some marked attended or absent), some waiting."""
        councillors = self.councillors(n)
        rows = []
        for c in councillors:
            waiting = c.pk % 4 == 0
            rows.append(
                Booking(
                    session=session,
                    councillor=c,
                    status=Booking.Status.WAITING if waiting else Booking.Status.BOOKED,
                    booked_by=self.officer if c.pk % 2 else None,
                    attendance=""
                    if waiting
                    else ["", Booking.Attendance.ATTENDED, Booking.Attendance.ABSENT][c.pk % 3],
                    absence_reason="Unwell" if not waiting and c.pk % 3 == 2 else "",
                )
            )
        Booking.objects.bulk_create(rows)
        Session.objects.filter(pk=session.pk).update(capacity=session.capacity + n)

    def training_history(self, councillors: list[Councillor]) -> None:
        """Records and upcoming bookings for the mandatory courses, so every matrix status shows."""
        courses = self.mandatory_courses()
        upcoming = Session.objects.create(course=courses[1], starts_at=self.now + timedelta(days=20), capacity=100_000)
        TrainingRecord.objects.bulk_create(
            TrainingRecord(
                councillor=c,
                course=courses[c.pk % 3],
                title=courses[c.pk % 3].title,
                completed_on=self.today - timedelta(days=c.pk % 9),
                source=TrainingRecord.Source.MANUAL,
                recorded_by=self.officer,
            )
            for c in councillors
            if c.pk % 4 == 0
        )
        Booking.objects.bulk_create(
            Booking(session=upcoming, councillor=c, status=Booking.Status.BOOKED) for c in councillors if c.pk % 4 == 1
        )

    def own_training(self, councillor: Councillor, n: int) -> None:
        """One councillor's records (from sessions and by hand) and their bookings on upcoming sessions."""
        courses = self.mandatory_courses()
        sessions = self.sessions(n)
        numbers = self.take(n)
        TrainingRecord.objects.bulk_create(
            TrainingRecord(
                councillor=councillor,
                course=courses[i % 3] if i % 4 else None,
                title=f"Training {i}",
                completed_on=self.today - timedelta(days=i % 300),
                source=TrainingRecord.Source.MANUAL if i % 2 else TrainingRecord.Source.SESSION,
                provider="LGA" if i % 2 else "",
                recorded_by=self.officer if i % 2 else None,
            )
            for i in numbers
        )
        Booking.objects.bulk_create(
            Booking(
                session=s,
                councillor=councillor,
                status=Booking.Status.WAITING if s.pk % 3 == 0 else Booking.Status.BOOKED,
                booked_by=self.officer if s.pk % 2 else None,
            )
            for s in sessions
        )

    def interests(self, course: Course, n: int) -> None:
        councillors = self.councillors(n)
        Interest.objects.bulk_create(
            Interest(
                course=course,
                councillor=c,
                registered_by=self.officer if c.pk % 2 else None,
                notified_at=self.now if c.pk % 3 == 0 else None,
            )
            for c in councillors
        )

    def training_emails(self, n: int) -> None:
        """Training emails of every kind, some about a session, some about a course, some not yet sent."""
        numbers = self.take(n)
        session = self.sessions(1)[0]
        course = self.mandatory_courses()[0]
        emails = OutboundEmail.objects.bulk_create(
            OutboundEmail(
                key=f"scale-training-{i}",
                to=[f"cllr{i}@scale.example"],
                subject=f"Training {i}",
                body_text="Hello",
                status=OutboundEmail.Status.SENT if i % 2 else OutboundEmail.Status.PENDING,
            )
            for i in numbers
        )
        kinds = list(TrainingReminder.Kind.values)
        pool = self.pool
        TrainingReminder.objects.bulk_create(
            TrainingReminder(
                key=f"scale-reminder-{i}",
                kind=kinds[i % len(kinds)],
                councillor=pool[i % POOL_SIZE],
                session=session if i % 3 == 0 else None,
                course=course if i % 3 == 1 else None,
                email=email if i % 5 else None,
            )
            for i, email in zip(numbers, emails, strict=True)
        )

    def regulatory_committees(self, n: int) -> None:
        """Regulatory committees, each with two pool members and a rule requiring the planning course."""
        pool = self.pool
        course = self.mandatory_courses()[2]
        numbers = self.take(n)
        committees = Committee.objects.bulk_create(
            Committee(authority=self.authorities[i % 3], name=f"Licensing {i:05d}", is_regulatory=True) for i in numbers
        )
        CommitteeMembership.objects.bulk_create(
            CommitteeMembership(committee=c, councillor=pool[(c.pk + k) % POOL_SIZE])
            for c in committees
            for k in range(2)
        )
        MandatoryRule.objects.bulk_create(
            MandatoryRule(course=course, kind=MandatoryRule.Kind.COMMITTEE_MEMBERS, committee=c) for c in committees
        )

    # --- Records and reports made on request --------------------------------------------------------

    def case_audit_entries(self, complaint: Complaint, n: int) -> None:
        """Who viewed or changed one case: views and workflow actions, by officers and by nobody."""
        from complaints import case_audit

        actions = sorted(case_audit.LABELS)
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=None if i % 4 == 0 else self.officer,
                action=actions[i % len(actions)] if i % 9 else "complaint.unknown_action",
                object_type=case_audit.OBJECT_TYPE,
                object_id=str(complaint.pk),
                summary=f"{complaint.reference}: entry {i}",
            )
            for i in self.take(n)
        )

    def report_jobs(self, owner: User, n: int) -> None:
        """Reports made in the background for ``owner``, in every state."""
        from council.models import ReportJob

        statuses = list(ReportJob.Status.values)
        ReportJob.objects.bulk_create(
            ReportJob(
                owner=owner,
                kind="complaints.register",
                title=f"Complaint register {i}",
                status=statuses[i % len(statuses)],
                created_at=self.now - timedelta(minutes=i),
            )
            for i in self.take(n)
        )

    def parishes(self, n: int) -> None:
        """Parish and town councils under the two principal councils."""
        kinds = [Authority.Kind.PARISH, Authority.Kind.TOWN]
        Authority.objects.bulk_create(
            Authority(
                name=f"Scale Parish {i:05d}",
                slug=f"scale-parish-{i}",
                kind=kinds[i % 2],
                principal=self.principals[i % 2],
            )
            for i in self.take(n)
        )
