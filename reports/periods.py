"""The periods a report is split into, and how a database value maps to one.

A report covers whole local days, `date_from` 00:00 to `date_to` 24:00 in the
requested time zone. Periods are identified by their local start (a naive
datetime), which is what `Trunc(..., tzinfo=tz)` computes in the database on
PostgreSQL and SQLite alike; keys follow LiveChat ("HH:MM", "YYYY-MM-DD",
"YYYY-Www", "YYYY-MM").

The hour of the day (`GroupBy.HOUR_OF_DAY`, keys "00:00" to "23:00") adds up the same
hour of every day of the range, as LiveChat's reports do by hour over several days; the
native API keeps one period per hour ("YYYY-MM-DD HH:MM") and does not offer it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Case, DateTimeField, Expression, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import ExtractHour, Trunc
from django.db.models.lookups import LessThan


class GroupBy:
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    # The native API's and the dashboard's choices.
    CHOICES = (HOUR, DAY, WEEK, MONTH)
    # Each hour of the day, every day of the range added up (the LiveChat reports).
    HOUR_OF_DAY = "hour_of_day"


# The `team` filter's value for tickets without a team.
NO_TEAM = 0


# An hour-by-hour report is for a day or a few weeks; longer ranges get days.
MAX_HOUR_RANGE_DAYS = 31


@dataclass(frozen=True)
class ReportFilters:
    """What every report is asked: the range, the grouping and the filters."""

    date_from: datetime.date
    date_to: datetime.date
    group_by: str = GroupBy.DAY
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    agent: int | None = None
    department: int | None = None
    client: int | None = None
    # A team id, or NO_TEAM for the tickets without a team.
    team: int | None = None
    tags: tuple[str, ...] = ()

    @property
    def start(self) -> datetime.datetime:
        """The first instant of the range: local midnight of date_from."""
        return local_midnight(self.date_from, self.timezone)

    @property
    def end(self) -> datetime.datetime:
        """The first instant after the range: local midnight after date_to."""
        return local_midnight(self.date_to + datetime.timedelta(days=1), self.timezone)

    @property
    def narrowed(self) -> bool:
        """Whether a filter keeps only some of the tickets (or ratings) of the range."""
        return self.team is not None or any(
            value for value in (self.agent, self.department, self.client, self.tags)
        )

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> ReportFilters:
        """The same number of days just before this range (for comparisons)."""
        from dataclasses import replace

        return replace(
            self,
            date_from=self.date_from - datetime.timedelta(days=self.days),
            date_to=self.date_from - datetime.timedelta(days=1),
        )


def local_midnight(day: datetime.date, tz: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=tz)


# A period as a half-open range of instants: its key, its first instant, the first after it.
Interval = tuple[str, datetime.datetime, datetime.datetime]


def unambiguous(local: datetime.datetime, tz: ZoneInfo) -> datetime.datetime | None:
    """The instant at which local wall-clock time `local` begins in `tz`, or None when
    a DST change repeats or skips that time (so no single instant starts it)."""
    first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    return first if first.utcoffset() == second.utcoffset() else None


def local_naive(value: datetime.datetime | str) -> datetime.datetime:
    """The local wall-clock start of a period as the database returned it.

    Django makes Trunc's result aware by attaching the report's zone to the
    database's local value, so dropping the zone gives that value back exactly
    (even for an hour that a DST change repeats). Raw SQLite queries return text.
    """
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.replace(tzinfo=None)


def hour_key(hour: int) -> str:
    return f"{hour:02d}:00"


class ByPeriod:
    """Group by hour, day, week or month of local time in the report's zone."""

    def __init__(self, filters: ReportFilters) -> None:
        self.kind = filters.group_by
        self.tz = filters.timezone
        self.single_day = filters.date_from == filters.date_to
        self.start, self.end = filters.start, filters.end
        self.narrowed = filters.narrowed
        if self.kind == GroupBy.HOUR_OF_DAY:
            # Every hour of the day: a range of two days or more has each one at least once
            # (a DST change skips an hour on one day only).
            self.starts = []
            self.keys = [hour_key(hour) for hour in range(24)]
        else:
            self.starts = self._starts(filters)
            self.keys = [self.format(start) for start in self.starts]

    def expression(self, value: Combinable) -> Expression:
        if self.kind == GroupBy.HOUR_OF_DAY:
            return ExtractHour(value, tzinfo=self.tz)
        return Trunc(value, self.kind, output_field=DateTimeField(), tzinfo=self.tz)

    def key(self, value: datetime.datetime | str | int) -> str:
        if self.kind == GroupBy.HOUR_OF_DAY:
            return hour_key(int(value))  # type: ignore[arg-type]  # the hour, from ExtractHour
        return self.format(local_naive(value))  # type: ignore[arg-type]  # Trunc's start

    def intervals(self) -> list[Interval] | None:
        """Each period as a range of instants, which a database can count from an index
        without converting every row to local time.

        None, and the report groups by `expression` (always exact), for hours (a report
        of at most 31 days, grouped fast enough as it is) and hours of the day; when a filter narrows the
        rows (the index holds the range, not the filtered columns: each row would be
        fetched from the table to check it, far slower than grouping: see docs/reports.md);
        and when a period would start at a local time that a DST change repeats or skips.
        """
        if self.kind in (GroupBy.HOUR, GroupBy.HOUR_OF_DAY) or self.narrowed:
            return None
        boundaries = []
        for start in self.starts[1:]:
            boundary = unambiguous(start, self.tz)
            if boundary is None:
                return None
            boundaries.append(boundary)
        starts = [self.start, *boundaries]
        ends = [*boundaries, self.end]
        return list(zip(self.keys, starts, ends, strict=True))

    def format(self, start: datetime.datetime) -> str:
        if self.kind == GroupBy.HOUR:
            return start.strftime("%H:%M" if self.single_day else "%Y-%m-%d %H:%M")
        if self.kind == GroupBy.DAY:
            return start.strftime("%Y-%m-%d")
        if self.kind == GroupBy.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return start.strftime("%Y-%m")

    def _starts(self, filters: ReportFilters) -> list[datetime.datetime]:
        """Every period's local start, in order; the loop is over periods, not tickets."""
        first, last = filters.date_from, filters.date_to
        if self.kind == GroupBy.HOUR:
            # Walk real time in quarter hours so that a skipped local hour (spring
            # forward) is absent, a repeated one (fall back) appears once, and zones
            # with half-hour offsets still land in every local hour.
            starts: dict[datetime.datetime, None] = {}
            moment = self.start.astimezone(datetime.UTC)
            end = self.end.astimezone(datetime.UTC)
            while moment < end:
                local = moment.astimezone(self.tz).replace(tzinfo=None)
                starts[local.replace(minute=0, second=0, microsecond=0)] = None
                moment += datetime.timedelta(minutes=15)
            return list(starts)
        if self.kind == GroupBy.DAY:
            day_starts = [first + datetime.timedelta(days=n) for n in range(filters.days)]
        elif self.kind == GroupBy.WEEK:
            monday = first - datetime.timedelta(days=first.weekday())
            day_starts = []
            while monday <= last:
                day_starts.append(monday)
                monday += datetime.timedelta(days=7)
        else:
            month = first.replace(day=1)
            day_starts = []
            while month <= last:
                day_starts.append(month)
                month = (month + datetime.timedelta(days=32)).replace(day=1)
        return [datetime.datetime.combine(day, datetime.time()) for day in day_starts]


