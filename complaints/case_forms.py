"""Forms for the Monitoring Officer's pages (GOV.UK markup via crispy-forms-gds).

Forms only collect and check input; the views hand it to complaints.services."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Hidden, Layout, Size, Submit
from django import forms
from django.db.models import QuerySet

from council.models import Authority, User
from council.widgets import FastSelect

from .models import Stage

REASON_MAX = 5000


def _required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise forms.ValidationError(message)
    return value


class _Form(forms.Form):
    # Errors come from the server, in the GOV.UK error summary, not from the browser's own pop-ups.
    use_required_attribute = False


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class QueueFilterForm(_Form):
    STATUS_CHOICES = [("open", "Open cases"), ("closed", "Closed or withdrawn"), ("all", "All cases")]

    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        help_text="Choosing a stage shows its cases, open or closed.",
        widget=FastSelect(attrs={"class": "govuk-select", "aria-describedby": "id_stage_hint"}),
        error_messages={"invalid_choice": "Choose a stage from the list"},
    )
    authority = forms.ModelChoiceField(
        label="Authority",
        queryset=Authority.objects.none(),
        required=False,
        empty_label="Any authority",
        widget=FastSelect(attrs={"class": "govuk-select"}),
        error_messages={"invalid_choice": "Choose an authority from the list"},
    )
    status = forms.ChoiceField(
        label="Show",
        choices=STATUS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose which cases to show"},
    )

    def __init__(self, *args: Any, authorities: QuerySet[Authority] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open cases are the default, whether or not the query string names them.
        if self.is_bound:
            self.data = self.data.copy()
            if not self.data.get("status"):
                self.data["status"] = "open"
        else:
            self.initial["status"] = "open"
        self.fields["stage"].choices = [("", "Any stage")] + [
            (value, label) for value, label in Stage.choices if value != Stage.DRAFT
        ]
        fields = [Field.select("stage")]
        if authorities is None:
            del self.fields["authority"]
        else:
            self.fields["authority"].queryset = authorities
            fields.append(Field.select("authority"))
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *fields,
            Field.radios("status", small=True),
            Submit("apply", "Apply filters", css_class="govuk-button--secondary"),
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters; a value that makes no sense is reported on the page and ignored."""
        if not self.is_bound:
            return {"status": "open"}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "stage": data.get("stage") or "",
            "authority": data.get("authority"),
            "status": data.get("status") or "open",
        }


class ReasonForm(_Form):
    """The confirmation of a workflow action, with the reason that goes on the timeline."""

    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        required=False,
        error_messages={"max_length": f"The reason must be {REASON_MAX:,} characters or fewer"},
    )

    def __init__(self, *args: Any, needs_reason: bool, submit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason
        field = self.fields["reason"]
        if needs_reason:
            field.help_text = "It goes on the case timeline. The complainant can see it when they follow their case."
        else:
            field.label = "Reason (optional)"
            field.help_text = "It goes on the case timeline."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason", rows=5, label_size=Size.MEDIUM), Submit("confirm", submit_label)
        )

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if self.needs_reason and not reason:
            raise forms.ValidationError("Enter the reason")
        return reason


