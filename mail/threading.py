"""Which ticket an incoming message belongs to.

A message belongs to a ticket when its In-Reply-To or References name a Message-ID that
we sent or received for that ticket: our signed root id (every email we send about a
ticket refers to it), a reply's (each reply keeps the id of the email it came in or went
out with), or the email that opened the ticket. Else, when its subject carries `[#123]`,
only if the sender is that ticket's requester, one of its CC contacts or an agent, so
that nobody can write into a stranger's ticket by guessing a number. Otherwise it starts
a new ticket.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from tickets.agents import Agent
from tickets.models import Reply, Ticket
from tickets.notifications import ticket_id_of

from .lookups import unordered_first
from .parsing import ParsedEmail, ticket_reference


def referenced_ticket(email: ParsedEmail) -> Ticket | None:
    """The ticket whose mail the message answers, by its headers; the newest reference
    that names one wins."""
    return ticket_of_message_ids([*email.in_reply_to, *reversed(email.references)])


def ticket_of_message_ids(message_ids: Sequence[str]) -> Ticket | None:
    """The ticket of the first of `message_ids` that we sent or received for one."""
    ids = list(dict.fromkeys(message_ids))
    # Our signed root ids need no lookup: only those before the first of them are looked
    # up (a newer message of the thread may belong to another ticket).
    newer = list(itertools.takewhile(lambda message_id: ticket_id_of(message_id) is None, ids))
    looked_up = _tickets_by_message_id(newer)
    for message_id in ids:
        ticket_id = ticket_id_of(message_id) or looked_up.get(message_id)
        if ticket_id is not None:
            ticket = unordered_first(Ticket.objects.filter(pk=ticket_id))
            if ticket is not None:
                return ticket
    return None


def _tickets_by_message_id(message_ids: list[str]) -> dict[str, int]:
    """The ticket id of each of `message_ids` that a ticket or a reply keeps."""
    if not message_ids:
        return {}
    # Unordered, so that PostgreSQL reads the Message-ID indexes and nothing else.
    tickets = Ticket.objects.filter(message_id__in=message_ids).order_by()
    replies = Reply.objects.filter(message_id__in=message_ids).order_by()
    found: dict[str, int] = dict(tickets.values_list("message_id", "pk"))
    found.update(replies.values_list("message_id", "ticket_id"))
    return found


def ticket_of_our_message(message_id: str) -> Ticket | None:
    """The ticket a message WE sent was about: our signed root id (acknowledgments), or
    an agent's reply's (unguessable) id. A delivery report names the message it is about,
    and anyone can write one: only these are trusted."""
    ticket_id = ticket_id_of(message_id)
    if ticket_id is None and message_id:
        ours = Reply.objects.filter(message_id=message_id, author_agent__isnull=False)
        ticket_id = next(iter(ours.order_by().values_list("ticket_id", flat=True)[:1]), None)
    return unordered_first(Ticket.objects.filter(pk=ticket_id)) if ticket_id else None


def tagged_ticket(email: ParsedEmail, *, agent: Agent | None) -> Ticket | None:
    """The ticket named by `[#123]` in the subject, if the sender may write into it: an
    agent, the ticket's requester, or one of its CC contacts."""
    number = ticket_reference(email.subject)
    if number is None or not email.sender:
        return None
    ticket = unordered_first(Ticket.objects.select_related("requester").filter(pk=number))
    if ticket is None:
        return None
    if agent is not None:
        return ticket
    requester = ticket.requester
    if requester is not None and requester.email.lower() == email.sender:
        return ticket
    if ticket.cc.filter(email__iexact=email.sender).exists():
        return ticket
    return None


def ticket_for(email: ParsedEmail, *, agent: Agent | None) -> Ticket | None:
    """The existing ticket the message belongs to, or None for a new one."""
    return referenced_ticket(email) or tagged_ticket(email, agent=agent)
