"""Changelist helpers for the tables that grow to millions of rows (tickets, replies, history).

Two parts of a Django changelist read the whole table: the row count, and the
date hierarchy (the distinct years, months or days of the rows). At a million
tickets each takes seconds on PostgreSQL. These replace both with reads that an
index answers at once.
"""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import Any, Literal

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from tickets.search import planned_rows

# Lists of up to this many rows are counted exactly.
ESTIMATE_FROM_ROWS = 100_000
# A date hierarchy with more periods than this (decades of days) falls back to Django's query.
MAX_PERIODS = 400


def estimated_row_count(queryset: QuerySet) -> int | None:
    """PostgreSQL's own estimate of an unfiltered table's rows, or None when there is none."""
    if queryset.query.where or queryset.query.distinct or queryset.query.combinator:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1: the table was never analysed.
    return int(row[0]) if row and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    """Counts big lists approximately on PostgreSQL, small ones exactly.

    An unfiltered table is counted from the planner's statistics. A filtered list is
    counted exactly up to ESTIMATE_FROM_ROWS rows; beyond that the planner's estimate
    is used. Big totals are then approximate (within a few percent after autovacuum's
    analyse), which is all the changelist needs to offer its pages.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        estimate = estimated_row_count(queryset)
        if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
            return estimate
        capped = queryset.order_by()[:ESTIMATE_FROM_ROWS].count()
        if capped < ESTIMATE_FROM_ROWS:
            return capped
        return max(int(planned_rows(queryset)), ESTIMATE_FROM_ROWS)


def _period_start(moment: datetime.datetime, kind: str) -> datetime.datetime:
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind in ("year", "month"):
        start = start.replace(day=1)
    if kind == "year":
        start = start.replace(month=1)
    return start


def _next_period(start: datetime.datetime, kind: str) -> datetime.datetime:
    if kind == "year":
        return start.replace(year=start.year + 1)
    if kind == "month":
        if start.month == 12:
            return start.replace(year=start.year + 1, month=1)
        return start.replace(month=start.month + 1)
    return (start + datetime.timedelta(days=1)).replace(hour=0)


class IndexedDatesMixin(QuerySet[Any]):
    """datetimes() for the admin's date hierarchy, answered by an index on the field.

    Django asks for the distinct years, months or days of the listed rows, which the
    database answers by reading every row. Here MIN and MAX give the range and one
    EXISTS per period in it says whether the period has rows: each is an index probe.
    """

    def datetimes(
        self,
        field_name: str,
        kind: Literal["year", "month", "week", "day", "hour", "minute", "second"],
        order: Literal["ASC", "DESC"] = "ASC",
        tzinfo: datetime.tzinfo | None = None,
    ) -> Any:
        if kind not in ("year", "month", "day") or order != "ASC":
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first = timezone.localtime(bounds["first"], zone)
        last = timezone.localtime(bounds["last"], zone)
        starts = []
        start = _period_start(first, kind)
        while start <= last:
            starts.append(start)
            if len(starts) > MAX_PERIODS:
                return super().datetimes(field_name, kind, order, tzinfo)
            start = _next_period(start, kind)
        return [
            start
            for start in starts
            if self.filter(
                **{f"{field_name}__gte": start, f"{field_name}__lt": _next_period(start, kind)}
            ).exists()
        ]


_indexed_classes: dict[type, type] = {}


def with_indexed_dates(queryset: QuerySet) -> QuerySet:
    """The same queryset, with IndexedDatesMixin's datetimes() (kept by every clone)."""
    base = type(queryset)
    if base not in _indexed_classes:
        _indexed_classes[base] = type(f"IndexedDates{base.__name__}", (IndexedDatesMixin, base), {})
    clone = queryset.all()
    clone.__class__ = _indexed_classes[base]
    return clone


class BigTableAdminMixin(admin.ModelAdmin):
    """For the ModelAdmin of a table with millions of rows."""

    paginator = EstimatedCountPaginator
    # No exact grand total, no per-filter counts: each would read the whole table.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_queryset(self, request: Any) -> QuerySet:
        return with_indexed_dates(super().get_queryset(request))