class NoteForm(_Form):
    text = forms.CharField(
        label="Add an internal note",
        help_text="Only the Monitoring Officer and deputies see internal notes.",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={
            "required": "Enter the note",
            "max_length": f"The note must be {REASON_MAX:,} characters or fewer",
        },
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.layout = Layout(
            Field.textarea("text", rows=4, label_size=Size.MEDIUM),
            Submit("add", "Add note", css_class="govuk-button--secondary"),
        )

    def clean_text(self) -> str:
        return _required_text(self.cleaned_data.get("text"), "Enter the note")


class AssignIndependentPersonForm(_Form):
    person = PersonChoiceField(
        label="Independent Person",
        queryset=User.objects.none(),
        empty_label="Choose an Independent Person",
        help_text="Independent Persons with a recorded conflict on this case are not listed.",
        error_messages={
            "required": "Choose an Independent Person",
            "invalid_choice": "Choose an Independent Person from the list",
        },
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("person", label_size=Size.MEDIUM), Submit("assign", "Ask for their view")
        )


class IPViewForm(_Form):
    view = forms.CharField(
        label="The Independent Person's view",
        widget=forms.Textarea,
        max_length=20000,
        error_messages={
            "required": "Enter the view",
            "max_length": "The view must be 20,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields[
                "view"
            ].help_text = "You are recording this on the Independent Person's behalf: the timeline will say so."
        else:
            self.fields["view"].label = "Your view"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("view", rows=8, label_size=Size.MEDIUM), Submit("save", "Record the view")
        )

    def clean_view(self) -> str:
        return _required_text(self.cleaned_data.get("view"), "Enter the view")


class ConflictForm(_Form):
    user = PersonChoiceField(
        label="Who is conflicted?",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        help_text="They will no longer see this case, in the queue or anywhere else.",
        error_messages={"required": "Choose who is conflicted", "invalid_choice": "Choose a person from the list"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason", "max_length": "The reason must be 300 characters or fewer"},
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("user", label_size=Size.MEDIUM),
            Field.textarea("reason", rows=3, label_size=Size.MEDIUM),
            Submit("record", "Record the conflict"),
        )

    def clean_reason(self) -> str:
        return _required_text(self.cleaned_data.get("reason"), "Enter the reason")


class ConfidentialityForm(_Form):
    decision = forms.ChoiceField(
        label="Will you withhold the complainant's identity from the councillor?",
        widget=forms.RadioSelect,
        choices=[
            Choice(
                "grant", "Yes, withhold it", hint="Letters and pages for the councillor will not name the complainant."
            ),
            Choice("refuse", "No, disclose it", hint="The councillor will be told who complained."),
        ],
        error_messages={
            "required": "Choose whether to withhold the complainant's identity",
            "invalid_choice": "Choose whether to withhold the complainant's identity",
        },
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        help_text="The complainant can see it when they follow their case.",
        error_messages={
            "required": "Enter the reason",
            "max_length": f"The reason must be {REASON_MAX:,} characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.MEDIUM),
            Field.textarea("reason", rows=4, label_size=Size.MEDIUM),
            Submit("save", "Record the decision"),
        )

    def clean_reason(self) -> str:
        return _required_text(self.cleaned_data.get("reason"), "Enter the reason")


class LegalHoldForm(_Form):
    """Place or lift a hold. ``hold`` says which, so a repeated submission cannot undo itself."""

    hold = forms.ChoiceField(choices=[("1", "Place"), ("0", "Lift")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={
            "required": "Enter the reason",
            "max_length": f"The reason must be {REASON_MAX:,} characters or fewer",
        },
    )

    def __init__(self, *args: Any, currently_held: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currently_held = currently_held
        wanted = "0" if currently_held else "1"
        self.fields["reason"].help_text = (
            "Why the case may now be anonymised when its retention period ends."
            if currently_held
            else "For example, legal proceedings or an information request: the case will not be anonymised "
            "while the hold is in place."
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Hidden("hold", wanted),
            Field.textarea("reason", rows=4, label_size=Size.MEDIUM),
            Submit("save", "Lift the legal hold" if currently_held else "Place a legal hold"),
        )

    def clean_hold(self) -> bool:
        return self.cleaned_data["hold"] == "1"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A hidden field's error would not reach the error summary: report it for the form.
        if data.get("hold") == self.currently_held:
            raise forms.ValidationError(
                "The legal hold is already in place" if self.currently_held else "There is no legal hold to lift"
            )
        return data

    def clean_reason(self) -> str:
        return _required_text(self.cleaned_data.get("reason"), "Enter the reason")


class DocumentForm(_Form):
    """A document for the case file, checked like the complainant's evidence."""

    file = forms.FileField(
        label="Choose the document",
        help_text="PDF, an image, plain text or an office document.",
        error_messages={"required": "Choose a file to add", "empty": "The file is empty"},
    )
    description = forms.CharField(
        label="What is it?",
        help_text="For example: investigating officer's report, councillor's reply.",
        max_length=300,
        required=False,
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.layout = Layout(
            Field("file"),
            Field.text("description"),
            Submit("add", "Add to the case file"),
        )
