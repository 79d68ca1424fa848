"""Code-of-conduct complaints about councillors, worked through the Localism Act
2011 arrangements by the Monitoring Officer of the principal authority."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class CodeHeading(models.Model):
    """A heading of the council's Code of Conduct (data, so a council can adopt its own)."""

    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class LegalConcern(models.Model):
    """A legal risk the social media protocol names (defamation, harassment …)."""

    title = models.CharField(max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    DRAFT = "draft", "Not yet submitted"
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ASSESSMENT = "assessment", "Initial assessment"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    INFORMAL_RESOLUTION = "informal_resolution", "Informal resolution"
    INVESTIGATION = "investigation", "Investigation"
    HEARING = "hearing", "Hearing"
    DECISION = "decision", "Decision made"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STAGES = (
    Stage.RECEIVED,
    Stage.ACKNOWLEDGED,
    Stage.ASSESSMENT,
    Stage.AWAITING_INFORMATION,
    Stage.NO_FURTHER_ACTION,
    Stage.INFORMAL_RESOLUTION,
    Stage.INVESTIGATION,
    Stage.HEARING,
    Stage.DECISION,
)


class ComplaintQuerySet(models.QuerySet):
    def submitted(self):
        return self.exclude(stage=Stage.DRAFT)

    def open(self):
        return self.filter(stage__in=OPEN_STAGES)


class Complaint(models.Model):
    class ComplainantType(models.TextChoices):
        PUBLIC = "public", "Member of the public"
        COUNCILLOR = "councillor", "Councillor"
        OFFICER = "officer", "Council officer"
        MP = "mp", "MP"
        OTHER = "other", "Other"

    class ActingAsCouncillor(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNSURE = "unsure", "Not sure"

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    principal_authority = models.ForeignKey(
        "council.Authority", on_delete=models.PROTECT, related_name="complaints", null=True, blank=True
    )
    stage = models.CharField(max_length=24, choices=Stage.choices, default=Stage.DRAFT, db_index=True)
    # While awaiting information, the stage to return to.
    resume_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)

    # The complainant.
    complainant_name = models.CharField(max_length=200)
    complainant_email = models.EmailField()
    complainant_phone = models.CharField(max_length=40, blank=True)
    complainant_address = models.TextField(blank=True)
    complainant_type = models.CharField(max_length=12, choices=ComplainantType.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    access_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    # What the complaint says.
    councillors = models.ManyToManyField("council.Councillor", related_name="complaints")
    headings = models.ManyToManyField(CodeHeading, blank=True, related_name="complaints")
    legal_concerns = models.ManyToManyField(LegalConcern, blank=True, related_name="complaints")
    acting_as_councillor = models.CharField(max_length=8, choices=ActingAsCouncillor.choices)
    acting_reasons = models.TextField(blank=True)
    planning_or_licensing = models.BooleanField(default=False)
    outcome_sought = models.TextField()
    confidentiality_requested = models.BooleanField(default=False)
    confidentiality_reasons = models.TextField(blank=True)
    confidentiality_granted = models.BooleanField(null=True, blank=True)

    # Dates and the clock.
    created_at = models.DateTimeField(default=timezone.now)
    draft_expires_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateField(null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(default=0)
    # The next statutory deadline (stored so the queue can sort by it with an index).
    due_date = models.DateField(null=True, blank=True)
    due_for = models.CharField(max_length=40, blank=True)
    councillor_notified_at = models.DateTimeField(null=True, blank=True)

    independent_persons = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="ip_complaints")
    legal_hold = models.BooleanField(default=False)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["principal_authority", "stage", "due_date"], name="complaint_queue_idx"),
            # The queue of an officer who serves every authority in the portal.
            models.Index(fields=["stage", "due_date"], name="complaint_queue_all_idx"),
            # The same queue in its own order (overdue first): with this, PostgreSQL reads the first
            # page of open cases straight from the index instead of sorting every open case.
            models.Index(
                fields=["due_date", "received_at", "id"],
                condition=models.Q(stage__in=OPEN_STAGES),
                name="complaint_open_due_idx",
            ),
            models.Index(fields=["stage", "closed_at"], name="complaint_retention_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft complaint {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:case", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_paused(self) -> bool:
        return self.stage == Stage.AWAITING_INFORMATION


class Post(models.Model):
    """One social media post the complaint is about."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="posts")
    platform = models.CharField(max_length=50)
    url = models.URLField("link", max_length=500, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    content = models.TextField("what it said")

    class Meta:
        ordering = ["posted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.platform} post"


class Evidence(models.Model):
    """A file a complainant sent. Stored under a random name outside any public path."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Blank for the complainant's evidence; the officer for a document added to the case file.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name


class TimelineEntry(models.Model):
    """The case history: transitions, notes, letters, views. Written by services only."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", "Stage changed"
        NOTE = "note", "Internal note"
        IP_VIEW = "ip_view", "Independent Person's view"
        LETTER = "letter", "Letter sent"
        EVIDENCE = "evidence", "Evidence added"
        CONFLICT = "conflict", "Conflict recorded"
        OTHER = "other", "Other"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    summary = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    # What the parties may see: the complainant's status page and the councillor's view.
    visible_to_complainant = models.BooleanField(default=False)
    visible_to_councillor = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return self.summary


class IPConsultation(models.Model):
    """The Independent Person's view, sought at a stage (required before a decision on an investigated case)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="ip_consultations")
    independent_person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=24, choices=Stage.choices)
    requested_at = models.DateTimeField(default=timezone.now)
    view = models.TextField(blank=True)
    given_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]


