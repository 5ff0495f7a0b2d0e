"""Business time: when a calendar is open, and durations counted in its opening hours.

Opening hours are local wall-clock times in the calendar's zone; each opening period of a
day is turned into UTC instants, so a day on which the clocks change has the real length
of its periods (Python subtracts two times of one zone on the wall clock, so every sum
here is taken between UTC instants). Holidays close the whole local day.

A calendar without any opening hours is never open: counting business time in it is an
error (ClosedCalendar), which the admin's validation prevents.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import BusinessCalendar

UTC = datetime.UTC
# Past this many days without an opening (holidays for years), a calendar is taken as closed.
MAX_CLOSED_DAYS = 3 * 366
MAX_REMEMBERED_DAYS = 20 * 366


class ClosedCalendar(ValueError):
    """The calendar has no opening in a reasonable future."""


@dataclass(frozen=True)
class Schedule:
    """A calendar's opening hours and holidays, read once for many computations."""

    zone: zoneinfo.ZoneInfo
    hours: dict[int, tuple[tuple[datetime.time, datetime.time], ...]]  # by weekday, 0 = Monday
    holidays: frozenset[datetime.date]
    # Each local day's periods once computed (recompute_sla reads the same days for many
    # tickets); not compared, and not kept when the schedule is cached (pickled).
    _days: dict[datetime.date, tuple[tuple[datetime.datetime, datetime.datetime], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_days": {}}

    @classmethod
    def of(cls, calendar: BusinessCalendar | Schedule) -> Schedule:
        """The schedule of `calendar` (two queries, unless its hours and holidays are
        prefetched; kept on the calendar object for its next use)."""
        if isinstance(calendar, Schedule):
            return calendar
        cached = getattr(calendar, "_schedule", None)
        if cached is not None:
            return cached
        hours: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
        for period in calendar.opening_hours.all():
            hours.setdefault(period.weekday, []).append((period.opens, period.closes))
        schedule = cls(
            zone=calendar.zone,
            hours={day: tuple(sorted(periods)) for day, periods in hours.items()},
            holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
        )
        calendar._schedule = schedule  # type: ignore[attr-defined]
        return schedule

    def periods_on(
        self, day: datetime.date
    ) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
        """The opening periods of a local day, as UTC instants, in order."""
        periods = self._days.get(day)
        if periods is None:
            periods = tuple(self._periods_on(day))
            if len(self._days) < MAX_REMEMBERED_DAYS:
                self._days[day] = periods
        return periods

    def _periods_on(
        self, day: datetime.date
    ) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
        if day in self.holidays:
            return
        for opens, closes in self.hours.get(day.weekday(), ()):
            start = datetime.datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC)
            end = datetime.datetime.combine(day, closes, tzinfo=self.zone).astimezone(UTC)
            if start < end:  # a period that falls into a clock change's gap may be empty
                yield start, end

    def local_day(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(self.zone).date()


def is_open(calendar: BusinessCalendar | Schedule, moment: datetime.datetime) -> bool:
    """Whether `moment` (aware) falls in the calendar's opening hours."""
    schedule = Schedule.of(calendar)
    return any(
        start <= moment < end for start, end in schedule.periods_on(schedule.local_day(moment))
    )


def add_business_seconds(
    calendar: BusinessCalendar | Schedule, start: datetime.datetime, seconds: float
) -> datetime.datetime:
    """The moment `seconds` of opening hours after `start` (aware; returned in UTC). Time
    outside the opening hours does not count: from a closed moment the count starts at the
    next opening."""
    schedule = Schedule.of(calendar)
    if not schedule.hours:
        raise ClosedCalendar("The calendar has no opening hours.")
    start = start.astimezone(UTC)
    left = datetime.timedelta(seconds=max(seconds, 0))
    day = schedule.local_day(start)
    for _ in range(MAX_CLOSED_DAYS):
        for opens, closes in schedule.periods_on(day):
            if closes <= start:
                continue
            opens = max(opens, start)
            if opens + left <= closes:
                return opens + left
            left -= closes - opens
        day += datetime.timedelta(days=1)
    raise ClosedCalendar("The calendar is closed for years from this moment.")


def business_seconds_between(
    calendar: BusinessCalendar | Schedule, start: datetime.datetime, end: datetime.datetime
) -> float:
    """The seconds of opening hours from `start` to `end` (0 when end is not after start)."""
    schedule = Schedule.of(calendar)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = datetime.timedelta()
    day, last_day = schedule.local_day(start), schedule.local_day(end)
    while day <= last_day:
        for opens, closes in schedule.periods_on(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > datetime.timedelta():
                total += overlap
        day += datetime.timedelta(days=1)
    return total.total_seconds()
