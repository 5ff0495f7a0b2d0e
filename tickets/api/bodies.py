"""Reading the Tickets API's request bodies, and naming a service's errors by the
API's parameters. The rest of the API's plumbing is in helpdesk/api.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions
from rest_framework.request import Request

from helpdesk.api import field_messages, validation_error


def renamed_errors(errors: dict[str, list[str]], names: dict[str, str]) -> dict[str, list[str]]:
    """Service errors use model field names; the API reports its own parameter names."""
    renamed: dict[str, list[str]] = {}
    for field, messages in errors.items():
        renamed.setdefault(names.get(field, field), []).extend(messages)
    return renamed


def service_validation_error(
    error: DjangoValidationError, names: dict[str, str]
) -> exceptions.ValidationError:
    return validation_error(renamed_errors(field_messages(error), names))


@contextmanager
def service_errors(names: dict[str, str]) -> Iterator[None]:
    """Turn a service's ValidationError into a 422 that names the API's parameters."""
    try:
        yield
    except DjangoValidationError as error:
        raise service_validation_error(error, names) from error


class FormValues(dict[str, Any]):
    """The values of a form-encoded or multipart body, where every value is text; a JSON
    body's values keep their JSON types, which the inputs check (tickets.api.inputs)."""


def request_values(request: Request) -> dict[str, Any]:
    """The request body as a plain dict, the same for form-encoded and JSON bodies.

    `name[]` keys (repeated in a form, or a JSON array) become lists under `name`, as
    does a plain key given more than once; `custom_fields[key]` form keys become a
    `custom_fields` dict.
    """
    data = request.data
    if isinstance(data, MultiValueDict):  # a form-encoded or multipart body: a QueryDict
        values: dict[str, Any] = FormValues()
        custom_fields: dict[str, Any] = {}
        for key in data:
            if key.endswith("[]"):
                values[key[:-2]] = data.getlist(key)
            elif key.startswith("custom_fields[") and key.endswith("]"):
                custom_fields[key[14:-1]] = data.get(key)
            else:
                given = data.getlist(key)
                values[key] = given[0] if len(given) == 1 else given
        if custom_fields:
            values["custom_fields"] = custom_fields
        return values
    if not isinstance(data, dict):
        raise validation_error({"body": ["The request body must be a JSON object."]})
    return {(key[:-2] if key.endswith("[]") else key): value for key, value in data.items()}
