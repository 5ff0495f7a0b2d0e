"""Importing LiveChat tickets: what `manage.py import_tickets livechat FILE…` does with each
ticket object of LiveChat's v2 API (`GET /tickets`, `GET /tickets/<id>`).

A ticket object is read and checked first (compat.livechat.import_reading; a malformed one
raises `MalformedTicket`, saying where), then imported in one transaction through the ticket
services, with channel `import` (which tells nobody) and the original times
(`import_ticket`), so that exporting it again through /compat/livechat/tickets gives the
same object apart from its id:

- The requester is found or made by the new-requester rule (`mail.requesters`); a ticket
  without one belongs to the "Unknown senders" client. Other clients who wrote join the
  ticket's client.
- Agents are found by login (email address, or username), former agents included; an
  unknown login becomes a former agent (inactive staff, no password) named as the file
  names them, so that the history keeps the name.
- The first message is the ticket's own (its time is the ticket's creation); the others
  are replies, notes (`is_private`) and assignments, replayed in time order. The status
  follows the `opened` periods: closed (Closed) at each period's end, reopened (Open) at
  the next one's start; imported replies do not move it. At `modified` the ticket gets its
  final status (mappings.IMPORT_STATUSES), assignee, tags and spam mark, and its last
  update is `modified` even when the file does not say what changed then.
- Its group is the team with the group's id, else a team named "LiveChat group <id>"
  (made if needed); group 0 is no team. The department is `compat_department()`.
- `ImportedTicket` remembers the LiveChat id: a ticket imported before is skipped;
  `TicketSourceUrl` keeps `source.url` when the file gives one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

from compat.departments import compat_department
from compat.importing import agent_for_login, applied
from compat.models import ImportedTicket, TicketSourceUrl
from mail.requesters import contact_in_client, requester_for, unknown_senders_client
from tickets import services
from tickets.agents import Agent
from tickets.models import Channel, Contact, Reply, Team, Ticket, TicketStatus

from . import mappings
from .import_reading import (
    Assignment,
    ImportFailed,
    LiveChatTicket,
    MalformedFile,
    MalformedTicket,
    Message,
    Person,
    parse_ticket,
    ticket_label,
    tickets_in,
)

__all__ = [
    "ImportFailed",
    "MalformedFile",
    "MalformedTicket",
    "agent_for_login",
    "import_object",
    "import_ticket",
    "parse_ticket",
    "ticket_label",
    "tickets_in",
]

CHANNEL = Channel.IMPORT
SYSTEM = ImportedTicket.System.LIVECHAT

Result = TypeVar("Result")


# Importing one ------------------------------------------------------------------------


def import_ticket(parsed: LiveChatTicket) -> Ticket | None:
    """Create the ticket in one transaction; None when it was imported before."""
    with transaction.atomic():
        if ImportedTicket.objects.filter(system=SYSTEM, external_id=parsed.id).exists():
            return None
        ticket = _Replay(parsed).run()
        ImportedTicket.objects.create(system=SYSTEM, external_id=parsed.id, ticket=ticket)
        if parsed.source_url:
            TicketSourceUrl.objects.create(ticket=ticket, url=parsed.source_url)
    return ticket


def import_object(value: object) -> bool:
    """Read and import one ticket object; False when it was imported before. Raises
    ImportFailed with the reason."""
    return import_ticket(parse_ticket(value)) is not None


def _status_object(status: int) -> TicketStatus:
    return TicketStatus.objects.get(pk=status)


class _Replay:
    """Replays one parsed ticket through the services."""

    def __init__(self, parsed: LiveChatTicket) -> None:
        self.parsed = parsed
        self.agents: dict[str, Agent] = {}
        self.contacts: dict[str, Contact] = {}
        self.requester: Contact | None = None

    def run(self) -> Ticket:
        ticket = self._create()
        steps = sorted(self._steps(ticket), key=lambda step: step[0])
        for _, where, action in steps:
            self._apply(where, action)
        self._finish(ticket)
        return ticket

    def _apply(self, where: str, action: Callable[[], Result]) -> Result:
        return applied(where, action)

    def _create(self) -> Ticket:
        parsed, opening = self.parsed, self.parsed.opening
        if parsed.requester is not None:
            self.requester = requester_for(parsed.requester.login, parsed.requester.name)
            self.contacts[parsed.requester.login.lower()] = self.requester
        client = self.requester.client if self.requester else unknown_senders_client()
        created_open = bool(parsed.opened) and parsed.opened[0].start == opening.at
        status = mappings.IMPORT_REOPENED if created_open else mappings.IMPORT_CLOSED
        return self._apply(
            opening.where,
            lambda: services.create_ticket(
                client=client,
                department=compat_department(),
                subject=parsed.subject,
                message=opening.text,
                actor=self._agent(opening.author) if opening.by_agent else None,
                channel=CHANNEL,
                source=parsed.source,
                requester=self.requester,
                team=_team(parsed.group),
                status=_status_object(status),
                at=opening.at,
            ),
        )

    def _steps(
        self, ticket: Ticket
    ) -> list[tuple[tuple[datetime.datetime, int, int], str, Callable[[], object]]]:
        """Each change with its sort key: time, then the file's events before the status
        changes of the same second, each in their own order."""
        steps: list[tuple[tuple[datetime.datetime, int, int], str, Callable[[], object]]] = []
        for index, event in enumerate(self.parsed.events):
            action = (
                self._message_step(ticket, event)
                if isinstance(event, Message)
                else self._assignment_step(ticket, event)
            )
            steps.append(((event.at, 0, index), event.where, action))
        for index, (at, status, where) in enumerate(self._status_changes()):
            steps.append(((at, 1, index), where, self._status_step(ticket, status, at)))
        return steps

    def _status_changes(self) -> list[tuple[datetime.datetime, int, str]]:
        """(time, status, where) at each period's start (but the one the ticket is created
        in) and end."""
        changes: list[tuple[datetime.datetime, int, str]] = []
        for index, period in enumerate(self.parsed.opened):
            if index or period.start != self.parsed.opening.at:
                changes.append((period.start, mappings.IMPORT_REOPENED, f"opened[{index}].from"))
            if period.end is not None:
                changes.append((period.end, mappings.IMPORT_CLOSED, f"opened[{index}].to"))
        return changes

    def _status_step(
        self, ticket: Ticket, status: int, at: datetime.datetime
    ) -> Callable[[], object]:
        return lambda: services.change_status(
            ticket=ticket, status=_status_object(status), actor=None, channel=CHANNEL, at=at
        )

    def _message_step(self, ticket: Ticket, message: Message) -> Callable[[], object]:
        def post() -> Reply:
            author: Agent | Contact = (
                self._agent(message.author)
                if message.by_agent
                else self._contact(ticket, message.author)
            )
            return services.post_reply(
                ticket=ticket,
                text=message.text,
                kind=Reply.Kind.NOTE if message.private else Reply.Kind.REPLY,
                author=author,
                channel=CHANNEL,
                source=message.source,
                at=message.at,
            )

        return post

    def _assignment_step(self, ticket: Ticket, event: Assignment) -> Callable[[], object]:
        return lambda: services.assign(
            ticket=ticket,
            assignee=None if event.to is None else self._agent(event.to),
            actor=None if event.by is None else self._agent(event.by),
            channel=CHANNEL,
            at=event.at,
        )

    def _finish(self, ticket: Ticket) -> None:
        """At `modified`: the final status, assignee, tags and spam mark, and the last update."""
        parsed, at = self.parsed, self.parsed.modified
        final = self._final_status()
        if final is not None and final != ticket.status_id:
            self._apply("status", self._status_step(ticket, final, at))
        assignee = None if parsed.assignee is None else self._agent(parsed.assignee)
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            self._apply(
                "assignee",
                lambda: services.assign(
                    ticket=ticket, assignee=assignee, actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.tags:
            self._apply(
                "tags",
                lambda: services.set_tags(
                    ticket=ticket, tags=parsed.tags, actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.status == mappings.SPAM:
            self._apply(
                "status",
                lambda: services.mark_spam(
                    ticket=ticket, is_spam=True, actor=None, channel=CHANNEL, at=at
                ),
            )
        self._apply("modified", lambda: services.set_last_updated(ticket=ticket, at=at))

    def _final_status(self) -> int | None:
        """The status the ticket ends in (mappings.IMPORT_STATUSES); None for spam."""
        if self.parsed.status == mappings.SPAM:
            return None
        plain, after_reply = mappings.IMPORT_STATUSES[self.parsed.status]
        replies = [
            event
            for event in sorted(self.parsed.events, key=lambda event: event.at)
            if isinstance(event, Message) and not event.private
        ]
        if not replies:
            return plain
        # The client waits for us (open) after their reply; we wait for them (pending) after ours.
        waiting_for_us = self.parsed.status == "open"
        return after_reply if replies[-1].by_agent != waiting_for_us else plain

    # People ---------------------------------------------------------------------------

    def _agent(self, person: Person) -> Agent:
        key = person.login.lower()
        if key not in self.agents:
            self.agents[key] = agent_for_login(person.login, person.name)
        return self.agents[key]

    def _contact(self, ticket: Ticket, person: Person) -> Contact:
        key = person.login.lower()
        if key not in self.contacts:
            client = ticket.client
            self.contacts[key] = contact_in_client(person.login, person.name, client)
        return self.contacts[key]


def _team(group: int) -> Team | None:
    """Group 0 is no team; another is our team with that id, else the team named after it."""
    if group == mappings.NO_GROUP:
        return None
    found = Team.objects.filter(pk=group).first()
    if found is not None:
        return found
    return Team.objects.get_or_create(name=mappings.imported_team_name(group))[0]