class PreviousAndCurrent:
    """Two buckets: the range before the report's range, and the report's range."""

    keys = ["previous", "current"]

    def __init__(self, filters: ReportFilters) -> None:
        self.start = filters.previous().start
        self.boundary = filters.start
        self.end = filters.end
        self.narrowed = filters.narrowed

    def expression(self, value: Combinable) -> Expression:
        boundary = Value(self.boundary, output_field=DateTimeField())
        return Case(
            When(LessThan(value, boundary), then=Value("previous")),
            default=Value("current"),
        )

    def key(self, value: str) -> str:
        return value

    def ranges(self) -> list[Interval]:
        return [("previous", self.start, self.boundary), ("current", self.boundary, self.end)]

    def intervals(self) -> list[Interval] | None:
        return None if self.narrowed else self.ranges()  # as ByPeriod.intervals


class WholeRange:
    """One bucket for the whole range, for a total that needs no per-period rows."""

    keys = ["total"]

    def __init__(self, filters: ReportFilters) -> None:
        self.start, self.end = filters.start, filters.end
        self.narrowed = filters.narrowed

    def expression(self, value: Combinable) -> Expression:
        return Value("total")

    def key(self, value: str) -> str:
        return value

    def ranges(self) -> list[Interval]:
        return [("total", self.start, self.end)]

    def intervals(self) -> list[Interval] | None:
        return None if self.narrowed else self.ranges()


Grouping = ByPeriod | PreviousAndCurrent | WholeRange
