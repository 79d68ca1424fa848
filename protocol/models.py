"""The social media protocol as versioned pages, and councillors' acknowledgements of it."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Protocol(models.Model):
    """A document councillors must acknowledge (the social media protocol, and any later one)."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class VersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Version.State.PUBLISHED)


class Version(models.Model):
    """One issue of a protocol. Drafts are edited; a published version never changes."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "In force"
        SUPERSEDED = "superseded", "Superseded"

    class ChangeKind(models.TextChoices):
        MATERIAL = "material", "Material: councillors must acknowledge it again"
        MINOR = "minor", "Minor: wording fixes; existing acknowledgements carry over"

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    change_kind = models.CharField(max_length=10, choices=ChangeKind.choices, default=ChangeKind.MATERIAL)
    change_summary = models.TextField(blank=True)
    # The material version whose acknowledgement this version needs: itself when
    # material, its predecessor's basis when minor. Set on publication.
    basis = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="covered_versions")
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Publish automatically at this time.")
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["protocol"], condition=Q(state="published"), name="one_published_version"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} version {self.number}"

    def get_absolute_url(self) -> str:
        if self.state == self.State.DRAFT:
            return reverse("protocol:draft_detail", args=[self.pk])
        return reverse("protocol:version_detail", args=[self.protocol.slug, self.number])

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    def compute_hash(self) -> str:
        """A hash of everything a councillor reads, so an acknowledgement proves which text it was."""
        digest = hashlib.sha256(f"{self.protocol.title}\n{self.number}\n".encode())
        for section in self.sections.order_by("order", "pk"):
            digest.update(f"{section.title}\n{section.slug}\n{section.body}\n\x1e".encode())
        return digest.hexdigest()


class Section(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, help_text="The anchor in the page address, e.g. #responsibilities.")
    body = models.TextField(help_text="Markdown. Raw HTML is not allowed and is shown as text.")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="unique_section_slug")]

    def __str__(self) -> str:
        return self.title


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Acknowledgements are append-only and cannot be changed.")

    def delete(self):
        raise PermissionError("Acknowledgements are append-only and cannot be deleted.")


class Acknowledgement(models.Model):
    """A councillor's confirmation that they read a version. Append-only: never edited or deleted."""

    class Method(models.TextChoices):
        SELF = "self", "By the councillor in the portal"
        PAPER = "paper", "Signed paper form, recorded by Member Services"

    councillor = models.ForeignKey("council.Councillor", on_delete=models.PROTECT, related_name="acknowledgements")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="acknowledgements")
    content_hash = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.SELF)
    typed_name = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["councillor", "version"], name="one_acknowledgement_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.councillor} acknowledged {self.version} on {self.acknowledged_at:%d %B %Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Acknowledgements are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Acknowledgements are append-only and cannot be deleted.")


class Requirement(models.Model):
    """That a councillor must acknowledge a material version, by a date. Met by
    an acknowledgement of that version or of a minor version based on it."""

    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="protocol_requirements")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="requirements")
    due_date = models.DateField()
    met_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.ForeignKey(
        Acknowledgement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["councillor", "version"], name="one_requirement_per_version")]
        indexes = [models.Index(fields=["version", "met_at", "due_date"])]

    def __str__(self) -> str:
        return f"{self.councillor} must acknowledge {self.version} by {self.due_date}"

    @property
    def is_overdue(self) -> bool:
        return self.met_at is None and self.due_date < timezone.localdate()


class Reminder(models.Model):
    """One reminder or escalation, recorded once under a unique key so that it
    is sent exactly once however many sweeps run."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "New version published"
        DUE_SOON = "due_soon", "Due in 7 days"
        DUE_TODAY = "due_today", "Due today"
        OVERDUE = "overdue", "Overdue (weekly)"
        ESCALATION = "escalation", "Escalated to Member Services and the Monitoring Officer"

    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="protocol_reminders")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    on_date = models.DateField()
    email = models.ForeignKey("council.OutboundEmail", on_delete=models.SET_NULL, null=True, related_name="+")
    # Set when the reminder fell due with nobody to send it to (no address on record): it is not
    # tried again by later sweeps; the next reminder due reaches an address added since.
    no_recipient = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["councillor", "version", "kind", "on_date"], name="unique_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.councillor} ({self.on_date})"


class SocialAccount(models.Model):
    """A social media account a councillor declares."""

    class Platform(models.TextChoices):
        X = "x", "X (Twitter)"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        LINKEDIN = "linkedin", "LinkedIn"
        TIKTOK = "tiktok", "TikTok"
        BLUESKY = "bluesky", "Bluesky"
        THREADS = "threads", "Threads"
        YOUTUBE = "youtube", "YouTube"
        MASTODON = "mastodon", "Mastodon"
        NEXTDOOR = "nextdoor", "Nextdoor"
        BLOG = "blog", "Blog or website"
        OTHER = "other", "Other"

    class Use(models.TextChoices):
        COUNCILLOR = "councillor", "As a councillor"
        PERSONAL = "personal", "Personal"

    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField("handle or address", max_length=300)
    use = models.CharField(max_length=12, choices=Use.choices)
    has_disclaimer = models.BooleanField("carries the recommended disclaimer", default=False)
    declared_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["councillor", "platform", "handle"], name="unique_social_account")
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.handle}"
