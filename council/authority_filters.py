"""Filter forms whose selects depend on the chosen authority, at council and at national scale.

Used by the directory, the training matrix and the protocol compliance dashboard, so the three
behave alike. A council's own portal has a principal council, its parishes and a few dozen wards,
groups and committees: every select can list everything. A national portal has 10,000 authorities
(400 principal councils, the rest parish and town councils), 13,500 political groups and 7,200
committees: selects listing all of them make a page of megabytes that helps nobody choose.

So, beyond ``MAX_UNFILTERED_OPTIONS`` options:

- the authority select lists the principal councils (and any parish recorded without one, which
  has no other way in), and a second select, "Parish or town council", lists the chosen principal
  council's parishes (apply the filters to fill it: no JavaScript needed). It is left out once a
  council without parishes is chosen. Choosing a principal council alone still means that
  council's own councillors, not its parishes';
- the selects that depend on the authority (wards, groups, committees) list the chosen
  authority's options only, and nothing until one is chosen.

Addresses (bookmarks, links from other pages, the spreadsheet link) may name a parish as the
authority, or name a parish without its principal council: either way the parish is chosen under
its principal council. With one select for every authority, it is chosen in that select.

A value that belongs to an authority other than the one now chosen is left over from the previous
choice (the person changed the authority and applied): it is dropped, so the page shows the new
authority's list rather than an error; "Any authority" chosen drops a parish the same way. Values
that name nothing still get the field's message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model

from .ids import parse_id
from .models import Authority
from .widgets import FastSelect

SCOPED_HINT = "Choose an authority and apply the filters to choose from its list."
PARISH_HINT = "Choose a principal council and apply the filters to choose one of its parish or town councils."
PARISH_CHOSEN_HINT = "Leave as None for the councillors of the principal council itself."


def _options_if_few(field: forms.ModelChoiceField, limit: int) -> list[Model] | None:
    """The field's options if they number ``limit`` or fewer, else None. If they do, they also
    become the field's choices, so showing the select costs no second query."""
    options = list(field.queryset[: limit + 1])
    if len(options) > limit:
        return None
    _offer(field, options)
    return options


def _offer(field: forms.ModelChoiceField, options: list[Model]) -> None:
    """``options`` (already read) become the field's choices."""
    if field.iterator is forms.models.ModelChoiceIterator:
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.choices = empty + [(option.pk, field.label_from_instance(option)) for option in options]
    else:
        # The field's own layout (say, grouped under their authority) of the options just read.
        iterator = field.iterator(field)
        iterator.queryset = options
        field.choices = list(iter(iterator))  # not list(iterator): its len() would count a queryset


