"""Applying a macro's changes (tickets.macros) to a ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tickets import changes
from tickets.agents import Agent
from tickets.models import Channel, Priority, Ticket

from .common import UNSET
from .tickets import assign, change_status, change_tags, set_team, update_ticket

if TYPE_CHECKING:
    from tickets.macros import MacroChanges


def apply_macro(
    *, ticket: Ticket, macro: MacroChanges, actor: Agent | None, channel: Channel
) -> Ticket:
    """Apply each of the macro's changes through its service, in one change: every one
    is in the history as if made by hand, and the reactions see them together (with the
    reply they came with, when the caller's `changes.atomic()` holds both)."""
    with changes.atomic():
        if macro.status is not None:
            change_status(ticket=ticket, status=macro.status, actor=actor, channel=channel)
        if macro.priority is not None:
            update_ticket(
                ticket=ticket, priority=Priority(macro.priority), actor=actor, channel=channel
            )
        if macro.assignee is not UNSET:
            assign(ticket=ticket, assignee=macro.assignee, actor=actor, channel=channel)
        if macro.team is not UNSET:
            set_team(ticket=ticket, team=macro.team, actor=actor, channel=channel)
        if macro.add_tags or macro.remove_tags:
            change_tags(
                ticket=ticket,
                add=macro.add_tags,
                remove=macro.remove_tags,
                actor=actor,
                channel=channel,
            )
    return ticket
