"""User.com's ticket object (document 004), written for a page of our tickets in a fixed
number of queries, however many tickets the page holds.

- `status`: mappings.usercom_status; `priority`: mappings.priority_object.
- `person`: the requester, `company`: the ticket's client, `participants`: the CC
  contacts (`{id, name, email}` like `person`).
- `attachments`: the files of the opening message, null when it has none.
- `author`: the agent who made the ticket; null for one a requester or an import made.
- `segments`: the queue's built-in views (as the calling agent sees them: "My open
  tickets" are theirs) and the shared saved views that list the ticket, each with its
  queue URL. All of them are checked for the whole page in one query; each view's
  filtered queryset is built once per process for what it depends on (see
  `view_tickets`), not on every request.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Prefetch, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request

from tickets.agents import is_agent
from tickets.filters import QueueFilter, filter_choices
from tickets.models import Attachment, Contact, SavedView, Ticket, TicketStatus
from tickets.views.queue import VIEWS

from . import mappings
from .api import absolute, agent_object, iso

# The columns an object shows, of the ticket and its relations: reading no others spares
# most of the rows' transfer and model building (the message aside, a ticket's columns
# are mostly the reports' and the mail's).
AGENT_COLUMNS = ("id", "first_name", "last_name", "username", "email")
CONTACT_COLUMNS = ("id", "name", "email")
OBJECT_COLUMNS = (
    "id",
    "subject",
    "message",
    "status_id",
    "active_state",
    "priority",
    "created_at",
    "updated_at",
    "due_at",
    *(f"{agent}__{column}" for agent in ("assignee", "creator") for column in AGENT_COLUMNS),
    *(f"requester__{column}" for column in CONTACT_COLUMNS),
    "client__id",
    "client__name",
)
# Where `listed` puts the CC contacts of each ticket.
COPIED = "copied_contacts"


def listed(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with the relations their objects show; CC contacts prefetched."""
    return (
        tickets.select_related("assignee", "requester", "client", "creator")
        .only(*OBJECT_COLUMNS)
        .prefetch_related(
            # A list, not `cc.all()`: a related manager a ticket costs more than its contacts.
            Prefetch("cc", Contact.objects.only(*CONTACT_COLUMNS), to_attr=COPIED)
        )
    )


def closed_by_status() -> dict[int, bool]:
    """Whether each of our statuses is closed, by id."""
    return dict(TicketStatus.objects.values_list("pk", "is_closed"))


def ticket_objects(
    tickets: list[Ticket], request: Request, closed: dict[int, bool] | None = None
) -> list[dict[str, Any]]:
    """The User.com objects of `tickets` (read through `listed`), in their order."""
    if not tickets:
        return []
    closed = closed if closed is not None else closed_by_status()
    ids = [ticket.pk for ticket in tickets]
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    attachment_rows = (
        Attachment.objects.filter(ticket_id__in=ids, reply__isnull=True)
        .order_by("created_at", "id")
        .values_list("ticket_id", "pk", "name")
    )
    for ticket_id, pk, name in attachment_rows:
        url = absolute(request, reverse("attachment_download", args=[pk]))
        files[ticket_id].append({"id": pk, "filename": name, "url": url})
    segments = segments_of(ids, request)
    return [
        _ticket_object(ticket, closed, files.get(ticket.pk), segments[ticket.pk])
        for ticket in tickets
    ]


def _contact(contact: Any) -> dict[str, Any]:
    return {"id": contact.pk, "name": contact.name, "email": contact.email}


def _ticket_object(
    ticket: Ticket,
    closed: dict[int, bool],
    attachments: list[dict[str, Any]] | None,
    segments: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "status": mappings.usercom_status(
            is_closed=closed.get(ticket.status_id or 0, False), active_state=ticket.active_state
        ),
        "name": ticket.subject,
        "description": ticket.message,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "due_date": iso(ticket.due_at),
        "assigned_to": agent_object(ticket.assignee),
        "person": _contact(ticket.requester) if ticket.requester is not None else None,
        "company": {"id": ticket.client.pk, "name": ticket.client.name},
        "priority": mappings.priority_object(ticket.priority),
        "participants": [_contact(contact) for contact in getattr(ticket, COPIED)],
        "segments": segments,
        "attachments": attachments,
        "author": agent_object(ticket.creator),
    }


