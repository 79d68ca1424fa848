"""Forms for the councillor directory (GOV.UK Design System markup via crispy-forms-gds)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fluid, Layout, Size, Submit
from django import forms
from django.forms.models import ModelChoiceIterator

from .authority_filters import AuthorityScopedFilters
from .formfields import DateInputField, IdMultipleChoiceField
from .models import Authority, Committee, Councillor, PoliticalGroup, Ward
from .selectors import CouncillorFilters, member_services_staff
from .widgets import FastSelect


class _ByAuthorityIterator(ModelChoiceIterator):
    """Select options grouped under their authority (``<optgroup>``), because
    two councils can both have, say, a "Labour" group or a "Central" ward."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for obj in self.queryset:
            groups.setdefault(obj.authority.name, []).append(self.choice(obj))
        yield from groups.items()

    def __len__(self) -> int:
        return self.queryset.count() + (1 if self.field.empty_label is not None else 0)


class ByAuthorityChoiceField(forms.ModelChoiceField):
    iterator = _ByAuthorityIterator


def _wards():
    return Ward.objects.select_related("authority").order_by("authority__name", "name")


def _groups():
    return PoliticalGroup.objects.select_related("authority").order_by("authority__name", "name")


class CommitteeChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Committee) -> str:
        regulatory = ", regulatory" if obj.is_regulatory else ""
        return f"{obj.name} ({obj.authority.name}{regulatory})"


