"""Demo complaints for `make run`, so the Monitoring Officer's queue has work in it.
Safe to run twice: each demo complaint is keyed by its complainant's address."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints import services
from complaints.models import CodeHeading, Complaint, LegalConcern
from council.models import Councillor, User
from council.roles import Role

DEMO = [
    # (complainant, email, councillor index, headings, actions to take, post text)
    (
        "Priya Natarajan",
        "demo-complainant-1@example.com",
        0,
        [1, 5],
        [],
        "Posted that residents objecting to the cycle lane are 'idiots who should move away'.",
    ),
    (
        "Tom Whitfield",
        "demo-complainant-2@example.com",
        3,
        [2],
        ["acknowledge"],
        "Shared a meme mocking a named council officer's appearance.",
    ),
    (
        "Grace Okafor",
        "demo-complainant-3@example.com",
        7,
        [4],
        ["acknowledge", "start_assessment"],
        "Posted details of a confidential planning report before the committee met.",
    ),
    (
        "Hugh Llewellyn",
        "demo-complainant-4@example.com",
        40,
        [5, 6],
        ["acknowledge", "start_assessment", "refer_for_investigation"],
        "A parish councillor used the council logo on campaign posts during the pre-election period.",
    ),
]


class Command(BaseCommand):
    help = "Create a few demo complaints at different stages (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo complaints are for development only.")
        councillors = list(Councillor.objects.filter(is_active=True).order_by("pk"))
        mo = User.objects.filter(groups__name=Role.MONITORING_OFFICER, email__endswith="@demo.council.example").first()
        ip = User.objects.filter(groups__name=Role.INDEPENDENT_PERSON, email__endswith="@demo.council.example").first()
        if not councillors or mo is None:
            self.stdout.write("No demo councillors or Monitoring Officer yet; no demo complaints made.")
            return
        created = 0
        for name, email, index, headings, actions, text in DEMO:
            if Complaint.objects.filter(complainant_email=email).exists():
                continue
            councillor = councillors[min(index, len(councillors) - 1)]
            complaint, _ = services.save_draft(
                data=services.ComplaintData(
                    complainant_name=name,
                    complainant_email=email,
                    complainant_type=Complaint.ComplainantType.PUBLIC,
                    councillors=[councillor],
                    acting_as_councillor=Complaint.ActingAsCouncillor.YES,
                    acting_reasons="The account describes them as a councillor.",
                    outcome_sought="An apology and training.",
                    posts=[
                        services.PostData(
                            platform="Facebook",
                            content=text,
                            url="https://www.facebook.com/example/posts/1",
                            posted_at=timezone.now() - timedelta(days=10),
                        )
                    ],
                    headings=list(CodeHeading.objects.filter(number__in=headings)),
                    legal_concerns=list(LegalConcern.objects.order_by("order")[:1]),
                )
            )
            services.confirm_email(complaint=complaint)
            services.submit(complaint=complaint)
            for action in actions:
                services.transition(actor=mo, complaint=complaint, action=action, reason="Demo: reviewed the evidence.")
            if ip is not None and "start_assessment" in actions:
                services.assign_independent_person(actor=mo, complaint=complaint, person=ip)
            created += 1
        self.stdout.write(f"Demo complaints: {created} created.")
