"""Demonstration data: a city council, four parish and town councils, about 48
invented councillors, committees, and one account for each role.

Everything is keyed on natural keys and written only when it differs, so a
second run changes nothing (no duplicate rows, no new history records)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils.text import slugify

from council.audit import log_action
from council.models import (
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)
from council.roles import Role

# Published on purpose in README and demo_logins; load_demo refuses to run in production.
DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.council.example"
TERM_START = date(2024, 5, 2)
TERM_END = date(2028, 5, 4)

# (role, email, full name). The councillor account takes the name of the
# councillor it is linked to (the first city councillor).
DEMO_ACCOUNTS: list[tuple[Role, str, str]] = [
    (Role.COUNCILLOR, f"councillor@{DEMO_DOMAIN}", ""),
    (Role.MONITORING_OFFICER, f"mo@{DEMO_DOMAIN}", "Morgan Oakley"),
    (Role.DEPUTY_MONITORING_OFFICER, f"deputy-mo@{DEMO_DOMAIN}", "Delyth Mortimer"),
    (Role.INDEPENDENT_PERSON, f"ip@{DEMO_DOMAIN}", "Iris Penhaligon"),
    (Role.MEMBER_SERVICES, f"member-services@{DEMO_DOMAIN}", "Megan Sutcliffe"),
    (Role.COMMUNICATIONS, f"comms@{DEMO_DOMAIN}", "Colin Marsden"),
    (Role.REPORT_VIEWER, f"reports@{DEMO_DOMAIN}", "Rita Vaughan"),
    (Role.ADMINISTRATOR, f"admin@{DEMO_DOMAIN}", "Adam Ingleby"),
]

CITY_WARDS = [
    "Castle",
    "Riverside",
    "St Clement's",
    "Abbey Meadows",
    "Market Cross",
    "Northgate",
    "Southfield",
    "Westmead",
    "Eastbrook",
    "Kingsmere",
    "Priory",
    "Mill Lane",
    "Friars Green",
    "Harcourt",
    "Beacon Hill",
    "Chapel End",
]
# Multi-member wards: the first four elect three councillors, the rest two (36 in all).
CITY_SEATS = [3] * 4 + [2] * 12
CITY_GROUPS = ["Labour", "Conservative", "Liberal Democrat", "Green", "Independent"]
# Deterministic political balance, repeated over the 36 seats: Labour 15, Lib Dem 9, Green 6, Con 3, Ind 3.
GROUP_PATTERN = [
    "Labour",
    "Liberal Democrat",
    "Labour",
    "Green",
    "Labour",
    "Liberal Democrat",
    "Conservative",
    "Labour",
    "Green",
    "Independent",
    "Labour",
    "Liberal Democrat",
]

# (name, kind, clerk name, email domain, wards); three councillors each, all independent.
PARISHES = [
    (
        "Little Marsham Parish Council",
        Authority.Kind.PARISH,
        "Margaret Holt",
        "littlemarsham-pc",
        ["Church End", "Marsham Green"],
    ),
    ("Hinksey Town Council", Authority.Kind.TOWN, "Steven Okoro", "hinksey-tc", ["Hinksey North", "Hinksey South"]),
    (
        "Upper Wenham Parish Council",
        Authority.Kind.PARISH,
        "Janet Pryce",
        "upperwenham-pc",
        ["Wenham Village", "Mill End"],
    ),
    ("Fenny Ashby Parish Council", Authority.Kind.PARISH, "Robert Danes", "fennyashby-pc", ["Ashby", "Fenny Cross"]),
]
PARISH_SEATS = 3

FIRST_NAMES = [
    "Aisha", "Ben", "Catherine", "Daniel", "Eleanor", "Farhan", "Grace", "Harry",
    "Imogen", "James", "Kiran", "Laura", "Mohammed", "Natalie", "Oliver", "Priya",
    "Quentin", "Rachel", "Samuel", "Tamsin", "Usman", "Victoria", "William", "Yasmin",
    "Zoe", "Adrian", "Bethany", "Callum", "Deborah", "Edward", "Fiona", "Gareth",
    "Hannah", "Ian", "Julia", "Kwame", "Lucy", "Martin", "Nadia", "Owen",
    "Patricia", "Rhys", "Sophie", "Thomas", "Una", "Vikram", "Wendy", "Alistair",
]  # fmt: skip
SURNAMES = [
    "Ashworth", "Bramley", "Chaudhry", "Dawson", "Ellison", "Fairbairn", "Gallagher", "Hollis",
    "Iqbal", "Jennings", "Kowalski", "Lambert", "Marsh", "Nwosu", "O'Connell", "Pemberton",
    "Quinn", "Rahman", "Stainton", "Thornber", "Underwood", "Vance", "Whitcombe", "Yardley",
    "Ziegler", "Appleby", "Brennan", "Carver", "Devlin", "Everett", "Fenwick", "Goddard",
    "Hargreaves", "Ingram", "Jowett", "Kapoor", "Lindqvist", "Mensah", "Norbury", "Okafor",
    "Prentice", "Radcliffe", "Sandhu", "Tolley", "Upton", "Varley", "Winslow", "Adeyemi",
]  # fmt: skip

# (name, regulatory, which of the 36 city councillors sit on it; the first is chair, the second vice-chair)
COMMITTEES = [
    ("Planning Committee", True, range(0, 11)),
    ("Licensing Committee", True, range(11, 23)),
    ("Standards Committee", False, range(3, 36, 7)),
    ("Audit and Governance Committee", False, range(2, 36, 5)),
    ("Overview and Scrutiny Committee", False, range(23, 36)),
]


def _email(name: str, domain: str) -> str:
    first, last = name.split(" ", 1)
    clean = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
    return f"{clean}@{domain}.gov.example"


class Command(BaseCommand):
    help = "Load demonstration data and one demo account per role (development only). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "load_demo creates accounts with a published password, so it refuses to run in production "
                "(DJANGO_ENV=production). Invite real people from the Invitations page instead."
            )
        self.stats: Counter[str] = Counter()
        with transaction.atomic():
            users = self._accounts()
            city = self._upsert(
                Authority,
                {"name": settings.COUNCIL_NAME},
                {"slug": slugify(settings.COUNCIL_NAME), "kind": Authority.Kind.PRINCIPAL, "nation": "england"},
            )
            city_councillors = self._city(city, users)
            self._parishes(city, users)
            self._committees(city, city_councillors)
            self._link_councillor_account(users[Role.COUNCILLOR], city_councillors[0])
            if self.stats["created"] or self.stats["updated"]:
                log_action(actor=None, action="demo.loaded", summary="Loaded demonstration data", **self.stats)
        self._load_protocol()
        for extra in ("load_demo_complaints", "load_demo_training"):
            if extra in get_commands():
                call_command(extra, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {self.stats['created']} created, {self.stats['updated']} updated, "
                f"{self.stats['unchanged']} unchanged. Run `manage.py demo_logins` for the sign-in details."
            )
        )

    def _upsert(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
        """get_or_create, then save only the fields that differ (so history stays quiet on a rerun)."""
        obj, created = model.objects.get_or_create(**lookup, defaults=values)
        if created:
            self.stats["created"] += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            obj.save(update_fields=changed)
        self.stats["updated" if changed else "unchanged"] += 1
        return obj

    def _accounts(self) -> dict[Role, User]:
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        users = {}
        for role, email, full_name in DEMO_ACCOUNTS:
            admin = role == Role.ADMINISTRATOR
            values = {"is_active": True, "is_staff": admin, "is_superuser": admin}
            if full_name:
                values["full_name"] = full_name
            user = self._upsert(User, {"email": email}, values)
            # Reset the password only when it is not already the demo one, so a rerun writes nothing.
            if not user.has_usable_password() or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            user.groups.add(groups[role.value])
            users[role] = user
        return users

    def _city(self, city: Authority, users: dict[Role, User]) -> list[Councillor]:
        groups = {name: self._upsert(PoliticalGroup, {"authority": city, "name": name}, {}) for name in CITY_GROUPS}
        councillors = []
        index = 0
        for ward_name, seats in zip(CITY_WARDS, CITY_SEATS, strict=True):
            ward = self._upsert(Ward, {"authority": city, "name": ward_name}, {})
            for _ in range(seats):
                group = groups[GROUP_PATTERN[index % len(GROUP_PATTERN)]]
                councillors.append(self._councillor(index, city, ward, group, "oxbridge", users))
                index += 1
        return councillors

    def _parishes(self, city: Authority, users: dict[Role, User]) -> None:
        index = sum(CITY_SEATS)
        for name, kind, clerk, domain, ward_names in PARISHES:
            parish = self._upsert(
                Authority,
                {"name": name},
                {
                    "slug": slugify(name),
                    "kind": kind,
                    "nation": "england",
                    "principal": city,
                    "clerk_name": clerk,
                    "clerk_email": f"clerk@{domain}.gov.example",
                },
            )
            independent = self._upsert(PoliticalGroup, {"authority": parish, "name": "Independent"}, {})
            wards = [self._upsert(Ward, {"authority": parish, "name": w}, {}) for w in ward_names]
            for seat in range(PARISH_SEATS):
                self._councillor(index, parish, wards[seat % len(wards)], independent, domain, users)
                index += 1

    def _councillor(
        self, index: int, authority: Authority, ward: Ward, group: PoliticalGroup, domain: str, users: dict[Role, User]
    ) -> Councillor:
        # 7 is coprime with 48, so this pairs every first name with a different surname
        # without the alphabetical lists lining up ("Aisha Ashworth", "Ben Bramley"…).
        name = f"{FIRST_NAMES[index]} {SURNAMES[(index * 7 + 3) % len(SURNAMES)]}"
        councillor = self._upsert(
            Councillor,
            {"authority": authority, "name": name},
            {
                "ward": ward,
                "political_group": group,
                "email": _email(name, domain),
                "is_active": True,
                "member_services_contact": users[Role.MEMBER_SERVICES],
            },
        )
        self._upsert(TermOfOffice, {"councillor": councillor, "start_date": TERM_START}, {"end_date": TERM_END})
        return councillor

    def _committees(self, city: Authority, councillors: list[Councillor]) -> None:
        positions = [CommitteeMembership.Position.CHAIR, CommitteeMembership.Position.VICE_CHAIR]
        for name, regulatory, seats in COMMITTEES:
            committee = self._upsert(Committee, {"authority": city, "name": name}, {"is_regulatory": regulatory})
            for n, index in enumerate(seats):
                position = positions[n] if n < len(positions) else CommitteeMembership.Position.MEMBER
                self._upsert(
                    CommitteeMembership,
                    {"committee": committee, "councillor": councillors[index]},
                    {"position": position},
                )

    def _link_councillor_account(self, user: User, councillor: Councillor) -> None:
        self._upsert(User, {"pk": user.pk}, {"full_name": councillor.name})
        # Another councillor may hold the account from an earlier run with other data: free it first.
        Councillor.objects.filter(user=user).exclude(pk=councillor.pk).update(user=None)
        self._upsert(Councillor, {"pk": councillor.pk}, {"user": user})

    def _load_protocol(self) -> None:
        """The protocol app's importer, once it exists, with the council's current text.
        ``--if-absent`` keeps a rerun from adding a second version."""
        if "import_protocol" not in get_commands():
            return
        candidates = [
            settings.BASE_DIR / "protocol" / "data" / "social-media-protocol-v1.txt",
            settings.BASE_DIR.parent / "shared" / "data" / "social-media-protocol-v1.txt",
        ]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            self.stderr.write("No protocol text found, so no protocol was loaded.")
            return
        try:
            call_command("import_protocol", str(path), "--publish", "--if-absent", stdout=self.stdout)
        except CommandError as exc:
            # The directory is already loaded; a protocol problem should not hide that.
            self.stderr.write(f"The protocol could not be loaded: {exc}")
