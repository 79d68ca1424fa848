"""Who's who: people, authorities, wards, groups, councillors, committees,
plus the cross-cutting records every app uses (audit log, outgoing email,
invitations)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login; there is no username."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("may use the Django admin", default=False)
    authority = models.ForeignKey(
        "Authority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officers",
        help_text="For officers and Independent Persons: the principal authority they serve. "
        "Blank means every authority in this portal.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Authority(models.Model):
    """A principal council or a parish/town council in its area."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", "Principal council"
        PARISH = "parish", "Parish council"
        TOWN = "town", "Town council"

    class Nation(models.TextChoices):
        ENGLAND = "england", "England"
        WALES = "wales", "Wales"
        SCOTLAND = "scotland", "Scotland"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRINCIPAL)
    nation = models.CharField(max_length=20, choices=Nation.choices, default=Nation.ENGLAND)
    principal = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parishes",
        limit_choices_to={"kind": "principal"},
        help_text="For a parish or town council: the principal council whose Monitoring Officer handles "
        "complaints about its councillors.",
    )
    clerk_name = models.CharField(max_length=200, blank=True)
    clerk_email = models.EmailField(blank=True)
    moderngov_url = models.URLField("ModernGov web service address", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"
        constraints = [
            models.CheckConstraint(
                name="parish_has_principal",
                condition=Q(kind="principal", principal__isnull=True) | ~Q(kind="principal"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_principal(self) -> bool:
        return self.kind == self.Kind.PRINCIPAL

    @property
    def principal_authority(self) -> Authority:
        """The authority whose Monitoring Officer handles complaints about this one."""
        return self if self.is_principal or self.principal_id is None else self.principal


class Ward(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="wards")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="unique_ward_name")]

    def __str__(self) -> str:
        return self.name


class PoliticalGroup(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="political_groups")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="unique_group_name")]

    def __str__(self) -> str:
        return self.name


class CouncillorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_lists(self):
        return self.select_related("authority", "ward", "political_group", "user")


class Councillor(models.Model):
    """An elected member of an authority, with or without a portal account."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="councillors")
    name = models.CharField(max_length=200, help_text="As it should appear, without the word 'Councillor'.")
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True, related_name="councillors")
    political_group = models.ForeignKey(
        PoliticalGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="councillors"
    )
    email = models.EmailField("council email address", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="councillor",
        help_text="The councillor's portal account, once invited.",
    )
    member_services_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supported_councillors",
    )
    is_active = models.BooleanField("currently serving", default=True)
    moderngov_id = models.CharField("ModernGov councillor id", max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CouncillorQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "moderngov_id"],
                condition=~Q(moderngov_id=""),
                name="unique_moderngov_id_per_authority",
            )
        ]
        indexes = [models.Index(fields=["authority", "is_active", "name"])]

    def __str__(self) -> str:
        return f"Cllr {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("council:councillor_detail", args=[self.pk])

    @property
    def contact_email(self) -> str:
        """Where to write to the councillor: their council address, else their portal account's ("" if neither).
        Callers that use this on many councillors select_related("user")."""
        return self.email or (self.user.email if self.user_id else "")

    @property
    def current_term(self) -> TermOfOffice | None:
        today = timezone.localdate()
        for term in self.terms.all():
            if term.start_date <= today and (term.end_date is None or term.end_date >= today):
                return term
        return None


class TermOfOffice(models.Model):
    councillor = models.ForeignKey(Councillor, on_delete=models.CASCADE, related_name="terms")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Blank when not yet known.")

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["councillor", "start_date"], name="unique_term_start"),
            models.CheckConstraint(
                name="term_ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        end = self.end_date.strftime("%d %B %Y") if self.end_date else "not set"
        return f"{self.start_date:%d %B %Y} to {end}"


class Committee(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="committees")
    name = models.CharField(max_length=200)
    is_regulatory = models.BooleanField(
        default=False, help_text="Planning, licensing and other regulatory committees carry extra rules and training."
    )
    members = models.ManyToManyField(Councillor, through="CommitteeMembership", related_name="committees")

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="unique_committee_name")]

    def __str__(self) -> str:
        return self.name


class CommitteeMembership(models.Model):
    class Position(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"
        SUBSTITUTE = "substitute", "Substitute"

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    councillor = models.ForeignKey(Councillor, on_delete=models.CASCADE, related_name="committee_memberships")
    position = models.CharField(max_length=20, choices=Position.choices, default=Position.MEMBER)

    class Meta:
        ordering = ["committee__name"]
        constraints = [models.UniqueConstraint(fields=["committee", "councillor"], name="unique_committee_membership")]

    def __str__(self) -> str:
        return f"{self.councillor} on {self.committee} ({self.get_position_display()})"


class AuditEntry(models.Model):
    """One state change (or sensitive view), written in the same transaction."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


class Invitation(models.Model):
    """A single-use, expiring link that lets an invited person set a password."""

    email = models.EmailField()
    full_name = models.CharField(max_length=200, blank=True)
    roles = models.JSONField(default=list)
    councillor = models.ForeignKey(
        Councillor, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class OutboundEmail(models.Model):
    """The outbox: every email is written here in the caller's transaction and
    delivered by a Celery task; a beat sweep re-sends anything the broker
    never received. ``key`` makes a send idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=255, unique=True)
    to = models.JSONField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subject} to {', '.join(self.to)}"


class ReportJob(models.Model):
    """A large report made in the background by a Celery task (``council.report_jobs``).

    Only its owner sees it; the file lives in the private storage and is removed after
    ``REPORT_JOB_RETENTION_DAYS``. ``params`` are the filters chosen on the report's page, so
    the task builds the same report the page showed, with the owner's permissions."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"
        EXPIRED = "expired", "Deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    file = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reports:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def status_tag(self) -> str:
        """The GOV.UK tag colour for the status (the words say it too)."""
        return {
            self.Status.QUEUED: "govuk-tag--grey",
            self.Status.RUNNING: "govuk-tag--blue",
            self.Status.READY: "govuk-tag--green",
            self.Status.FAILED: "govuk-tag--red",
            self.Status.EXPIRED: "govuk-tag--grey",
        }.get(self.status, "govuk-tag--grey")
