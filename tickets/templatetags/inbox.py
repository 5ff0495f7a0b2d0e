"""The bell of the top bar (templates/notifications/bell.html)."""

from __future__ import annotations

from typing import Any

from django import template

from tickets import inbox
from tickets.agents import is_agent

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: Any) -> int:
    """The signed-in agent's unread notifications: one query per page, and none on a page
    that shows no bell."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_agent(user):
        return 0
    return inbox.unread_count(user)
