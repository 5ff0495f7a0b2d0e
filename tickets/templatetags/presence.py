"""The ticket page's collision warnings: its version and how often it polls."""

from __future__ import annotations

from django import template
from django.conf import settings

from tickets import presence

register = template.Library()


@register.filter
def page_version(ticket, events) -> str:
    """The version of the ticket a page shows, sent back by its polls and its reply."""
    return presence.format_version(presence.version_of(ticket, events or []))


@register.simple_tag
def presence_poll_ms() -> int:
    seconds = getattr(settings, "PRESENCE_POLL_SECONDS", presence.POLL_SECONDS)
    return max(100, round(float(seconds) * 1000))
