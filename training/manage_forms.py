"""Forms for Member Services' training pages (GOV.UK markup via crispy-forms-gds)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fluid, Layout, Size, Submit
from django import forms
from django.utils import timezone

from council.authority_filters import AuthorityScopedFilters
from council.formfields import DateInputField
from council.models import Authority, Committee, Councillor, PoliticalGroup
from council.widgets import FastSelect

from .course_services import RuleSpec
from .models import Booking, Course, MandatoryRule, Session, Topic

RULE_ROWS = 3


def _select() -> FastSelect:
    # crispy-forms-gds names the CSS class after the widget class, so FastSelect needs GOV.UK's class given.
    return FastSelect(attrs={"class": "govuk-select"})


def _number() -> forms.TextInput:
    # GOV.UK asks for a text input with a numeric keyboard rather than type="number".
    return forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})


_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class _Form(forms.Form):
    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False


class _RealDateField(DateInputField):
    """A date input whose impossible dates (31 February) get a message for people, not Python's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("require_all_fields", False)
        super().__init__(*args, **kwargs)
        self.error_messages["incomplete"] = "Enter the date as a day, month and year"

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError as exc:
            raise forms.ValidationError("The date must be a real date, like 27 3 2026") from exc


def _bound(args: tuple, kwargs: dict) -> bool:
    return bool(args and args[0] is not None) or kwargs.get("data") is not None


def parse_time(value: str) -> time | None:
    match = _TIME.match(value or "")
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def _committee_choices() -> list:
    """Regulatory committees first (the usual reason for a committee rule), then the others."""
    committees = list(Committee.objects.select_related("authority").order_by("authority__name", "name"))

    def label(c: Committee) -> str:
        return f"{c.name} ({c.authority.name})"

    return [
        ("", "Choose a committee"),
        ("Regulatory committees", [(str(c.pk), label(c)) for c in committees if c.is_regulatory]),
        ("Other committees", [(str(c.pk), label(c)) for c in committees if not c.is_regulatory]),
    ]


class CourseForm(_Form):
    """A course and up to three rules saying who must complete it."""

    title = forms.CharField(
        label="Course title",
        max_length=200,
        error_messages={
            "required": "Enter the course title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    topic = forms.ChoiceField(
        label="Topic",
        choices=[("", "Choose a topic"), *Topic.choices],
        error_messages={"required": "Choose a topic", "invalid_choice": "Choose a topic from the list"},
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea, max_length=5000,
        help_text="Councillors see this when they book.",
    )  # fmt: skip
    is_active = forms.BooleanField(label="Offered to councillors", required=False, initial=True)

    def __init__(self, *args: Any, course: Course | None = None, **kwargs: Any) -> None:
        if course is not None and not _bound(args, kwargs):
            kwargs["initial"] = self._initial_for(course)
        super().__init__(*args, **kwargs)
        committees = _committee_choices()
        rule_fieldsets = []
        for i in range(1, RULE_ROWS + 1):
            self.fields[f"rule_{i}_kind"] = forms.ChoiceField(
                label="Who must complete it",
                required=False,
                choices=[("", "No rule"), *MandatoryRule.Kind.choices],
                error_messages={"invalid_choice": "Choose who must complete the course from the list"},
            )
            self.fields[f"rule_{i}_months"] = forms.IntegerField(
                label="Within how many months of their start",
                widget=_number(),
                required=False,
                min_value=1,
                max_value=120,
                help_text="For new councillors (optional for all councillors)",
                error_messages={
                    "invalid": "Enter the number of months as a whole number, like 6",
                    "min_value": "The number of months must be between 1 and 120",
                    "max_value": "The number of months must be between 1 and 120",
                },
            )
            self.fields[f"rule_{i}_committee"] = forms.ChoiceField(
                label="Committee",
                required=False,
                choices=committees,
                widget=_select(),
                help_text="For members of a committee",
                error_messages={"invalid_choice": "Choose a committee from the list"},
            )
            rule_fieldsets.append(
                Fieldset(
                    Field.select(f"rule_{i}_kind"),
                    Field.text(f"rule_{i}_months", field_width=3),
                    Field.select(f"rule_{i}_committee"),
                    legend=f"Mandatory rule {i}",
                    legend_size=Size.SMALL,
                )
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.TWO_THIRDS),
            Field.select("topic"),
            Field.textarea("description", rows=4),
            Field.checkbox("is_active"),
            Fieldset(
                *rule_fieldsets,
                legend="Who must complete this course",
                legend_size=Size.MEDIUM,
            ),
            Submit("save", "Save course"),
        )

    @staticmethod
    def _initial_for(course: Course) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": course.title,
            "topic": course.topic,
            "description": course.description,
            "is_active": course.is_active,
        }
        for i, rule in enumerate(course.mandatory_rules.order_by("pk")[:RULE_ROWS], start=1):
            initial[f"rule_{i}_kind"] = rule.kind
            initial[f"rule_{i}_months"] = rule.within_months
            initial[f"rule_{i}_committee"] = str(rule.committee_id or "")
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        committees = Committee.objects.in_bulk(
            [int(data[f"rule_{i}_committee"]) for i in range(1, RULE_ROWS + 1) if data.get(f"rule_{i}_committee")]
        )
        rules = []
        for i in range(1, RULE_ROWS + 1):
            kind = data.get(f"rule_{i}_kind")
            if not kind:
                continue
            months = data.get(f"rule_{i}_months")
            committee = committees.get(int(data[f"rule_{i}_committee"])) if data.get(f"rule_{i}_committee") else None
            if kind == MandatoryRule.Kind.NEW_COUNCILLORS and not months and f"rule_{i}_months" not in self.errors:
                self.add_error(f"rule_{i}_months", "Enter within how many months of their start new councillors must")
            missing_committee = kind == MandatoryRule.Kind.COMMITTEE_MEMBERS and committee is None
            if missing_committee and f"rule_{i}_committee" not in self.errors:
                self.add_error(f"rule_{i}_committee", "Choose the committee whose members must complete it")
            if kind != MandatoryRule.Kind.COMMITTEE_MEMBERS:
                committee = None
            rules.append(RuleSpec(kind=kind, within_months=months or None, committee=committee))
        data["rules"] = rules
        return data