# Segments ---------------------------------------------------------------------------


def segments_of(ids: list[int], request: Request) -> dict[int, list[dict[str, str]]]:
    """For each ticket id, the views that list it: the built-in ones, then the shared saved
    views by name. One query reads the shared views, one checks every view for every
    ticket (each view as an EXISTS of the queue's own filters), and the filters' choices
    take two."""
    queue = reverse("queue")
    views = [(view.label, view.query) for view in VIEWS]
    views += [
        (view.name, view.query)
        for view in SavedView.objects.filter(is_shared=True).order_by("name", "id")
    ]
    checks = view_checks([query for _, query in views], request, filter_choices())
    segments: dict[int, list[dict[str, str]]] = {pk: [] for pk in ids}
    for row in checks.filter(pk__in=ids):
        segments[row["pk"]] = [
            {"name": name, "url": f"{queue}?{query}" if query else queue}
            for position, (name, query) in enumerate(views)
            if row[f"view_{position}"]
        ]
    return segments


# The parameters whose cleaning reads the database (a model choice must exist) or whose
# filter may depend on it (the search): a view giving any of them is built afresh.
READ_WHEN_BUILT = ("department", "client", "project", "team", "search")
# Built views and checks kept by the process; past this many the memo starts over.
MEMO_SIZE = 1024
_built_views: dict[tuple[object, ...], QuerySet[Any]] = {}


def built_for(request: Request, choices: dict[str, list[tuple[str, str]]]) -> tuple[object, ...]:
    """All the queue's FilterSet reads besides the parameters: "me" and "starred" read the
    agent, the dates the time zone, the status and assignee filters their choices."""
    user = request.user
    return (
        user.pk,
        is_agent(user),
        timezone.get_current_timezone_name(),
        tuple(choices["status"]),
        tuple(choices["assignee"]),
    )


def keep(key: tuple[object, ...], built: QuerySet[Any]) -> None:
    if len(_built_views) >= MEMO_SIZE:
        _built_views.clear()
    _built_views[key] = built


def view_checks(
    queries: list[str], request: Request, choices: dict[str, list[tuple[str, str]]]
) -> QuerySet[Any]:
    """Rows of every ticket's `pk` and, for each view's parameters in `queries`, whether
    the view lists it (`view_<position>`, an EXISTS of the view's tickets): filter them by
    pk. Kept like the views it checks, when every one of them is kept."""
    key = ("checks", tuple(queries), *built_for(request, choices))
    if key in _built_views:
        return _built_views[key]
    views = [view_tickets(query, request, choices) for query in queries]
    held_by = {
        f"view_{position}": Exists(tickets.filter(pk=OuterRef("pk")), output_field=BooleanField())
        for position, (tickets, _) in enumerate(views)
    }
    checks = Ticket.objects.order_by().annotate(**held_by).values("pk", *held_by)
    if all(kept for _, kept in views):
        keep(key, checks)
    return checks


def view_tickets(
    query: str, request: Request, choices: dict[str, list[tuple[str, str]]]
) -> tuple[QuerySet[Ticket], bool]:
    """The tickets a view's queue parameters list, unordered, as the queue's FilterSet
    reads them for the calling agent, and whether they were kept.

    Building a FilterSet (django-filter copies its filters and builds a form) costs more
    than the page's queries, so the result, a lazy queryset, is kept and reused: the key
    holds the parameters and all the FilterSet reads besides (`built_for`), and any rule
    that reads other rows does so inside the query, when it runs."""
    params = QueryDict(query)
    key = (query, *built_for(request, choices))
    kept = not any(params.get(name) for name in READ_WHEN_BUILT)
    if kept and key in _built_views:
        return _built_views[key], True
    filterset = QueueFilter(
        params,
        queryset=Ticket.objects.for_agent(request.user),
        # DRF's request stands for Django's: the filters read its user only.
        request=request,  # type: ignore[arg-type]
        choices=choices,
    )
    tickets = filterset.qs.order_by()
    if kept:
        keep(key, tickets)
    return tickets, kept
