"""The national data set behind ``bench/national.py``.

About 10,000 authorities (400 principal councils, each with 24 parish and town councils),
100,000 councillors in their wards and political groups (85% serving, with terms of office,
committee places and portal accounts for some), 16 material versions of the social media
protocol over five and a half years with 1,000,000 acknowledgements, 100,000 complaints over
three years in a realistic spread of stages (with their councillors, Code headings, posts,
timelines, decisions and Independent Persons), and 20,000 training sessions with bookings,
attendance, training records and mandatory-training rules.

Rows are generated as plain tuples whose primary keys are chosen here, so children point at
parents without reading them back, and are appended the fastest way each database allows:
COPY on PostgreSQL, with each table's foreign keys dropped for the load and added back after it
(which checks every row in one pass, instead of one trigger per row), then ANALYZE as autovacuum
would; one ``executemany`` per table and chunk, all inside one transaction, on SQLite.
Everything is seeded, so every run loads the same data.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from complaints.models import CodeHeading, Complaint, Decision, Post, Stage, TimelineEntry
from council.models import Authority, Committee, CommitteeMembership, Councillor, PoliticalGroup, TermOfOffice, User
from council.models import Ward as WardModel
from council.roles import Role
from protocol import services as protocol_services
from protocol.importer import parse_protocol
from protocol.models import Acknowledgement, Requirement, Version
from training.models import Booking, Course, MandatoryRule, Session, Topic, TrainingRecord

PRINCIPALS = 400
PARISHES_PER_PRINCIPAL = 24
AUTHORITIES = PRINCIPALS * (1 + PARISHES_PER_PRINCIPAL)  # 10,000
COUNCILLORS_PER_PRINCIPAL = 50
COUNCILLORS = 100_000
ACKNOWLEDGEMENTS = 1_000_000
COMPLAINTS = 100_000
SESSIONS = 20_000
MANUAL_RECORDS = 200_000
# The protocol is re-issued about three times a year: 16 material versions over five and a half
# years, the one in force published VERSION_IN_FORCE_DAYS ago.
VERSIONS = 16
VERSION_INTERVAL_DAYS = 128
VERSION_IN_FORCE_DAYS = 45
ACKNOWLEDGE_WITHIN_DAYS = 28
CHUNK = 20_000
SEED = 7


def _words(text: str) -> list[str]:
    return text.split()


PROTOCOL_TEXT = Path(__file__).resolve().parent.parent / "protocol" / "data" / "social-media-protocol-v1.txt"

_PLACE_START = _words(
    "Ash Bar Bel Brad Bram Brook Burn Cal Chal Chester Clay Cold Crom Dal Dun East Elm Fair Fern Gal Glen Gold Green "
    "Hal Ham Hart Hay High Holm Kings Lang Lea Long Mar Mel Mill Nor Oak Pen Red Ren Rock Ros Rye Salt Sand Shel "
    "Stan Stock Stone Sud Sut Thorn Wal West Whit Wick Wil Win Wood"
)
_PLACE_END = _words(
    "bury by caster cliffe combe cott dale den don field ford gate ham hampton hurst ing leigh ley low mere minster "
    "moor mouth ney over port shaw stead stow thorpe ton wich well wick worth wood"
)
_PLACE_PREFIX = ["", "Great ", "Little ", "Upper ", "Lower ", "North ", "South ", "East ", "West ", "Market "]
_PRINCIPAL_SUFFIX = [" District Council", " Borough Council", " City Council", " County Council", " Council"]
_FIRST_NAMES = _words(
    "Aisha Alan Alice Amir Andrew Angela Anne Anthony Barbara Ben Bernard Beverley Carol Catherine Chris Claire Colin "
    "Daniel David Deborah Dennis Diane Eleanor Emma Fatima Fiona Gareth Gillian Graham Hannah Helen Ian Imran Jack "
    "James Jane Janet Jennifer John Jonathan Joyce Julie Karen Kate Keith Kevin Laura Lesley Linda Liz Louise Malcolm "
    "Margaret Mark Martin Mary Michael Mohammed Nadia Neil Nicola Nigel Pamela Patricia Paul Peter Philip Priya Rachel "
    "Raj Richard Robert Roger Ruth Sally Samira Sandra Sarah Simon Stephen Sue Susan Tariq Terry Tim Tom Valerie "
    "Wendy William Yvonne Zara"
)
_SURNAMES = _words(
    "Abbott Ahmed Ali Allen Armstrong Atkinson Bailey Baker Barker Barnes Bell Bennett Bibi Bird Booth Bradley Brooks "
    "Brown Burton Butler Campbell Carter Chapman Clark Clarke Cole Collins Cook Cooper Cox Davies Davis Dawson Dixon "
    "Edwards Ellis Evans Fisher Fletcher Foster Fox Gibson Graham Gray Green Griffiths Hall Harris Harrison Hill "
    "Holmes Hughes Hunt Hussain Jackson James Jenkins Johnson Jones Kaur Kelly Khan King Knight Lee Lewis Lloyd "
    "Marshall Martin Mason Matthews Miller Mills Mitchell Moore Morgan Morris Murphy Murray Owen Palmer Parker Patel "
    "Pearson Phillips Powell Price Richards Richardson Roberts Robinson Rogers Russell Scott Shaw Simpson Singh Smith "
    "Stevens Stewart Taylor Thomas Thompson Turner Walker Ward Watson White Wilkinson Williams Wilson Wood Wright Young"
)
_GROUPS = [("Conservative", 30), ("Labour", 30), ("Liberal Democrats", 18), ("Green Party", 10), ("Independent", 12)]
_PRINCIPAL_COMMITTEES = [
    ("Planning Committee", True),
    ("Licensing Committee", True),
    ("Standards Committee", False),
    ("Audit and Governance Committee", False),
    ("Overview and Scrutiny Committee", False),
    ("Cabinet", False),
]
# Elections of a principal council (and its parishes): most in May 2023, counties in May 2025,
# London-style cycles in May 2022.
_ELECTIONS = [(date(2023, 5, 4), 60), (date(2025, 5, 1), 25), (date(2022, 5, 5), 15)]

_STAGE_WEIGHTS = [
    (Stage.CLOSED, 64),
    (Stage.WITHDRAWN, 8),
    (Stage.RECEIVED, 3),
    (Stage.ACKNOWLEDGED, 3),
    (Stage.ASSESSMENT, 7),
    (Stage.AWAITING_INFORMATION, 2),
    (Stage.NO_FURTHER_ACTION, 3),
    (Stage.INFORMAL_RESOLUTION, 2),
    (Stage.INVESTIGATION, 4),
    (Stage.HEARING, 2),
    (Stage.DECISION, 2),
]
_DUE_FOR = {
    Stage.RECEIVED: ("Acknowledgement", 5),
    Stage.ACKNOWLEDGED: ("Initial assessment", 20),
    Stage.ASSESSMENT: ("Initial assessment", 20),
    Stage.NO_FURTHER_ACTION: ("Decision notice", 5),
    Stage.INFORMAL_RESOLUTION: ("Informal resolution", 40),
    Stage.INVESTIGATION: ("Investigation report", 90),
    Stage.HEARING: ("Hearing", 40),
    Stage.DECISION: ("Decision notice", 5),
}
_ASSESSED = {
    Stage.NO_FURTHER_ACTION,
    Stage.INFORMAL_RESOLUTION,
    Stage.INVESTIGATION,
    Stage.HEARING,
    Stage.DECISION,
    Stage.CLOSED,
}
_FINDINGS = [
    (Decision.Finding.NO_FURTHER_ACTION, 55),
    (Decision.Finding.INFORMAL_RESOLUTION, 20),
    (Decision.Finding.NO_BREACH, 10),
    (Decision.Finding.BREACH_NO_ACTION, 7),
    (Decision.Finding.BREACH_SANCTIONS, 8),
]
_COMPLAINANT_TYPES = [
    (Complaint.ComplainantType.PUBLIC, 70),
    (Complaint.ComplainantType.COUNCILLOR, 12),
    (Complaint.ComplainantType.OFFICER, 8),
    (Complaint.ComplainantType.MP, 2),
    (Complaint.ComplainantType.OTHER, 8),
]
_PLATFORMS = [("Facebook", 45), ("X (Twitter)", 30), ("Instagram", 8), ("TikTok", 5), ("Nextdoor", 7), ("Blog", 5)]

# (title, topic, rule) for the mandatory courses; the rest are optional.
_MANDATORY_COURSES = [
    ("Code of Conduct essentials", Topic.CODE_OF_CONDUCT, ("all", 6)),
    ("Social media and the protocol", Topic.SOCIAL_MEDIA, ("all", 6)),
    ("Data protection for councillors", Topic.DATA_PROTECTION, ("all", 6)),
    ("Equality and diversity", Topic.OTHER, ("all", 12)),
    ("Safeguarding awareness", Topic.OTHER, ("all", 12)),
    ("Induction: how the council works", Topic.OTHER, ("new", 3)),
    ("Induction: finance and budgets", Topic.OTHER, ("new", 6)),
    ("Planning committee training", Topic.PLANNING, ("committee", "Planning Committee")),
    ("Licensing committee training", Topic.LICENSING, ("committee", "Licensing Committee")),
]
_OTHER_COURSES = [
    ("Chairing meetings", Topic.OTHER),
    ("Media training", Topic.SOCIAL_MEDIA),
    ("Scrutiny skills", Topic.OTHER),
    ("Casework and surgeries", Topic.OTHER),
    ("Personal safety", Topic.OTHER),
    ("Cyber security", Topic.DATA_PROTECTION),
    ("Speed reading planning applications", Topic.PLANNING),
    ("Licensing hearings in practice", Topic.LICENSING),
    ("Treasury management", Topic.OTHER),
    ("Corporate parenting", Topic.OTHER),
    ("Climate literacy", Topic.OTHER),
    ("Public speaking", Topic.OTHER),
    ("Community leadership", Topic.OTHER),
    ("Mental health awareness", Topic.OTHER),
    ("Online abuse: staying safe", Topic.SOCIAL_MEDIA),
]


def _weighted(pairs: Sequence[tuple]) -> tuple[list, list]:
    """``pairs`` of (value, weight) as the values and weights ``rng.choices`` takes."""
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- Loading ----------------------------------------------------------------------------------------


class Loader:
    """Appends rows to tables: COPY on PostgreSQL, executemany in one transaction on SQLite.

    Use as a context manager around the whole load; ``insert`` may be called several times per
    table (in chunks). Primary keys are given by the caller; sequences are moved past them at the end.
    """

    def __init__(self, models: Sequence) -> None:
        self.models = list(models)
        self.vendor = connection.vendor
        self.counts: Counter[str] = Counter()
        self._dropped: list[tuple[str, str, str]] = []
        self._atomic = None
        if self.vendor == "postgresql":
            self.ts = lambda dt: f"{dt.isoformat(' ')}+00"
        else:
            self.ts = lambda dt: dt.isoformat(" ")

    def __enter__(self) -> Loader:
        connection.ensure_connection()
        if self.vendor == "postgresql":
            self._drop_foreign_keys()
        else:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.vendor == "postgresql":
            if exc_type is None:
                self._restore_foreign_keys()
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                        cursor.execute(sql)
                    for model in self.models:
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            self._atomic.__exit__(exc_type, exc, tb)

    def insert(self, model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
        meta = model._meta
        provided = set(fields)
        missing = [f.attname for f in meta.concrete_fields if not f.null and f.attname not in provided]
        if missing:
            raise RuntimeError(f"bench/national_data.py gives {meta.label} no value for {missing}: add them.")
        table = connection.ops.quote_name(meta.db_table)
        columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return 0
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(fields))
            connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        self.counts[meta.db_table] += len(rows)
        return len(rows)

    def _tables(self) -> list[str]:
        return [model._meta.db_table for model in self.models]

    def _drop_foreign_keys(self) -> None:
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # Rows written earlier in this transaction (a test's) have their foreign keys checked
                # at commit, and PostgreSQL will not alter a table with such checks pending: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [[connection.ops.quote_name(t) for t in self._tables()] + self._tables()],
            )
            self._dropped = cursor.fetchall()
            for table, name, _definition in self._dropped:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")

    def _restore_foreign_keys(self) -> None:
        with connection.cursor() as cursor:
            for table, name, definition in self._dropped:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            if connection.in_atomic_block:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._dropped = []


# --- The data set -------------------------------------------------------------------------------------


@dataclass
class Authorities:
    names: dict[int, str] = field(default_factory=dict)
    principal_of: dict[int, int] = field(default_factory=dict)  # parish -> principal; principal -> itself
    election: dict[int, date] = field(default_factory=dict)
    wards: dict[int, list[int]] = field(default_factory=dict)
    groups: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)  # ids, weights


@dataclass
class Councillors:
    # Indexed by councillor id ([0] unused).
    name: list[str] = field(default_factory=list)
    serving: list[bool] = field(default_factory=list)
    first_start: list[date] = field(default_factory=list)
    left_on: list[date | None] = field(default_factory=list)
    serving_by_authority: dict[int, list[int]] = field(default_factory=dict)
    # Per principal authority: its own councillors, and those of its parishes.
    own: dict[int, list[int]] = field(default_factory=dict)
    parish: dict[int, list[int]] = field(default_factory=dict)


class NationalData:
    """Generates and loads the data set; ``load()`` returns the row counts by table."""

    MODELS = (
        Authority,
        WardModel,
        PoliticalGroup,
        User,
        User.groups.through,
        Councillor,
        TermOfOffice,
        Committee,
        CommitteeMembership,
        Acknowledgement,
        Requirement,
        Complaint,
        Complaint.councillors.through,
        Complaint.headings.through,
        Complaint.independent_persons.through,
        Post,
        TimelineEntry,
        Decision,
        Course,
        MandatoryRule,
        Session,
        Booking,
        TrainingRecord,
    )

    def __init__(self, progress=print) -> None:
        self.rng = random.Random(SEED)
        self.progress = progress
        aware_now = timezone.now().replace(microsecond=0)
        self.now = aware_now.astimezone(UTC).replace(tzinfo=None)  # naive UTC, as stored
        self.today = timezone.localdate(aware_now)
        self.auth = Authorities()
        self.cllr = Councillors()
        self.next_user = 1
        self.ip_users: dict[int, int] = {}

    def _step(self, what: str, started: float) -> None:
        self.progress(f"  {what} ({time.perf_counter() - started:.1f}s)")

    def load(self) -> Counter[str]:
        started = time.perf_counter()
        versions = self._publish_versions()
        self._step(f"published {len(versions)} protocol versions", started)
        with Loader(self.MODELS) as loader:
            self.loader = loader
            self.ts = loader.ts
            self._authorities()
            self._step(f"{AUTHORITIES:,} authorities with wards and groups", started)
            self._councillors()
            self._step(f"{COUNCILLORS:,} councillors with terms, accounts and committees", started)
            self._acknowledgements(versions)
            self._step(f"{loader.counts['protocol_acknowledgement']:,} acknowledgements and requirements", started)
            self._complaints()
            self._step(f"{COMPLAINTS:,} complaints with their cases", started)
            self._training()
            self._step(f"{SESSIONS:,} training sessions with bookings and records", started)
        self._step("committed" if connection.vendor == "sqlite" else "foreign keys checked, analysed", started)
        return loader.counts

    # --- Who's who ---

    def _authorities(self) -> None:
        rng = self.rng
        places = [f"{p}{a}{b}" for p in _PLACE_PREFIX for a in _PLACE_START for b in _PLACE_END]
        rng.shuffle(places)
        rows, wards, groups = [], [], []
        ward_id = group_id = 0
        elections, weights = _weighted(_ELECTIONS)
        group_names, group_weights = _weighted(_GROUPS)
        for aid in range(1, AUTHORITIES + 1):
            place = places[aid - 1]
            if aid <= PRINCIPALS:
                name, kind, principal = place + _PRINCIPAL_SUFFIX[aid % len(_PRINCIPAL_SUFFIX)], "principal", None
                self.auth.principal_of[aid] = aid
                self.auth.election[aid] = rng.choices(elections, weights)[0]
                clerk_name = clerk_email = ""
            else:
                principal = (aid - PRINCIPALS - 1) % PRINCIPALS + 1
                kind = "town" if rng.random() < 0.2 else "parish"
                name = f"{place} {'Town' if kind == 'town' else 'Parish'} Council"
                self.auth.principal_of[aid] = principal
                self.auth.election[aid] = self.auth.election[principal]
                clerk_name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"
                clerk_email = f"clerk@{slugify(place)}-{kind}.example"
            self.auth.names[aid] = name
            rows.append((aid, name, slugify(name), kind, "england", principal, clerk_name, clerk_email, ""))
            # Principal councils: 20 wards and the five groups; parishes: two wards, independents
            # and sometimes a residents' association.
            if kind == "principal":
                ward_names = rng.sample([f"{a}{b}" for a in _PLACE_START[:20] for b in _PLACE_END[:12]], 20)
                names = list(zip(group_names, group_weights, strict=True))
            else:
                ward_names = ["North", "South"]
                names = [("Independent", 80)] + ([("Residents' Association", 20)] if rng.random() < 0.2 else [])
            self.auth.wards[aid] = []
            for ward in ward_names:
                ward_id += 1
                wards.append((ward_id, aid, f"{ward} Ward"))
                self.auth.wards[aid].append(ward_id)
            ids, weights_ = [], []
            for group, weight in names:
                group_id += 1
                groups.append((group_id, aid, group))
                ids.append(group_id)
                weights_.append(weight)
            self.auth.groups[aid] = (ids, weights_)
        fields = ["id", "name", "slug", "kind", "nation", "principal_id", "clerk_name", "clerk_email", "moderngov_url"]
        self.loader.insert(Authority, fields, rows)
        self.loader.insert(WardModel, ["id", "authority_id", "name"], wards)
        self.loader.insert(PoliticalGroup, ["id", "authority_id", "name"], groups)

    def _councillors(self) -> None:
        rng, c, ts = self.rng, self.cllr, self.ts
        # Principal councils have 50 councillors each; the other 80,000 sit on the 9,600 parishes.
        per_authority = dict.fromkeys(range(1, PRINCIPALS + 1), COUNCILLORS_PER_PRINCIPAL)
        parish_total = COUNCILLORS - PRINCIPALS * COUNCILLORS_PER_PRINCIPAL
        parishes = AUTHORITIES - PRINCIPALS
        for i, aid in enumerate(range(PRINCIPALS + 1, AUTHORITIES + 1)):
            per_authority[aid] = parish_total // parishes + (1 if i < parish_total % parishes else 0)
        for column in (c.name, c.serving, c.first_start, c.left_on):
            column.append(None)
        councillors, terms, users, user_groups = [], [], [], []
        councillor_group = Group.objects.get(name=Role.COUNCILLOR).pk
        created = ts(self.now - timedelta(days=400))
        cid = term_id = 0
        for aid, count in per_authority.items():
            election = self.auth.election[aid]
            previous = election.replace(year=election.year - 4)
            wards = self.auth.wards[aid]
            group_ids, group_weights = self.auth.groups[aid]
            principal = self.auth.principal_of[aid]
            c.own.setdefault(principal, [])
            c.parish.setdefault(principal, [])
            for _ in range(count):
                cid += 1
                name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"
                serving = rng.random() < 0.85
                if serving:
                    # Most won at the last election; some at a by-election since; 45% were re-elected.
                    start = election if rng.random() < 0.85 else election + timedelta(days=rng.randint(30, 500))
                    start = min(start, self.today - timedelta(days=3))
                    spans = [(previous, election)] if rng.random() < 0.45 and start == election else []
                    spans.append((start, None))
                    left = None
                else:
                    # Former councillors: stood down at the last election, or resigned during the term before.
                    first = previous if rng.random() < 0.6 else previous.replace(year=previous.year - 4)
                    left = election if rng.random() < 0.7 else first + timedelta(days=rng.randint(200, 1400))
                    spans = [(first, left)]
                for start, end in spans:
                    term_id += 1
                    terms.append((term_id, cid, start.isoformat(), end.isoformat() if end else None))
                user_id = None
                if serving and rng.random() < 0.2:
                    user_id = self.next_user
                    self.next_user += 1
                    users.append(self._user_row(user_id, f"cllr{cid}@portal.example", f"Cllr {name}"))
                    user_groups.append((user_id, user_id, councillor_group))
                email = f"cllr{cid}@{slugify(self.auth.names[aid])[:40]}.gov.example"
                ward = rng.choice(wards)
                group = rng.choices(group_ids, group_weights)[0]
                councillors.append((cid, aid, name, ward, group, email, user_id, None, serving, "", created, created))
                c.name.append(name)
                c.serving.append(serving)
                c.first_start.append(spans[0][0])
                c.left_on.append(left)
                if serving:
                    c.serving_by_authority.setdefault(aid, []).append(cid)
                (c.own if aid == principal else c.parish)[principal].append(cid)
        self.loader.insert(User, self._user_fields(), users)
        self.loader.insert(User.groups.through, ["id", "user_id", "group_id"], user_groups)
        fields = [
            "id",
            "authority_id",
            "name",
            "ward_id",
            "political_group_id",
            "email",
            "user_id",
            "member_services_contact_id",
            "is_active",
            "moderngov_id",
            "created_at",
            "updated_at",
        ]
        self.loader.insert(Councillor, fields, councillors)
        self.loader.insert(TermOfOffice, ["id", "councillor_id", "start_date", "end_date"], terms)
        self._committees()

    def _user_fields(self) -> list[str]:
        return [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "email",
            "full_name",
            "is_active",
            "is_staff",
            "authority_id",
            "date_joined",
        ]

    def _user_row(self, user_id: int, email: str, full_name: str, authority: int | None = None) -> tuple:
        # "!" starts an unusable password, as set_unusable_password() writes.
        joined = self.ts(self.now - timedelta(days=300))
        return (user_id, f"!bench{user_id}", None, False, email, full_name, True, False, authority, joined)

    def _committees(self) -> None:
        rng = self.rng
        committees, memberships = [], []
        self.committees_by_name: dict[str, list[int]] = {}
        committee_id = membership_id = 0
        positions = ["chair", "vice_chair"] + ["member"] * 8 + ["substitute"]
        for aid in range(1, AUTHORITIES + 1):
            serving = self.cllr.serving_by_authority.get(aid, [])
            if aid <= PRINCIPALS:
                chosen = _PRINCIPAL_COMMITTEES
            elif rng.random() < 0.5:
                chosen = [("Planning and Highways Committee", False)]
            else:
                continue
            for name, regulatory in chosen:
                committee_id += 1
                committees.append((committee_id, aid, name, regulatory))
                self.committees_by_name.setdefault(name, []).append(committee_id)
                members = rng.sample(serving, min(len(serving), 11 if aid <= PRINCIPALS else 5))
                for member, position in zip(members, positions, strict=False):
                    membership_id += 1
                    memberships.append((membership_id, committee_id, member, position))
        self.loader.insert(Committee, ["id", "authority_id", "name", "is_regulatory"], committees)
        self.loader.insert(CommitteeMembership, ["id", "committee_id", "councillor_id", "position"], memberships)

    # --- The protocol ---

    def _publish_versions(self) -> list[Version]:
        """The versions through the services (no councillors exist yet, so no requirements), each
        published on its date: every VERSION_INTERVAL_DAYS, the last VERSION_IN_FORCE_DAYS ago."""
        aware_now = timezone.now()
        first = protocol_services.import_version(actor=None, parsed=parse_protocol(PROTOCOL_TEXT.read_text()))
        oldest = VERSION_IN_FORCE_DAYS + VERSION_INTERVAL_DAYS * (VERSIONS - 1)
        versions = [protocol_services.publish_version(actor=None, version=first, now=aware_now - timedelta(oldest))]
        for n in range(1, VERSIONS):
            draft = protocol_services.start_draft(actor=None, protocol=first.protocol)
            protocol_services.update_draft(
                actor=None, version=draft, change_summary=f"Revision {n}: updated guidance.", change_kind="material"
            )
            section = draft.sections.order_by("order").first()
            protocol_services.save_section(
                actor=None,
                version=draft,
                title=section.title,
                body=f"{section.body}\n\nRevised ({n}).",
                section=section,
            )
            published = aware_now - timedelta(days=oldest - n * VERSION_INTERVAL_DAYS)
            versions.append(protocol_services.publish_version(actor=None, version=draft, now=published))
        return versions

    def _acknowledgements(self, versions: list[Version]) -> None:
        """Each councillor must acknowledge the version in force when they started and every version
        published while they served. Nearly all did (3 in 4 so far for the version in force), mostly
        within the month; the surplus over 1,000,000 is taken off older versions at random."""
        rng, c, ts = self.rng, self.cllr, self.ts
        published = [(v.pk, v.published_at.astimezone(UTC).replace(tzinfo=None), v.content_hash) for v in versions]
        in_force = published[-1][0]
        # Candidates first (councillor, version index, acknowledged?), so the total can be set exactly.
        candidates: list[tuple[int, int]] = []
        unacknowledged: set[tuple[int, int]] = set()
        for cid in range(1, COUNCILLORS + 1):
            start = datetime.combine(c.first_start[cid], datetime.min.time()) + timedelta(hours=18)
            end = datetime.combine(c.left_on[cid], datetime.min.time()) if c.left_on[cid] else self.now
            for index, (vid, at, _hash) in enumerate(published):
                following = published[index + 1][1] if index + 1 < len(published) else None
                if at >= end or (following is not None and following <= start):
                    continue  # published after they left, or replaced before they started
                candidates.append((cid, index))
                if rng.random() > (0.75 if vid == in_force else 0.97):
                    unacknowledged.add((cid, index))
        acknowledged = [pair for pair in candidates if pair not in unacknowledged]
        surplus = len(acknowledged) - ACKNOWLEDGEMENTS
        if surplus > 0:
            older = [i for i, (_cid, index) in enumerate(acknowledged) if published[index][0] != in_force]
            for i in rng.sample(older, surplus):
                unacknowledged.add(acknowledged[i])
        ack_rows, requirement_rows = [], []
        ack_id = 0
        extension = self.today + timedelta(days=14)
        for requirement_id, (cid, index) in enumerate(candidates, start=1):
            vid, at, content_hash = published[index]
            start = datetime.combine(c.first_start[cid], datetime.min.time()) + timedelta(hours=18)
            required_from = max(at, start)
            due = (required_from + timedelta(days=ACKNOWLEDGE_WITHIN_DAYS)).date()
            met_at = ack = None
            if (cid, index) not in unacknowledged:
                ack_id += 1
                ack = ack_id
                acknowledged_at = min(required_from + timedelta(hours=rng.expovariate(1 / 150)), self.now)
                met_at = ts(acknowledged_at)
                paper = rng.random() < 0.08
                ack_rows.append(
                    (ack_id, cid, vid, content_hash, met_at, "paper" if paper else "self", c.name[cid], None)
                )
            elif vid == in_force and due < self.today and rng.random() < 0.4:
                due = extension  # Member Services agreed more time
            requirement_rows.append((requirement_id, cid, vid, due.isoformat(), met_at, ack, ts(required_from)))
            if len(requirement_rows) >= CHUNK * 5:
                self._flush_acknowledgements(ack_rows, requirement_rows)
                ack_rows, requirement_rows = [], []
        self._flush_acknowledgements(ack_rows, requirement_rows)

    def _flush_acknowledgements(self, acks: list, requirements: list) -> None:
        self.loader.insert(
            Acknowledgement,
            [
                "id",
                "councillor_id",
                "version_id",
                "content_hash",
                "acknowledged_at",
                "method",
                "typed_name",
                "recorded_by_id",
            ],
            acks,
        )
        self.loader.insert(
            Requirement,
            ["id", "councillor_id", "version_id", "due_date", "met_at", "acknowledgement_id", "created_at"],
            requirements,
        )

    # --- Complaints ---

    def _complaints(self) -> None:
        rng, c, ts = self.rng, self.cllr, self.ts
        # One Independent Person per principal authority.
        ip_group = Group.objects.get(name=Role.INDEPENDENT_PERSON).pk
        ip_users, ip_groups = [], []
        for aid in range(1, PRINCIPALS + 1):
            uid = self.next_user
            self.next_user += 1
            ip_users.append(self._user_row(uid, f"ip{aid}@bench.example", f"Independent Person {aid}", authority=aid))
            ip_groups.append((uid, uid, ip_group))
            self.ip_users[aid] = uid
        self.loader.insert(User, self._user_fields(), ip_users)
        # Each user is in one group, so the membership takes the user's id.
        self.loader.insert(User.groups.through, ["id", "user_id", "group_id"], ip_groups)
        headings = list(CodeHeading.objects.values_list("pk", flat=True))
        stages, stage_weights = _weighted(_STAGE_WEIGHTS)
        findings, finding_weights = _weighted(_FINDINGS)
        types, type_weights = _weighted(_COMPLAINANT_TYPES)
        platforms, platform_weights = _weighted(_PLATFORMS)
        # Some councils have far more complaints than others.
        busy = [rng.paretovariate(1.5) for _ in range(PRINCIPALS)]
        principals = rng.choices(range(1, PRINCIPALS + 1), busy, k=COMPLAINTS)
        ids = _Ids()
        batch: dict[str, list] = {}
        for i in range(1, COMPLAINTS + 1):
            stage = rng.choices(stages, stage_weights)[0]
            finished = stage in (Stage.CLOSED, Stage.WITHDRAWN)
            # Open cases are recent; finished ones spread over three years.
            age = rng.uniform(1, 3 * 365) if finished else rng.triangular(1, 300, 20)
            received = self.now - timedelta(days=age)
            received = received.replace(second=0, minute=rng.randrange(60), hour=rng.randint(7, 21))
            received = min(received, self.now - timedelta(hours=1))
            principal = principals[i - 1]
            pool = c.own[principal] if rng.random() < 0.5 or not c.parish[principal] else c.parish[principal]
            about = [rng.choice(pool)]
            if rng.random() < 0.08:
                other = rng.choice(pool)
                if other != about[0]:
                    about.append(other)
            acknowledged = received + timedelta(days=rng.randint(0, 9)) if stage != Stage.RECEIVED else None
            assessed = received + timedelta(days=rng.randint(10, 40)) if stage in _ASSESSED else None
            closed = received + timedelta(days=rng.randint(20, 240)) if finished else None
            finding = None
            if stage == Stage.DECISION or (stage == Stage.CLOSED and rng.random() < 0.93):
                finding = rng.choices(findings, finding_weights)[0]
            decided = (assessed or received) + timedelta(days=rng.randint(1, 120)) if finding else None
            if decided and closed and decided > closed:
                decided = closed
            due_for, due = "", None
            if stage in _DUE_FOR:
                due_for, within = _DUE_FOR[stage]
                due = (self.today + timedelta(days=rng.randint(-15, within * 7 // 5))).isoformat()
            notified = acknowledged + timedelta(days=2) if acknowledged and stage != Stage.WITHDRAWN else None
            batch.setdefault("complaints", []).append(
                (
                    i,
                    f"CC-{received:%Y}-{i:06d}",
                    principal,
                    stage,
                    Stage.ASSESSMENT if stage == Stage.AWAITING_INFORMATION else "",
                    f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}",
                    f"complainant{i}@bench.example",
                    "",
                    "",
                    rng.choices(types, type_weights)[0],
                    ts(received),
                    "yes" if rng.random() < 0.8 else "unsure",
                    "It was posted on the councillor's official page.",
                    rng.random() < 0.06,
                    "An apology and training.",
                    rng.random() < 0.05,
                    "",
                    ts(received),
                    ts(received),
                    ts(acknowledged) if acknowledged else None,
                    ts(assessed) if assessed else None,
                    ts(decided) if decided else None,
                    ts(closed) if closed else None,
                    self.today.isoformat() if stage == Stage.AWAITING_INFORMATION else None,
                    0,
                    due,
                    due_for,
                    ts(notified) if notified else None,
                    False,
                )
            )
            for councillor in about:
                batch.setdefault("councillors", []).append((ids.next("cc"), i, councillor))
            for heading in rng.sample(headings, 1 if rng.random() < 0.7 else 2) if headings else []:
                batch.setdefault("headings", []).append((ids.next("ch"), i, heading))
            if assessed and rng.random() < 0.6:
                batch.setdefault("ips", []).append((ids.next("ip"), i, self.ip_users[principal]))
            platform = rng.choices(platforms, platform_weights)[0]
            batch.setdefault("posts", []).append(
                (
                    ids.next("post"),
                    i,
                    platform,
                    f"https://social.example/{platform.lower().split()[0]}/{i}",
                    ts(received - timedelta(days=rng.randint(0, 20))),
                    "A post about a planning decision that named a council officer.",
                )
            )
            timeline = batch.setdefault("timeline", [])
            timeline.append((ids.next("tl"), i, ts(received), "transition", "", Stage.RECEIVED, "Received", True, True))
            if acknowledged:
                timeline.append(
                    (
                        ids.next("tl"),
                        i,
                        ts(acknowledged),
                        "transition",
                        Stage.RECEIVED,
                        Stage.ACKNOWLEDGED,
                        "Acknowledged",
                        True,
                        False,
                    )
                )
                timeline.append((ids.next("tl"), i, ts(acknowledged), "note", "", "", "Internal note", False, False))
            if assessed:
                to = stage if stage not in (Stage.CLOSED, Stage.DECISION) else Stage.NO_FURTHER_ACTION
                timeline.append(
                    (ids.next("tl"), i, ts(assessed), "transition", Stage.ASSESSMENT, to, "Assessed", True, True)
                )
            if closed:
                timeline.append((ids.next("tl"), i, ts(closed), "transition", "", stage, "Closed", True, True))
            if finding:
                sanctions = '["censure", "training"]' if finding == Decision.Finding.BREACH_SANCTIONS else "[]"
                batch.setdefault("decisions", []).append(
                    (
                        ids.next("d"),
                        i,
                        finding,
                        "Findings of fact.",
                        "Reasons.",
                        sanctions,
                        "",
                        ts(decided),
                        ts(decided),
                    )
                )
            if i % CHUNK == 0 or i == COMPLAINTS:
                self._flush_complaints(batch)
                batch = {}

    def _flush_complaints(self, batch: dict[str, list]) -> None:
        insert = self.loader.insert
        insert(
            Complaint,
            [
                "id",
                "reference",
                "principal_authority_id",
                "stage",
                "resume_stage",
                "complainant_name",
                "complainant_email",
                "complainant_phone",
                "complainant_address",
                "complainant_type",
                "email_confirmed_at",
                "acting_as_councillor",
                "acting_reasons",
                "planning_or_licensing",
                "outcome_sought",
                "confidentiality_requested",
                "confidentiality_reasons",
                "created_at",
                "received_at",
                "acknowledged_at",
                "assessed_at",
                "decided_at",
                "closed_at",
                "paused_since",
                "paused_working_days",
                "due_date",
                "due_for",
                "councillor_notified_at",
                "legal_hold",
            ],
            batch.get("complaints", []),
        )
        insert(Complaint.councillors.through, ["id", "complaint_id", "councillor_id"], batch.get("councillors", []))
        insert(Complaint.headings.through, ["id", "complaint_id", "codeheading_id"], batch.get("headings", []))
        insert(Complaint.independent_persons.through, ["id", "complaint_id", "user_id"], batch.get("ips", []))
        insert(Post, ["id", "complaint_id", "platform", "url", "posted_at", "content"], batch.get("posts", []))
        insert(
            TimelineEntry,
            [
                "id",
                "complaint_id",
                "at",
                "kind",
                "from_stage",
                "to_stage",
                "summary",
                "visible_to_complainant",
                "visible_to_councillor",
                "text",
            ],
            [(*row, "") for row in batch.get("timeline", [])],
        )
        insert(
            Decision,
            [
                "id",
                "complaint_id",
                "finding",
                "findings",
                "reasons",
                "sanctions",
                "ip_view_summary",
                "decided_at",
                "notice_sent_at",
            ],
            batch.get("decisions", []),
        )

    # --- Training ---

    def _training(self) -> None:
        rng, c, ts = self.rng, self.cllr, self.ts
        created = ts(self.now - timedelta(days=1200))
        courses, rules = [], []
        course_id = rule_id = 0
        mandatory_ids = []
        for title, topic, (kind, detail) in _MANDATORY_COURSES:
            course_id += 1
            mandatory_ids.append(course_id)
            courses.append((course_id, title, f"{title}.", topic, True, created))
            if kind == "committee":
                for committee in self.committees_by_name[detail]:
                    rule_id += 1
                    rules.append((rule_id, course_id, "committee", None, committee))
            else:
                rule_id += 1
                rules.append((rule_id, course_id, kind, detail, None))
        for title, topic in _OTHER_COURSES:
            course_id += 1
            courses.append((course_id, title, f"{title}.", topic, True, created))
        self.loader.insert(Course, ["id", "title", "description", "topic", "is_active", "created_at"], courses)
        self.loader.insert(MandatoryRule, ["id", "course_id", "kind", "within_months", "committee_id"], rules)

        serving = [cid for cid in range(1, COUNCILLORS + 1) if c.serving[cid]]
        everyone = range(1, COUNCILLORS + 1)
        course_weights = [6] * len(mandatory_ids) + [1] * len(_OTHER_COURSES)
        course_titles = {row[0]: row[1] for row in courses}
        sessions, bookings, records = [], [], []
        booking_id = record_id = 0
        trainers = [f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}" for _ in range(60)]
        for sid in range(1, SESSIONS + 1):
            course = rng.choices(range(1, course_id + 1), course_weights)[0]
            upcoming = rng.random() < 0.15
            days = rng.uniform(1, 180) if upcoming else -rng.uniform(1, 3 * 365)
            starts = (self.now + timedelta(days=days)).replace(minute=0, second=0, hour=rng.choice([10, 14, 18]))
            capacity = rng.choice([12, 16, 20, 25, 30, 40])
            cancelled = rng.random() < 0.04
            online = rng.random() < 0.5
            sessions.append(
                (
                    sid,
                    course,
                    ts(starts),
                    rng.choice([90, 120, 180]),
                    "" if online else "Council Chamber, Town Hall",
                    "https://meet.example/training" if online else "",
                    rng.choice(trainers),
                    capacity,
                    None,
                    "cancelled" if cancelled else "scheduled",
                    0,
                    created,
                )
            )
            if cancelled:
                continue
            wanted = rng.randint(0, capacity + 4) if upcoming else rng.randint(3, min(capacity, 14))
            requested = starts - timedelta(days=rng.randint(10, 40))
            for n, councillor in enumerate(rng.sample(serving if upcoming else everyone, wanted)):
                booking_id += 1
                at = ts(requested + timedelta(hours=n))
                if upcoming:
                    status = "booked" if n < capacity else "waiting"
                    bookings.append((booking_id, sid, councillor, status, at, None, None, None, "", ""))
                    continue
                attended = rng.random() < 0.88
                bookings.append(
                    (
                        booking_id,
                        sid,
                        councillor,
                        "booked",
                        at,
                        None,
                        None,
                        None,
                        "attended" if attended else "absent",
                        "",
                    )
                )
                if attended:
                    record_id += 1
                    records.append(
                        (
                            record_id,
                            councillor,
                            course,
                            course_titles[course],
                            starts.date().isoformat(),
                            "session",
                            sid,
                        )
                    )
        # Training done elsewhere (an LGA course, a previous council), entered by Member Services:
        # mostly the courses every councillor needs, so about half of those are complete.
        for _ in range(MANUAL_RECORDS):
            record_id += 1
            course = rng.choice(mandatory_ids[:5] if rng.random() < 0.8 else mandatory_ids)
            completed = (self.now - timedelta(days=rng.uniform(30, 1500))).date().isoformat()
            records.append((record_id, rng.choice(serving), course, course_titles[course], completed, "manual", None))
        self.loader.insert(
            Session,
            [
                "id",
                "course_id",
                "starts_at",
                "duration_minutes",
                "venue",
                "online_url",
                "trainer",
                "capacity",
                "booking_closes_at",
                "status",
                "sequence",
                "updated_at",
            ],
            sessions,
        )
        self.loader.insert(
            Booking,
            [
                "id",
                "session_id",
                "councillor_id",
                "status",
                "requested_at",
                "booked_by_id",
                "promoted_at",
                "cancelled_at",
                "attendance",
                "absence_reason",
            ],
            bookings,
        )
        recorded = ts(self.now - timedelta(days=1))
        self.loader.insert(
            TrainingRecord,
            [
                "id",
                "councillor_id",
                "course_id",
                "title",
                "completed_on",
                "source",
                "session_id",
                "provider",
                "evidence_name",
                "evidence_stored_name",
                "notes",
                "recorded_at",
            ],
            [(*row, "", "", "", "", recorded) for row in records],
        )


class _Ids:
    """Running primary keys, one counter per table."""

    def __init__(self) -> None:
        self._last: Counter[str] = Counter()

    def next(self, key: str) -> int:
        self._last[key] += 1
        return self._last[key]
