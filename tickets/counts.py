"""How many tickets: list totals, and the queue sidebar's counts of its views.

- `total`: an exact list total, read from the counts kept by triggers when the filters
  allow it (the API's `meta.total`, the compatibility lists' totals): TicketCount,
  TicketWorkloadCount (assignee, team, replies) or TicketTagCount (one tag).
- `built_in_view_counts`: the sidebar's built-in views ("My open tickets", "On hold",
  ...). Counting them means reading every ticket, too slow for each page view at a
  million tickets, so one query counts every view for every assignee at once, with the
  queue's own rules (the conditions of TicketQuerySet); its few rows are cached for a
  short while and give each agent's counts, "My open tickets" included.
- `saved_view_counts`: each saved view counted with the queue's FilterSet, one COUNT
  each, cached by view.

The queue page never waits for the views' counts: it shows the cached ones, and when
they are missing the sidebar fetches them after the page has loaded (`compute=True`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from taggit.models import Tag

from tickets.agents import Agent, AgentRequest
from tickets.filters import (
    ALL_STATES,
    ANY_CLOSED,
    ANY_OPEN,
    ME,
    UNASSIGNED,
    QueueFilter,
    filter_choices,
)
from tickets.models import (
    ActiveState,
    Priority,
    SavedView,
    Ticket,
    TicketCount,
    TicketStatus,
    TicketTagCount,
    TicketWorkloadCount,
)
from tickets.models.tickets import status_condition
from tickets.statuses import FixedStatus

logger = logging.getLogger(__name__)

# Totals -------------------------------------------------------------------------


@dataclass(frozen=True)
class CountTable:
    """A table of ticket counts per combination of some Ticket columns, kept by triggers."""

    model: type[Model]
    columns: frozenset[str]
    # Columns whose None is counted as 0 (so that the unique constraint sees one row).
    zero_for_none: frozenset[str] = frozenset()


# The Ticket columns TicketCount has one row per combination of.
COUNTED_COLUMNS = frozenset(
    {"status_id", "priority", "department_id", "client_id", "project_id", "active_state", "is_spam"}
)
# Where each total is read from: the first table counting every filtered column. The
# workload's comes first: it has a few hundred rows where TicketCount has tens of
# thousands (one per client at least), so a total by state and spam flag alone (the
# default lists) sums far fewer rows there.
COUNT_TABLES = (
    CountTable(
        TicketWorkloadCount,
        frozenset({"assignee_id", "team_id", "replies_count", "active_state", "is_spam"}),
        frozenset({"assignee_id", "team_id"}),
    ),
    CountTable(TicketCount, COUNTED_COLUMNS, frozenset({"project_id"})),
)
# A filter on this name is on the tickets carrying a tag, by name in any case (as
# TicketQuerySet.with_any_tag reads it), counted by TicketTagCount with the state and
# spam flag only.
TAG_NAME = "tag_name"
TAG_COUNTED_COLUMNS = frozenset({TAG_NAME, "active_state", "is_spam"})


def counted_total(filters: Mapping[str, object], *, using: str = "default") -> int | None:
    """How many tickets have these values (column name -> value) in counted columns.

    A filter may be a lookup on a counted column (`status_id__in`, `replies_count__lte`).
    None when only a COUNT can tell: on databases without the counting triggers
    (SQLite), or when no table counts every filtered column together.
    """
    if connections[using].vendor != "postgresql":
        return None
    columns = {name.partition("__")[0] for name in filters}
    if TAG_NAME in columns:
        return _tagged_total(filters, using=using) if columns <= TAG_COUNTED_COLUMNS else None
    table = next((table for table in COUNT_TABLES if columns <= table.columns), None)
    if table is None:
        return None
    lookups = {
        name: 0 if value is None and name in table.zero_for_none else value
        for name, value in filters.items()
    }
    rows = table.model._default_manager.using(using).filter(**lookups)
    return rows.aggregate(total=Coalesce(Sum("count"), 0))["total"]


def _tagged_total(filters: Mapping[str, object], *, using: str) -> int | None:
    """The tickets carrying the tag named (in any case) by `filters[TAG_NAME]`, with the
    other filters (state, spam flag). None when two tags of that name in different cases
    are both on some of them: a ticket carrying both would be summed twice."""
    lookups = dict(filters)
    name = lookups.pop(TAG_NAME)
    tags = Tag.objects.using(using).filter(name__iexact=name).values("pk")
    rows = TicketTagCount.objects.using(using).filter(tag_id__in=tags, count__gt=0, **lookups)
    found = rows.aggregate(total=Coalesce(Sum("count"), 0), tags=Count("tag_id", distinct=True))
    return found["total"] if found["tags"] <= 1 else None


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


# The sidebar's built-in views ---------------------------------------------------

# A view's count may be this many seconds old.
CACHE_SECONDS = 30
SHARED_COUNTS_KEY = "queue:view-counts-by-assignee"


# What each built-in view counts, as the queue's filters read its parameters (see
# tickets.views.queue.VIEWS): every view but Archived and Spam lists active tickets that
# are not spam. "mine" and "unassigned" are the "open" count of one assignee; "starred"
# is counted per agent.
def shared_view_conditions() -> dict[str, Q]:
    active = Q(active_state=ActiveState.ACTIVE, is_spam=False)
    return {
        "all": active,
        "open": active & status_condition(any_open=True),
        "on_hold": active & status_condition([FixedStatus.ON_HOLD]),
        "customer_replied": active & status_condition([FixedStatus.CUSTOMER_REPLIED]),
        "closed": active & status_condition(any_closed=True),
        "archived": Q(active_state=ActiveState.ARCHIVED, is_spam=False),
        "spam": Q(active_state=ActiveState.ACTIVE, is_spam=True),
    }


SHARED_VIEW_KEYS = list(shared_view_conditions())
VIEW_KEYS = ["mine", "starred", "unassigned", *SHARED_VIEW_KEYS]


# The columns the shared views' conditions read; "mine" and "unassigned" are by assignee.
GROUPED_COLUMNS = ("is_spam", "active_state", "status_id", "assignee_id")


def count_shared_views() -> dict[int | None, dict[str, int]]:
    """Each shared view's count per assignee id (None: unassigned), in one statement; cached.

    The tickets are first counted per combination of the columns the conditions read (a
    few hundred rows however many tickets there are); each view's count is then the sum
    over the combinations its condition holds for. Checking every condition against
    every ticket instead costs a test per view per ticket.
    """
    connection = connections[Ticket.objects.db]
    table = connection.ops.quote_name(Ticket._meta.db_table)
    grouped = Ticket.objects.order_by().values(*GROUPED_COLUMNS).annotate(tickets=Count("pk"))
    grouped_sql, grouped_params = grouped.query.sql_with_params()
    sums, params = [], []
    for key, condition in shared_view_conditions().items():
        condition_sql, condition_params = _condition_sql(condition, connection)
        name = connection.ops.quote_name(key)
        sums.append(f"COALESCE(SUM(tickets) FILTER (WHERE {condition_sql}), 0) AS {name}")
        params += condition_params
    # The grouped rows are named like the table, so that the conditions read their columns.
    sql = (
        f"SELECT assignee_id, {', '.join(sums)} "  # noqa: S608 (compiled by the ORM)
        f"FROM ({grouped_sql}) AS {table} GROUP BY assignee_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *grouped_params])
        keys = [column[0] for column in cursor.description][1:]
        counts = {row[0]: dict(zip(keys, map(int, row[1:]), strict=True)) for row in cursor}
    cache.set(SHARED_COUNTS_KEY, counts, CACHE_SECONDS)
    return counts


def _condition_sql(condition: Q, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
    """A condition on tickets as the SQL of a WHERE clause on the ticket table."""
    query = Ticket.objects.filter(condition).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def starred_key(agent: Agent) -> str:
    return f"queue:starred-count:{agent.pk}"


def count_starred(agent: Agent) -> int:
    """How many tickets the agent's Starred view lists; cached like the other counts."""
    count = Ticket.objects.for_agent(agent).not_spam().active().starred_by(agent).count()
    cache.set(starred_key(agent), count, CACHE_SECONDS)
    return count


