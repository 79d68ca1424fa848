"""Forms for making a complaint, following it, and raising a safeguarding concern
(GOV.UK Design System markup via crispy-forms-gds)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fieldset, Fluid, Layout, Size, Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from council.formfields import IdMultipleChoiceField
from council.ids import parse_id
from council.models import Councillor, User
from council.roles import user_roles
from council.services import DomainError

from . import services, uploads
from .intake import EQUALITY_FIELDS, Upload
from .models import CodeHeading, Complaint, Evidence, LegalConcern

MAX_POSTS = 5
SEARCH_RESULTS = 25
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def search_councillors(query: str):
    """Serving councillors whose name or council matches every word of the query."""
    # A NUL (which PostgreSQL refuses in a query) separates words like a space.
    words = query.replace("\x00", " ").split()[:6]
    if not words:
        return Councillor.objects.none()
    # The results page checks the principal council's nation for a parish councillor (Wales).
    found = Councillor.objects.filter(is_active=True).select_related("authority__principal")
    for word in words:
        found = found.filter(Q(name__icontains=word) | Q(authority__name__icontains=word))
    return found.order_by("name", "authority__name")[:SEARCH_RESULTS]


def councillor_label(councillor: Councillor) -> str:
    return f"{councillor.name}, {councillor.authority.name}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the value is a list (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "govuk-file-upload"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """'14:30', '2:30pm', '9am' → time; '' → None; anything else → ValueError."""
    if not text.strip():
        return None
    match = _TIME.match(text)
    if not match:
        raise ValueError(text)
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match[2] is None:
        raise ValueError(text)  # a bare "9" could be morning or evening
    return time(hour, minute)


class PostDateField(DateInputField):
    """A date input whose impossible dates get a message a person can act on."""

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(str(year)) != 4:
            raise ValidationError(self.error_messages["year"])
        try:
            return date(day=int(day), month=int(month), year=int(year))
        except (ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"]) from None


def _date_field(label: str) -> DateInputField:
    field = PostDateField(label=label, required=False, require_all_fields=False, help_text="For example, 27 3 2025")
    field.error_messages["incomplete"] = f"Enter the {label.lower()} as a day, month and year"
    field.error_messages["invalid"] = f"{label} must be a real date"
    field.error_messages["year"] = "Enter the year as 4 digits, for example 2025"
    return field


def _yes_no(label: str, error: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": error, "invalid_choice": error},
    )


class ComplaintForm(forms.Form):
    """The complaint: who is complaining, about whom, which posts, and what they ask for.

    With ``quiet=True`` (a councillor search, not a submission) the form keeps what was
    entered but reports no errors."""

    complainant_name = forms.CharField(
        label="Your full name", max_length=200, error_messages={"required": "Enter your full name"}
    )
    complainant_email = forms.EmailField(
        label="Email address",
        help_text="We will send you a link to confirm your address and to follow your complaint",
        error_messages={"required": "Enter your email address", "invalid": EMAIL_FORMAT},
    )
    complainant_phone = forms.CharField(label="Phone number (optional)", max_length=40, required=False)
    complainant_address = forms.CharField(
        label="Postal address (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In case we need to write to you",
    )
    complainant_type = forms.ChoiceField(
        label="Which of these best describes you?",
        choices=Complaint.ComplainantType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which best describes you", "invalid_choice": "Choose from the list"},
    )
    councillor_q = forms.CharField(
        label="Search for a councillor",
        required=False,
        max_length=100,
        help_text="Enter part of their name or of their council's name, then select Search. "
        "You can search as many times as you need: councillors you have chosen stay chosen.",
    )
    councillors = IdMultipleChoiceField(
        label="Councillors you are complaining about",
        queryset=Councillor.objects.select_related("authority__principal"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. They must all be councillors of the same council area.",
        error_messages={
            "required": "Search for the councillor and select them",
            "invalid_choice": "Choose councillors from the search results",
            "invalid_pk_value": "Choose councillors from the search results",
        },
    )
    headings = IdMultipleChoiceField(
        label="Which parts of the Code of Conduct do you think were broken? (optional)",
        queryset=CodeHeading.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply, if you know",
        error_messages={"invalid_choice": "Choose from the list", "invalid_pk_value": "Choose from the list"},
    )
    legal_concerns = IdMultipleChoiceField(
        label="Do you think the posts raise any of these legal concerns? (optional)",
        queryset=LegalConcern.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply",
        error_messages={"invalid_choice": "Choose from the list", "invalid_pk_value": "Choose from the list"},
    )
    acting_as_councillor = forms.ChoiceField(
        label="Was the councillor acting, or appearing to act, as a councillor?",
        choices=Complaint.ActingAsCouncillor.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the councillor was acting as a councillor",
            "invalid_choice": "Choose from the list",
        },
    )
    acting_reasons = forms.CharField(
        label="Why do you think so? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, the account calls them 'Councillor', or the post is about council business",
    )
    planning_or_licensing = _yes_no(
        "Is the complaint about a planning or licensing matter?",
        "Choose yes if the complaint is about a planning or licensing matter",
    )
    outcome_sought = forms.CharField(
        label="What outcome are you looking for?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, an apology, the post taken down, or training for the councillor",
        error_messages={"required": "Enter the outcome you are looking for"},
    )
    confidentiality_requested = forms.BooleanField(
        label="I ask for my name and details to be kept from the councillor", required=False
    )
    confidentiality_reasons = forms.CharField(
        label="Why should your identity be withheld?",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only if you ticked the box above. Normally the councillor is told who complained. "
        "The Monitoring Officer will decide; if they refuse, they will ask whether you want to go on.",
    )

    def __init__(
        self,
        *args: Any,
        user: User | None = None,
        complaint: Complaint | None = None,
        quiet: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.complaint, self.quiet = user, complaint, quiet
        self.checked: dict[int, list[uploads.CheckedFile]] = {}
        self._add_post_fields()
        # The address is proved (an account, or the emailed link), so it cannot be changed here.
        if user is not None:
            self.fields["complainant_email"].disabled = True
            self.fields["complainant_email"].help_text = "The email address of your account"
        elif complaint is not None:
            self.fields["complainant_email"].disabled = True
            self.fields["complainant_email"].help_text = "To use a different address, start a new complaint"
        self._add_remove_field()
        self._show_councillor_choices()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has the token
        self.helper.layout = self._layout()

    # --- building the form ------------------------------------------------------------------

    def _add_post_fields(self) -> None:
        limit = filesizeformat(settings.COMPLAINTS_EVIDENCE_MAX_FILE_BYTES)
        total = filesizeformat(settings.COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES)
        for i in range(MAX_POSTS):
            self.fields[f"post{i}_platform"] = forms.CharField(
                label="Platform or website",
                required=False,
                max_length=50,
                help_text="For example Facebook, X (Twitter), Instagram, TikTok, YouTube or a blog",
            )
            self.fields[f"post{i}_url"] = forms.URLField(
                label="Link to the post (optional)",
                required=False,
                max_length=500,
                assume_scheme="https",
                widget=forms.URLInput(attrs={"class": "govuk-input"}),
                error_messages={"invalid": "Enter the link in the correct format, like https://www.example.com/post"},
            )
            self.fields[f"post{i}_date"] = _date_field("Date posted")
            self.fields[f"post{i}_time"] = forms.CharField(
                label="Time posted (optional)", required=False, max_length=10, help_text="For example, 9:15am or 14:30"
            )
            self.fields[f"post{i}_content"] = forms.CharField(
                label="What did it say or show?",
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text="Copy the words if you can: the council may not be able to see the post",
            )
            self.fields[f"post{i}_files"] = MultipleFileField(
                label="Screenshots or other evidence (optional)",
                help_text=f"{uploads.ACCEPTED_TYPES_HINT}. Each file must be smaller than {limit}, "
                f"and all the files together smaller than {total}.",
            )

    def _add_remove_field(self) -> None:
        if self.complaint is None or not self.complaint.pk:
            return
        evidence = self.complaint.evidence.all()
        if evidence:
            field = IdMultipleChoiceField(
                label="Files you have already sent",
                queryset=evidence,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text="They are kept. Select any you want to remove.",
            )
            field.label_from_instance = lambda e: f"Remove {e.original_name} ({filesizeformat(e.size)})"
            self.fields["remove_evidence"] = field

    def _show_councillor_choices(self) -> None:
        """Offer the councillors already chosen and those the search found (and no others)."""
        field = self.fields["councillors"]
        if self.is_bound:
            chosen_ids, query = self.data.getlist("councillors"), self.data.get("councillor_q", "")
        else:
            chosen_ids, query = self.initial.get("councillors", []), self.initial.get("councillor_q", "")
        chosen_ids = [parse_id(getattr(c, "pk", c)) for c in chosen_ids]
        chosen_ids = [pk for pk in chosen_ids if pk is not None]
        chosen = list(Councillor.objects.filter(pk__in=chosen_ids).select_related("authority"))
        found = [c for c in search_councillors(query) if c.pk not in {x.pk for x in chosen}]
        self.search_query, self.search_found = query.strip(), found
        field.choices = [(c.pk, councillor_label(c)) for c in [*chosen, *found]]

    def _layout(self) -> Layout:
        parts: list = [
            Fieldset(
                Field.text("complainant_name", field_width=Fluid.TWO_THIRDS, autocomplete="name"),
                Field.text("complainant_email", field_width=Fluid.TWO_THIRDS, autocomplete="email", spellcheck="false"),
                Field.text("complainant_phone", field_width=Fluid.ONE_THIRD, autocomplete="tel"),
                Field.textarea("complainant_address", rows=3, autocomplete="street-address"),
                Field.radios("complainant_type", small=True),
                legend="About you",
                legend_size=Size.LARGE,
                legend_tag="h2",
            ),
            Fieldset(
                Field.text("councillor_q", field_width=Fluid.TWO_THIRDS),
                Submit("search", "Search", css_class="govuk-button--secondary"),
                # The query is the visitor's text: shown through a template variable, never built into
                # the layout's HTML (crispy renders HTML objects as templates).
                HTML('{% include "complaints/includes/councillor_search_message.html" %}'),
                Field.checkboxes("councillors") if self.fields["councillors"].choices else HTML(""),
                legend="The councillor",
                legend_size=Size.LARGE,
                legend_tag="h2",
            ),
            HTML('<h2 class="govuk-heading-l">The posts</h2>'),
            HTML.p(
                f"Tell us about each post, up to {MAX_POSTS}. Leave the parts for posts you do not need blank. "
                "For each one, say what it said and where it was; send screenshots if you can."
            ),
        ]
        for i in range(MAX_POSTS):
            fields = [
                Field.text(f"post{i}_platform", field_width=Fluid.TWO_THIRDS),
                Field.text(f"post{i}_url", spellcheck="false"),
                Field(f"post{i}_date"),
                Field.text(f"post{i}_time", field_width=Fluid.ONE_QUARTER),
                Field.textarea(f"post{i}_content", rows=5),
                Field(f"post{i}_files"),
            ]
            legend = "Post 1" if i == 0 else f"Post {i + 1} (optional)"
            parts.append(Fieldset(*fields, legend=legend, legend_size=Size.MEDIUM, legend_tag="h3"))
        if "remove_evidence" in self.fields:
            parts.append(Field.checkboxes("remove_evidence", legend_size=Size.MEDIUM, small=True))
        parts += [
            Fieldset(
                Field.checkboxes("headings", small=True),
                Field.checkboxes("legal_concerns", small=True),
                Field.radios("acting_as_councillor", small=True),
                Field.textarea("acting_reasons", rows=4),
                Field.radios("planning_or_licensing", small=True, inline=True),
                Field.textarea("outcome_sought", rows=4),
                legend="Your complaint",
                legend_size=Size.LARGE,
                legend_tag="h2",
            ),
            Fieldset(
                Field.checkbox("confidentiality_requested", small=True),
                Field.textarea("confidentiality_reasons", rows=4),
                legend="Keeping your identity confidential",
                legend_size=Size.LARGE,
                legend_tag="h2",
            ),
        ]
        return Layout(*parts)

    # --- validation --------------------------------------------------------------------------

    def full_clean(self) -> None:
        super().full_clean()
        if self.quiet:
            self._errors = forms.utils.ErrorDict()

    def clean_councillors(self):
        councillors = list(self.cleaned_data["councillors"])
        try:
            services.principal_authority_for(councillors)
        except DomainError as error:
            message = str(error)
            if message == services.WALES_MESSAGE:
                message += " Contact the Ombudsman at www.ombudsman.wales or on 0300 790 0203."
            raise ValidationError(message) from None
        return councillors

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [i for i in range(MAX_POSTS) if self._post_filled(i)]
        if not filled:
            self.add_error("post0_content", "Tell us what the post said or showed")
        new_bytes = 0
        for i in range(MAX_POSTS):
            if i in filled:
                self._clean_post(i)
            new_bytes += sum(f.size for f in self.checked.get(i, []))
        if data.get("confidentiality_requested") and not (data.get("confidentiality_reasons") or "").strip():
            self.add_error("confidentiality_reasons", "Give your reasons for asking for your identity to be withheld")
        if new_bytes:
            removing = [e.pk for e in data.get("remove_evidence") or []]
            try:
                uploads.check_total(self.complaint, new_bytes, removing=removing)
            except ValidationError as error:
                last = max(self.checked)
                self.add_error(f"post{last}_files", error)
                self.checked.clear()
        if "councillors" in self._errors and not self.fields["councillors"].choices:
            # No checkboxes are shown until a search finds someone: the message goes by the search box.
            self.add_error("councillor_q", ValidationError(self._errors.pop("councillors").as_data()))
        return data

    def _post_filled(self, i: int) -> bool:
        raw = [self.data.get(f"post{i}_{name}", "") for name in ("platform", "url", "time", "content")]
        raw += [self.data.get(f"post{i}_date_{part}", "") for part in range(3)]
        return any(str(value).strip() for value in raw) or bool(self.files.getlist(f"post{i}_files"))

    def _clean_post(self, i: int) -> None:
        data, n = self.cleaned_data, i + 1
        if not (data.get(f"post{i}_platform") or "").strip() and f"post{i}_platform" not in self.errors:
            self.add_error(f"post{i}_platform", f"Enter the platform or website of post {n}")
        if not (data.get(f"post{i}_content") or "").strip() and f"post{i}_content" not in self.errors:
            self.add_error(f"post{i}_content", f"Tell us what post {n} said or showed")
        posted_on: date | None = data.get(f"post{i}_date")
        try:
            at = parse_time(data.get(f"post{i}_time") or "")
        except ValueError:
            self.add_error(f"post{i}_time", f"Enter the time of post {n} like 9:15am or 14:30")
            at = None
        if at is not None and posted_on is None and f"post{i}_date" not in self.errors:
            self.add_error(f"post{i}_date", f"Enter the date of post {n} as well as the time")
        if posted_on is not None and posted_on > timezone.localdate():
            self.add_error(f"post{i}_date", f"The date of post {n} must be today or in the past")
        checked, problems = [], []
        for upload in data.get(f"post{i}_files") or []:
            try:
                checked.append(uploads.check_upload(upload))
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            self.add_error(f"post{i}_files", problems)
        else:
            self.checked[i] = checked

    # --- results -----------------------------------------------------------------------------

    def _posted_at(self, i: int) -> datetime | None:
        posted_on = self.cleaned_data.get(f"post{i}_date")
        if posted_on is None:
            return None
        at = parse_time(self.cleaned_data.get(f"post{i}_time") or "") or time(0, 0)
        return timezone.make_aware(datetime.combine(posted_on, at))

    def filled_posts(self) -> list[int]:
        return [i for i in range(MAX_POSTS) if self._post_filled(i)]

    def complaint_data(self) -> services.ComplaintData:
        data = self.cleaned_data
        posts = [
            services.PostData(
                platform=data[f"post{i}_platform"].strip(),
                content=data[f"post{i}_content"].strip(),
                url=data.get(f"post{i}_url") or "",
                posted_at=self._posted_at(i),
            )
            for i in self.filled_posts()
        ]
        if self.user is not None:
            email = self.user.email
        elif self.complaint is not None:
            email = self.complaint.complainant_email
        else:
            email = data["complainant_email"]
        return services.ComplaintData(
            complainant_name=data["complainant_name"].strip(),
            complainant_email=email,
            complainant_type=data["complainant_type"],
            complainant_phone=data.get("complainant_phone", "").strip(),
            complainant_address=data.get("complainant_address", "").strip(),
            councillors=data["councillors"],
            headings=list(data.get("headings") or []),
            legal_concerns=list(data.get("legal_concerns") or []),
            acting_as_councillor=data["acting_as_councillor"],
            acting_reasons=data.get("acting_reasons", "").strip(),
            planning_or_licensing=data["planning_or_licensing"],
            outcome_sought=data["outcome_sought"].strip(),
            confidentiality_requested=bool(data.get("confidentiality_requested")),
            confidentiality_reasons=(data.get("confidentiality_reasons") or "").strip(),
            posts=posts,
        )

    def uploads(self) -> list[Upload]:
        """The accepted files, by the position of their post among the filled-in ones."""
        positions = {i: n for n, i in enumerate(self.filled_posts())}
        return [Upload(post_index=positions[i], files=files) for i, files in self.checked.items() if files]

    def evidence_to_remove(self) -> list[Evidence]:
        return list(self.cleaned_data.get("remove_evidence") or [])


def initial_for_user(user: User) -> dict[str, Any]:
    """A signed-in person's details, and whether they complain as a councillor or an officer."""
    roles = user_roles(user)
    if Councillor.objects.filter(user=user).exists() or "councillor" in roles:
        kind = Complaint.ComplainantType.COUNCILLOR
    elif roles:
        kind = Complaint.ComplainantType.OFFICER
    else:
        kind = ""
    return {"complainant_name": user.full_name, "complainant_email": user.email, "complainant_type": kind}


