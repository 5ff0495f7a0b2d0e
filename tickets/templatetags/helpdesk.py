"""Small presentation helpers for the workspace templates."""

from __future__ import annotations

from typing import Any

from django import template

from tickets.agents import agent_name
from tickets.models import Priority, TicketStatus
from tickets.models.history import readable
from tickets.permissions import may as user_may
from tickets.statuses import FixedStatus

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """`{% if user|may:"tickets.add_client" %}`: tickets.permissions.may, so that a page
    offers only what the user may do."""
    return user_may(user, action)


@register.filter
def status_class(status: TicketStatus | None) -> str:
    """The CSS class colouring a status badge (the CSP allows no inline colours)."""
    if status is None:
        return "status-other"
    return f"status-{status.pk}" if status.pk in FixedStatus.values else "status-other"


@register.filter
def priority_code(value: int) -> str:
    try:
        return Priority(value).code
    except ValueError:
        return "normal"


@register.filter
def person(user) -> str:
    """An agent's full name, or their username."""
    return agent_name(user)


@register.filter
def history_value(value: Any) -> str:
    """A value kept in the history (or a custom field's), as a person reads it."""
    return readable(value)
