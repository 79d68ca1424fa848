"""Forms for acknowledging the protocol, declaring accounts and the compliance pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size, Submit
from django import forms
from django.utils import timezone
from django.utils.html import format_html

from council.authority_filters import AuthorityScopedFilters
from council.formfields import DateInputField
from council.forms import ByAuthorityChoiceField
from council.models import Authority, PoliticalGroup, Ward
from council.widgets import FastSelect

from .models import SocialAccount, Version
from .selectors import ComplianceFilters, Status

DISCLAIMER = "The views I express here are mine and do not necessarily reflect the views of the council."


class AcknowledgeForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": "Confirm that you have read and understood the protocol and will follow it"},
    )
    typed_name = forms.CharField(
        label="Type your full name to confirm",
        max_length=200,
        error_messages={"required": "Type your full name to confirm"},
    )

    def __init__(self, *args: Any, version: Version, councillor_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "confirm"
        ].label = f"I have read and understood the social media protocol (version {version.number}) and will follow it"
        # crispy-forms-gds shows hints and labels as HTML: the name is escaped (it may come from an import).
        self.fields["typed_name"].help_text = format_html("As the council records it: {}", councillor_name)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkbox("confirm"),
            Field.text("typed_name", field_width=Fluid.TWO_THIRDS, autocomplete="name", spellcheck="false"),
            Submit("acknowledge", "Acknowledge the protocol"),
        )


class SocialAccountForm(forms.Form):
    platform = forms.ChoiceField(
        choices=[("", "Choose a platform"), *SocialAccount.Platform.choices],
        error_messages={"required": "Choose the platform", "invalid_choice": "Choose a platform from the list"},
    )
    handle = forms.CharField(
        label="Handle or web address",
        max_length=300,
        help_text="For example @janesmith or https://www.facebook.com/cllrjanesmith",
        error_messages={
            "required": "Enter the handle or web address of the account",
            "max_length": "The handle or web address must be 300 characters or fewer",
        },
    )
    use = forms.ChoiceField(
        label="How do you use this account?",
        choices=SocialAccount.Use.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you use this account", "invalid_choice": "Choose how you use it"},
    )
    has_disclaimer = forms.BooleanField(
        label=f"This account's profile carries the recommended disclaimer: \u201c{DISCLAIMER}\u201d",
        required=False,
    )

    def __init__(self, *args: Any, submit_label: str = "Save account", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("platform"),
            Field.text("handle", field_width=Fluid.TWO_THIRDS, spellcheck="false", autocomplete="off"),
            Field.radios("use", legend_size=Size.SMALL),
            Field.checkbox("has_disclaimer"),
            Submit("save", submit_label),
        )

    def clean_handle(self) -> str:
        handle = " ".join(self.cleaned_data["handle"].split())
        if not handle:
            raise forms.ValidationError("Enter the handle or web address of the account")
        if any(ord(c) < 32 for c in handle):
            raise forms.ValidationError("The handle or web address must not contain control characters")
        return handle

    @classmethod
    def initial_for(cls, account: SocialAccount) -> dict[str, Any]:
        return {
            "platform": account.platform,
            "handle": account.handle,
            "use": account.use,
            "has_disclaimer": account.has_disclaimer,
        }


class RemoveAccountForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Button("remove", "Yes, remove this account", css_class="govuk-button--warning"))


class PaperAcknowledgementForm(forms.Form):
    typed_name = forms.CharField(
        label="Name as written on the form",
        max_length=200,
        help_text="It must match the councillor's name in the directory",
        error_messages={"required": "Enter the name as written on the form"},
    )
    signed_on = DateInputField(
        label="Date signed", require_all_fields=False, help_text="As written on the form, for example 27 3 2025"
    )
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": "Confirm that you have the signed form"},
    )

    def __init__(self, *args: Any, version: Version, councillor_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["signed_on"].error_messages.update(
            {"required": "Enter the date the form was signed", "incomplete": "Enter the date as a day, month and year"}
        )
        self.fields["confirm"].label = format_html(
            "I have the form signed by Councillor {} acknowledging version {} "
            "of the social media protocol, and will keep it on file",
            councillor_name,
            version.number,
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("typed_name", field_width=Fluid.TWO_THIRDS, spellcheck="false", autocomplete="off"),
            Field("signed_on"),
            Field.checkbox("confirm"),
            Submit("record", "Record the paper acknowledgement"),
        )

    def clean_signed_on(self) -> date:
        signed_on: date = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError("The date signed must be today or in the past")
        published = timezone.localdate(self.version.published_at) if self.version.published_at else None
        if published and signed_on < published:
            raise forms.ValidationError(
                f"The date signed must be on or after {published:%-d %B %Y}, when version "
                f"{self.version.number} came into force"
            )
        return signed_on


def _ignore_invalid(form: forms.Form) -> dict[str, Any]:
    """The valid fields of a filter form: a bad value in the address is reported and ignored."""
    form.is_valid()
    return getattr(form, "cleaned_data", {})


class ComplianceFilterForm(AuthorityScopedFilters, forms.Form):
    """The dashboard's filters. At national scale the selects list principal councils, the chosen
    one's parishes, and the chosen authority's groups and wards: see council.authority_filters."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.order_by("name"),
        required=False,
        empty_label="Any authority",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose an authority from the list"},
    )
    political_group = ByAuthorityChoiceField(
        label="Political group",
        queryset=PoliticalGroup.objects.select_related("authority").order_by("authority__name", "name"),
        required=False,
        empty_label="Any group",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose a political group from the list"},
    )
    ward = ByAuthorityChoiceField(
        queryset=Ward.objects.select_related("authority").order_by("authority__name", "name"),
        required=False,
        empty_label="Any ward",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose a ward from the list"},
    )
    status = forms.ChoiceField(
        choices=Status.CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )

    scoped_fields = ("political_group", "ward")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_to_authority()
        if self.is_bound:
            self.data.setdefault("status", "")
        else:
            self.initial["status"] = ""
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.select("authority"),
            *([Field.select("parish")] if self.offers_parishes else []),
            Field.select("political_group"),
            Field.select("ward"),
            Field.radios("status", small=True, legend_size=Size.SMALL),
            Submit("apply", "Apply filters", css_class="govuk-button--secondary"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A parish or town council chosen narrows the figures to it (and names it in the PDF's heading).
        data["authority"] = self.chosen_authority(data)
        return data

    def filters(self) -> ComplianceFilters:
        data = _ignore_invalid(self)
        authority, group, ward = data.get("authority"), data.get("political_group"), data.get("ward")
        return ComplianceFilters(
            authority_id=authority.pk if authority else None,
            political_group_id=group.pk if group else None,
            ward_id=ward.pk if ward else None,
            status=data.get("status") or "",
        )


class DeclarationFilterForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.order_by("name"),
        required=False,
        empty_label="Any authority",
        error_messages={"invalid_choice": "Choose an authority from the list"},
    )
    without_disclaimer = forms.BooleanField(label="Only accounts without the disclaimer", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.select("authority"),
            Field.checkbox("without_disclaimer", small=True),
            Submit("apply", "Apply filters", css_class="govuk-button--secondary"),
        )

    def filters(self) -> dict[str, Any]:
        data = _ignore_invalid(self)
        authority = data.get("authority")
        return {
            "authority_id": authority.pk if authority else None,
            "without_disclaimer": bool(data.get("without_disclaimer")),
        }
