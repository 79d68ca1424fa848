"""Demo training for `make run`: three courses with mandatory rules, upcoming sessions
and a few bookings. Safe to run twice: courses are keyed by title."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from council.models import Committee, Councillor, User
from council.roles import Role
from council.services import DomainError
from training import course_services, services
from training.models import Course, MandatoryRule, Topic

COURSES = [
    ("Social media for councillors", Topic.SOCIAL_MEDIA, "all", None, 12),
    ("Planning: bias and pre-determination", Topic.PLANNING, "committee", "Planning Committee", 20),
    ("Licensing committee training", Topic.LICENSING, "committee", "Licensing Committee", 15),
]


class Command(BaseCommand):
    help = "Create demo courses, sessions and bookings (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo training is for development only.")
        actor = User.objects.filter(groups__name=Role.MEMBER_SERVICES).order_by("pk").first()
        councillors = list(Councillor.objects.filter(is_active=True).order_by("pk")[:12])
        if actor is None or not councillors:
            self.stdout.write("No demo Member Services account or councillors yet; no demo training made.")
            return
        created = 0
        for index, (title, topic, kind, committee_name, capacity) in enumerate(COURSES):
            if Course.objects.filter(title=title).exists():
                continue
            committee = Committee.objects.filter(name=committee_name).first() if committee_name else None
            if kind == "committee" and committee is None:
                continue
            rule = course_services.RuleSpec(
                kind=MandatoryRule.Kind.ALL_COUNCILLORS if kind == "all" else MandatoryRule.Kind.COMMITTEE_MEMBERS,
                within_months=6 if kind == "all" else None,
                committee=committee,
            )
            course = course_services.create_course(actor=actor, title=title, topic=topic, rules=[rule])
            day = timezone.localdate() + timedelta(days=10 + 7 * index)
            starts_at = timezone.make_aware(datetime.combine(day, time(18, 30)))
            session = course_services.create_session(
                actor=actor,
                course=course,
                starts_at=starts_at,
                duration_minutes=120,
                venue="Committee Room 1, Town Hall",
                trainer="Committee and Member Services",
                capacity=capacity,
                booking_closes_at=starts_at - timedelta(days=1),
            )
            for councillor in councillors[index * 3 : index * 3 + 4]:
                try:
                    services.book(actor=actor, session=session, councillor=councillor, on_behalf=True)
                except DomainError:
                    continue
            created += 1
        self.stdout.write(f"Demo training: {created} courses created.")
