"""Reading one row by an indexed column, the way every message needs it."""

from __future__ import annotations

from django.db.models import Model, QuerySet


def unordered_first[M: Model](queryset: QuerySet[M]) -> M | None:
    """One row of `queryset`, found by its filter's index: with the model's default order
    (or first()'s order by id) PostgreSQL may walk a whole table in that order instead,
    and Django spends about half a millisecond more making the query. For a filter that
    matches one row at most (a primary key, a unique column)."""
    return next(iter(queryset.order_by()[:1]), None)
