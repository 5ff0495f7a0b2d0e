"""Small presentation helpers for the workspace templates."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tickets import links
from tickets.agents import agent_name
from tickets.filters import link_query
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
def messages_at(messages: Any, place: str) -> list:
    """The messages to show at `place` of a page: a change on the ticket page is confirmed
    beside the control that made it (the message's extra tag names it: "reply", or the
    side panel form's URL name); "" is the page's top, for every other message."""
    return [message for message in messages if (message.extra_tags or "") == place]


@register.filter(is_safe=True)
def linkify(text: str | None) -> SafeString:
    """A message's text, escaped, with its web and email addresses as safe links
    (tickets.links)."""
    return links.linkify(text or "")


@register.filter
def history_value(value: Any) -> str:
    """A value kept in the history (or a custom field's), as a person reads it."""
    return readable(value)


# The one way the workspace writes a moment and a day, in the agent's time zone (the active
# one), so that no page mixes "2026-12-07 01:29" with "Dec 1, 2026 10:51".
MOMENT_FORMAT = "j M Y H:i"
DAY_FORMAT = "j M Y"
# Past this age a relative time ("40 d ago") reads worse than the day itself.
RELATIVE_DAYS = 7


def ago(moment: datetime.datetime, now: datetime.datetime) -> str:
    """How long ago (or, for a future moment, how soon) `moment` is, as agents scan it."""
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        amount = f"{int(seconds // 60)} min"
    elif seconds < 86400:
        amount = f"{int(seconds // 3600)} h"
    elif seconds < RELATIVE_DAYS * 86400:
        amount = f"{int(seconds // 86400)} d"
    else:
        return dateformat.format(moment, DAY_FORMAT)
    return f"in {amount}" if future else f"{amount} ago"


@register.filter
def when(value: datetime.datetime | datetime.date | None, style: str = "exact") -> SafeString | str:
    """A moment as `<time>`: its exact local time, or with style "relative" how long ago it
    was ("3 h ago") with the exact time on hover; a day (a date, or style "day") as
    "7 Dec 2026". None is "—", as other empty fields."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, datetime.datetime):
        day = dateformat.format(value, DAY_FORMAT)
        return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), day, day)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    local = timezone.localtime(value)
    exact = dateformat.format(local, MOMENT_FORMAT)
    title = f"{exact} {local.tzname()}"
    if style == "relative":
        text = ago(local, timezone.localtime())
    elif style == "day":
        text = dateformat.format(local, DAY_FORMAT)
    else:
        text = exact
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', local.isoformat(timespec="seconds"), title, text
    )


def duration(seconds: float) -> str:
    """A span of time as agents scan it: "12 min", "5 h", "3 d"."""
    if seconds < 3600:
        return f"{max(int(seconds // 60), 1)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


@register.filter
def waited(since: datetime.datetime | None) -> SafeString | str:
    """How long a ticket has waited for us (Ticket.waiting_since), with the moment it
    started on hover; "—" when it waits for nobody."""
    if since is None:
        return "—"
    local = timezone.localtime(since)
    exact = f"Waiting since {dateformat.format(local, MOMENT_FORMAT)} {local.tzname()}"
    seconds = (timezone.now() - since).total_seconds()
    return format_html('<span title="{}">{}</span>', exact, duration(max(seconds, 0)))


@register.filter
def queue_link(query: str) -> str:
    """A saved view's query for its link in the queue (see tickets.filters.link_query)."""
    return link_query(query)
