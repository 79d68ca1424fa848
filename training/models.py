"""Councillor training run by Committee & Member Services: courses, sessions,
bookings with a waiting list, attendance and training records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Topic(models.TextChoices):
    SOCIAL_MEDIA = "social_media", "Social media"
    CODE_OF_CONDUCT = "code_of_conduct", "Code of conduct"
    PLANNING = "planning", "Planning"
    LICENSING = "licensing", "Licensing"
    DATA_PROTECTION = "data_protection", "Data protection"
    OTHER = "other", "Other"


class Course(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:course_detail", args=[self.pk])


class MandatoryRule(models.Model):
    """Who must complete a course, and by when."""

    class Kind(models.TextChoices):
        ALL_COUNCILLORS = "all", "All councillors"
        NEW_COUNCILLORS = "new", "New councillors, within a number of months of their start"
        COMMITTEE_MEMBERS = "committee", "Members of a committee, before they sit"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="mandatory_rules")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    within_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For new councillors (and all councillors): months from their start."
    )
    committee = models.ForeignKey(
        "council.Committee", on_delete=models.CASCADE, null=True, blank=True, related_name="training_rules"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="committee_rule_names_committee",
                condition=~Q(kind="committee") | Q(committee__isnull=False),
            )
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.COMMITTEE_MEMBERS:
            return f"Members of {self.committee}, before they sit"
        if self.within_months:
            return f"{self.get_kind_display().split(',')[0]}, within {self.within_months} months of their start"
        return self.get_kind_display()


class Session(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField(default=120)
    venue = models.CharField(max_length=300, blank=True)
    online_url = models.URLField("online joining link", blank=True)
    trainer = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField()
    booking_closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # iCalendar SEQUENCE: goes up each time the session changes, so calendars update the event.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.course} on {timezone.localtime(self.starts_at):%d %B %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.pk])

    @property
    def ends_at(self):
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def uid(self) -> str:
        return f"training-session-{self.pk}@{settings.SITE_URL.split('//')[-1].split('/')[0]}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="training_bookings")
    status = models.CharField(max_length=10, choices=Status.choices)
    # Arrival order on the waiting list.
    requested_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True)
    absence_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "councillor"],
                condition=Q(status__in=["booked", "waiting"]),
                name="one_live_booking_per_session",
            )
        ]
        indexes = [models.Index(fields=["session", "status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.councillor} – {self.session} ({self.get_status_display()})"


class Interest(models.Model):
    """A councillor wants a course that has no session yet; told when one is added."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="interests")
    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="training_interests")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "councillor"], condition=Q(notified_at__isnull=True), name="one_open_interest"
            )
        ]


class TrainingRecord(models.Model):
    """Training a councillor completed: from attendance, or entered by hand (e.g. an external conference)."""

    class Source(models.TextChoices):
        SESSION = "session", "Attended a session"
        MANUAL = "manual", "Recorded by Member Services"

    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="training_records")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    title = models.CharField(max_length=200)
    completed_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="records")
    provider = models.CharField(max_length=200, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_stored_name = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["councillor", "session"], condition=Q(session__isnull=False), name="one_record_per_session"
            )
        ]
        indexes = [models.Index(fields=["councillor", "course", "completed_on"])]

    def __str__(self) -> str:
        return f"{self.councillor}: {self.title} ({self.completed_on})"


class TrainingReminder(models.Model):
    """One training email, recorded under a unique key so it is sent exactly once."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmed"
        WAITING = "waiting", "Added to the waiting list"
        WEEK_BEFORE = "week_before", "7 days before"
        DAY_BEFORE = "day_before", "1 day before"
        PROMOTED = "promoted", "Promoted from the waiting list"
        SESSION_CHANGED = "changed", "Session changed"
        SESSION_CANCELLED = "cancelled", "Session cancelled"
        BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
        MANDATORY_DUE = "mandatory_due", "Mandatory training due soon"
        MANDATORY_OVERDUE = "mandatory_overdue", "Mandatory training overdue"
        INTEREST = "interest", "A session of a course you asked about"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    councillor = models.ForeignKey("council.Councillor", on_delete=models.CASCADE, related_name="training_reminders")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    email = models.ForeignKey("council.OutboundEmail", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class CalendarFeed(models.Model):
    """A councillor's private iCalendar feed of booked sessions; the URL's token is stored hashed."""

    councillor = models.OneToOneField("council.Councillor", on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
