"""Exact ticket totals read from TicketCount instead of counting the tickets."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connections
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from tickets.models import Ticket, TicketCount

# The Ticket columns TicketCount has one row per combination of.
COUNTED_COLUMNS = frozenset(
    {"status_id", "priority", "department_id", "client_id", "project_id", "active_state", "is_spam"}
)


def counted_total(filters: Mapping[str, object], *, using: str = "default") -> int | None:
    """How many tickets have these values (column name -> value) in counted columns.

    None when only a COUNT can tell: on databases without the counting triggers
    (SQLite), or when a filter is on another column.
    """
    if connections[using].vendor != "postgresql" or not set(filters) <= COUNTED_COLUMNS:
        return None
    lookups = dict(filters)
    if "project_id" in lookups and lookups["project_id"] is None:
        lookups["project_id"] = 0
    rows = TicketCount.objects.using(using).filter(**lookups)
    return rows.aggregate(total=Coalesce(Sum("count"), 0))["total"]


def total(queryset: QuerySet[Ticket], filters: Mapping[str, object] | None) -> int:
    """The number of tickets in `queryset`, which is Ticket.objects filtered by `filters`.

    Counted from TicketCount when it can be (see `counted_total`), else by COUNT.
    `filters` None means the queryset has other conditions too.
    """
    if queryset.query.is_empty():
        return 0
    if filters is not None:
        counted = counted_total(filters, using=queryset.db)
        if counted is not None:
            return counted
    return queryset.count()