class Conflict(models.Model):
    """A Monitoring Officer, deputy or Independent Person who must not see this case."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_conflicts")
    reason = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "user"], name="one_conflict_per_person")]


class Decision(models.Model):
    """The outcome of an assessment or a hearing, from which the decision notice is generated."""

    class Finding(models.TextChoices):
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        INFORMAL_RESOLUTION = "informal_resolution", "Informal resolution"
        NO_BREACH = "no_breach", "No breach of the Code"
        BREACH_NO_ACTION = "breach_no_action", "Breach of the Code, no further action"
        BREACH_SANCTIONS = "breach_sanctions", "Breach of the Code, with sanctions"

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="decision")
    finding = models.CharField(max_length=24, choices=Finding.choices)
    findings = models.TextField("findings of fact")
    reasons = models.TextField()
    sanctions = models.JSONField(default=list, blank=True)
    ip_view_summary = models.TextField("the Independent Person's view", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    notice_sent_at = models.DateTimeField(null=True, blank=True)


class Sanction(models.TextChoices):
    """Sanctions available in England today (no power to suspend)."""

    CENSURE = "censure", "Censure"
    PUBLISH = "publish", "Publication of the finding"
    REMOVE_FROM_COMMITTEES = "remove_committees", "Removal from committees or outside bodies"
    TRAINING = "training", "Training ordered"
    WITHDRAW_FACILITIES = "withdraw_facilities", "Withdrawal of facilities"
    EXCLUDE_FROM_PREMISES = "exclude_premises", "Exclusion from council premises"


class DigestEntry(models.Model):
    """That a case was in a Monitoring Officer's daily digest, so each goes once a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    on_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "complaint", "on_date"], name="one_digest_entry_per_day")
        ]


class EqualityMonitoring(models.Model):
    """Optional equality answers, stored apart from the complaint (no link to it)
    and reported only in aggregate."""

    principal_authority = models.ForeignKey("council.Authority", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month the complaint was submitted.")
    age_band = models.CharField(max_length=20, blank=True)
    sex = models.CharField(max_length=30, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    disability = models.CharField(max_length=30, blank=True)
    religion = models.CharField(max_length=60, blank=True)
    sexual_orientation = models.CharField(max_length=40, blank=True)