class _ParishField(forms.ModelChoiceField):
    """The chosen principal council's parishes, read once for the select and again for nothing:
    a chosen parish costs no query of its own, so the page's queries do not depend on the choice."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Authority.objects.none(), **kwargs)
        self.parishes: dict[int, Authority] = {}

    def offer(self, parishes: list[Authority]) -> None:
        self.parishes = {parish.pk: parish for parish in parishes}
        self.choices = [("", self.empty_label), *((parish.pk, parish.name) for parish in parishes)]

    def to_python(self, value: Any) -> Authority | None:
        if value in self.empty_values:
            return None
        parish = self.parishes.get(parse_id(value))
        if parish is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return parish


class AuthorityScopedFilters:
    """Mixin for a filter form (GET) with an ``authority`` field and fields whose options each
    belong to an authority (``scoped_fields``, model choice fields on models with an
    ``authority`` foreign key). Call ``scope_to_authority()`` from ``__init__``, after
    ``super().__init__()`` and before building the layout (show the ``parish`` field when
    ``offers_parishes``); read the chosen authority with ``chosen_authority()``."""

    MAX_UNFILTERED_OPTIONS = 200
    scoped_fields: tuple[str, ...] = ()

    fields: dict[str, forms.Field]
    data: Any
    is_bound: bool

    def scope_to_authority(self) -> None:
        if self.is_bound:
            self.data = self.data.copy()  # a request's QueryDict is immutable; values may be dropped below
        authorities = _options_if_few(self.fields["authority"], self.MAX_UNFILTERED_OPTIONS)
        self.offers_parishes = authorities is None
        scope_id = self._principals_then_parishes() if authorities is None else self._one_select(authorities)
        for name in self.scoped_fields:
            field, value = self.fields[name], self._id(name)
            options = _options_if_few(field, self.MAX_UNFILTERED_OPTIONS)
            if scope_id is None:
                if options is None:
                    # Keep a value named in the address valid; offer nothing else until an authority
                    # is chosen (and with no value, ask the database nothing).
                    field.queryset = field.queryset.filter(pk=value) if value is not None else field.queryset.none()
                    field.help_text = SCOPED_HINT
                continue
            if options is not None:
                left_over = any(option.pk == value and option.authority_id != scope_id for option in options)
            else:
                left_over = (
                    value is not None
                    and field.queryset.model.objects.filter(pk=value).exclude(authority_id=scope_id).exists()
                )
                field.queryset = field.queryset.filter(authority_id=scope_id)
            if left_over:
                self.data.pop(name)

    def chosen_authority(self, cleaned_data: dict[str, Any]) -> Authority | None:
        """The authority whose councillors to show: the parish if one was chosen, else the authority."""
        return cleaned_data.get("parish") or cleaned_data.get("authority")

    def _id(self, name: str) -> int | None:
        return parse_id(self.data.get(name, "")) if self.is_bound else None

    def _one_select(self, authorities: list[Authority]) -> int | None:
        """Every authority in one select: a parish named in the address (a link made when there
        was a parish select) is chosen in it. Return the chosen authority's id."""
        by_id = {a.pk: a for a in authorities}
        authority, parish = by_id.get(self._id("authority")), by_id.get(self._id("parish"))
        if self.is_bound:
            self.data.pop("parish", None)
        if (
            parish is not None
            and parish.kind != Authority.Kind.PRINCIPAL
            and ("authority" not in self.data or (authority is not None and authority.pk == parish.principal_id))
        ):
            self.data["authority"], authority = str(parish.pk), parish
        return authority.pk if authority is not None else None

    def _principals_then_parishes(self) -> int | None:
        """List principal councils and the chosen one's parishes; return the authority the other
        selects should list the options of (the parish if one is chosen)."""
        self._add_parish_field()
        authority_id, parish_id = self._id("authority"), self._id("parish")
        named = {
            pk: (kind, principal_id)
            for pk, kind, principal_id in Authority.objects.filter(
                pk__in=[pk for pk in (authority_id, parish_id) if pk is not None]
            ).values_list("pk", "kind", "principal_id")
        }
        authority, parish = named.get(authority_id), named.get(parish_id)
        if authority is not None and authority[1] is not None:
            # The address names a parish as the authority: choose it under its principal council.
            authority_id, parish_id, parish = authority[1], authority_id, authority
        elif parish is not None and parish[0] != Authority.Kind.PRINCIPAL and "authority" not in self.data:
            # The address names a parish alone: it implies its principal council (a parish without
            # one is on the authority select itself).
            authority_id = parish[1] or parish_id
        elif authority is None:
            authority_id = None
        chose_parish = parish is not None and parish[0] != Authority.Kind.PRINCIPAL
        if chose_parish and (authority_id is None or parish[1] != authority_id):
            # Left over from a principal council no longer chosen ("Any authority" included), or
            # a parish without a principal council, now chosen as the authority itself.
            self.data.pop("parish")
            chose_parish = False
        if authority_id is not None and self.is_bound:
            self.data["authority"] = str(authority_id)
            if chose_parish:
                self.data["parish"] = str(parish_id)
        principals = self.fields["authority"]
        principals.queryset = principals.queryset.filter(principal__isnull=True)
        _offer(principals, list(principals.queryset))  # read once, for the select

        field = self.fields["parish"]
        options = list(Authority.objects.filter(principal_id=authority_id).order_by("name")) if authority_id else []
        field.offer(options)
        field.help_text = PARISH_HINT if authority_id is None else PARISH_CHOSEN_HINT
        if authority_id is not None and not options and not str(self.data.get("parish", "")).strip():
            # A council without parishes: nothing to choose. (A value that names nothing keeps the
            # select, to carry its message.)
            del self.fields["parish"]
            self.offers_parishes = False
        return parish_id if chose_parish else authority_id

    def _add_parish_field(self) -> None:
        field = _ParishField(
            label="Parish or town council",
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