class SessionForm(_Form):
    """When and where a session runs, and how many places it has."""

    start_date = _RealDateField(label="Date", help_text="For example, 27 3 2027")
    start_time = forms.CharField(
        label="Start time", max_length=5, help_text="Use the 24-hour clock, for example 09:30 or 18:00"
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        widget=_number(),
        min_value=1,
        max_value=24 * 60,
        initial=120,
        error_messages={
            "required": "Enter the length of the session in minutes",
            "invalid": "Enter the length in minutes as a whole number, like 90",
            "min_value": "The session must last at least 1 minute",
            "max_value": "The session must last no more than 24 hours",
        },
    )
    venue = forms.CharField(label="Venue", required=False, max_length=300, help_text="Leave blank if online only")
    online_url = forms.URLField(
        label="Online joining link",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Leave blank if in person only",
        error_messages={"invalid": "Enter the joining link as a web address, like https://meet.example.com/abc"},
    )
    trainer = forms.CharField(label="Trainer", required=False, max_length=200)
    capacity = forms.IntegerField(
        label="Number of places",
        widget=_number(),
        min_value=1,
        max_value=10000,
        error_messages={
            "required": "Enter the number of places",
            "invalid": "Enter the number of places as a whole number, like 20",
            "min_value": "The session must have at least 1 place",
            "max_value": "The session can have at most 10,000 places",
        },
    )
    closes_date = _RealDateField(label="Date", required=False, help_text="Optional. For example, 20 3 2027")
    closes_time = forms.CharField(
        label="Time", required=False, max_length=5, help_text="Use the 24-hour clock, for example 17:00"
    )

    def __init__(self, *args: Any, session: Session | None = None, submit_label: str = "Save session", **kwargs):
        if session is not None and not _bound(args, kwargs):
            kwargs["initial"] = self._initial_for(session)
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["start_date"].error_messages["required"] = "Enter the date of the session"
        self.fields["start_time"].error_messages["required"] = "Enter the start time, like 09:30"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                Field("start_date"),
                Field.text("start_time", field_width=5),
                legend="When does it start?",
                legend_size=Size.MEDIUM,
            ),
            Field.text("duration_minutes", field_width=4),
            Field.text("venue", field_width=Fluid.TWO_THIRDS),
            Field.text("online_url", field_width=Fluid.TWO_THIRDS),
            Field.text("trainer", field_width=Fluid.TWO_THIRDS),
            Field.text("capacity", field_width=4),
            Fieldset(
                Field("closes_date"),
                Field.text("closes_time", field_width=5),
                legend="When does booking close?",
                legend_size=Size.MEDIUM,
            ),
            Submit("save", submit_label),
        )

    @staticmethod
    def _initial_for(session: Session) -> dict[str, Any]:
        starts = timezone.localtime(session.starts_at)
        closes = timezone.localtime(session.booking_closes_at) if session.booking_closes_at else None
        return {
            "start_date": starts.date(),
            "start_time": starts.strftime("%H:%M"),
            "duration_minutes": session.duration_minutes,
            "venue": session.venue,
            "online_url": session.online_url,
            "trainer": session.trainer,
            "capacity": session.capacity,
            "closes_date": closes.date() if closes else None,
            "closes_time": closes.strftime("%H:%M") if closes else "",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_at = self._combine("start_date", "start_time", required=True)
        closes_at = self._combine("closes_date", "closes_time", required=False)
        unchanged_start = self.session is not None and starts_at == self.session.starts_at
        if starts_at and not unchanged_start and starts_at <= timezone.now():
            self.add_error("start_date", "The session must start in the future")
        if starts_at and closes_at and closes_at >= starts_at:
            self.add_error("closes_date", "Booking must close before the session starts")
        if not (data.get("venue") or "").strip() and not data.get("online_url") and "online_url" not in self.errors:
            self.add_error("venue", "Enter a venue or an online joining link")
        data["starts_at"], data["booking_closes_at"] = starts_at, closes_at
        return data

    def _combine(self, date_name: str, time_name: str, *, required: bool) -> datetime | None:
        day: date | None = self.cleaned_data.get(date_name)
        raw_time = (self.cleaned_data.get(time_name) or "").strip()
        if date_name in self.errors or time_name in self.errors:
            return None
        if day is None and not raw_time:
            return None
        if day is None:
            self.add_error(date_name, "Enter the date as a day, month and year")
            return None
        clock = parse_time(raw_time)
        if clock is None:
            self.add_error(time_name, "Enter a time on the 24-hour clock, like 09:30 or 17:00")
            return None
        return timezone.make_aware(datetime.combine(day, clock))

    def session_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "venue": data.get("venue", ""),
            "online_url": data.get("online_url", ""),
            "trainer": data.get("trainer", ""),
            "capacity": data["capacity"],
            "booking_closes_at": data["booking_closes_at"],
        }


