"""Importing User.com tickets: what `manage.py import_tickets usercom FILE…` does with each
ticket object of User.com's public API (`GET /tickets/`, `GET /tickets/<id>/`, document 004).

A ticket object is read and checked first (compat.usercom.import_reading; a malformed one
raises `MalformedTicket`, saying where), then imported in one transaction through the ticket
services, with channel `import` (which tells nobody) and the original times, so that
exporting it again through /compat/usercom/api/public/tickets/ gives the same object apart
from its id and segments:

- The requester (`person`) is the contact with that email address; an unknown one is made
  by the new-requester rule (mail.requesters), except that when the ticket names its
  `company`, the new contact joins the client of that name (found, or made). A ticket with
  a company and no person belongs to that client; one with neither to "Unknown senders".
  `participants` are the CC contacts, found or made in the ticket's client.
- Agents (`assigned_to`, `author`): User.com writes `{id, name, avatar}`, no address. An
  agent is found by `email` when the object has one, else by the Gravatar `avatar` drawn
  from an agent's address (as our export writes it); else they are the former agent
  imported for that User.com agent id (username `usercom-agent-<id>`), made on first
  sight: inactive staff without a password, named as the file names them.
- `status` by category: active is our Open, closed our Closed, archived Closed and
  archived; drafts are refused. An active ticket listed by our "On hold" or "Customer
  replied" view (its `segments`, as our export writes them) gets that status; Answered
  has no view of its own, so an Answered ticket comes back Open. `priority` by name, `due_date` kept. The ticket is made
  at `created_at` by its `author` (none: by the requester), and its last update is
  `updated_at`.
- `ImportedTicket` remembers the User.com id: a ticket imported before is skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from compat.departments import compat_department
from compat.importing import agent_for_login
from compat.models import ImportedTicket
from mail.requesters import (
    contact_in_client,
    contact_with_address,
    requester_for,
    unknown_senders_client,
)
from tickets import services
from tickets.agents import Agent
from tickets.models import Channel, Client, Contact, Ticket, TicketStatus
from tickets.statuses import FixedStatus
from tickets.views.queue import VIEWS

from . import mappings
from .api import GRAVATAR
from .api import avatar as avatar_of
from .import_reading import (
    AgentRef,
    ImportFailed,
    MalformedFile,
    MalformedTicket,
    UserComTicket,
    parse_ticket,
    ticket_label,
    tickets_in,
)

__all__ = [
    "ImportFailed",
    "MalformedFile",
    "MalformedTicket",
    "import_object",
    "import_ticket",
    "parse_ticket",
    "ticket_label",
    "tickets_in",
]

CHANNEL = Channel.IMPORT
SYSTEM = ImportedTicket.System.USERCOM
# Our status for each User.com status (an archived ticket is closed, then archived).
IMPORT_STATUSES = {
    mappings.ACTIVE: FixedStatus.OPEN,
    mappings.CLOSED: FixedStatus.CLOSED,
    mappings.ARCHIVED: FixedStatus.CLOSED,
}
# The built-in views that name an active ticket's exact status, by the name of their segment.
SEGMENT_STATUSES = {
    view.label: status
    for view in VIEWS
    for key, status in (
        ("on_hold", FixedStatus.ON_HOLD),
        ("customer_replied", FixedStatus.CUSTOMER_REPLIED),
    )
    if view.key == key
}
FORMER_AGENT_USERNAME = "usercom-agent-{id}"


def import_ticket(parsed: UserComTicket) -> Ticket | None:
    """Create the ticket in one transaction; None when it was imported before."""
    with transaction.atomic():
        if ImportedTicket.objects.filter(system=SYSTEM, external_id=parsed.id).exists():
            return None
        ticket = _create(parsed)
        ImportedTicket.objects.create(system=SYSTEM, external_id=parsed.id, ticket=ticket)
    return ticket


def import_object(value: object) -> bool:
    """Read and import one ticket object; False when it was imported before. Raises
    ImportFailed with the reason."""
    return import_ticket(parse_ticket(value)) is not None


def _create(parsed: UserComTicket) -> Ticket:
    requester = _requester(parsed)
    client = requester.client if requester is not None else _client(parsed.company)
    cc = [contact_in_client(person.email, person.name, client) for person in parsed.participants]
    ticket = _apply(
        lambda: services.create_ticket(
            client=client,
            department=compat_department(),
            subject=parsed.subject,
            message=parsed.message,
            priority=parsed.priority,
            actor=None if parsed.author is None else agent_for(parsed.author),
            channel=CHANNEL,
            requester=requester,
            cc=cc,
            assignee=None if parsed.assignee is None else agent_for(parsed.assignee),
            due_at=parsed.due,
            status=TicketStatus.objects.get(pk=_status(parsed)),
            at=parsed.created,
        )
    )
    if parsed.status == mappings.ARCHIVED:
        _apply(
            lambda: services.archive(ticket=ticket, actor=None, channel=CHANNEL, at=parsed.updated)
        )
    _apply(lambda: services.set_last_updated(ticket=ticket, at=parsed.updated))
    return ticket


def _status(parsed: UserComTicket) -> int:
    if parsed.status == mappings.ACTIVE:
        for name in parsed.segments:
            if name in SEGMENT_STATUSES:
                return SEGMENT_STATUSES[name]
    return IMPORT_STATUSES[parsed.status]


def _apply[Result](action: Callable[[], Result]) -> Result:
    """Run one service call; its refusal fails the import, saying why."""
    try:
        return action()
    except ValidationError as error:
        raise ImportFailed(_described(error)) from error
    except services.Conflict as error:
        raise ImportFailed(str(error)) from error


def _described(error: ValidationError) -> str:
    """A service's refusal, its fields named."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


# People ---------------------------------------------------------------------------


def _requester(parsed: UserComTicket) -> Contact | None:
    """The contact with the person's address; a new one joins the company when the ticket
    names one, else follows the new-requester rule."""
    person = parsed.person
    if person is None:
        return None
    if not parsed.company:
        return requester_for(person.email, person.name)
    return contact_with_address(person.email) or contact_in_client(
        person.email, person.name, _client(parsed.company)
    )


def _client(company: str) -> Client:
    """The client named `company` (the oldest of that name), made if none is; "Unknown
    senders" when the ticket names no company."""
    if not company:
        return unknown_senders_client()
    found = Client.objects.filter(name=company[:200]).order_by("pk").first()
    return found or Client.objects.create(name=company[:200])


def agent_for(agent: AgentRef) -> Agent:
    """The agent a User.com agent object stands for (see the module's docstring)."""
    if agent.email:
        return agent_for_login(agent.email, agent.name)
    by_avatar = _agent_with_avatar(agent.avatar)
    if by_avatar is not None:
        return by_avatar
    return agent_for_login(FORMER_AGENT_USERNAME.format(id=agent.id), agent.name)


def _agent_with_avatar(avatar: str) -> Agent | None:
    """The agent (an active one first) whose address draws this Gravatar URL. Agents are
    few: their addresses are hashed here rather than stored hashed."""
    if not avatar.startswith(GRAVATAR.partition("{")[0]):
        return None
    staff = get_user_model().objects.filter(is_staff=True).exclude(email="")
    return next(
        (agent for agent in staff.order_by("-is_active", "pk") if avatar_of(agent.email) == avatar),
        None,
    )
