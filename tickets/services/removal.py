"""Deleting what tickets point at: an agent, a team or a contact.

The database would clear the tickets' field on its own (SET_NULL), leaving no trace in
their history. These functions clear it themselves first, with one event per ticket,
then delete the object, all in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tickets import changes
from tickets.agents import Agent
from tickets.models import Channel, Contact, Team, Ticket, TicketEvent, history

from .common import record_events


def delete_team(*, team: Team, actor: Agent | None, channel: Channel) -> int:
    """Delete a team; its tickets lose it with a "team changed" event. Returns how many."""
    with changes.atomic():
        count = _clear_link(
            Ticket.objects.filter(team=team), "team", TicketEvent.Kind.TEAM_CHANGED,
            history.reference(team), actor, channel,
        )  # fmt: skip
        team.delete()
    return count


def delete_agent(*, agent: Agent, actor: Agent | None, channel: Channel) -> int:
    """Delete an agent's user; their tickets become unassigned, each with an event."""
    with changes.atomic():
        count = _clear_link(
            Ticket.objects.filter(assignee=agent), "assignee", TicketEvent.Kind.ASSIGNED,
            history.reference(agent), actor, channel,
        )  # fmt: skip
        agent.delete()
    return count


def delete_contact(*, contact: Contact, actor: Agent | None, channel: Channel) -> int:
    """Delete a contact; tickets lose them as requester or CC, each with an event."""
    with changes.atomic():
        count = _clear_link(
            Ticket.objects.filter(requester=contact), "requester",
            TicketEvent.Kind.REQUESTER_CHANGED, history.reference(contact), actor, channel,
        )  # fmt: skip
        copied = list(
            Ticket.objects.select_for_update()
            .filter(cc=contact)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if copied:
            now = timezone.now()
            before: dict[int, list[int]] = {pk: [] for pk in copied}
            for ticket_id, contact_id in Ticket.cc.through.objects.filter(
                ticket_id__in=copied
            ).values_list("ticket_id", "contact_id"):
                before[ticket_id].append(contact_id)
            Ticket.cc.through.objects.filter(contact=contact).delete()
            Ticket.objects.filter(pk__in=copied).update(updated_at=now)
            record_events(
                copied, TicketEvent.Kind.CC_CHANGED, actor=actor, channel=channel, at=now,
                old={pk: sorted(ids) for pk, ids in before.items()},
                new={pk: sorted(set(ids) - {contact.pk}) for pk, ids in before.items()},
            )  # fmt: skip
        contact.delete()
    return count + len(copied)


def _clear_link(
    tickets: QuerySet[Ticket],
    field: str,
    kind: TicketEvent.Kind,
    old: Any,
    actor: Agent | None,
    channel: Channel,
) -> int:
    """Set `field` to None on `tickets` (locked, in id order), one event each."""
    ids = list(tickets.select_for_update().order_by("pk").values_list("pk", flat=True))
    if ids:
        now = timezone.now()
        Ticket.objects.filter(pk__in=ids).update(**{field: None, "updated_at": now})
        record_events(ids, kind, actor=actor, channel=channel, at=now, old=dict.fromkeys(ids, old))
    return len(ids)
