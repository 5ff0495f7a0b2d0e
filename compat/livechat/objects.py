"""LiveChat's ticket object (document 000), written for a page of our tickets in a fixed
number of queries, however many tickets, replies and changes the page holds.

- `status`: the category of the ticket's status, or `spam` (mappings.livechat_status).
- `opened`: the periods the ticket was not solved, from its history: the status it was
  created in, then each status change that crossed between solved and not solved.
- `events`, oldest first (the history's order within a second): the opening message, each
  reply and note (`is_private`), and each assignment to an agent. An assignment made with
  the ticket (which the history does not list apart) is dated at its creation, by its
  creator; one made by nobody we know (an automation, an import) has no `author`.
  Unassignments are left out: LiveChat has no event for them.
- `firstResponse`: the time of the first agent response and the agent of the first public
  reply; `{}` before it.
- `requester` is `{}` for a ticket without one, and `assignee` absent when unassigned.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from tickets.models import Reply, Source, Ticket, TicketEvent, TicketStatus
from tickets.queries import tag_names_for
from tickets.statuses import StatusCategory

from . import mappings
from .api import agent_object, unix

Kind = TicketEvent.Kind
# The history a ticket object is written from.
HISTORY_KINDS = [
    Kind.CREATED,
    Kind.STATUS_CHANGED,
    Kind.ASSIGNED,
    Kind.REPLY_ADDED,
    Kind.NOTE_ADDED,
]


def listed(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with the relations their objects show, joined (four, as tickets_for_agent
    joins: PostgreSQL plans more joins slowly); the rest is read by `ticket_objects`."""
    return tickets.select_related("assignee", "requester", "creator", "source_url")


@dataclass(frozen=True)
class _Reply:
    pk: int
    kind: str
    text: str
    source: str
    created_at: datetime.datetime
    agent_id: int | None
    contact_email: str | None
    contact_name: str | None


@dataclass(frozen=True)
class _Event:
    pk: int
    kind: str
    actor_id: int | None
    old_value: Any
    new_value: Any
    created_at: datetime.datetime


def ticket_objects(tickets: list[Ticket]) -> list[dict[str, Any]]:
    """The LiveChat objects of `tickets` (read through `listed`), in their order.

    Replies and history are read as plain rows (building a model instance for each costs
    more than the query), and the agents they name in one query.
    """
    if not tickets:
        return []
    ids = [ticket.pk for ticket in tickets]
    categories = dict(TicketStatus.objects.values_list("pk", "category"))
    tags = tag_names_for(tickets)
    replies: dict[int, list[_Reply]] = defaultdict(list)
    reply_rows: Any = (
        Reply.objects.filter(ticket_id__in=ids)
        .order_by("created_at", "id")
        .values_list(
            "ticket_id",
            "pk",
            "kind",
            "text",
            "source",
            "created_at",
            "author_agent_id",
            "author_contact__email",
            "author_contact__name",
        )
    )
    for ticket_id, *reply in reply_rows:
        replies[ticket_id].append(_Reply(*reply))
    history: dict[int, list[_Event]] = defaultdict(list)
    event_rows: Any = (
        TicketEvent.objects.filter(ticket_id__in=ids, kind__in=HISTORY_KINDS)
        .order_by("created_at", "id")
        .values_list("ticket_id", "pk", "kind", "actor_id", "old_value", "new_value", "created_at")
    )
    for ticket_id, *event in event_rows:
        history[ticket_id].append(_Event(*event))
    users = _users(replies, history)
    return [
        _Writer(ticket, categories, replies[ticket.pk], history[ticket.pk], users).write(
            tags.get(ticket.pk, [])
        )
        for ticket in tickets
    ]


def _referenced_id(value: Any) -> int | None:
    """The id in a history reference (`{"id", "name"}`), else None."""
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, int) else None


def _users(replies: dict[int, list[_Reply]], history: dict[int, list[_Event]]) -> dict[int, Any]:
    """The agents who wrote the replies and made or got the assignments, by id, in one query."""
    ids = {reply.agent_id for rows in replies.values() for reply in rows}
    for events in history.values():
        for event in events:
            if event.kind == Kind.ASSIGNED:
                ids |= {
                    event.actor_id,
                    _referenced_id(event.old_value),
                    _referenced_id(event.new_value),
                }
    ids.discard(None)
    return get_user_model().objects.in_bulk(ids) if ids else {}


def client_object(email: str, name: str) -> dict[str, str]:
    return {"id": email, "name": name, "type": "client"}


