"""Filter forms whose selects depend on the chosen authority, at council and at national scale.

A council's own portal has a principal council, its parishes and a few dozen wards, groups and
committees: every select can list everything. A national portal has 10,000 authorities (400
principal councils, the rest parish and town councils), 13,500 political groups and 7,200
committees: selects listing all of them make a page of megabytes that helps nobody choose.

So, beyond ``MAX_UNFILTERED_OPTIONS`` options:

- the authority select lists the principal councils, and a second select, "Parish or town
  council", lists the chosen principal council's parishes (apply the filters to fill it: no
  JavaScript needed). Choosing a principal council alone still means that council's own
  councillors, not its parishes', as it always has; an address that names a parish as the
  authority (a bookmark, the spreadsheet link) shows it chosen under its principal council;
- the selects that depend on the authority (wards, groups, committees) list the chosen
  authority's options only, and nothing until one is chosen.

A value that belongs to an authority other than the one now chosen is left over from the previous
choice (the person changed the authority and applied): it is dropped, so the page shows the new
authority's list rather than an error. Values that name nothing still get the field's message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from .ids import parse_id
from .models import Authority
from .widgets import FastSelect

SCOPED_HINT = "Choose an authority and apply the filters to choose from its list."
PARISH_HINT = "Choose a principal council and apply the filters to choose one of its parish or town councils."
PARISH_CHOSEN_HINT = "Leave as None for the councillors of the principal council itself."


def _fits(field: forms.ModelChoiceField, limit: int) -> bool:
    """Whether the field's options number ``limit`` or fewer. If they do, the options just read
    become the field's choices, so showing the select costs no second query."""
    options = list(field.queryset[: limit + 1])
    if len(options) > limit:
        return False
    if field.iterator is forms.models.ModelChoiceIterator:
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.choices = empty + [(option.pk, field.label_from_instance(option)) for option in options]
    return True


class AuthorityScopedFilters:
    """Mixin for a filter form (GET) with an ``authority`` field and fields whose options each
    belong to an authority (``scoped_fields``, model choice fields on models with an
    ``authority`` foreign key). Call ``scope_to_authority()`` from ``__init__``, after
    ``super().__init__()`` and before building the layout; read the chosen authority with
    ``chosen_authority()``."""

    MAX_UNFILTERED_OPTIONS = 200
    scoped_fields: tuple[str, ...] = ()

    fields: dict[str, forms.Field]
    data: Any
    is_bound: bool

    def scope_to_authority(self) -> None:
        if self.is_bound:
            self.data = self.data.copy()  # a request's QueryDict is immutable; values may be dropped below
        self.offers_parishes = not _fits(self.fields["authority"], self.MAX_UNFILTERED_OPTIONS)
        authority_id = self._id("authority")
        scope_id = self._principals_then_parishes(authority_id) if self.offers_parishes else authority_id
        for name in self.scoped_fields:
            field = self.fields[name]
            if _fits(field, self.MAX_UNFILTERED_OPTIONS):
                continue
            if scope_id is not None:
                self._drop_if_elsewhere(name, field.queryset.model.objects.exclude(authority_id=scope_id))
                field.queryset = field.queryset.filter(authority_id=scope_id)
            else:
                # Keep a value named in the address valid; offer nothing else until an authority is chosen.
                field.queryset = field.queryset.filter(pk=self._id(name))
                field.help_text = SCOPED_HINT

    def chosen_authority(self, cleaned_data: dict[str, Any]) -> Authority | None:
        """The authority whose councillors to show: the parish if one was chosen, else the authority."""
        return cleaned_data.get("parish") or cleaned_data.get("authority")

    def _id(self, name: str) -> int | None:
        return parse_id(self.data.get(name, "")) if self.is_bound else None

    def _principals_then_parishes(self, authority_id: int | None) -> int | None:
        """List principal councils and the chosen one's parishes; return the authority the other
        selects should list the options of (the parish if one is chosen)."""
        self._add_parish_field()
        authority, parish = self.fields["authority"], self.fields["parish"]
        chosen = (
            Authority.objects.filter(pk=authority_id).values_list("kind", "principal_id").first()
            if authority_id is not None
            else None
        )
        if chosen is not None and chosen[0] != Authority.Kind.PRINCIPAL and chosen[1] is not None:
            # The address names a parish as the authority: show it under its principal council.
            self.data["parish"], self.data["authority"] = str(authority_id), str(chosen[1])
            authority_id = chosen[1]
            chosen = (Authority.Kind.PRINCIPAL, None)
        # A parish without a principal council stays choosable when the address names it.
        keep = Q(pk=authority_id) if authority_id is not None else Q()
        authority.queryset = authority.queryset.filter(Q(kind=Authority.Kind.PRINCIPAL) | keep)
        parishes = Authority.objects.exclude(kind=Authority.Kind.PRINCIPAL)
        if chosen is not None and chosen[0] == Authority.Kind.PRINCIPAL:
            parish.queryset = parishes.filter(principal_id=authority_id).order_by("name")
            parish.help_text = PARISH_CHOSEN_HINT
            self._drop_if_elsewhere("parish", parishes.exclude(principal_id=authority_id))
        else:
            parish.help_text = PARISH_HINT
            self._drop_if_elsewhere("parish", parishes)
        return self._id("parish") or authority_id

    def _add_parish_field(self) -> None:
        field = forms.ModelChoiceField(
            label="Parish or town council",
            queryset=Authority.objects.none(),
            required=False,
            empty_label="None",
            widget=FastSelect,
            error_messages={"invalid_choice": "Choose a parish or town council from the list"},
        )
        # Straight after the authority, so errors are listed in the order the fields are shown.
        fields = {}
        for name, existing in self.fields.items():
            fields[name] = existing
            if name == "authority":
                fields["parish"] = field
        self.fields = fields

    def _drop_if_elsewhere(self, name: str, elsewhere: QuerySet) -> None:
        """Forget a value left over from the previous choice of authority (see the module's docstring)."""
        value = self._id(name)
        if value is not None and elsewhere.filter(pk=value).exists():
            self.data.pop(name, None)