def initial_from_complaint(complaint: Complaint) -> dict[str, Any]:
    """The draft's values, to change it."""
    initial: dict[str, Any] = {
        name: getattr(complaint, name)
        for name in (
            "complainant_name",
            "complainant_email",
            "complainant_phone",
            "complainant_address",
            "complainant_type",
            "acting_as_councillor",
            "acting_reasons",
            "outcome_sought",
            "confidentiality_requested",
            "confidentiality_reasons",
        )
    }
    initial["planning_or_licensing"] = "yes" if complaint.planning_or_licensing else "no"
    initial["councillors"] = [c.pk for c in complaint.councillors.all()]
    initial["headings"] = [h.pk for h in complaint.headings.all()]
    initial["legal_concerns"] = [c.pk for c in complaint.legal_concerns.all()]
    for i, post in enumerate(complaint.posts.order_by("pk")[:MAX_POSTS]):
        initial[f"post{i}_platform"], initial[f"post{i}_url"], initial[f"post{i}_content"] = (
            post.platform,
            post.url,
            post.content,
        )
        if post.posted_at:
            local = timezone.localtime(post.posted_at)
            initial[f"post{i}_date"] = local.date()
            if local.time() != time(0, 0):
                initial[f"post{i}_time"] = local.strftime("%H:%M")
    return initial