class _Writer:
    """Writes one ticket's object from what `ticket_objects` read for the page."""

    def __init__(
        self,
        ticket: Ticket,
        categories: dict[int, str],
        replies: list[_Reply],
        history: list[_Event],
        users: dict[int, Any],
    ) -> None:
        self.ticket = ticket
        self.categories = categories
        self.replies = replies
        self.history = history
        self.users = users
        # Where each reply stands in the history, which orders events of the same time.
        self.reply_positions = {
            _reply_id(event): event.pk
            for event in history
            if event.kind in (Kind.REPLY_ADDED, Kind.NOTE_ADDED)
        }

    def write(self, tags: list[str]) -> dict[str, Any]:
        ticket = self.ticket
        source: dict[str, str] = {"type": mappings.SOURCE_TYPES[Source(ticket.source)]}
        with contextlib.suppress(ObjectDoesNotExist):
            source["url"] = ticket.source_url.url
        written: dict[str, Any] = {
            "id": str(ticket.pk),
            "subject": ticket.subject,
            "status": mappings.livechat_status(
                self.categories[cast(int, ticket.status_id)], is_spam=ticket.is_spam
            ),
            "modified": unix(ticket.updated_at),
            "requester": (
                {"mail": ticket.requester.email, "name": ticket.requester.name}
                if ticket.requester
                else {}
            ),
        }
        if ticket.assignee is not None:
            written["assignee"] = agent_object(ticket.assignee)
        written.update(
            groups=mappings.groups_of(ticket.team_id),
            source=source,
            opened=self.opened(),
            firstResponse=self.first_response(),
            tags=tags,
            events=self.events(),
        )
        return written

    # Status ---------------------------------------------------------------------------

    def _solved(self, status_id: int | None) -> bool:
        return self.categories.get(status_id or 0) == StatusCategory.SOLVED

    def opened(self) -> list[dict[str, int | None]]:
        changes = [event for event in self.history if event.kind == Kind.STATUS_CHANGED]
        solved = self._solved(self._first_status(changes))
        periods: list[dict[str, int | None]] = (
            [] if solved else [{"from": unix(self.ticket.created_at)}]
        )
        for change in changes:
            now_solved = self._solved(_referenced_id(change.new_value))
            if solved and not now_solved:
                periods.append({"from": unix(change.created_at)})
            elif now_solved and not solved and periods:
                periods[-1]["to"] = unix(change.created_at)
            solved = now_solved
        return periods

    def _first_status(self, changes: list[_Event]) -> int | None:
        """The status the ticket was created in: as its creation recorded it, else as the
        first change found it, else the one it has (it never changed)."""
        created = next((event for event in self.history if event.kind == Kind.CREATED), None)
        if created is not None and isinstance(created.new_value, dict):
            recorded = _referenced_id(created.new_value.get("status"))
            if recorded is not None:
                return recorded
        if changes:
            return _referenced_id(changes[0].old_value)
        return self.ticket.status_id

    def first_response(self) -> dict[str, Any]:
        if self.ticket.first_response_at is None:
            return {}
        responder = next(
            (
                self.users[reply.agent_id]
                for reply in self.replies
                if reply.kind == Reply.Kind.REPLY and reply.agent_id in self.users
            ),
            None,
        )
        response: dict[str, Any] = {"date": unix(self.ticket.first_response_at)}
        if responder is not None:
            response["author"] = agent_object(responder)
        return response

    # Events ---------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """The opening message first, then the replies, notes and assignments by time, those
        of the same time in the history's order."""
        ordered: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for reply in self.replies:
            position = self.reply_positions.get(reply.pk, math.inf)
            ordered.append(((reply.created_at, position, reply.pk), self._reply(reply)))
        initial = self._initial_assignment()
        if initial is not None:
            ordered.append(((self.ticket.created_at, -math.inf, 0), initial))
        for event in self.history:
            if event.kind == Kind.ASSIGNED:
                assignment = self._assignment(event)
                if assignment is not None:
                    ordered.append(((event.created_at, event.pk, 0), assignment))
        ordered.sort(key=lambda item: item[0])
        return [self._opening(), *(event for _, event in ordered)]

    def _message(
        self, author: dict[str, str], at: Any, text: str, source: str, *, private: bool
    ) -> dict[str, Any]:
        return {
            "type": "message",
            "author": author,
            "date": unix(at),
            "is_private": private,
            "message": text,
            "source": {"type": mappings.SOURCE_TYPES[Source(source)]},
        }

    def _opening(self) -> dict[str, Any]:
        ticket = self.ticket
        if ticket.requester is not None:
            author = client_object(ticket.requester.email, ticket.requester.name)
        elif ticket.creator is not None:
            author = {**agent_object(ticket.creator), "type": "agent"}
        else:
            author = {"id": "", "name": "", "type": "client"}
        return self._message(
            author, ticket.created_at, ticket.message, ticket.source, private=False
        )

    def _reply(self, reply: _Reply) -> dict[str, Any]:
        if reply.agent_id in self.users:
            author = {**agent_object(self.users[reply.agent_id]), "type": "agent"}
        elif reply.contact_email is not None:
            author = client_object(reply.contact_email, reply.contact_name or "")
        else:  # its author was deleted
            author = {"id": "", "name": "", "type": "client"}
        return self._message(
            author,
            reply.created_at,
            reply.text,
            reply.source,
            private=reply.kind == Reply.Kind.NOTE,
        )

    def _assignment(self, event: _Event) -> dict[str, Any] | None:
        """An assignment to an agent we still have; None for an unassignment."""
        assignee = self.users.get(_referenced_id(event.new_value) or 0)
        if assignee is None:
            return None
        written: dict[str, Any] = {"type": "assignee_changed", "to": agent_object(assignee)}
        if event.actor_id in self.users:
            written["author"] = agent_object(self.users[event.actor_id])
        written["date"] = unix(event.created_at)
        return written

    def _initial_assignment(self) -> dict[str, Any] | None:
        """The assignment made with the ticket, which the history does not list apart: the
        assignee the first recorded assignment replaced, else the one it has."""
        assignments = [event for event in self.history if event.kind == Kind.ASSIGNED]
        if assignments:
            assignee = self.users.get(_referenced_id(assignments[0].old_value) or 0)
        else:
            assignee = self.ticket.assignee
        if assignee is None:
            return None
        written: dict[str, Any] = {"type": "assignee_changed", "to": agent_object(assignee)}
        if self.ticket.creator is not None:
            written["author"] = agent_object(self.ticket.creator)
        written["date"] = unix(self.ticket.created_at)
        return written


def _reply_id(event: _Event) -> int | None:
    found = event.new_value.get("reply_id") if isinstance(event.new_value, dict) else None
    return found if isinstance(found, int) else None
