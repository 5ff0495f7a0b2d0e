"""Small presentation helpers for the workspace templates."""

from __future__ import annotations

from typing import Any

from django import template

from tickets.agents import agent_name
from tickets.models import Priority, TicketStatus

register = template.Library()

FIXED_STATUS_IDS = {
    TicketStatus.OPEN,
    TicketStatus.CLOSED,
    TicketStatus.ON_HOLD,
    TicketStatus.ANSWERED,
    TicketStatus.CUSTOMER_REPLIED,
}


@register.filter
def status_class(status: TicketStatus | None) -> str:
    """The CSS class colouring a status badge (the CSP allows no inline colours)."""
    if status is None:
        return "status-other"
    return f"status-{status.pk}" if status.pk in FIXED_STATUS_IDS else "status-other"


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
    """A value kept in the history, as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return ", ".join(
            f"{key.replace('_', ' ')}: {history_value(item)}" for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(history_value(item) for item in value)
    return str(value)
