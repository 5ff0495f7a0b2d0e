"""Who is an agent, and how a person is named: the one home of both.

An agent is an active staff user: they sign in to the workspace, use the API and can be
assigned tickets. A staff user who is no longer active is a former agent: they can do
none of that, but their past work stays in the history, so the activity log and the
reports offer former agents in their filters too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_htmx.middleware import HtmxDetails

# The types that name people, for annotations. An agent is a user (the user model); whether
# a user is an agent is a runtime check (`is_agent`), which a type cannot express: code that
# needs an agent takes an `Agent`, and is reached only through a check (agent_required, the
# API's IsAgent, the admin site) or checks itself.
type Agent = User
# Whom a request comes from: a signed-in user, agent or not, or an anonymous visitor.
type AnyUser = User | AnonymousUser


class AgentRequest(HttpRequest):
    """The request of a workspace view behind `agent_required` (tickets.views.access),
    which checks what this class says: its user is an agent.

    For annotations only, as django-stubs' "AuthenticatedHttpRequest": Django builds plain
    HttpRequests. `htmx` is set on every request by django-htmx's middleware.
    """

    user: Agent
    htmx: HtmxDetails


# Agents are listed by name, as people read them.
BY_NAME = ("first_name", "last_name", "username")


def agent_condition(prefix: str = "") -> Q:
    """The condition on a user (or, with `prefix` such as "agent__", on a related user)
    that makes them an agent."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": True})


def is_agent(user: Any) -> TypeGuard[Agent]:
    """Whether `user` (a signed-in user, an anonymous one, or None) is an agent."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def request_agent(request: HttpRequest) -> Agent:
    """The agent `request` comes from, where only agents get in: the admin site lets in
    active staff only. Anyone else is refused."""
    if not is_agent(request.user):
        raise PermissionDenied
    return request.user


def agents() -> QuerySet[Agent]:
    """Every agent, by name."""
    return get_user_model().objects.filter(agent_condition()).order_by(*BY_NAME)


def agents_and_former_agents() -> QuerySet[Agent]:
    """Every staff user, active or not, by name: whose work the history may show."""
    return get_user_model().objects.filter(is_staff=True).order_by(*BY_NAME)


def agent_name(user: Any) -> str:
    """How an agent (or any user) is named: their full name, else their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
