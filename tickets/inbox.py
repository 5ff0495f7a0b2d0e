"""The agents' workspace notifications (the bell in the top bar): who is told of what.

A reaction to every ticket change (tickets.changes.REACTIONS): for each note an agent
added, the active agents it mentions (tickets.mentions; never its author) get a
notification and, after the commit, an email; for each reply a client added, the agent
the ticket is assigned to gets a notification (their email is tickets.tasks'
client-reply notice, as before). An import tells nobody. Opening a ticket marks the
agent's notifications of it read; the bell's panel marks all of them read.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from tickets import notifications, tasks
from tickets.changes import Round
from tickets.mentions import mentioned_agents
from tickets.models import Notification, Reply, Ticket, TicketEvent

# The panel lists at most this many; the count says how many there are.
PANEL_SIZE = 20


def react(round: Round) -> None:
    made: list[Notification] = []
    note_ids: list[int] = []
    for event in round.events:
        if event.channel in notifications.SILENT_CHANNELS or not isinstance(event.new_value, dict):
            continue
        reply_id = event.new_value.get("reply_id")
        if not isinstance(reply_id, int):
            continue
        if event.kind == TicketEvent.Kind.NOTE_ADDED:
            note_ids.append(reply_id)
        elif event.kind == TicketEvent.Kind.REPLY_ADDED and event.actor_contact_id is not None:
            # The event holds the ticket as the service locked it: no query for the assignee.
            assignee_id = event.ticket.assignee_id
            if assignee_id is not None:
                made.append(
                    Notification(
                        recipient_id=assignee_id,
                        kind=Notification.Kind.CLIENT_REPLY,
                        ticket_id=event.ticket_id,
                        reply_id=reply_id,
                        created_at=event.created_at,
                    )
                )
    if note_ids:
        # Only notes that may mention someone are read.
        notes = Reply.objects.filter(pk__in=note_ids, text__contains="@").order_by("pk")
        for note in notes:
            made += _mentions(note)
    if made:
        Notification.objects.bulk_create(made, ignore_conflicts=True)


def _mentions(reply: Reply) -> list[Notification]:
    agent_ids = list(
        mentioned_agents(reply.text, author_id=reply.author_agent_id).values_list("pk", flat=True)
    )
    for agent_id in agent_ids:
        transaction.on_commit(partial(tasks.agent_mentioned, reply.pk, agent_id), robust=True)
    return [
        Notification(
            recipient_id=agent_id,
            kind=Notification.Kind.MENTION,
            ticket_id=reply.ticket_id,
            reply=reply,
            created_at=reply.created_at,
        )
        for agent_id in agent_ids
    ]


def unread_count(agent: Any) -> int:
    """The bell's number: one query on the index of unread notifications."""
    return Notification.objects.unread_for(agent).count()


def unread(agent: Any) -> list[Notification]:
    """The newest unread notifications, for the panel (one query)."""
    return list(
        Notification.objects.unread_for(agent).select_related(
            "ticket", "reply__author_agent", "reply__author_contact"
        )[:PANEL_SIZE]
    )


def mark_ticket_read(agent: Any, ticket: Ticket) -> int:
    """The agent has seen the ticket: its notifications to them are read (one UPDATE)."""
    return Notification.objects.filter(ticket=ticket, recipient=agent, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_all_read(agent: Any) -> int:
    return Notification.objects.filter(recipient=agent, read_at__isnull=True).update(
        read_at=timezone.now()
    )
