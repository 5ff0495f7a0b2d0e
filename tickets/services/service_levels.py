"""Service levels: what the SLA clocks (the sla app) record in a ticket's history."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction

from tickets import changes, tasks
from tickets.models import Channel, Ticket, TicketEvent, history

from .common import lock_ticket, record_event, refresh_from


def record_sla_breach(
    *, ticket: Ticket, target: str, due_at: datetime.datetime, at: datetime.datetime
) -> Ticket:
    """A target of the ticket's SLA policy (`target` names it, e.g. "First response")
    was due at `due_at` and is not met: the history says so, with the policy as the
    actor (the caller acts as it: tickets.changes.acting_as), and the assignee is told by
    email after the commit. The ticket's last-updated time is left alone: nobody changed
    it."""
    if changes.acting_rule() is None:
        raise RuntimeError("A breach is recorded by the SLA policy acting (changes.acting_as).")
    with changes.atomic():
        locked = lock_ticket(ticket)
        record_event(
            locked,
            TicketEvent.Kind.SLA_BREACHED,
            actor=None,
            channel=Channel.SYSTEM,
            new=history.sla_breach_value(target=target, due_at=due_at),
            at=at,
        )
        if locked.assignee_id is not None:
            transaction.on_commit(
                partial(tasks.sla_breached, locked.pk, locked.assignee_id, target, due_at),
                robust=True,
            )
    refresh_from(ticket, locked)
    return ticket
