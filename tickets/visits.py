"""Which tickets wait unread: the latest message is the client's and the ticket's assignee
has not opened the ticket since (the queue's mark).

An agent's visit is recorded when the ticket's page is shown (one upsert per page view).
A visit is not a change to the ticket: nothing in its history, nothing for the services.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F
from django.utils import timezone

from .agents import Agent
from .models import Ticket, TicketVisit


def record_visit(*, ticket: Ticket, agent: Agent) -> None:
    """Insert or refresh the agent's visit of `ticket`, in one query."""
    # One INSERT ... ON CONFLICT DO UPDATE: two tabs opening the ticket cannot both insert.
    TicketVisit.objects.bulk_create(
        [TicketVisit(ticket=ticket, agent=agent, visited_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["ticket", "agent"],
        update_fields=["visited_at"],
    )


def latest_message_at(ticket: Ticket):
    """When the ticket's latest public message was written: its last reply, else its opening."""
    return ticket.last_reply_at or ticket.created_at


def unread_ids(tickets: Sequence[Ticket]) -> set[int]:
    """Those of `tickets` whose latest public message is the client's and came after their
    assignee's last visit; one query, none when no ticket of the page can be unread."""
    candidates = {
        ticket.pk: ticket
        for ticket in tickets
        if ticket.assignee_id is not None and ticket.last_message_from_client
    }
    if not candidates:
        return set()
    visited = dict(
        TicketVisit.objects.filter(
            ticket_id__in=list(candidates), agent_id=F("ticket__assignee_id")
        ).values_list("ticket_id", "visited_at")
    )
    return {
        pk
        for pk, ticket in candidates.items()
        if pk not in visited or visited[pk] < latest_message_at(ticket)
    }
