"""The error handler maps exceptions to status codes and messages; the body is the
envelope's, so an API with its own error body can reuse the mapping."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions

from helpdesk.api import error_response, exception_handler
from tickets.services import Conflict


def other_envelope(status_code, message, errors):
    return {"error": {"code": status_code, "text": message, "fields": errors}}


@pytest.mark.parametrize(
    ("exc", "status_code", "message", "errors"),
    [
        (
            DjangoValidationError({"subject": ["Too long."]}),
            422,
            "Too long.",
            {"subject": ["Too long."]},
        ),
        (exceptions.ParseError("Bad JSON."), 422, "Bad JSON.", {"body": ["Bad JSON."]}),
        (Conflict("Already archived."), 409, "Already archived.", None),
        (Http404(), 404, "Not found.", None),
        (exceptions.NotAuthenticated(), 401, "Unauthenticated.", None),
        (exceptions.PermissionDenied("Only agents."), 403, "Only agents.", None),
    ],
)
def test_the_envelope_writes_the_mapped_error(exc, status_code, message, errors):
    response = error_response(exc, {}, other_envelope)
    assert response.status_code == status_code
    assert response.data == {"error": {"code": status_code, "text": message, "fields": errors}}


def test_headers_are_kept_with_another_envelope():
    unauthenticated = error_response(exceptions.NotAuthenticated(), {}, other_envelope)
    assert unauthenticated["WWW-Authenticate"] == "Bearer"
    throttled = error_response(exceptions.Throttled(wait=30), {}, other_envelope)
    assert (throttled.status_code, throttled["Retry-After"]) == (429, "30")


def test_other_exceptions_are_left_to_django():
    assert error_response(KeyError("x"), {}, other_envelope) is None


def test_the_native_envelope():
    invalid = exception_handler(exceptions.ValidationError({"page": ["Too big."]}), {})
    assert invalid.data == {"message": "Too big.", "errors": {"page": ["Too big."]}}
    conflict = exception_handler(Conflict("Already archived."), {})
    assert conflict.data == {"message": "Already archived."}
