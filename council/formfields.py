"""Form fields shared by the apps, hardened against input no person would type."""

from __future__ import annotations

from crispy_forms_gds.fields import DateInputField as GdsDateInputField
from django import forms
from django.core.exceptions import ValidationError

from .ids import parse_id


class DateInputField(GdsDateInputField):
    """GOV.UK day, month and year inputs. crispy-forms-gds turns an impossible date into a
    message but lets a number too big for a date (a day of 99999999999999999999) raise
    OverflowError: that is refused as an invalid date here."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except OverflowError as exc:
            raise ValidationError("Enter a real date, like 27 3 2026", code="invalid") from exc


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Checkboxes of objects. Django checks each submitted id with the model field, which accepts
    a number too big for the database; such an id (or one in other scripts' digits) is refused
    as an invalid choice before it reaches a query."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value if isinstance(value, list | tuple) else []:
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)
