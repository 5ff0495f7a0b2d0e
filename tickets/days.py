"""Whole days in the current time zone, as the filters by date read them."""

from __future__ import annotations

import datetime

from django.utils import timezone

# The midnights of the first and last dates may lie outside what a datetime holds once
# converted to UTC (or, for the end of the last date, at all). No ticket is that old or
# that new, so dates are clamped to these.
FIRST_DAY = datetime.date(1, 1, 2)
LAST_DAY = datetime.date(9999, 12, 30)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the current time zone."""
    day = min(max(day, FIRST_DAY), LAST_DAY)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day` (the start of the next day) in the current time zone."""
    return day_start(min(day, LAST_DAY - datetime.timedelta(days=1)) + datetime.timedelta(days=1))
