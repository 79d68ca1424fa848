"""Forms for the councillor directory (GOV.UK Design System markup via crispy-forms-gds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fieldset, Fluid, Hidden, Layout, Size, Submit
from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict

from .authority_filters import AuthorityScopedFilters
from .formfields import DateInputField, IdMultipleChoiceField
from .ids import parse_id
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
    """Add or edit a councillor, their current term of office and their committees.

    In a council's own directory every select lists everything (wards and groups under their
    authority). In a national one (see ``choose_authority``) the authority is chosen first,
    on the question pages below, and passed in as ``authority``: the form then offers that
    authority's wards, groups and committees only and keeps the authority fixed. Either way a
    ward, group or committee of another authority is refused with a message naming both."""

    ward = ByAuthorityChoiceField(
        queryset=_wards(),
        required=False,
        empty_label="No ward",
        error_messages={"invalid_choice": "Choose a ward from the list"},
    )
    political_group = ByAuthorityChoiceField(
        label="Political group",
        queryset=_groups(),
        required=False,
        empty_label="No group",
        error_messages={"invalid_choice": "Choose a political group from the list"},
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
        error_messages={
            "invalid_choice": "Choose committees from the list",
            "invalid_pk_value": "Choose committees from the list",
        },
    )

    MAX_UNFILTERED_OPTIONS = AuthorityScopedFilters.MAX_UNFILTERED_OPTIONS

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

    def __init__(self, *args: Any, authority: Authority | None = None, scoped: bool = False, **kwargs: Any) -> None:
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
        # The authority whose options alone are offered (a national directory), else None.
        self.scoped_authority = authority if scoped else None
        if self.scoped_authority is not None:
            self._offer_only_the_options_of(self.scoped_authority)
        elif authority is not None and self.instance.pk is None:
            self.initial["authority"] = authority.pk  # named in the address: chosen already
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            *([] if self.scoped_authority else [Field.select("authority")]),
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

    def _offer_only_the_options_of(self, authority: Authority) -> None:
        """Fix the authority, and list only its wards, groups and committees. The fields still
        look up any submitted value among all of them, so that one of another authority (a page
        kept open while the authority changed, a crafted request) gets clean()'s message naming
        both authorities rather than a bare "not one of the choices"."""
        field = self.fields["authority"]
        field.disabled = True  # what the request sends is ignored: the authority is the chosen one
        self.initial["authority"] = authority.pk
        for name in ("ward", "political_group"):
            field = self.fields[name]
            options = field.queryset.model.objects.filter(authority=authority).order_by("name")
            field.choices = [("", field.empty_label)] + [(option.pk, option.name) for option in options]
        committees = self.fields["committees"]
        committees.choices = [
            (c.pk, f"{c.name} (regulatory)" if c.is_regulatory else c.name)
            for c in Committee.objects.filter(authority=authority).order_by("name")
        ]
        committees.help_text = (
            "Select all that apply." if committees.choices else f"{authority.name} has no committees in the directory."
        )
        if self.instance.pk is not None and self.instance.authority_id != authority.pk:
            # Moving to another authority: nothing of the old one carries over.
            self.initial.update({"ward": None, "political_group": None, "committees": []})

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


# --- Which authority, asked first in a national directory --------------------------------------

AUTHORITY_QUESTION = "Which council is the councillor a member of?"
_CONTINUE = HTML('<button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>')


def _more_than(queryset: QuerySet, limit: int) -> bool:
    """Whether there are more than ``limit`` rows, found without counting them all."""
    return queryset.order_by().values("pk")[limit : limit + 1].exists()


def _question_helper(*fields: Any) -> FormHelper:
    # GET: the answer goes in the address of the next page, so the steps need no JavaScript and
    # the details form keeps its authority when it is sent back with errors.
    helper = FormHelper()
    helper.form_method = "get"
    helper.disable_csrf = True
    helper.layout = Layout(*fields, _CONTINUE)
    return helper


def _question(name: str) -> Field:
    """The field as the page's heading (a GOV.UK question page)."""
    return Field(name, context={"label_size": Size.for_label(Size.LARGE), "label_tag": "h1"})