AGE_BANDS = ["Under 18", "18 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 or over"]
SEXES = ["Female", "Male"]
ETHNICITIES = [
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
    "White",
    "Another ethnic group",
]
DISABILITY = ["Yes", "No"]
RELIGIONS = ["No religion", "Buddhist", "Christian", "Hindu", "Jewish", "Muslim", "Sikh", "Another religion"]
ORIENTATIONS = ["Straight or heterosexual", "Gay or lesbian", "Bisexual", "Another sexual orientation"]
PREFER_NOT = "Prefer not to say"


def _equality(label: str, options: list[str]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[(o, o) for o in [*options, PREFER_NOT]],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose from the list, or leave the question unanswered"},
    )


class EqualityForm(forms.Form):
    """Optional questions, stored apart from the complaint and reported only as totals."""

    age_band = _equality("Your age", AGE_BANDS)
    sex = _equality("Your sex", SEXES)
    ethnicity = _equality("Your ethnic group", ETHNICITIES)
    disability = _equality(
        "Do you have a physical or mental health condition or illness lasting 12 months or more?", DISABILITY
    )
    religion = _equality("Your religion or belief", RELIGIONS)
    sexual_orientation = _equality("Your sexual orientation", ORIENTATIONS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "equality")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has the token
        self.helper.layout = Layout(
            Fieldset(
                HTML.p(
                    "These questions are optional: you can leave any or all of them. Your answers help the "
                    "council check that its complaints process is fair to everyone. They are stored "
                    "separately from your complaint, are not seen by the people who deal with it, and are "
                    "only ever reported as totals."
                ),
                *[Field.radios(name, small=True) for name in EQUALITY_FIELDS],
                legend="Equality monitoring (optional)",
                legend_size=Size.LARGE,
                legend_tag="h2",
            )
        )

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in EQUALITY_FIELDS} if self.is_valid() else {}


