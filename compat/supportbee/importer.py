"""Importing SupportBee tickets: what `manage.py import_tickets supportbee FILE…` does with
each ticket object of SupportBee's API (document 001), with its replies and comments.

A ticket object is read and checked first (compat.supportbee.import_reading; a malformed
one raises `MalformedTicket`, saying where), then imported in one transaction through the
ticket services, with channel `import` (which tells nobody) and the original times, so
that exporting it again through /compat/supportbee gives the same objects apart from ids:

- The requester is found or made by the new-requester rule (`mail.requesters`); a ticket
  without one belongs to the "Unknown senders" client. The CC contacts, and clients who
  reply, join the ticket's client.
- Agents are found by email address, former agents included; an unknown address becomes
  a former agent (compat.importing.agent_for_login) named as the file names them.
- The ticket is created at `created_at` with `content.body` as its opening message; the
  replies (public) and comments (internal notes) follow in time order.
- At `last_activity_at`: the status (mappings.import_status), the assignee or the team
  (`current_assignee`; a group is the team of that name, made if needed), the labels as
  tags, the spam mark and the archive; the last update is `last_activity_at`.
- `ImportedTicket` remembers the SupportBee id: a ticket imported before is skipped, and
  so are its replies and comments.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from compat.departments import compat_department
from compat.importing import ImportFailed, agent_for_login, applied
from compat.models import ImportedTicket
from mail.requesters import contact_in_client, requester_for, unknown_senders_client
from tickets import services
from tickets.agents import Agent
from tickets.models import Channel, Client, Contact, Reply, Team, Ticket, TicketStatus

from . import mappings
from .import_reading import (
    Conversation,
    MalformedFile,
    MalformedTicket,
    Message,
    Person,
    SupportBeeTicket,
    conversation_in,
    parse_ticket,
    ticket_label,
    tickets_in,
)

__all__ = [
    "Conversation",
    "ImportFailed",
    "MalformedFile",
    "MalformedTicket",
    "conversation_in",
    "import_object",
    "import_ticket",
    "parse_ticket",
    "ticket_label",
    "tickets_in",
]

CHANNEL = Channel.IMPORT
SYSTEM = ImportedTicket.System.SUPPORTBEE


def import_ticket(parsed: SupportBeeTicket) -> Ticket | None:
    """Create the ticket in one transaction; None when it was imported before."""
    with transaction.atomic():
        if ImportedTicket.objects.filter(system=SYSTEM, external_id=parsed.id).exists():
            return None
        ticket = _Replay(parsed).run()
        ImportedTicket.objects.create(system=SYSTEM, external_id=parsed.id, ticket=ticket)
    return ticket


def import_object(value: object, conversation: dict[str, list[object]]) -> bool:
    """Read and import one ticket object with its replies and comments; False when it was
    imported before. Raises ImportFailed with the reason."""
    return import_ticket(parse_ticket(value, conversation)) is not None


def _status(status: int) -> TicketStatus:
    return TicketStatus.objects.get(pk=status)


class _Replay:
    """Replays one parsed ticket through the services."""

    def __init__(self, parsed: SupportBeeTicket) -> None:
        self.parsed = parsed
        self.agents: dict[str, Agent] = {}
        self.contacts: dict[str, Contact] = {}

    def run(self) -> Ticket:
        ticket = self._create()
        for message in self.parsed.messages:
            applied(message.where, self._message_step(ticket, message))
        self._finish(ticket)
        return ticket

    def _create(self) -> Ticket:
        parsed = self.parsed
        requester = None
        if parsed.requester is not None:
            requester = requester_for(parsed.requester.email, parsed.requester.name)
            self.contacts[parsed.requester.email.lower()] = requester
        client = requester.client if requester else unknown_senders_client()
        cc = [self._contact(client, person) for person in parsed.cc]
        return applied(
            "ticket",
            lambda: services.create_ticket(
                client=client,
                department=compat_department(),
                subject=parsed.subject,
                message=parsed.body,
                actor=None,
                channel=CHANNEL,
                requester=requester,
                cc=cc,
                status=_status(mappings.IMPORT_CREATED),
                at=parsed.created,
            ),
        )

    def _message_step(self, ticket: Ticket, message: Message) -> Callable[[], Reply]:
        def post() -> Reply:
            author: Agent | Contact = (
                self._agent(message.author)
                if message.by_agent
                else self._contact(ticket.client, message.author)
            )
            return services.post_reply(
                ticket=ticket,
                text=message.text,
                kind=Reply.Kind.NOTE if message.private else Reply.Kind.REPLY,
                author=author,
                channel=CHANNEL,
                at=message.at,
            )

        return post

    def _finish(self, ticket: Ticket) -> None:
        """At `last_activity_at`: status, assignee or team, tags, spam, archive."""
        parsed, at = self.parsed, self.parsed.last_activity
        public = [message for message in parsed.messages if not message.private]
        final = mappings.import_status(
            archived=parsed.archived,
            agent_replied=any(message.by_agent for message in public),
            last_reply_by_agent=bool(public) and public[-1].by_agent,
        )
        if final != ticket.status_id:
            applied(
                "status",
                lambda: services.change_status(
                    ticket=ticket, status=_status(final), actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.assignee is not None:
            assignee = self._agent(parsed.assignee)
            applied(
                "current_assignee.user",
                lambda: services.assign(
                    ticket=ticket, assignee=assignee, actor=None, channel=CHANNEL, at=at
                ),
            )
        elif parsed.group is not None:
            team = Team.objects.get_or_create(name=parsed.group)[0]
            applied(
                "current_assignee.group",
                lambda: services.set_team(
                    ticket=ticket, team=team, actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.labels:
            applied(
                "labels",
                lambda: services.set_tags(
                    ticket=ticket, tags=parsed.labels, actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.spam:
            applied(
                "spam",
                lambda: services.mark_spam(
                    ticket=ticket, is_spam=True, actor=None, channel=CHANNEL, at=at
                ),
            )
        if parsed.archived:
            applied(
                "archived",
                lambda: services.archive(ticket=ticket, actor=None, channel=CHANNEL, at=at),
            )
        applied("last_activity_at", lambda: services.set_last_updated(ticket=ticket, at=at))

    def _agent(self, person: Person) -> Agent:
        key = person.email.lower()
        if key not in self.agents:
            self.agents[key] = agent_for_login(person.email, person.name)
        return self.agents[key]

    def _contact(self, client: Client, person: Person) -> Contact:
        key = person.email.lower()
        if key not in self.contacts:
            self.contacts[key] = contact_in_client(person.email, person.name, client)
        return self.contacts[key]
