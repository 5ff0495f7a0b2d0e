"""The ticket queue: filters in the URL, a sidebar of built-in and saved views with
their counts (tickets.counts). Without filters it shows the agent's own open tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from tickets import counts, visits
from tickets.agents import AgentRequest
from tickets.filters import (
    ALL_TICKETS,
    ANY_CLOSED,
    ANY_OPEN,
    ME,
    PRESENTATION_PARAMS,
    UNASSIGNED,
    QueueFilter,
    canonical_query,
    has_filters,
    link_query,
)
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
    # Every active ticket: the queue's filters with nothing chosen (see default_params).
    QueueView("all", "All tickets", ALL_TICKETS),
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


def sidebar_context(request: AgentRequest, params: QueryDict, compute: bool) -> dict:
    """The sidebar: built-in and saved views with their counts, computed only if `compute`
    (else those the cache holds, the others None), and which of them is showing."""
    views = sidebar(counts.built_in_view_counts(request.user, compute=compute))
    saved = list(saved_views_for_agent(request.user))
    saved_counts = counts.saved_view_counts(request, saved, compute=compute)
    current_query = canonical_query(params)
    rows = []
    for view in saved:
        is_current = canonical_query(QueryDict(link_query(view.query))) == current_query
        rows.append((view, saved_counts[view.pk], is_current))
    return {
        "views": views,
        "current_view": current_view(params),
        "my_views": [row for row in rows if row[0].owner_id == request.user.pk],
        "shared_views": [row for row in rows if row[0].owner_id != request.user.pk],
        "current_query": current_query,
        "counts_pending": views[0][1] is None or None in saved_counts.values(),
    }


DEFAULT_VIEW = VIEWS[0]


def default_params(params: QueryDict) -> QueryDict:
    """The queue's parameters: those of the URL, or when it chooses no filter (the bare
    address, a sort or a page alone) the agent's open work, "My open tickets"."""
    if has_filters(params):
        return params
    chosen = params.copy()
    chosen.update(DEFAULT_VIEW.params)
    return chosen


def current_view(params: QueryDict) -> str | None:
    """The built-in view whose filters are exactly the URL's, if any."""
    chosen = {
        key: values
        for key, values in params.lists()
        if key not in PRESENTATION_PARAMS and any(values)
    }
    if chosen == {"active_state": [ActiveState.ACTIVE]}:
        return "all"
    if chosen.get("active_state") == [ActiveState.ACTIVE]:
        del chosen["active_state"]
    for view in VIEWS:
        if chosen == {key: [value] for key, value in view.params.items()}:
            return view.key
    return None


# The table's columns: (sort key or None, label). One line per ticket: the subject and
# the latest message's preview share a cell and end in an ellipsis.
COLUMNS = [
    ("id", "#"),
    ("subject", "Subject"),
    (None, "Requester"),
    ("waiting", "Waiting"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("assignee", "Assignee"),
    ("updated", "Updated"),
    ("breach", "SLA due"),
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
    params = default_params(request.GET)
    # Only the relations the table shows: each joined table multiplies the planner's work,
    # and with all seven PostgreSQL spends far longer planning than running the query.
    # The filter keeps spam apart: out of every view but the Spam view.
    tickets = Ticket.objects.for_agent(request.user).select_related(
        "status", "client", "assignee", "requester"
    )
    filterset = QueueFilter(params, queryset=tickets, request=request, defer_search=True)
    text = filterset.search_text
    numbered = numbered_ticket(request, text)
    if numbered is not None and not wants_fragment(request) and only_searching(request.GET):
        # The top bar's search for a ticket's number opens that ticket.
        return redirect("ticket", pk=numbered.pk)
    number = page_number(params)
    offset = (number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page, without counting them all.
    also = people_condition(text) if text.strip() else None
    rows = search_page(filterset.qs, text, offset, offset + PAGE_SIZE + 1, also=also)
    page_rows = rows[:PAGE_SIZE]
    pinned = pinned_tickets(request.user)
    listed = filterset.qs.search(filterset.search_text) if filterset.search_text else filterset.qs
    context = {
        **sidebar_context(request, params, compute=False),
        "queue_query": params.urlencode(),
        "pinned": pinned if number == 1 else [],
        "pinned_ids": {ticket.pk for ticket in pinned},
        "starred_ids": starred_ids(request.user, page_rows),
        "unread_ids": visits.unread_ids(page_rows),
        "filter": filterset,
        "form": filterset.form,
        "chosen": chosen_labels(filterset),
        "tickets": page_rows,
        "total": page_total(filterset, listed, params, page_rows),
        "page": number,
        "numbered_ticket": numbered,
        "has_next": len(rows) > PAGE_SIZE,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "sort": filterset.chosen_sort,
        "columns": columns(filterset.chosen_sort),
        "filters_set": has_filters(params),
        "more_filters_set": any(params.get(name) for name in MORE_FILTERS)
        or params.get("active_state", ActiveState.ACTIVE) != ActiveState.ACTIVE,
    }
    if wants_fragment(request):
        return render_fragments(
            request, "tickets/queue.html", ["summary", "results", "views"], context
        )
    return render(request, "tickets/queue.html", context)


def page_total(
    filterset: QueueFilter, listed: QuerySet[Ticket], params: QueryDict, rows: list[Ticket]
) -> counts.QueueTotal | None:
    """The "of N" of "1-25 of N"; none for an empty page. A built-in view's is its count
    in the sidebar: cached, or pending until the sidebar's counts come (no query here; its
    own count would be slow for an agent with a large share of the tickets). Any other
    list's is counts.queue_total (one query)."""
    if not rows:
        return None
    view = current_view(params)
    if view is not None:
        cached = counts.built_in_view_counts(filterset.request.user, compute=False)
        if cached is None:
            return counts.QueueTotal(0, exact=False, pending=True)
        return counts.QueueTotal(cached[view], exact=True)
    return counts.queue_total(filterset, listed)


def chosen_labels(filterset: QueueFilter) -> dict[str, str]:
    """What the status and priority drop-downs say while closed: the choices ticked."""
    labels = {}
    for name, nothing in (("status", "Any status"), ("priority", "Any priority")):
        field = filterset.form[name]
        ticked = set(field.value() or [])
        choices = cast(list[tuple[str, str]], cast(forms.ChoiceField, field.field).choices)
        names = [str(label) for value, label in choices if value in ticked]
        labels[name] = ", ".join(names) if len(names) <= 2 else f"{len(names)} chosen"
        labels[name] = labels[name] or nothing
    return labels


@require_GET
@agent_required
def queue_counts(request: AgentRequest) -> HttpResponse:
    """The sidebar with its counts, fetched by the queue page when none were cached."""
    params = default_params(request.GET)
    context = sidebar_context(request, params, compute=True)
    html = render_to_string("tickets/queue.html#views", context, request)
    # The page's "of N" when it waits for its view's count (see page_total).
    counted = {view.key: count for view, count in context["views"]}
    if context["current_view"] in counted:
        total = counts.QueueTotal(counted[context["current_view"]], exact=True)
        html += render_to_string("tickets/queue.html#total", {"total": total, "total_oob": True})
    return HttpResponse(html)
