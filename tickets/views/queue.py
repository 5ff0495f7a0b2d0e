"""The ticket queue: filters in the URL, a sidebar of built-in and saved views with
their counts (tickets.counts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tickets import counts
from tickets.agents import AgentRequest
from tickets.filters import ANY_CLOSED, ANY_OPEN, ME, UNASSIGNED, QueueFilter, canonical_query
from tickets.models import ActiveState, Ticket, TicketStar
from tickets.models.search import people_condition, ticket_number
from tickets.queries import saved_views_for_agent
from tickets.search import search_page
from tickets.statuses import FixedStatus

from .access import agent_required, page_number, render_fragments, wants_fragment

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
    "sla",
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
    QueueView("starred", "Starred", {"starred": "1"}),
    QueueView("unassigned", "Unassigned", {"assignee": UNASSIGNED, "status": ANY_OPEN}),
    QueueView("open", "All open", {"status": ANY_OPEN}),
    QueueView("on_hold", "On hold", {"status": str(FixedStatus.ON_HOLD)}),
    QueueView(
        "customer_replied", "Customer replied", {"status": str(FixedStatus.CUSTOMER_REPLIED)}
    ),
    QueueView("closed", "Closed", {"status": ANY_CLOSED}),
    QueueView("archived", "Archived", {"active_state": ActiveState.ARCHIVED}),
    QueueView("spam", "Spam", {"spam": "1"}),
]


def sidebar(counts: dict[str, int] | None) -> list[tuple[QueueView, int | None]]:
    return [(view, counts[view.key] if counts else None) for view in VIEWS]


def sidebar_context(request: AgentRequest, compute: bool) -> dict:
    """The sidebar: built-in and saved views with their counts, computed only if `compute`
    (else those the cache holds, the others None), and which of them is showing."""
    views = sidebar(counts.built_in_view_counts(request.user, compute=compute))
    saved = list(saved_views_for_agent(request.user))
    saved_counts = counts.saved_view_counts(request, saved, compute=compute)
    current_query = canonical_query(request.GET)
    rows = [
        (view, saved_counts[view.pk], canonical_query(QueryDict(view.query)) == current_query)
        for view in saved
    ]
    return {
        "views": views,
        "current_view": current_view(request.GET),
        "my_views": [row for row in rows if row[0].owner_id == request.user.pk],
        "shared_views": [row for row in rows if row[0].owner_id != request.user.pk],
        "current_query": current_query,
        "counts_pending": views[0][1] is None or None in saved_counts.values(),
    }


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
    ("breach", "Next SLA breach"),
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


def pinned_tickets(user) -> list[Ticket]:
    """The agent's pinned tickets (spam excepted), in the order they were pinned."""
    return list(
        Ticket.objects.for_agent(user)
        .not_spam()
        .filter(pins__agent=user)
        .select_related("status")
        .order_by("pins__created_at", "pins__id")
    )


def starred_ids(user, tickets: list[Ticket]) -> set[int]:
    """Which of `tickets` the agent starred, for the marker in their rows."""
    if not tickets:
        return set()
    return set(
        TicketStar.objects.filter(agent=user, ticket__in=tickets).values_list(
            "ticket_id", flat=True
        )
    )


def numbered_ticket(request: AgentRequest, text: str) -> Ticket | None:
    """The ticket whose number the search is (`193`, `#193`), if the agent may see it."""
    number = ticket_number(text)
    if number is None:
        return None
    return Ticket.objects.for_agent(request.user).filter(pk=number).only("pk", "subject").first()


def only_searching(params: QueryDict) -> bool:
    """Whether the search is the URL's only filter (as the top bar sends it)."""
    return not any(
        any(value.strip() for value in values)
        for key, values in params.lists()
        if key != "search" and key not in PRESENTATION_PARAMS
    )


@require_GET
@agent_required
def queue(request: AgentRequest) -> HttpResponse:
    # Only the relations the table shows: each joined table multiplies the planner's work,
    # and with all seven PostgreSQL spends far longer planning than running the query.
    # The filter keeps spam apart: out of every view but the Spam view.
    tickets = (
        # taggit has no types: the stubs' plugin cannot see its `tags` manager.
        Ticket.objects.for_agent(request.user)  # type: ignore[misc]
        .select_related("status", "department", "client", "assignee")
        .prefetch_related("tags")
    )
    filterset = QueueFilter(request.GET, queryset=tickets, request=request, defer_search=True)
    text = filterset.search_text
    numbered = numbered_ticket(request, text)
    if numbered is not None and not wants_fragment(request) and only_searching(request.GET):
        # The top bar's search for a ticket's number opens that ticket.
        return redirect("ticket", pk=numbered.pk)
    number = page_number(request.GET)
    offset = (number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page, without counting them all.
    also = people_condition(text) if text.strip() else None
    rows = search_page(filterset.qs, text, offset, offset + PAGE_SIZE + 1, also=also)
    page_rows = rows[:PAGE_SIZE]
    pinned = pinned_tickets(request.user)
    context = {
        **sidebar_context(request, compute=False),
        "pinned": pinned if number == 1 else [],
        "pinned_ids": {ticket.pk for ticket in pinned},
        "starred_ids": starred_ids(request.user, page_rows),
        "filter": filterset,
        "form": filterset.form,
        "tickets": page_rows,
        "page": number,
        "numbered_ticket": numbered,
        "has_next": len(rows) > PAGE_SIZE,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "sort": filterset.chosen_sort,
        "columns": columns(filterset.chosen_sort),
        "filters_set": any(
            any(values) for key, values in request.GET.lists() if key not in PRESENTATION_PARAMS
        ),
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
def queue_counts(request: AgentRequest) -> HttpResponse:
    """The sidebar with its counts, fetched by the queue page when none were cached."""
    return render(request, "tickets/queue.html#views", sidebar_context(request, compute=True))
