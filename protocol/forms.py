"""Forms for the protocol pages and Member Services' draft editor (GOV.UK markup via crispy-forms-gds)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    Field,
    Fieldset,
    Fluid,
    Hidden,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.urls import reverse
from django.utils import timezone

from council.formfields import DateInputField

from .models import Version

MARKDOWN_HINT = (
    "Write in Markdown. Leave a blank line between paragraphs. "
    "Start a line with '- ' for a bullet point, '1. ' for a numbered list or '### ' for a sub-heading. "
    "Use **two asterisks** for bold and [link text](https://www.example.com) for a link. "
    "For a footnote, put [^1] in the text and '[^1]: the note' on a line of its own. "
    "HTML is not allowed: it is shown as typed."
)

_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class CompareForm(forms.Form):
    """Choose two versions of a protocol to compare. Only published or superseded versions can be chosen."""

    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False

    def __init__(self, *args: Any, versions: list[Version], protocol_slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a version")] + [(str(v.number), _version_label(v)) for v in versions]
        invalid = {"invalid_choice": "Choose a version from the list"}
        # "from" is a Python keyword, so these fields are added here rather than declared.
        for name, label, which in (("from", "From", "to compare from"), ("to", "To", "to compare it with")):
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                error_messages={**invalid, "required": f"Choose the version {which}"},
            )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse("protocol:compare")
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Hidden("protocol", protocol_slug),
            Field.select("from"),
            Field.select("to"),
            Submit("compare", "Compare versions", css_class="govuk-button--secondary"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from") is not None and data.get("from") == data.get("to"):
            self.add_error("to", "Choose two different versions")
        return data


def _version_label(version: Version) -> str:
    if version.state == Version.State.PUBLISHED:
        return f"Version {version.number} (in force)"
    return f"Version {version.number}"


class DraftDetailsForm(forms.Form):
    """The change summary and whether the change is material or minor."""

    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False

    change_summary = forms.CharField(
        label="Summary of the changes",
        help_text="Councillors see this with the new version. Say what changed and why.",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter a summary of the changes"},
    )
    change_kind = forms.ChoiceField(
        label="What kind of change is this?",
        widget=forms.RadioSelect,
        choices=[
            Choice(
                Version.ChangeKind.MATERIAL,
                "Material",
                hint="The meaning has changed: every serving councillor must read and acknowledge this version.",
            ),
            Choice(
                Version.ChangeKind.MINOR,
                "Minor",
                hint="Wording, spelling or layout fixes only: existing acknowledgements carry over.",
            ),
        ],
        error_messages={
            "required": "Choose whether the change is material or minor",
            "invalid_choice": "Choose whether the change is material or minor",
        },
    )

    def __init__(self, *args: Any, minor_allowed: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minor_allowed = minor_allowed
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("change_summary", rows=4, label_size=Size.MEDIUM),
            Field.radios("change_kind", legend_size=Size.MEDIUM),
            Submit("save", "Save details"),
        )

    def clean_change_kind(self) -> str:
        kind = self.cleaned_data["change_kind"]
        if kind == Version.ChangeKind.MINOR and not self.minor_allowed:
            raise forms.ValidationError(
                "The first version of a protocol is always material: councillors have not read it yet"
            )
        return kind


class SectionForm(forms.Form):
    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False

    title = forms.CharField(
        label="Section title",
        max_length=200,
        error_messages={
            "required": "Enter the section title",
            "max_length": "The section title must be 200 characters or fewer",
        },
    )
    body = forms.CharField(
        label="Text of the section",
        help_text=MARKDOWN_HINT,
        widget=forms.Textarea,
        max_length=50000,
        error_messages={
            "required": "Enter the text of the section",
            "max_length": "The text must be 50,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, submit_label: str = "Save section", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.TWO_THIRDS),
            Field.textarea("body", rows=15),
            Submit("save", submit_label),
        )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter the section title")
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Enter the text of the section")
        return body


class _RealDateField(DateInputField):
    """A date input whose impossible dates (31 February) get a message for people, not Python's."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError as exc:
            raise forms.ValidationError("The date must be a real date, like 27 3 2026") from exc


class PublishForm(forms.Form):
    """Publish now, or on a set date and time in the future."""

    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False

    NOW, LATER = "now", "later"

    when = forms.ChoiceField(
        label="When should this version come into force?",
        widget=forms.RadioSelect,
        choices=[(NOW, "Now"), (LATER, "On a set date and time")],
        error_messages={
            "required": "Choose when the version should come into force",
            "invalid_choice": "Choose when the version should come into force",
        },
    )
    publish_date = _RealDateField(
        label="Date", required=False, require_all_fields=False, help_text="For example, 27 3 2026"
    )
    publish_time = forms.CharField(
        label="Time",
        required=False,
        max_length=5,
        help_text="Use the 24-hour clock, for example 09:00 or 17:30",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publish_date"].error_messages["incomplete"] = "Enter the date as a day, month and year"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("when", legend_size=Size.MEDIUM),
            # Not a conditional reveal: crispy-forms-gds gives "Now" an aria-controls that points nowhere.
            Fieldset(
                Field("publish_date"),
                Field.text("publish_time", field_width=5),
                legend="If you chose a set date and time",
                legend_size=Size.SMALL,
            ),
            Hidden("step", "review"),
            Submit("review", "Continue"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("when") != self.LATER:
            data["publish_at"] = None
            return data
        day = data.get("publish_date")
        if day is None and "publish_date" not in self.errors:
            self.add_error("publish_date", "Enter the date the version should come into force")
        clock = self._parse_time(data.get("publish_time") or "")
        if clock is None:
            self.add_error("publish_time", "Enter a time on the 24-hour clock, like 09:00 or 17:30")
        if day is None or clock is None:
            return data
        publish_at = timezone.make_aware(datetime.combine(day, clock))
        if publish_at <= timezone.now():
            self.add_error("publish_date", "The date and time must be in the future. To publish today, choose Now")
            return data
        data["publish_at"] = publish_at
        return data

    @staticmethod
    def _parse_time(value: str) -> time | None:
        match = _TIME.match(value)
        if not match:
            return None
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 23 or minutes > 59:
            return None
        return time(hours, minutes)