def forget_starred_count(agent: Agent) -> None:
    """The agent's Starred count is theirs alone: a star they add shows at once."""
    cache.delete(starred_key(agent))


def built_in_view_counts(agent: Agent, *, compute: bool) -> dict[str, int] | None:
    """Each built-in view's count for `agent`, by view key.

    The cached counts when the cache holds them; else, if `compute`, counted now, or
    None (the page shows them as pending).
    """
    if Ticket.objects.for_agent(agent).query.is_empty():
        return dict.fromkeys(VIEW_KEYS, 0)
    cached = cache.get_many([SHARED_COUNTS_KEY, starred_key(agent)])
    shared, starred = cached.get(SHARED_COUNTS_KEY), cached.get(starred_key(agent))
    if not compute and (shared is None or starred is None):
        return None
    if shared is None:
        shared = count_shared_views()
    if starred is None:
        starred = count_starred(agent)
    nobody = dict.fromkeys(SHARED_VIEW_KEYS, 0)
    result = {key: sum(row[key] for row in shared.values()) for key in SHARED_VIEW_KEYS}
    result["mine"] = shared.get(agent.pk, nobody)["open"]
    result["unassigned"] = shared.get(None, nobody)["open"]
    result["starred"] = starred
    return result


# Saved views --------------------------------------------------------------------

