"""The Monitoring Officer's form for the decision on an investigated complaint."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from .models import Decision, Sanction

# Findings open after an investigation or hearing (the assessment outcomes have their own actions).
HEARING_FINDINGS = [
    (value, label)
    for value, label in Decision.Finding.choices
    if value in (Decision.Finding.NO_BREACH, Decision.Finding.BREACH_NO_ACTION, Decision.Finding.BREACH_SANCTIONS)
]


class DecisionForm(forms.Form):
    finding = forms.ChoiceField(
        label="What was found?",
        choices=HEARING_FINDINGS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the finding"},
    )
    findings = forms.CharField(
        label="Findings of fact",
        widget=forms.Textarea,
        max_length=20_000,
        help_text="What happened, as found by the investigation or hearing.",
        error_messages={"required": "Enter the findings of fact"},
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea,
        max_length=20_000,
        error_messages={"required": "Enter the reasons for the decision"},
    )
    sanctions = forms.MultipleChoiceField(
        label="Sanctions",
        choices=Sanction.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only with a finding of breach with sanctions. Select all that apply.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("finding", legend_size=Size.MEDIUM),
            Field.textarea("findings", rows=8, label_size=Size.MEDIUM),
            Field.textarea("reasons", rows=8, label_size=Size.MEDIUM),
            Field.checkboxes("sanctions", legend_size=Size.MEDIUM),
            Submit("save", "Record the decision"),
        )

    def clean_findings(self) -> str:
        return self._text("findings", "Enter the findings of fact")

    def clean_reasons(self) -> str:
        return self._text("reasons", "Enter the reasons for the decision")

    def _text(self, name: str, message: str) -> str:
        value = self.cleaned_data[name].strip()
        if not value:
            raise forms.ValidationError(message)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        finding, sanctions = data.get("finding"), data.get("sanctions") or []
        if finding == Decision.Finding.BREACH_SANCTIONS and not sanctions:
            self.add_error("sanctions", "Select at least one sanction, or choose a different finding")
        elif finding and finding != Decision.Finding.BREACH_SANCTIONS and sanctions:
            self.add_error("sanctions", "Sanctions follow only a finding of breach with sanctions: clear them")
        return data
