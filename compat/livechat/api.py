"""What every LiveChat-compatible endpoint shares: authentication as LiveChat v2 did it,
the version header, its error body, and how it writes times and people.

- Authentication: HTTP Basic with an agent's login (their email address, or username) and
  one of their API keys as the password; `Authorization: Bearer <key>` works too.
- Every request sends `X-API-Version: 2`; without it the answer is a 400.
- Errors: `{"error": "<what went wrong>"}`, 400 for a bad parameter (where our own API says
  422), 401 without valid credentials, 404 for an unknown ticket.
- JSONP (`callback=`) is refused with a 400: a JSONP answer is a script any web page can
  load with the visitor's credentials, which would hand a signed-in agent's tickets to any
  site they visit.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from django.db.models import Q
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api import ApiView, error_response
from helpdesk.api_access import ApiKeyAuthentication, IsAgent, MayDo
from tickets.agents import Agent, agent_name, is_agent
from tickets.models import ApiKey

VERSION_HEADER = "X-API-Version"
VERSION = "2"


class LiveChatError(exceptions.APIException):
    """A 400 with LiveChat's error body; raise it for a bad parameter."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."


class BasicApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Basic base64(login:api key)`: the login is the agent's email address
    or username, the password one of that agent's usable API keys."""

    def authenticate(self, request: Request) -> tuple[Agent, ApiKey] | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            login, _, raw_key = (
                base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed from None
        key = (
            ApiKey.objects.usable()
            .select_related("agent")
            .filter(hashed_key=ApiKey.hash(raw_key))
            .filter(Q(agent__email__iexact=login) | Q(agent__username=login))
            .first()
        )
        if key is None or not raw_key or not login:
            raise exceptions.AuthenticationFailed
        return key.agent, key

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="LiveChat API"'


def livechat_error(status_code: int, message: str, errors: dict[str, list[str]] | None) -> Any:
    return {"error": message}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors as LiveChat writes them: its body, and 400 where our API says 422."""
    response = error_response(exc, context, livechat_error)
    if response is not None and response.status_code == status.HTTP_422_UNPROCESSABLE_ENTITY:
        response.status_code = status.HTTP_400_BAD_REQUEST
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = BasicApiKeyAuthentication().authenticate_header(
            context["request"]
        )
    return response


class LiveChatView(ApiView):
    """The base of every LiveChat-compatible view."""

    authentication_classes = [BasicApiKeyAuthentication, ApiKeyAuthentication]
    permission_classes = [IsAgent, MayDo]
    # The schema documents our own API only.
    schema = None

    def get_exception_handler(self) -> Any:
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Checked first: neither needs the database.
        if "callback" in request.query_params:
            raise LiveChatError("JSONP (callback=) is not supported: read the JSON answer.")
        if request.headers.get(VERSION_HEADER, "").strip() != VERSION:
            raise LiveChatError(f"Send the header {VERSION_HEADER}: {VERSION}.")
        super().initial(request, *args, **kwargs)


def unix(moment: datetime.datetime | None) -> int | None:
    """A time as LiveChat writes it: whole seconds since 1970 (UTC)."""
    return None if moment is None else int(moment.timestamp())


def login_of(agent: Any) -> str:
    """An agent as LiveChat names them: their login, the email address (else the username)."""
    return agent.email or agent.get_username()


def agent_object(agent: Any) -> dict[str, str]:
    return {"id": login_of(agent), "name": agent_name(agent)}


def agent_with_login(login: str) -> Agent | None:
    """The agent whose login (email address, or username) is `login`."""
    from tickets.agents import agents

    found = agents().filter(Q(email__iexact=login) | Q(username=login)).order_by("pk").first()
    return found if found is not None and is_agent(found) else None
