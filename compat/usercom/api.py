"""What every User.com-compatible endpoint shares: its authentication, its version
header and its error bodies, which are those of Django REST framework (User.com's own).

- Authentication: `Authorization: Token <key>` with one of an agent's API keys
  (`Bearer <key>` works too); without a valid key a 401 `{"detail": "…"}`.
- `Accept: */*; version=2`, which User.com's clients send, is accepted (as is no Accept).
- Errors: a bad field or parameter is a 400 `{"<field>": ["<message>"]}`; an unknown
  ticket a 404 `{"detail": "Not found."}`; anything else DRF's `{"detail": "…"}`.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.api import ApiView, field_messages
from helpdesk.api_access import UNAUTHENTICATED, ApiKeyAuthentication, IsAgent, MayDo
from tickets.agents import agent_name
from tickets.services import Conflict

GRAVATAR = "https://www.gravatar.com/avatar/{digest}?d=identicon"


class TokenAuthentication(ApiKeyAuthentication):
    """`Authorization: Token <key>`, as User.com's clients send it."""

    keyword = "Token"


def invalid(field: str, message: str) -> exceptions.ValidationError:
    """A 400 naming the field, as DRF writes it: `{"<field>": ["<message>"]}`."""
    return exceptions.ValidationError({field: [message]})


def drf_error(status_code: int, message: str, errors: dict[str, list[str]] | None) -> Any:
    """An error as DRF writes it, which User.com's API does: `{"detail": "<message>"}`."""
    return {"detail": message}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's own error bodies, with our services' errors brought to them."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_messages(exc))
    elif isinstance(exc, Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        exc = exceptions.AuthenticationFailed(UNAUTHENTICATED)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = TokenAuthentication.keyword
    return response


class UserComView(ApiView):
    """The base of every User.com-compatible view."""

    authentication_classes = [TokenAuthentication, ApiKeyAuthentication]
    permission_classes = [IsAgent, MayDo]
    # The schema documents our own API only.
    schema = None

    def get_exception_handler(self) -> Any:
        return exception_handler


def iso(moment: datetime.datetime | None) -> str | None:
    """A time as User.com writes it: ISO 8601 in UTC with microseconds and `Z`."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def avatar(email: str) -> str:
    """A picture for an agent: their Gravatar, else an identicon drawn from the address."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return GRAVATAR.format(digest=digest)


def agent_object(agent: Any) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {"id": agent.pk, "name": agent_name(agent), "avatar": avatar(agent.email)}


def absolute(request: Request, path: str) -> str:
    return request.build_absolute_uri(path)
