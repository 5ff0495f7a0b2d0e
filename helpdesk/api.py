"""What the helpdesk's JSON APIs share: the base view, the native envelope, the
error handler and pagination. Authentication, the agent permission and the rate
limit are in helpdesk/api_access.py.

The native envelope (the Tickets API under /api, the reports under /api/reports):
success `{"data": ...}`; lists add `{"meta": {current_page, per_page, total, last_page}}`.
Errors: `{"message": "...", "errors": {field: [messages]}}`, `errors` only on 422.

An API with an error body of its own reuses the mapping of exceptions to status
codes and messages (`error_response`) with its own `ErrorEnvelope`.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.permissions import Action
from tickets.services import Conflict

from .api_access import UNAUTHENTICATED, ApiKeyAuthentication


# The base of every API view. Authentication, the agent permission, the rate limit and
# the error handler are REST_FRAMEWORK's defaults (helpdesk/settings.py).
# (A comment, not a docstring: drf-spectacular would show a docstring on every operation.)
class ApiView(APIView):
    # What a method needs besides being an agent (tickets.permissions.Action by HTTP method;
    # WORK_TICKETS for the others), checked by helpdesk.api_access.MayDo.
    required_actions: ClassVar[dict[str, Action]] = {}
    # The rate limits this request was counted against (check_throttles), for its headers;
    # None until they are checked.
    rate_limits: list[BaseThrottle] | None = None

    def get_throttles(self) -> list[BaseThrottle]:
        self.rate_limits = super().get_throttles()
        return self.rate_limits

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.rate_limits is None and isinstance(request, Request):
            self.count_refused(request)
        for throttle in self.rate_limits or []:
            add_rate_limit_headers(response, throttle)
        return response

    def count_refused(self, request: Request) -> None:
        """Count a request refused before its rate limit was checked (a bad key, a non-agent,
        an unknown format): so that its answer has the headers too, and so that refusals
        cannot be tried without limit. The answer itself stays the refusal."""
        # Authenticates, if the refusal came before that; a failed authentication leaves the
        # request anonymous, counted by its address.
        with contextlib.suppress(exceptions.APIException):
            request.user  # noqa: B018
        for throttle in self.get_throttles():
            throttle.allow_request(request, self)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown `?format=` with a 404, as if the resource were missing.
            asked = request.query_params.get("format", "")
            offered = " or ".join(renderer.format for renderer in self.get_renderers())
            raise validation_error(
                {"format": [f"Unknown format '{asked}': ask for {offered}."]}
            ) from None

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are always JSON, even when another format (a report's CSV) was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def add_rate_limit_headers(response: HttpResponse, throttle: BaseThrottle) -> None:
    """X-RateLimit-Limit, -Remaining and -Reset (seconds until a request is free again) of a
    rate limit that counted this request. DRF's SimpleRateThrottle keeps the window's
    requests (`history`, newest first) once it has counted one; its attributes are not in
    the stubs."""
    limit: int | None = getattr(throttle, "num_requests", None)
    duration: int | None = getattr(throttle, "duration", None)
    history: list[float] | None = getattr(throttle, "history", None)
    if not limit or duration is None or history is None:
        return
    now: float = getattr(throttle, "now", time.time())
    oldest = history[-1] if history else now
    response["X-RateLimit-Limit"] = str(limit)
    response["X-RateLimit-Remaining"] = str(max(0, limit - len(history)))
    response["X-RateLimit-Reset"] = str(max(1, math.ceil(oldest + duration - now)))


def data_response(data: Any, status_code: int = status.HTTP_200_OK) -> Response:
    return Response({"data": data}, status=status_code)


# Errors ---------------------------------------------------------------------

ErrorEnvelope = Callable[[int, str, dict[str, list[str]] | None], Any]
"""Writes an error's body from its status code, message and field messages (422 only)."""


def native_error(status_code: int, message: str, errors: dict[str, list[str]] | None) -> Any:
    if errors is None:
        return {"message": message}
    return {"message": message, "errors": errors}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """The native API's errors: REST_FRAMEWORK's EXCEPTION_HANDLER."""
    return error_response(exc, context, native_error)


def validation_error(
    errors: dict[str, list[str]], message: str | None = None
) -> exceptions.ValidationError:
    """A 422 with the error envelope; raise it."""
    error = exceptions.ValidationError(errors)
    error.envelope_message = message or first_message(errors)  # type: ignore[attr-defined]  # read by error_response
    return error


