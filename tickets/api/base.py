"""What every endpoint of the REST API shares: API-key authentication, the agent
permission, the response envelope, the error envelope and pagination.

Success: `{"data": ...}`; lists add `{"meta": {current_page, per_page, total, last_page}}`.
Errors: `{"message": "...", "errors": {field: [messages]}}`, `errors` only on 422.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.services import Conflict

from .authentication import (
    UNAUTHENTICATED,
    AgentSessionAuthentication,
    ApiKeyAuthentication,
    IsAgent,
)

API_AUTHENTICATION = [ApiKeyAuthentication, AgentSessionAuthentication]
API_PERMISSIONS = [IsAgent]


def data_response(data: Any, status_code: int = status.HTTP_200_OK) -> Response:
    return Response({"data": data}, status=status_code)


def validation_error(
    errors: dict[str, list[str]], message: str | None = None
) -> exceptions.ValidationError:
    """A 422 with the error envelope; raise it."""
    error = exceptions.ValidationError(errors)
    error.envelope_message = message or first_message(errors)
    return error


def first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for value in errors.values():
            return first_message(value)
    if isinstance(errors, list) and errors:
        return first_message(errors[0])
    return str(errors) if errors else "The given data was invalid."


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub_field, messages in _flatten(value).items():
                    flat[f"{field}.{sub_field}"] = messages
            elif isinstance(value, list):
                flat[field] = [str(item) for item in value]
            else:
                flat[field] = [str(value)]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render every API error in the envelope, with the codes the API documents."""
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = validation_error(errors)
    if isinstance(exc, Conflict):
        return Response({"message": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            {"message": "This cannot be deleted: other records still use it."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response = Response({"message": UNAUTHENTICATED}, status=status.HTTP_401_UNAUTHORIZED)
        response["WWW-Authenticate"] = ApiKeyAuthentication.keyword
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        message = getattr(exc, "envelope_message", None) or first_message(errors)
        return Response(
            {"message": message, "errors": errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    if isinstance(exc, (exceptions.ParseError, exceptions.UnsupportedMediaType)):
        # A body that cannot be read is invalid input like any other: 422, never 400.
        return Response(
            {"message": str(exc.detail), "errors": {"body": [str(exc.detail)]}},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotFound):
        message = (
            str(exc.detail)
            if str(exc.detail) != exceptions.NotFound.default_detail
            else "Not found."
        )
    elif isinstance(exc, exceptions.APIException):
        message = (
            str(exc.detail)
            if not isinstance(exc.detail, (dict, list))
            else first_message(exc.detail)
        )
    else:
        message = str(exc)
    response.data = {"message": message}
    return response


class Page:
    """`page` (from 1) and `limit` (default 25, at most 100), validated."""

    DEFAULT_LIMIT = 25
    MAX_LIMIT = 100

    def __init__(self, request: Request) -> None:
        errors: dict[str, list[str]] = {}
        self.number = self._read(request, "page", 1, 1, None, errors)
        self.limit = self._read(request, "limit", self.DEFAULT_LIMIT, 1, self.MAX_LIMIT, errors)
        if errors:
            raise validation_error(errors)

    @staticmethod
    def _read(
        request: Request,
        name: str,
        default: int,
        minimum: int,
        maximum: int | None,
        errors: dict[str, list[str]],
    ) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            errors[name] = [f"The {name} must be an integer."]
            return default
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum else f"at least {minimum}"
            errors[name] = [f"The {name} must be {bounds}."]
        return value

    def slice(
        self,
        queryset: QuerySet,
        total: int | None = None,
        rows_between: Callable[[int, int], list] | None = None,
    ) -> tuple[list, dict[str, int]]:
        """The page's rows and the meta block: one SELECT, and a COUNT unless `total` is given.

        `rows_between(start, stop)` reads the rows when slicing the queryset is not the
        fast way to (a search: see tickets.filters.search_page).
        """
        if total is None:
            total = queryset.count()
        offset = (self.number - 1) * self.limit
        rows = []
        if offset < total:
            stop = offset + self.limit
            rows = rows_between(offset, stop) if rows_between else list(queryset[offset:stop])
        meta = {
            "current_page": self.number,
            "per_page": self.limit,
            "total": total,
            "last_page": max(1, math.ceil(total / self.limit)),
        }
        return rows, meta


def paginated_response(request: Request, queryset: QuerySet, serialize) -> Response:
    page = Page(request)
    rows, meta = page.slice(queryset)
    return Response({"data": [serialize(row) for row in rows], "meta": meta})


def iso(value: datetime.datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, as every API time is written."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiRateThrottle(UserRateThrottle):
    """The per-user (or, before sign-in, per-address) rate limit, read at request time.

    DRF's own class reads the rate once, when it is imported; reading it per
    request lets a deployment or a test change API_RATE_LIMIT without a restart.
    """

    def __init__(self) -> None:
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        super().__init__()


# The base of every native API view: key or session auth, agents only, rate limited.
# (A comment, not a docstring: drf-spectacular would show a docstring on every operation.)
class ApiView(APIView):
    throttle_classes = [ApiRateThrottle]


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api: a 404 in the error envelope rather than an HTML page."""
    return JsonResponse({"message": "Not found."}, status=status.HTTP_404_NOT_FOUND)


def renamed_errors(errors: dict[str, list[str]], names: dict[str, str]) -> dict[str, list[str]]:
    """Service errors use model field names; the API reports its own parameter names."""
    renamed: dict[str, list[str]] = {}
    for field, messages in errors.items():
        renamed.setdefault(names.get(field, field), []).extend(messages)
    return renamed


def service_validation_error(
    error: DjangoValidationError, names: dict[str, str]
) -> exceptions.ValidationError:
    errors = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return validation_error(renamed_errors(errors, names))


def request_values(request: Request) -> dict[str, Any]:
    """The request body as a plain dict, the same for form-encoded and JSON bodies.

    `name[]` keys (repeated in a form, or a JSON array) become lists under `name`, as
    does a plain key given more than once; `custom_fields[key]` form keys become a
    `custom_fields` dict.
    """
    data = request.data
    if hasattr(data, "getlist"):
        values: dict[str, Any] = {}
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


@contextmanager
def service_errors(names: dict[str, str]) -> Iterator[None]:
    """Turn a service's ValidationError into a 422 that names the API's parameters."""
    try:
        yield
    except DjangoValidationError as error:
        raise service_validation_error(error, names) from error


def validated(serializer, extra_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The serializer's validated data, or one 422 with its errors and any others found."""
    valid = serializer.is_valid()
    errors = {} if valid else dict(serializer.errors)
    errors.update(extra_errors or {})
    if errors:
        raise validation_error(_flatten(errors))
    return serializer.validated_data