class CouncillorSearchForm(forms.Form):
    q = forms.CharField(
        label="Councillor's name or council",
        max_length=100,
        required=False,
        help_text="For example, Smith or Parish Council",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field.text("q", field_width=Fluid.TWO_THIRDS), Submit("go", "Search"))

    def results(self):
        if not self.is_valid():
            return []
        return list(search_councillors(self.cleaned_data["q"]))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing your complaint?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The Monitoring Officer will see this",
        error_messages={"required": "Tell us why you are withdrawing the complaint"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason", rows=4),
            Submit("withdraw", "Withdraw my complaint", css_class="govuk-button--warning"),
        )


class SafeguardingForm(forms.Form):
    """A concern about someone's safety: straight to the safeguarding lead, never a conduct case."""

    concern = forms.CharField(
        label="What is your concern?",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Tell us what you saw or heard and why you are worried",
        error_messages={"required": "Tell us what your concern is"},
    )
    who_where = forms.CharField(
        label="Who is it about, and where?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, a social media account name and the platform, with a link if you have one",
        error_messages={"required": "Tell us who the concern is about, or where you saw it"},
    )
    when = forms.CharField(
        label="When did it happen? (optional)",
        max_length=200,
        required=False,
        help_text="For example, yesterday evening, or 27 March 2025",
    )
    name = forms.CharField(label="Your name (optional)", max_length=200, required=False)
    email = forms.EmailField(
        label="Your email address (optional)", required=False, error_messages={"invalid": EMAIL_FORMAT}
    )
    phone = forms.CharField(label="Your phone number (optional)", max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has the token
        self.helper.layout = Layout(
            Field.textarea("concern", rows=6),
            Field.textarea("who_where", rows=4),
            Field.text("when", field_width=Fluid.TWO_THIRDS),
            Fieldset(
                HTML.p("So that the safeguarding lead can contact you if they need to. You can stay anonymous."),
                Field.text("name", field_width=Fluid.TWO_THIRDS, autocomplete="name"),
                Field.text("email", field_width=Fluid.TWO_THIRDS, autocomplete="email", spellcheck="false"),
                Field.text("phone", field_width=Fluid.ONE_THIRD, autocomplete="tel"),
                legend="Your contact details (optional)",
                legend_size=Size.MEDIUM,
                legend_tag="h2",
            ),
            Submit("send", "Send the concern"),
        )
