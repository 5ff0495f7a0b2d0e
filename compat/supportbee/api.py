"""What every SupportBee-compatible endpoint shares: authentication as SupportBee does it,
its error body, and how it writes times and people.

- Authentication: the `auth_token` query parameter holding one of an agent's API keys
  (SupportBee's own convention); `Authorization: Bearer <key>` works too.
- Errors: `{"error": "<what went wrong>"}`; a bad parameter or body is a 400 that also
  names the fields, `{"error": …, "errors": {"<field>": ["…"]}}` (where our own API says
  422); 401 without valid credentials, 404 for an unknown ticket.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api import ApiView, error_response
from helpdesk.api_access import LAST_USED_PRECISION, ApiKeyAuthentication, IsAgent, MayDo
from tickets.agents import Agent, agent_name
from tickets.models import ApiKey

from . import mappings

TOKEN_PARAMETER = "auth_token"  # noqa: S105 (a parameter name, not a secret)


class SupportBeeError(exceptions.APIException):
    """A 400 with SupportBee's error body; raise it for a bad parameter or body."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."

    def __init__(
        self, field: str, message: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.errors = errors or {field: [message]}


def invalid(errors: dict[str, list[str]]) -> SupportBeeError:
    """A 400 naming every field in `errors`, its message the first of them."""
    field, messages = next(iter(errors.items()))
    return SupportBeeError(field, messages[0], errors)


class AuthTokenAuthentication(ApiKeyAuthentication):
    """`?auth_token=<key>`: the key's agent becomes request.user."""

    def authenticate(self, request: Request) -> tuple[Agent, ApiKey] | None:
        if TOKEN_PARAMETER not in request.query_params:
            return None
        raw_key = request.query_params[TOKEN_PARAMETER].strip()
        key = (
            ApiKey.objects.select_related("agent").filter(hashed_key=ApiKey.hash(raw_key)).first()
            if raw_key
            else None
        )
        if key is None or not key.is_usable:
            raise exceptions.AuthenticationFailed
        now = timezone.now()
        # As for a Bearer key: the time of use is written at most once a minute.
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return key.agent, key


def supportbee_error(status_code: int, message: str, errors: dict[str, list[str]] | None) -> Any:
    if errors is None:
        return {"error": message}
    return {"error": message, "errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors as SupportBee writes them: its body, and 400 where our API says 422."""
    if isinstance(exc, SupportBeeError):
        return Response(supportbee_error(400, str(exc.detail), exc.errors), status=400)
    response = error_response(exc, context, supportbee_error)
    if response is not None and response.status_code == status.HTTP_422_UNPROCESSABLE_ENTITY:
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response


class SupportBeeView(ApiView):
    """The base of every SupportBee-compatible view."""

    authentication_classes = [AuthTokenAuthentication, ApiKeyAuthentication]
    permission_classes = [IsAgent, MayDo]
    # The schema documents our own API only.
    schema = None

    def get_exception_handler(self) -> Any:
        return exception_handler


def iso(moment: datetime.datetime | None) -> str | None:
    """A time as SupportBee writes it: ISO 8601 in UTC, to the second, with `Z`."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def picture(email: str) -> dict[str, str]:
    """A person's pictures from the avatar service (COMPAT_AVATAR_URL), one per size."""
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return {
        f"thumb{size}": settings.COMPAT_AVATAR_URL.format(hash=digest, size=size)
        for size in mappings.PICTURE_SIZES
    }


def person(pk: int, email: str, name: str, *, agent: bool) -> dict[str, Any]:
    return {"id": pk, "email": email, "name": name, "agent": agent, "picture": picture(email)}


def agent_person(agent: Any) -> dict[str, Any]:
    return person(agent.pk, agent.email, agent_name(agent), agent=True)


def contact_person(contact: Any) -> dict[str, Any]:
    return person(contact.pk, contact.email, contact.name, agent=False)