class CancelSessionForm(_Form):
    reason = forms.CharField(
        label="Why is the session cancelled?",
        help_text="Kept in the audit log.",
        widget=forms.Textarea,
        max_length=500,
        error_messages={
            "required": "Enter why the session is cancelled",
            "max_length": "The reason must be 500 characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason", rows=3),
            Submit("cancel", "Cancel the session", css_class="govuk-button--warning"),
        )


def _councillor_label(c: Councillor) -> str:
    return f"{c.name} ({c.authority.name})"


class CouncillorChoiceForm(_Form):
    """Choose a serving councillor (to book them, or register their interest)."""

    councillor = forms.TypedChoiceField(
        label="Councillor",
        coerce=int,
        widget=_select(),
        error_messages={"required": "Choose a councillor", "invalid_choice": "Choose a councillor from the list"},
    )

    def __init__(self, *args: Any, exclude_ids=(), submit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.councillors = {
            c.pk: c
            for c in Councillor.objects.filter(is_active=True)
            .exclude(pk__in=list(exclude_ids))
            .select_related("authority")
            .order_by("name", "pk")
        }
        self.fields["councillor"].choices = [("", "Choose a councillor")] + [
            (pk, _councillor_label(c)) for pk, c in self.councillors.items()
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.select("councillor"), Submit("choose", submit_label))

    def chosen(self) -> Councillor:
        return self.councillors[self.cleaned_data["councillor"]]


class AttendanceForm(_Form):
    """One Attended / Absent choice and an absence reason per booked councillor."""

    def __init__(self, *args: Any, bookings: list[Booking], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bookings = bookings
        for b in bookings:
            self.fields[f"attendance_{b.pk}"] = forms.ChoiceField(
                label=f"Councillor {b.councillor.name}",
                required=False,
                widget=forms.RadioSelect,
                choices=Booking.Attendance.choices,
                initial=b.attendance or None,
                error_messages={"invalid_choice": "Choose attended or absent"},
            )
            self.fields[f"reason_{b.pk}"] = forms.CharField(
                label=f"Reason for absence (Councillor {b.councillor.name})",
                required=False,
                max_length=300,
                initial=b.absence_reason,
                error_messages={"max_length": "The reason must be 300 characters or fewer"},
            )

    def rows(self):
        for b in self.bookings:
            yield b, self[f"attendance_{b.pk}"], self[f"reason_{b.pk}"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for b in self.bookings:
            absent = data.get(f"attendance_{b.pk}") == Booking.Attendance.ABSENT
            if absent and not data.get(f"reason_{b.pk}", "").strip():
                self.add_error(f"reason_{b.pk}", f"Enter why Councillor {b.councillor.name} was absent")
        return data

    def marks(self) -> list[tuple[Booking, bool, str]]:
        """(booking, attended, reason) for every row with a choice made."""
        out = []
        for b in self.bookings:
            choice = self.cleaned_data.get(f"attendance_{b.pk}")
            if choice:
                attended = choice == Booking.Attendance.ATTENDED
                out.append((b, attended, "" if attended else self.cleaned_data[f"reason_{b.pk}"].strip()))
        return out


class ManualRecordForm(_Form):
    """A past training record entered by hand, e.g. an external conference."""

    title = forms.CharField(
        label="Title of the training",
        max_length=200,
        error_messages={
            "required": "Enter the title of the training",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    course = forms.TypedChoiceField(
        label="Course it counts as",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Optional. Choose one if it meets a mandatory requirement.",
        error_messages={"invalid_choice": "Choose a course from the list"},
    )
    completed_on = _RealDateField(label="Date completed", help_text="For example, 27 3 2026")
    provider = forms.CharField(label="Provider", required=False, max_length=200)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=5000)
    evidence = forms.FileField(
        label="Evidence",
        required=False,
        help_text="Optional. A PDF or image, such as a certificate of attendance.",
        error_messages={"empty": "The chosen file is empty", "invalid": "Choose a file to upload"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {c.pk: c for c in Course.objects.order_by("title")}
        self.fields["course"].choices = [("", "None")] + [(pk, c.title) for pk, c in self.courses.items()]
        self.fields["completed_on"].error_messages["required"] = "Enter the date the training was completed"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.TWO_THIRDS),
            Field.select("course"),
            Field("completed_on"),
            Field.text("provider", field_width=Fluid.TWO_THIRDS),
            Field.textarea("notes", rows=3),
            Field("evidence"),
            Submit("save", "Save record"),
        )

    def clean_completed_on(self) -> date:
        day = self.cleaned_data["completed_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("The date completed must be today or in the past")
        return day

    def chosen_course(self) -> Course | None:
        pk = self.cleaned_data.get("course")
        return self.courses.get(pk) if pk else None


class MatrixFilterForm(AuthorityScopedFilters, _Form):
    """The matrix's filters. At national scale the selects list principal councils, the chosen
    one's parishes, and the chosen authority's groups and committees: see council.authority_filters."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.order_by("name"),
        required=False,
        empty_label="Any authority",
        widget=_select(),
        error_messages={"invalid_choice": "Choose an authority from the list"},
    )
    political_group = forms.ModelChoiceField(
        label="Political group",
        queryset=PoliticalGroup.objects.select_related("authority").order_by("authority__name", "name"),
        required=False,
        empty_label="Any group",
        widget=_select(),
        error_messages={"invalid_choice": "Choose a political group from the list"},
    )
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.select_related("authority").order_by("authority__name", "name"),
        required=False,
        empty_label="Any committee",
        widget=_select(),
        error_messages={"invalid_choice": "Choose a committee from the list"},
    )

    scoped_fields = ("political_group", "committee")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels first: scope_to_authority may turn a short list of options into choices at once.
        for name in ("political_group", "committee"):
            self.fields[name].label_from_instance = lambda o: f"{o.name} ({o.authority.name})"
        self.scope_to_authority()
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.select("authority"),
            *([Field.select("parish")] if self.offers_parishes else []),
            Field.select("political_group"),
            Field.select("committee"),
            Submit("apply", "Apply filters", css_class="govuk-button--secondary"),
        )

    @classmethod
    def from_query(cls, query) -> MatrixFilterForm:
        """The form for the matrix page's query string: bound only when a filter was chosen (a page
        number alone is no choice), as the page, its CSV, its PDF and background jobs read it."""
        chosen = any(key in query for key in ("authority", "parish", "political_group", "committee"))
        return cls(query if chosen else None)

    def filters(self) -> dict[str, Any]:
        """The chosen filters (invalid ones are ignored, and the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {**getattr(self, "cleaned_data", {})}
        data["authority"] = self.chosen_authority(data)
        return {k: data[k] for k in ("authority", "political_group", "committee") if data.get(k) is not None}
