"""The ticket reports: plain functions that take the filters and return rows.

Each report is one aggregation query over indexed columns, grouped by period in
the requested time zone; Python only walks the list of periods to fill in the
empty ones. Every row has a "period" key; the other keys are the report's figures.

Definitions (see docs/reports.md):
- Tickets marked as spam are left out of the ticket reports.
- Durations are measured in seconds in the database and given in hours,
  seconds / 3600 rounded to 2 decimals. Median and 90th percentile interpolate
  between rows like PostgreSQL's percentile_cont.
- The agent filter is the ticket's assignee; for ratings it is the agent rated. The team
  filter is the ticket's team (NO_TEAM: tickets without one), for ratings the rated ticket's.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.aggregates import Aggregate
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Cast, Greatest, RowNumber
from taggit.models import Tag

from tickets.models import Rating, Source, TaggedTicket, Ticket

from .periods import (
    NO_TEAM,
    ByPeriod,
    Grouping,
    Interval,
    PreviousAndCurrent,
    ReportFilters,
    WholeRange,
)

PERCENTILES = {"median_hours": 0.5, "p90_hours": 0.9}
# A duration report's end time and the duration the database stores for it (Ticket).
DURATIONS = {
    "first_response_time": ("first_response_at", "first_response_seconds"),
    "resolution_time": ("resolved_at", "resolution_seconds"),
}
# Where the backlog starts counting: every ticket before the range is in its first period.
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
Row = dict[str, Any]


class PercentileCont(Aggregate):
    """PostgreSQL's PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()

    def __init__(self, expression: Combinable | str, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


# The filtered rows ------------------------------------------------------------


def _tickets(filters: ReportFilters) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(is_spam=False).order_by()
    if filters.agent is not None:
        tickets = tickets.filter(assignee_id=filters.agent)
    if filters.department is not None:
        tickets = tickets.filter(department_id=filters.department)
    if filters.client is not None:
        tickets = tickets.filter(client_id=filters.client)
    if filters.team is not None:
        tickets = tickets.filter(**_team_condition("", filters.team))
    if filters.tags:
        tickets = tickets.filter(_has_any_tag(filters.tags, OuterRef("pk")))
    return tickets


def _ratings(filters: ReportFilters) -> QuerySet[Rating]:
    ratings = Rating.objects.order_by()
    if filters.agent is not None:
        ratings = ratings.filter(agent_id=filters.agent)
    if filters.department is not None:
        ratings = ratings.filter(ticket__department_id=filters.department)
    if filters.client is not None:
        ratings = ratings.filter(ticket__client_id=filters.client)
    if filters.team is not None:
        ratings = ratings.filter(**_team_condition("ticket__", filters.team))
    if filters.tags:
        ratings = ratings.filter(_has_any_tag(filters.tags, OuterRef("ticket_id")))
    return ratings


def _team_condition(prefix: str, team: int) -> dict[str, Any]:
    if team == NO_TEAM:
        return {f"{prefix}team__isnull": True}
    return {f"{prefix}team_id": team}


def _has_any_tag(names: tuple[str, ...], ticket_id: OuterRef) -> Exists:
    # EXISTS rather than a join, so a ticket with two of the tags counts once.
    return Exists(
        TaggedTicket.objects.filter(
            content_object_id=ticket_id,
            tag__in=Tag.objects.filter(name__in=names).values("pk"),
        )
    )


def _in_range[M: Model](queryset: QuerySet[M], field: str, grouping: Grouping) -> QuerySet[M]:
    return queryset.filter(**{f"{field}__gte": grouping.start, f"{field}__lt": grouping.end})


def _grouping(filters: ReportFilters, grouping: Grouping | None) -> Grouping:
    return grouping if grouping is not None else ByPeriod(filters)


def _count_by_period(queryset: QuerySet[Ticket], field: str, grouping: Grouping) -> list[Row]:
    counts = _figures_by_period(queryset, field, grouping, {"count": Count("*")})
    return [{"period": key, "count": counts.get(key, {}).get("count", 0)} for key in grouping.keys]


def _figures_by_period(
    queryset: QuerySet[Model], field: str, grouping: Grouping, figures: dict[str, Aggregate]
) -> dict[str, Row]:
    """The aggregates `figures` over the rows of each period (by `field`), keyed by period;
    a period without rows may be missing or have a count of 0.

    On PostgreSQL, when the periods are plain ranges of instants, each period's rows are
    one index range (see `_figures_per_interval`); otherwise one GROUP BY the local period.
    """
    intervals = _intervals(queryset, grouping)
    if intervals is not None:
        return _figures_per_interval(queryset, intervals, {field: figures})
    rows = (
        _in_range(queryset, field, grouping)
        .annotate(period=grouping.expression(F(field)))
        .values("period")
        .annotate(**figures)
    )
    return {grouping.key(row.pop("period")): row for row in rows}


def _intervals(queryset: QuerySet[Model], grouping: Grouping) -> list[Interval] | None:
    """The periods as ranges of instants when `_figures_per_interval` can count them so
    (PostgreSQL, and see the groupings' `intervals`), else None: group by period."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    return grouping.intervals()


def _figures_per_interval(
    queryset: QuerySet[Model],
    intervals: list[Interval],
    figures_by_field: dict[str, dict[str, Aggregate]],
) -> dict[str, Row]:
    """One statement: for each interval, the ORM's aggregate of `queryset`'s rows whose
    field falls in it, once per field of `figures_by_field` (their figure names differ).

    Grouping rows by their local day costs PostgreSQL a time-zone conversion and a hash
    lookup per row; an aggregate per period over an index range of `field` (the covering
    indexes of Ticket.Meta) reads the same rows from the index alone, and does no per-row
    work (figures in docs/reports.md). The periods come in as two arrays, so the
    statement has the same text, and one plan, for any number of them.
    """
    columns, lateral_joins, params = ["period.number"], [], []
    for number, (field, figures) in enumerate(figures_by_field.items()):
        in_period = queryset.filter(
            **{
                f"{field}__gte": RawSQL("period.starts_at", ()),
                f"{field}__lt": RawSQL("period.ends_at", ()),
            }
        )
        # A constant "group" and no GROUP BY: one row of aggregates per period.
        aggregate = in_period.annotate(_all=Value(1)).values("_all").annotate(**figures)
        sql, sql_params = aggregate.values(*figures).query.sql_with_params()
        columns.append(f"figures_{number}.*")
        lateral_joins.append(f"CROSS JOIN LATERAL ({sql}) AS figures_{number}")
        params.extend(sql_params)
    keys, starts, ends = zip(*intervals, strict=True)
    sql = (
        f"SELECT {', '.join(columns)} "  # noqa: S608 (the ORM's SQL, with parameters)
        "FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY "
        f"AS period(starts_at, ends_at, number) {' '.join(lateral_joins)}"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [list(starts), list(ends), *params])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return {keys[row.pop("number") - 1]: row for row in rows}


# The reports --------------------------------------------------------------------


def new_tickets(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets created in each period."""
    return _count_by_period(_tickets(filters), "created_at", _grouping(filters, grouping))


def solved_tickets(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets that reached a closed status in each period (their final close)."""
    return _count_by_period(_tickets(filters), "resolved_at", _grouping(filters, grouping))


def first_response_time(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets first answered by an agent in each period, and how long that took."""
    return _durations(
        _tickets(filters), *DURATIONS["first_response_time"], _grouping(filters, grouping)
    )


def resolution_time(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets solved in each period, and how long from creation to the final close."""
    return _durations(
        _tickets(filters), *DURATIONS["resolution_time"], _grouping(filters, grouping)
    )


def median_by_range(
    filters: ReportFilters, report: str, grouping: PreviousAndCurrent | WholeRange
) -> list[Row]:
    """The count and median hours of a duration report ("first_response_time" or
    "resolution_time") over each whole range of `grouping`: the Reports page's tiles.

    A median is the middle of the range's durations in order. PercentileCont sorts
    them all; here a count and then the two middle rows in duration order, which
    PostgreSQL reads by walking an index ordered by duration to that offset or, for a
    short range, by sorting its rows, as its planner finds cheaper (figures in
    docs/reports.md). Interpolated as percentile_cont does.
    """
    end_field, seconds_field = DURATIONS[report]
    rows = []
    for key, start, end in grouping.ranges():
        in_range = _tickets(filters).filter(
            **{
                f"{end_field}__gte": start,
                f"{end_field}__lt": end,
                f"{seconds_field}__isnull": False,  # the duration indexes' condition
            }
        )
        count = in_range.count()
        median = None
        if count:
            below = (count - 1) // 2
            middle = in_range.order_by(seconds_field).values_list(seconds_field, flat=True)
            values = list(middle[below : below + 2])
            median = _interpolate(0.5, count, values[0], values[-1])
        rows.append({"period": key, "count": count, "median_hours": hours(median)})
    return rows


def ratings(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Good and bad ratings given in each period."""
    grouping = _grouping(filters, grouping)
    figures = _figures_by_period(
        _ratings(filters),
        "created_at",
        grouping,
        {
            "good": Count("value", filter=Q(value=Rating.Value.GOOD)),
            "bad": Count("value", filter=Q(value=Rating.Value.BAD)),
        },
    )
    report = []
    for key in grouping.keys:
        good, bad = (figures[key]["good"], figures[key]["bad"]) if key in figures else (0, 0)
        report.append({"period": key, "good": good, "bad": bad, "total": good + bad})
    return report


def ratings_ranking(filters: ReportFilters) -> list[Row]:
    """Agents by the share of good ratings in the range, best first."""
    grouping = ByPeriod(filters)
    rows = (
        _in_range(_ratings(filters), "created_at", grouping)
        .filter(agent__isnull=False)
        .values(
            "agent_id", "agent__username", "agent__first_name", "agent__last_name", "agent__email"
        )
        .annotate(
            good=Count("pk", filter=Q(value=Rating.Value.GOOD)),
            bad=Count("pk", filter=Q(value=Rating.Value.BAD)),
            total=Count("pk"),
        )
        .annotate(score_order=Cast("good", FloatField()) / F("total"))
        .order_by("-score_order", "-total", "agent__username", "agent_id")
    )
    return [
        {
            "agent": {
                "id": row["agent_id"],
                "username": row["agent__username"],
                "name": f"{row['agent__first_name']} {row['agent__last_name']}".strip()
                or row["agent__username"],
                "email": row["agent__email"],
            },
            "good": row["good"],
            "bad": row["bad"],
            "total": row["total"],
            "score": round(row["good"] / row["total"], 3),
        }
        for row in rows
    ]


def ticket_sources(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets created in each period, per source (web, email, api)."""
    grouping = _grouping(filters, grouping)
    counts = _figures_by_period(
        _tickets(filters),
        "created_at",
        grouping,
        # created_at, never null, stays within the covering index (unlike the id).
        {source: Count("created_at", filter=Q(source=source)) for source in Source.values},
    )
    return [
        {"period": key, **{source: counts.get(key, {}).get(source, 0) for source in Source.values}}
        for key in grouping.keys
    ]


def backlog(filters: ReportFilters, *, grouping: Grouping | None = None) -> list[Row]:
    """Tickets open at the end of each period.

    Open at instant E means created at or before E and not resolved by E. Since a
    ticket is resolved after it is created, that is (created by E) - (resolved by E):
    one query counts creations and resolutions per period, everything before the
    range folded into the first period, and the running total is the backlog.
    Only the final close is kept, so a ticket closed, reopened and closed again
    counts as open between its first close and the reopening.
    """
    grouping = _grouping(filters, grouping)
    tickets = _tickets(filters)
    intervals = _intervals(tickets, grouping)
    if intervals is not None:
        (first_key, _, first_end), *later = intervals
        figures = _figures_per_interval(
            tickets,
            [(first_key, EARLIEST, first_end), *later],
            {"created_at": {"created": Count("*")}, "resolved_at": {"resolved": Count("*")}},
        )
        change_by_key = {key: row["created"] - row["resolved"] for key, row in figures.items()}
    else:
        change_by_key = _backlog_changes(tickets, grouping)
    report, open_tickets = [], 0
    for key in grouping.keys:
        open_tickets += change_by_key.get(key, 0)
        report.append({"period": key, "count": open_tickets})
    return report


def _backlog_changes(tickets: QuerySet[Ticket], grouping: Grouping) -> dict[str, int]:
    """Tickets created minus tickets resolved per period, by grouping on the period."""
    range_start = Value(grouping.start)

    def changes(field: str, sign: int) -> QuerySet[Ticket, Mapping[str, Any]]:
        return (
            tickets.filter(**{f"{field}__lt": grouping.end})
            .annotate(period=grouping.expression(Greatest(F(field), range_start)))
            .values("period")
            .annotate(change=Count("*") * Value(sign))
        )

    rows = changes("created_at", 1).union(changes("resolved_at", -1), all=True).order_by()
    change_by_key: dict[str, int] = {}
    for row in rows:
        key = grouping.key(row["period"])
        change_by_key[key] = change_by_key.get(key, 0) + row["change"]
    return change_by_key


def tickets_open_at_start(filters: ReportFilters) -> int:
    """Tickets open when the range starts: created before it and not resolved before it.

    A ticket is resolved after it is created, so both counts come from the tickets
    created before the start (an index range, empty for a range that starts with
    the helpdesk).
    """
    start = filters.start
    counts: dict[str, int] = (
        _tickets(filters)
        .filter(created_at__lt=start)
        .aggregate(created=Count("*"), resolved=Count("pk", filter=Q(resolved_at__lt=start)))
    )
    return counts["created"] - counts["resolved"]


def backlog_from_counts(
    open_at_start: int, new_tickets: list[Row], solved_tickets: list[Row]
) -> list[Row]:
    """The backlog report from the new and solved tickets reports of the same filters.

    For a page that already has those two reports this replaces backlog()'s two
    scans of every ticket up to the range's end with tickets_open_at_start().
    """
    report, open_tickets = [], open_at_start
    for new, solved in zip(new_tickets, solved_tickets, strict=True):
        open_tickets += new["count"] - solved["count"]
        report.append({"period": new["period"], "count": open_tickets})
    return report


# Durations --------------------------------------------------------------------------


def _durations(
    queryset: QuerySet[Ticket], end_field: str, seconds_field: str, grouping: Grouping
) -> list[Row]:
    """Count, mean, median and 90th percentile of `seconds_field` (the seconds from
    created_at to end_field, stored by the database) per period of end_field."""
    seconds = F(seconds_field)
    if connections[queryset.db].vendor == "postgresql":
        by_key = _figures_by_period(
            queryset,
            end_field,
            grouping,
            {
                "count": Count("*"),
                "mean": Avg(seconds),
                **{name: PercentileCont(seconds, p) for name, p in PERCENTILES.items()},
            },
        )
    else:
        in_periods = _in_range(queryset, end_field, grouping).annotate(
            period=grouping.expression(F(end_field))
        )
        by_key = {
            grouping.key(period): row
            for period, row in _durations_with_window(in_periods, seconds).items()
        }
    report = []
    for key in grouping.keys:
        row = by_key.get(key, {})
        report.append(
            {
                "period": key,
                "count": row.get("count", 0),
                "hours": hours(row.get("mean")),
                **{name: hours(row.get(name)) for name in PERCENTILES},
            }
        )
    return report


def _durations_with_window(queryset: QuerySet[Ticket], seconds: F) -> dict[Any, Row]:
    """The same figures without percentile_cont (SQLite), still in one query.

    The inner query numbers each period's durations in order; the outer one
    keeps, per percentile, the two rows around position p * (n - 1) and Python
    interpolates between them exactly as percentile_cont does.
    """
    inner = (
        queryset.annotate(seconds=seconds)
        .annotate(
            position=Window(RowNumber(), partition_by=F("period"), order_by=F("seconds").asc()),
            size=Window(Count("*"), partition_by=F("period")),
        )
        .values("period", "seconds", "position", "size")
    )
    inner_sql, params = inner.query.sql_with_params()
    picks = []
    for p in PERCENTILES.values():
        below = f"CAST({p!r} * (size - 1) AS INTEGER) + 1"
        above = f"{below} + ({p!r} * (size - 1) > CAST({p!r} * (size - 1) AS INTEGER))"
        picks.append(f"MAX(CASE WHEN position = {below} THEN seconds END)")
        picks.append(f"MAX(CASE WHEN position = {above} THEN seconds END)")
    sql = (
        f"SELECT period, COUNT(*), AVG(seconds), {', '.join(picks)} "  # noqa: S608 (no user input)
        f"FROM ({inner_sql}) AS durations GROUP BY period"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        period: {
            "count": count,
            "mean": mean,
            **{
                name: _interpolate(p, count, around[2 * i], around[2 * i + 1])
                for i, (name, p) in enumerate(PERCENTILES.items())
            },
        }
        for period, count, mean, *around in rows
    }


def _interpolate(p: float, count: int, below: float, above: float) -> float:
    """PostgreSQL's percentile_cont: below + (above - below) * fraction of the position."""
    position = p * (count - 1)
    return below + (above - below) * (position - math.floor(position))


__all__ = [
    "ReportFilters",
    "backlog",
    "backlog_from_counts",
    "first_response_time",
    "median_by_range",
    "new_tickets",
    "ratings",
    "ratings_ranking",
    "resolution_time",
    "solved_tickets",
    "ticket_sources",
    "tickets_open_at_start",
]
