"""The SLA's due times as agents read them: a countdown ("2 h 05 min left", "12 min
overdue") that static/js/sla.js keeps counting in the browser."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def duration(seconds: float) -> str:
    """A time left or overdue, to the minute past an hour and to the second below it
    (the same words as sla.js writes)."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s"


def countdown_text(due: datetime.datetime, now: datetime.datetime) -> str:
    left = (due - now).total_seconds()
    return f"{duration(left)} left" if left >= 0 else f"{duration(left)} overdue"


@register.filter
def countdown(due: datetime.datetime | None) -> SafeString | str:
    """A running target's due time, as a countdown with the exact time on hover."""
    if due is None:
        return "—"
    local = timezone.localtime(due)
    now = timezone.now()
    return format_html(
        '<time datetime="{}" title="Due {}" data-countdown class="countdown{}">{}</time>',
        due.isoformat(timespec="seconds"),
        format_date(local, "j M Y H:i"),
        " overdue" if due <= now else "",
        countdown_text(due, now),
    )


@register.filter
def sla_left(seconds: int | None) -> str:
    """What a paused target has left (or is overdue by)."""
    if seconds is None:
        return ""
    return f"{duration(seconds)} left" if seconds >= 0 else f"{duration(seconds)} overdue"
