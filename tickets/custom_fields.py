"""Validation of ticket custom field values against their definitions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from .models import CustomField

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def enabled_fields() -> list[CustomField]:
    return list(CustomField.objects.filter(enabled=True))


def client_fields() -> list[CustomField]:
    """The enabled fields that requesters see and fill in, in the portal."""
    return list(CustomField.objects.filter(enabled=True, visible_to_clients=True))


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(field: CustomField, value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("Enter text.")
    text = str(value).strip()
    if len(text) > 1000:
        raise ValueError("Enter at most 1000 characters.")
    return text


def _number(field: CustomField, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Enter a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("Enter a number.") from None
    if not number.is_finite():
        raise ValueError("Enter a number.")
    return int(number) if number == number.to_integral_value() else float(number)


def _date(field: CustomField, value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD.") from None


def _choice(field: CustomField, value: Any) -> str:
    text = str(value).strip()
    if text not in field.choices:
        raise ValueError(f"Select one of: {', '.join(field.choices)}.")
    return text


def _checkbox(field: CustomField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("Enter true or false.")


# How a value of each type is checked and stored.
CLEANERS: dict[str, Callable[[CustomField, Any], Any]] = {
    CustomField.Type.TEXT: _text,
    CustomField.Type.NUMBER: _number,
    CustomField.Type.DATE: _date,
    CustomField.Type.CHOICE: _choice,
    CustomField.Type.CHECKBOX: _checkbox,
}


def clean_value(field: CustomField, value: Any) -> Any:
    """Return the JSON-storable value for `field`, or raise ValueError with a message."""
    if is_empty(value):
        return False if field.type == CustomField.Type.CHECKBOX else None
    cleaner = CLEANERS.get(field.type)
    if cleaner is None:
        raise ValueError("Unknown field type.")
    return cleaner(field, value)


def validate_values(
    values: Mapping[str, Any],
    *,
    current: Mapping[str, Any] | None = None,
    fields: Iterable[CustomField] | None = None,
    require: bool = True,
) -> dict[str, Any]:
    """Validate `values` (by key) and return the complete set to store.

    `current` holds a ticket's stored values when updating; keys not given keep
    them. Required fields must end up with a value, unless `require` is false (a
    ticket that arrives by email cannot be asked for them). Unknown or disabled keys
    are refused. Errors are raised as one ValidationError keyed by field key.
    """
    if not values and not current and not require:
        # Nothing given, nothing stored, nothing asked for: no need to read the fields
        # (every email ticket comes this way).
        return {}
    definitions = {
        field.key: field for field in (fields if fields is not None else enabled_fields())
    }
    errors: dict[str, list[str]] = {}
    result = dict(current or {})
    for key, value in values.items():
        field = definitions.get(key)
        if field is None:
            errors[key] = ["Unknown custom field."]
            continue
        try:
            result[key] = clean_value(field, value)
        except ValueError as error:
            errors[key] = [str(error)]
    for key, field in definitions.items():
        if key in errors:
            continue
        if require and field.required and (is_empty(result.get(key)) or result.get(key) is False):
            errors[key] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return {
        key: value for key, value in result.items() if key in definitions or key in (current or {})
    }
