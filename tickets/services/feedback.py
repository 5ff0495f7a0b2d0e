"""Client ratings, and the per-agent stars and pins."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from tickets import changes
from tickets.agents import Agent
from tickets.models import (
    Channel,
    Contact,
    Rating,
    Ticket,
    TicketEvent,
    TicketPin,
    TicketStar,
    history,
)

from .common import (
    lock_ticket,
    record_event,
    refresh_from,
)


def rate_ticket(
    *,
    ticket: Ticket,
    value: Rating.Value,
    comment: str = "",
    contact: Contact | None,
    channel: Channel,
) -> Rating:
    """Record (or replace) the client's rating of a ticket; the agent rated is the assignee."""
    if value not in Rating.Value.values:
        raise ValidationError({"value": ["Select good or bad."]})
    with changes.atomic():
        locked = lock_ticket(ticket)
        now = timezone.now()
        rating, _ = Rating.objects.update_or_create(
            ticket=locked,
            defaults={
                "value": value,
                "comment": comment.strip(),
                "contact": contact,
                "agent_id": locked.assignee_id,
                "created_at": now,
            },
        )
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        record_event(
            locked,
            TicketEvent.Kind.RATED,
            actor=None,
            actor_contact=contact,
            channel=channel,
            new=history.rating_value(value=value, comment=comment.strip()),
            at=now,
        )
    refresh_from(ticket, locked)
    return rating


def set_star(*, ticket: Ticket, agent: Agent, starred: bool) -> None:
    """Star or unstar a ticket for one agent (personal; not ticket state)."""
    if starred:
        TicketStar.objects.get_or_create(ticket=ticket, agent=agent)
    else:
        TicketStar.objects.filter(ticket=ticket, agent=agent).delete()


def set_pin(*, ticket: Ticket, agent: Agent, pinned: bool) -> None:
    """Pin or unpin a ticket to the top of one agent's queue (personal; not ticket state)."""
    if pinned:
        TicketPin.objects.get_or_create(ticket=ticket, agent=agent)
    else:
        TicketPin.objects.filter(ticket=ticket, agent=agent).delete()