# The count of a view too slow to count (shown as "?"), cached like a count so that
# the sidebar does not try again on every page.
UNKNOWN = -1


def saved_view_key(view: SavedView, agent: Agent) -> str:
    """The cache key of a view's count. The key holds the query, so a changed view is
    counted afresh; a view with "me" or "starred" counts differently for each agent."""
    params = QueryDict(view.query)
    per_agent = params.get("assignee") == ME or bool(params.get("starred"))
    digest = hashlib.sha256(view.query.encode()).hexdigest()[:16]
    return f"queue:saved-view-count:{view.pk}:{digest}:{agent.pk if per_agent else 0}"


def saved_view_counts(
    request: AgentRequest, views: list[SavedView], *, compute: bool
) -> dict[int, int | None]:
    """Each view's count by id: the cached ones, and if `compute` the others counted now
    with the queue's filters (one COUNT each, so never in the queue page's own request);
    else None for those."""
    keys = {view.pk: saved_view_key(view, request.user) for view in views}
    cached = cache.get_many(list(keys.values())) if keys else {}
    counts: dict[int, int | None] = {pk: cached.get(key) for pk, key in keys.items()}
    missing = [view for view in views if counts[view.pk] is None]
    if compute and missing:
        choices = filter_choices()
        tickets = Ticket.objects.for_agent(request.user)
        fresh = {}
        for view in missing:
            filterset = QueueFilter(
                QueryDict(view.query), queryset=tickets, request=request, choices=choices
            )
            try:
                count = filterset.qs.order_by().count()
            except OperationalError:
                # Stopped at the statement time limit (requests run in autocommit, so
                # the connection stays usable): the other counts still show.
                logger.warning("Counting saved view %s timed out", view.pk)
                count = UNKNOWN
            counts[view.pk] = fresh[keys[view.pk]] = count
        cache.set_many(fresh, CACHE_SECONDS)
    return counts


# The queue's total ---------------------------------------------------------------

# Past this many tickets the queue says "more than" instead of counting them all.
QUEUE_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class QueueTotal:
    count: int
    exact: bool  # False: there are more than `count`
    # Not counted yet: a built-in view's count, which the sidebar's counts bring after the
    # page (see tickets.views.queue.queue_counts).
    pending: bool = False


def queue_counted_filters(filterset: QueueFilter) -> dict[str, object] | None:
    """The queue's chosen filters as lookups on counted Ticket columns (see
    `counted_total`), or None when a filter is on something no count table counts."""
    chosen = filterset.form.cleaned_data
    if any(
        chosen.get(name)
        for name in ("search", "tags", "starred", "created_after", "created_before")
    ):
        return None
    filters: dict[str, object] = {"is_spam": bool(chosen.get("spam"))}
    state = chosen.get("active_state") or ActiveState.ACTIVE
    if state != ALL_STATES:
        filters["active_state"] = state
    statuses = chosen.get("status") or []
    any_open, any_closed = ANY_OPEN in statuses, ANY_CLOSED in statuses
    ids = [int(value) for value in statuses if value not in (ANY_OPEN, ANY_CLOSED)]
    if ids and (any_open or any_closed):
        return None
    if ids:
        filters["status_id__in"] = ids
    elif any_open != any_closed:
        filters["status_id__in"] = TicketStatus.objects.filter(is_closed=any_closed).values("pk")
    if chosen.get("priority"):
        filters["priority__in"] = [Priority.from_code(code) for code in chosen["priority"]]
    for name in ("department", "client", "project", "team"):
        if chosen.get(name) is not None:
            filters[f"{name}_id"] = chosen[name].pk
    assignee = chosen.get("assignee")
    if assignee == ME:
        filters["assignee_id"] = filterset.request.user.pk
    elif assignee == UNASSIGNED:
        filters["assignee_id"] = None
    elif assignee:
        filters["assignee_id"] = int(assignee)
    return filters


def queue_total(filterset: QueueFilter, tickets: QuerySet[Ticket]) -> QueueTotal:
    """How many tickets the queue lists, in one query: from the count tables when its
    filters allow (exact), else counted up to QUEUE_COUNT_LIMIT, never over a million
    rows. `tickets` is what the queue lists (the filterset's, with the search)."""
    filters = queue_counted_filters(filterset)
    if filters is not None and not tickets.query.is_empty():
        counted = counted_total(filters, using=tickets.db)
        if counted is not None:
            return QueueTotal(counted, exact=True)
    found = tickets.order_by()[: QUEUE_COUNT_LIMIT + 1].count()
    if found > QUEUE_COUNT_LIMIT:
        return QueueTotal(QUEUE_COUNT_LIMIT, exact=False)
    return QueueTotal(found, exact=True)