def field_messages(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError's messages by field (`non_field_errors` when it has none)."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"non_field_errors": error.messages}


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


def too_large_message(exc: Exception) -> str:
    """Which of Django's request limits a body went over, with the limit."""
    if isinstance(exc, TooManyFilesSent):
        return f"The request holds more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files."
    if isinstance(exc, TooManyFieldsSent):
        return f"The request holds more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields."
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    return (
        f"The request body is over its limit of {megabytes:.3g} MB "
        "(attached files count apart, each against the attachment limit)."
    )


def _conflict_or_too_large(exc: Exception, envelope: ErrorEnvelope) -> Response | None:
    """409 for a service's conflict or a delete that other records prevent; 413 for a body
    over Django's request limits (Django's own answer would be its HTML 400 page)."""
    if isinstance(exc, Conflict):
        return Response(envelope(409, str(exc), None), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        message = "This cannot be deleted: other records still use it."
        return Response(envelope(409, message, None), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return Response(
            envelope(413, too_large_message(exc), None),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return None


def error_response(exc: Exception, context: dict, envelope: ErrorEnvelope) -> Response | None:
    """Every API error with the status code and message the API documents, its body
    written by `envelope`; None for an exception that is not an API error (a 500)."""
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(field_messages(exc))
    conflict_or_too_large = _conflict_or_too_large(exc, envelope)
    if conflict_or_too_large is not None:
        return conflict_or_too_large
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        unauthenticated = Response(
            envelope(401, UNAUTHENTICATED, None), status=status.HTTP_401_UNAUTHORIZED
        )
        unauthenticated["WWW-Authenticate"] = ApiKeyAuthentication.keyword
        return unauthenticated
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        message = getattr(exc, "envelope_message", None) or first_message(errors)
        return Response(envelope(422, message, errors), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, (exceptions.ParseError, exceptions.UnsupportedMediaType)):
        # A body that cannot be read is invalid input like any other: 422, never 400.
        message = str(exc.detail)
        return Response(
            envelope(422, message, {"body": [message]}),
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
    response.data = envelope(response.status_code, message, None)
    return response


def validated(serializer, extra_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The serializer's validated data, or one 422 with its errors and any others found."""
    valid = serializer.is_valid()
    errors = {} if valid else dict(serializer.errors)
    errors.update(extra_errors or {})
    if errors:
        raise validation_error(_flatten(errors))
    return serializer.validated_data


def not_found_view(envelope: ErrorEnvelope) -> Callable[..., JsonResponse]:
    """The view for any other path of an API: a 404 in that API's error envelope rather
    than an HTML page, counted against the rate limit like any API answer (it is no
    ApiView). Each API ends its URL patterns with one."""

    # Exempt from CSRF: it changes nothing, and a POST from a browser session to a path that
    # does not exist must get this 404 rather than the HTML page of a CSRF failure.
    @csrf_exempt
    def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        response = JsonResponse(
            envelope(404, "Not found.", None), status=status.HTTP_404_NOT_FOUND, safe=False
        )
        # DRF's settings hold the imported classes; the stubs type them as their names.
        authenticators: Sequence[Any] = api_settings.DEFAULT_AUTHENTICATION_CLASSES
        throttles: Sequence[Any] = api_settings.DEFAULT_THROTTLE_CLASSES
        api_request = Request(
            request, authenticators=[authenticator() for authenticator in authenticators]
        )
        # A bad key or a session without its CSRF token: counted by address, still a 404.
        with contextlib.suppress(exceptions.APIException):
            api_request.user  # noqa: B018
        for throttle_class in throttles:
            throttle = throttle_class()
            throttle.allow_request(api_request, None)
            add_rate_limit_headers(response, throttle)
        return response

    return not_found


not_found = not_found_view(native_error)
"""Any other path under /api."""


# Pagination -----------------------------------------------------------------


class Page:
    """`page` (from 1, at most MAX_PAGE) and `limit` (default 25, at most 100), validated."""

    DEFAULT_LIMIT = 25
    MAX_LIMIT = 100
    # A bound the schema can state and any client's integer holds; no list has that many pages.
    MAX_PAGE = 2**31 - 1

    def __init__(self, request: Request) -> None:
        errors: dict[str, list[str]] = {}
        self.number = self._read(request, "page", 1, 1, self.MAX_PAGE, errors)
        self.limit = self._read(request, "limit", self.DEFAULT_LIMIT, 1, self.MAX_LIMIT, errors)
        if errors:
            raise validation_error(errors)

    @staticmethod
    def _read(
        request: Request,
        name: str,
        default: int,
        minimum: int,
        maximum: int,
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
        if not minimum <= value <= maximum:
            errors[name] = [f"The {name} must be between {minimum} and {maximum}."]
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