class CouncillorAuthorityForm(forms.Form):
    """The first question: which authority. Beyond ``MAX_UNFILTERED_OPTIONS`` authorities it lists
    the principal councils (and an authority the address names), as the directory's filters do."""

    authority = forms.ModelChoiceField(
        label=AUTHORITY_QUESTION,
        queryset=Authority.objects.select_related("principal").order_by("name"),
        empty_label="Choose an authority",
        widget=FastSelect,
        error_messages={
            "required": "Choose the councillor's authority",
            "invalid_choice": "Choose an authority from the list",
        },
    )

    def __init__(self, *args: Any, principals_only: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        if principals_only:
            named = parse_id(self.data.get("authority", "")) if self.is_bound else None
            choosable = Q(kind=Authority.Kind.PRINCIPAL)
            if named is not None:
                choosable |= Q(pk=named)  # a parish the address names stays valid, as in the filters
            field.queryset = field.queryset.filter(choosable)
            field.help_text = (
                "For a parish or town councillor, choose the principal council of the area: "
                "you choose the parish or town council next."
            )
        self.helper = _question_helper(_question("authority"))


class CouncillorParishForm(forms.Form):
    """The second question, when the principal council chosen has parish or town councils:
    the principal council itself or one of them."""

    parish = forms.ModelChoiceField(
        label=AUTHORITY_QUESTION,
        queryset=Authority.objects.none(),
        required=False,
        widget=FastSelect,
        error_messages={"invalid_choice": "Choose a parish or town council from the list"},
    )

    def __init__(self, *args: Any, principal: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parish"]
        field.queryset = principal.parishes.select_related("principal").order_by("name")
        parishes = list(field.queryset)
        self.has_parishes = bool(parishes)
        field.choices = [("", principal.name)] + [(parish.pk, parish.name) for parish in parishes]
        field.help_text = f"{principal.name} itself, or one of its parish or town councils."
        self.helper = _question_helper(Hidden("authority", principal.pk), _question("parish"))


@dataclass(frozen=True)
class AuthorityChoice:
    """What the add and edit pages show: a question (``question``), or the details form for
    ``authority``, listing only that authority's options when ``scoped``."""

    authority: Authority | None
    scoped: bool
    question: forms.Form | None = None


def choose_authority(query: QueryDict, *, current: Authority | None = None) -> AuthorityChoice:
    """Which authority the add and edit pages are for, read from the address.

    In a council's own directory (up to ``MAX_UNFILTERED_OPTIONS`` authorities, wards, groups and
    committees) the details form lists everything, as it always has. Beyond that the authority is
    asked first, a question a page, and the answers go in the address: ``authority`` (a
    principal council when there are too many authorities to list them all, though any authority
    the address names is taken) and then, for a principal council with parish or town councils,
    ``parish`` (blank for the principal council itself). ``change`` asks again. Without
    ``authority`` an edit keeps ``current``, the councillor's own authority."""
    limit = CouncillorForm.MAX_UNFILTERED_OPTIONS
    principals_only = _more_than(Authority.objects.all(), limit)
    if not principals_only and not any(_more_than(m.objects.all(), limit) for m in (Ward, PoliticalGroup, Committee)):
        # A council's own directory: every select lists everything, as it always has, and an
        # authority the address names is chosen already.
        named = parse_id(query.get("authority", ""))
        chosen = Authority.objects.filter(pk=named).first() if named is not None else None
        return AuthorityChoice(chosen or current, scoped=False)
    if "change" in query or ("authority" not in query and current is None):
        initial = {"authority": current.principal_authority.pk} if current is not None else None
        return AuthorityChoice(None, True, CouncillorAuthorityForm(initial=initial, principals_only=principals_only))
    if "authority" not in query:
        return AuthorityChoice(current, True)
    form = CouncillorAuthorityForm(query, principals_only=principals_only)
    if not form.is_valid():
        return AuthorityChoice(None, True, form)
    authority: Authority = form.cleaned_data["authority"]
    if not (principals_only and authority.is_principal):
        return AuthorityChoice(authority, True)
    parish_form = CouncillorParishForm(query if "parish" in query else None, principal=authority)
    if not parish_form.has_parishes:
        return AuthorityChoice(authority, True)
    if parish_form.is_bound and parish_form.is_valid():
        return AuthorityChoice(parish_form.cleaned_data["parish"] or authority, True)
    return AuthorityChoice(None, True, parish_form)
