"""The ticket queue: filters in the URL, a sidebar of built-in views with live counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets.filters import ANY_CLOSED, ANY_OPEN, ME, UNASSIGNED, TicketFilter, search_page
from tickets.models import ActiveState, Ticket, TicketStatus

from .access import agent_required, render_fragments, wants_fragment

PAGE_SIZE = 25
# The filters folded under "More filters" on the queue page.
MORE_FILTERS = [
    "department",
    "client",
    "project",
    "team",
    "tags",
    "created_after",
    "created_before",
]
# Parameters that choose how a result is shown, not which tickets are in it.
PRESENTATION_PARAMS = {"sort", "page"}


@dataclass(frozen=True)
class QueueView:
    key: str
    label: str
    params: dict[str, str]

    @property
    def query(self) -> str:
        query = QueryDict(mutable=True)
        query.update(self.params)
        return query.urlencode()


VIEWS = [
    QueueView("mine", "My open tickets", {"assignee": ME, "status": ANY_OPEN}),
    QueueView("unassigned", "Unassigned", {"assignee": UNASSIGNED, "status": ANY_OPEN}),
    QueueView("open", "All open", {"status": ANY_OPEN}),
    QueueView("on_hold", "On hold", {"status": str(TicketStatus.ON_HOLD)}),
    QueueView(
        "customer_replied", "Customer replied", {"status": str(TicketStatus.CUSTOMER_REPLIED)}
    ),
    QueueView("closed", "Closed", {"status": ANY_CLOSED}),
    QueueView("archived", "Archived", {"active_state": ActiveState.ARCHIVED}),
]


# Counting the views means reading every ticket (a million in a big helpdesk), which
# is too slow for each page view. So one query counts the tickets by state, status and
# assignee; its few dozen rows are cached for a short while and give every agent's
# counts, "My open tickets" included. The queue page never waits for them: when they
# are not cached, the sidebar fetches them after the page has loaded.
COUNTS_CACHE_SECONDS = 30
COUNTS_KEY = "queue:ticket-counts"


def grouped_counts() -> dict:
    """The numbers of tickets (spam excepted) by active state, status and assignee."""
    rows = (
        Ticket.objects.not_spam()
        .order_by()
        .values_list("active_state", "status_id", "assignee_id")
        .annotate(count=Count("pk"))
    )
    closed = set(TicketStatus.objects.filter(is_closed=True).values_list("pk", flat=True))
    counts = {"rows": list(rows), "closed": closed}
    cache.set(COUNTS_KEY, counts, COUNTS_CACHE_SECONDS)
    return counts


def view_counts(user, counts: dict) -> dict[str, int]:
    """Each view's count for `user`, with the same rules as the filters."""
    result = dict.fromkeys((view.key for view in VIEWS), 0)
    if not Ticket.objects.for_agent(user).query.is_empty():
        # Every agent sees every ticket (TicketQuerySet.for_agent), so the counts are shared.
        for state, status_id, assignee_id, count in counts["rows"]:
            if state == ActiveState.ARCHIVED:
                result["archived"] += count
                continue
            if status_id in counts["closed"]:
                result["closed"] += count
                continue
            result["open"] += count
            result["mine"] += count if assignee_id == user.pk else 0
            result["unassigned"] += count if assignee_id is None else 0
            result["on_hold"] += count if status_id == TicketStatus.ON_HOLD else 0
            if status_id == TicketStatus.CUSTOMER_REPLIED:
                result["customer_replied"] += count
    return result


def cached_counts(user) -> dict[str, int] | None:
    """The views' counts if the cache holds them (no database query), else None."""
    counts = cache.get(COUNTS_KEY)
    return None if counts is None else view_counts(user, counts)


def sidebar(counts: dict[str, int] | None) -> list[tuple[QueueView, int | None]]:
    return [(view, counts[view.key] if counts else None) for view in VIEWS]


def current_view(params: QueryDict) -> str | None:
    """The built-in view whose filters are exactly the URL's, if any."""
    chosen = {
        key: values
        for key, values in params.lists()
        if key not in PRESENTATION_PARAMS and any(values)
    }
    if chosen.get("active_state") == [ActiveState.ACTIVE]:
        del chosen["active_state"]
    for view in VIEWS:
        if chosen == {key: [value] for key, value in view.params.items()}:
            return view.key
    return None


COLUMNS = [
    ("id", "#"),
    ("subject", "Subject"),
    ("client", "Client"),
    ("department", "Department"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("assignee", "Assignee"),
    (None, "Tags"),
    ("updated", "Last updated"),
    ("replies", "Replies"),
]
# Dates, priority and counts read best largest first on the first click.
DESCENDING_FIRST = {"updated", "created", "priority", "replies", "id"}


def columns(sort: str) -> list[dict]:
    """The table's headers, each with the sort its link applies and its aria-sort state."""
    result = []
    for key, label in COLUMNS:
        column = {"key": key, "label": label, "aria_sort": None, "next_sort": None}
        if key is not None:
            if sort.lstrip("-") == key:
                descending = sort.startswith("-")
                column["aria_sort"] = "descending" if descending else "ascending"
                column["next_sort"] = key if descending else f"-{key}"
            else:
                column["next_sort"] = f"-{key}" if key in DESCENDING_FIRST else key
        result.append(column)
    return result


def page_number(params: QueryDict) -> int:
    try:
        return max(1, int(params.get("page", "1")))
    except ValueError:
        return 1


@require_GET
@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    # Only the relations the table shows: each joined table multiplies the planner's work,
    # and with all seven PostgreSQL spends far longer planning than running the query.
    tickets = (
        Ticket.objects.for_agent(request.user)
        .not_spam()
        .select_related("status", "department", "client", "assignee")
        .prefetch_related("tags")
    )
    filterset = TicketFilter(request.GET, queryset=tickets, request=request, defer_search=True)
    number = page_number(request.GET)
    offset = (number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page, without counting them all.
    rows = search_page(filterset.qs, filterset.search_text, offset, offset + PAGE_SIZE + 1)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "tickets": rows[:PAGE_SIZE],
        "page": number,
        "has_next": len(rows) > PAGE_SIZE,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "sort": filterset.chosen_sort,
        "columns": columns(filterset.chosen_sort),
        "views": sidebar(cached_counts(request.user)),
        "current_view": current_view(request.GET),
        "more_filters_set": any(request.GET.get(name) for name in MORE_FILTERS)
        or request.GET.get("active_state", ActiveState.ACTIVE) != ActiveState.ACTIVE,
    }
    if wants_fragment(request):
        return render_fragments(
            request, "tickets/queue.html", ["summary", "results", "views"], context
        )
    return render(request, "tickets/queue.html", context)


@require_GET
@agent_required
def queue_counts(request: HttpRequest) -> HttpResponse:
    """The sidebar with its counts, fetched by the queue page when none were cached."""
    counts = cache.get(COUNTS_KEY) or grouped_counts()
    context = {
        "views": sidebar(view_counts(request.user, counts)),
        "current_view": current_view(request.GET),
    }
    return render(request, "tickets/queue.html#views", context)
