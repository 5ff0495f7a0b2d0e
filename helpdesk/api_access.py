"""Who may use the API and how often: bearer keys and agent sessions, the agent
permission, the role permission (MayDo) and the rate limit. REST_FRAMEWORK in helpdesk/settings.py names them
as the defaults of every API view.

Kept apart from helpdesk/api.py: DRF imports these classes from its settings
while it defines APIView, so this module must not import rest_framework.views.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import caches
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from helpdesk.addresses import client_ip
from tickets.agents import Agent, is_agent
from tickets.models import ApiKey
from tickets.permissions import Action, may, refusal

UNAUTHENTICATED = "Unauthenticated."
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`; the key's agent becomes request.user."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = request.headers.get("authorization", "")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed(UNAUTHENTICATED)
        key = ApiKey.objects.select_related("agent").filter(hashed_key=ApiKey.hash(raw_key)).first()
        if key is None or not key.is_usable:
            raise exceptions.AuthenticationFailed(UNAUTHENTICATED)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return key.agent, key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class AgentSessionAuthentication(SessionAuthentication):
    """A signed-in agent's browser session, with CSRF enforced on unsafe methods."""


class AgentApiRequest(Request):
    """The request of an API view: its user is an agent, as IsAgent (every API view's
    permission, see REST_FRAMEWORK) checks before the view runs.

    For annotations only, like tickets.agents.AgentRequest: DRF builds plain Requests.
    """

    user: Agent


class IsAgent(BasePermission):
    """Only active staff users (agents) use the API."""

    message = "Only agents can use the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)


class MayDo(BasePermission):
    """What the view's `required_actions` (a tickets.permissions.Action per HTTP method;
    WORK_TICKETS for any method it does not name) asks of this request's user: the same
    check as the workspace and the admin, through tickets.permissions.may."""

    def has_permission(self, request: Request, view: Any) -> bool:
        action = required_action(view, request.method or "GET")
        if may(request.user, action):
            return True
        # DRF makes one instance per request, so the message can say what was refused.
        self.message = refusal(action)
        return False


def required_action(view: Any, method: str) -> Action:
    """The action an API view requires for `method`."""
    required: dict[str, Action] = getattr(view, "required_actions", {})
    return required.get(method.upper(), Action.WORK_TICKETS)


class ApiRateThrottle(UserRateThrottle):
    """The per-user (or, before sign-in, per-address) rate limit, read at request time.

    DRF's own class reads the rate once, when it is imported; reading it per
    request lets a deployment or a test change API_RATE_LIMIT without a restart.
    """

    def __init__(self) -> None:
        # DRF's stubs type the setting's rates as numbers; they are texts such as "60/minute".
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        # DRF's is the default cache; the rate limits go to the store every worker shares
        # (helpdesk/settings.py CACHES), chosen per request like the rate.
        self.cache = caches["ratelimit"]
        super().__init__()

    def get_ident(self, request: Request) -> str:
        # DRF's own trusts the whole X-Forwarded-For header, which any client can write: an
        # address is only what TRUSTED_PROXY_COUNT proxies vouch for.
        return client_ip(request)