class CouncillorFilterForm(AuthorityScopedFilters, forms.Form):
    """The list's search and filters. Values that make no sense are reported and ignored.

    Beyond ``MAX_UNFILTERED_OPTIONS`` (a national directory), the authority select lists principal
    councils with a second select for the chosen one's parishes, and the ward and group selects list
    the chosen authority's only: see council.authority_filters."""

    STATUS_CHOICES = [("", "All"), ("active", "Currently serving"), ("inactive", "Not serving")]
    ACCOUNT_CHOICES = [("", "All"), ("yes", "Has a portal account"), ("no", "No portal account")]

    q = forms.CharField(label="Name or email address", required=False, max_length=200)
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.order_by("name"),
        required=False,
        empty_label="Any authority",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose an authority from the list"},
    )
    ward = ByAuthorityChoiceField(
        queryset=_wards(),
        required=False,
        empty_label="Any ward",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose a ward from the list"},
    )
    political_group = ByAuthorityChoiceField(
        label="Political group",
        queryset=_groups(),
        required=False,
        empty_label="Any group",
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose a political group from the list"},
    )
    status = forms.ChoiceField(
        label="Serving",
        choices=STATUS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose whether the councillor is serving"},
    )
    account = forms.ChoiceField(
        label="Portal account",
        choices=ACCOUNT_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose whether the councillor has a portal account"},
    )

    scoped_fields = ("ward", "political_group")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope_to_authority()
        # "All" is the radios' default, checked whether or not the query string names it.
        if self.is_bound:
            for name in ("status", "account"):
                self.data.setdefault(name, "")
        else:
            self.initial.update({"status": "", "account": ""})
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("q"),
            Field.select("authority"),
            *([Field.select("parish")] if self.offers_parishes else []),
            Field.select("ward"),
            Field.select("political_group"),
            Field.radios("status", small=True),
            Field.radios("account", small=True),
            Submit("apply", "Apply filters", css_class="govuk-button--secondary"),
        )

    def filters(self) -> CouncillorFilters:
        """The filters to apply: only the fields that were valid (the others are ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        ward = data.get("ward")
        group = data.get("political_group")
        status = data.get("status")
        account = data.get("account")
        return CouncillorFilters(
            q=data.get("q") or "",
            authority=self.chosen_authority(data),
            ward_id=ward.pk if ward else None,
            political_group_id=group.pk if group else None,
            active={"active": True, "inactive": False}.get(status or ""),
            has_account={"yes": True, "no": False}.get(account or ""),
        )


def _date_field(label: str, *, required: bool, help_text: str) -> DateInputField:
    field = DateInputField(label=label, required=required, require_all_fields=False, help_text=help_text)
    field.error_messages["required"] = f"Enter the {label.lower()}"
    field.error_messages["incomplete"] = f"Enter the {label.lower()} as a day, month and year"
    return field


class CouncillorForm(forms.ModelForm):
    """Add or edit a councillor, their current term of office and their committees."""

    ward = ByAuthorityChoiceField(queryset=_wards(), required=False, empty_label="No ward")
    political_group = ByAuthorityChoiceField(
        label="Political group", queryset=_groups(), required=False, empty_label="No group"
    )
    term_start = _date_field(
        "Start of term", required=True, help_text="The day the councillor took office, for example 2 5 2024"
    )
    term_end = _date_field(
        "End of term", required=False, help_text="Leave blank if not yet known, for example 4 5 2028"
    )
    committees = CommitteeChoiceField(
        label="Committees",
        queryset=Committee.objects.select_related("authority").order_by("authority__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Only committees of the councillor's authority can be chosen.",
    )

    class Meta:
        model = Councillor
        fields = ["name", "authority", "ward", "political_group", "email", "is_active", "member_services_contact"]
        labels = {
            "name": "Full name",
            "email": "Council email address",
            "is_active": "Currently serving",
            "member_services_contact": "Member Services contact",
        }
        help_texts = {
            "email": "Their council address, not a personal one",
            "member_services_contact": "The officer in Member Services who supports this councillor",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Enter the councillor's full name"
        self.fields["authority"].queryset = Authority.objects.order_by("name")
        self.fields["authority"].empty_label = "Choose an authority"
        self.fields["authority"].error_messages.update(
            {"required": "Choose the councillor's authority", "invalid_choice": "Choose an authority from the list"}
        )
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.com"
        )
        contact = self.fields["member_services_contact"]
        contact.queryset = member_services_staff()
        contact.empty_label = "None"
        contact.label_from_instance = lambda user: f"{user.full_name or user.email} ({user.email})"
        self._set_initial_term_and_committees()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.select("authority"),
            Field.select("ward"),
            Field.select("political_group"),
            Field.text("email", field_width=Fluid.TWO_THIRDS, spellcheck="false", autocomplete="off"),
            Field.checkbox("is_active"),
            Field.select("member_services_contact"),
            Fieldset(
                Field("term_start"),
                Field("term_end"),
                legend="Current term of office",
                legend_size=Size.MEDIUM,
            ),
            Field.checkboxes("committees", legend_size=Size.MEDIUM),
            Submit("save", "Save councillor"),
        )

    def _set_initial_term_and_committees(self) -> None:
        if self.instance.pk is None:
            self.fields["is_active"].initial = True
            return
        term = self.instance.terms.order_by("-start_date").first()
        if term is not None:
            self.initial.setdefault("term_start", term.start_date)
            self.initial.setdefault("term_end", term.end_date)
        self.initial.setdefault("committees", [m.committee_id for m in self.instance.committee_memberships.all()])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        authority: Authority | None = data.get("authority")
        if authority is not None:
            for name, label in (("ward", "ward"), ("political_group", "political group")):
                value = data.get(name)
                if value is not None and value.authority_id != authority.pk:
                    self.add_error(
                        name,
                        f"Choose a {label} of {authority.name}: {value.name} belongs to {value.authority.name}",
                    )
            wrong = [c for c in data.get("committees") or [] if c.authority_id != authority.pk]
            if wrong:
                names = ", ".join(f"{c.name} ({c.authority.name})" for c in wrong)
                self.add_error("committees", f"Choose only committees of {authority.name}, not {names}")
        start: date | None = data.get("term_start")
        end: date | None = data.get("term_end")
        if start and end and end <= start:
            self.add_error("term_end", "The end of the term must be after its start")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values, named as the directory services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "authority": data["authority"],
            "ward": data.get("ward"),
            "political_group": data.get("political_group"),
            "email": data.get("email") or "",
            "is_active": data.get("is_active", False),
            "member_services_contact": data.get("member_services_contact"),
            "term_start": data.get("term_start"),
            "term_end": data.get("term_end"),
            "committees": list(data.get("committees") or []),
        }
