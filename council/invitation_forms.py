"""Forms for inviting people and for accepting an invitation (GOV.UK markup via crispy-forms-gds)."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.contrib.auth import password_validation

from .models import Councillor, Invitation, User
from .roles import Role


class CouncillorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Councillor) -> str:
        return f"{obj.name} ({obj.authority.name})"


class InvitationForm(forms.Form):
    """Who to invite and with which roles. With ``councillor`` given, the invitation is
    for that councillor: the councillor field is not shown."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        # A TextInput, so crispy-forms-gds draws the red error border; "input_type" makes it type="email".
        widget=forms.TextInput(attrs={"input_type": "email", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the email address to send the invitation to",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the person's full name"},
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Monitoring Officers, Deputy Monitoring Officers, Independent Persons, "
        "Member Services and Administrators must set up two-factor authentication when they first sign in.",
        error_messages={"required": "Select at least one role"},
    )
    councillor = CouncillorChoiceField(
        label="Councillor record (optional)",
        queryset=Councillor.objects.none(),
        required=False,
        empty_label="Not a councillor",
        help_text="Link the account to a councillor in the directory, so they see their own training and protocol.",
        error_messages={"invalid_choice": "Choose a councillor from the list"},
    )

    def __init__(self, *args: Any, councillor: Councillor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_councillor = councillor
        submit = "Send invitation"
        if councillor is None:
            self.fields["councillor"].queryset = (
                Councillor.objects.active().filter(user__isnull=True).select_related("authority").order_by("name")
            )
            fields = [
                Field.text("email"),
                Field.text("full_name"),
                Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
                Field.select("councillor"),
            ]
        else:
            del self.fields["councillor"]
            fields = [
                Field.text("email"),
                Field.text("full_name"),
                Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
            ]
        self.helper = FormHelper()
        self.helper.layout = Layout(*fields, Submit("submit", submit))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        councillor = self.fixed_councillor or cleaned.get("councillor")
        roles = cleaned.get("roles") or []
        if councillor is not None and roles and Role.COUNCILLOR not in roles:
            self.add_error("roles", "Select Councillor: this invitation is for a councillor")
        return cleaned

    @property
    def chosen_councillor(self) -> Councillor | None:
        return self.fixed_councillor or self.cleaned_data.get("councillor")


class AcceptInvitationForm(forms.Form):
    """Choose a password (Django's password validators apply) and confirm the name."""

    full_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}),
        help_text="At least 12 characters. Do not use a common password or one you use elsewhere. "
        "A few random words together are easy to remember and hard to guess.",
        error_messages={"required": "Enter a password"},
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}),
        error_messages={"required": "Enter the password again"},
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"full_name": invitation.full_name})
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("full_name"),
            Field.text("password1"),
            Field.text("password2"),
            Submit("submit", "Create account"),
        )

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The passwords do not match")
        elif password1:
            # Checked against the account-to-be, so the similarity validator sees the email and name.
            user = User(email=self.invitation.email, full_name=cleaned.get("full_name") or self.invitation.full_name)
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
