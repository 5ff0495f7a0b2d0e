"""Macros: the changes a canned response makes to a ticket besides inserting its text.

A canned response may set the status, the priority, the assignee ("me", nobody or an
agent), the team (none or a team) and add or remove tags. When an agent picks it, the
reply box lists these as pending changes (`pending_changes`), each a ticked box that
carries its value; the agent unticks what they do not want, and what is still ticked when
the reply is sent is read back (tickets.forms.macros) and applied with the reply by
`services.apply_macro`, in the same change. So what is applied is what the agent saw,
even if the response is edited meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tickets.agents import agent_name, is_agent
from tickets.models import AssignAction, CannedResponse, Priority, Team, TeamAction, TicketStatus
from tickets.services.common import UNSET


@dataclass(frozen=True)
class MacroChanges:
    """What to change on a ticket; None or UNSET leaves a field alone (an assignee or team
    of None clears it)."""

    status: TicketStatus | None = None
    priority: int | None = None
    assignee: Any = UNSET
    team: Team | Any | None = UNSET
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.status is not None
            or self.priority is not None
            or self.assignee is not UNSET
            or self.team is not UNSET
            or self.add_tags
            or self.remove_tags
        )


@dataclass(frozen=True)
class PendingChange:
    """One change shown in the reply box: the form field (tickets.forms.macros.MacroForm,
    without its prefix), the value it posts and what the agent reads."""

    field: str
    value: str
    label: str


def changes_of(response: CannedResponse, agent: Any) -> MacroChanges:
    """The changes `response` makes when `agent` sends it. An action whose agent left or
    whose team was deleted does nothing."""
    assignee: Any = UNSET
    if response.assign == AssignAction.ME:
        assignee = agent
    elif response.assign == AssignAction.NOBODY:
        assignee = None
    elif (
        response.assign == AssignAction.AGENT
        and response.assignee is not None
        and is_agent(response.assignee)
    ):
        assignee = response.assignee
    team: Any = UNSET
    if response.set_team == TeamAction.NONE:
        team = None
    elif response.set_team == TeamAction.TEAM and response.team is not None:
        team = response.team
    return MacroChanges(
        status=response.set_status,
        priority=response.set_priority,
        assignee=assignee,
        team=team,
        add_tags=tuple(response.add_tags or ()),
        remove_tags=tuple(response.remove_tags or ()),
    )


def describe(changes: MacroChanges, agent: Any) -> list[PendingChange]:
    """The changes as the reply box lists them, in the order they are applied."""
    pending: list[PendingChange] = []
    if changes.status is not None:
        pending.append(
            PendingChange("status", str(changes.status.pk), f"Set status: {changes.status.title}")
        )
    if changes.priority is not None:
        label = Priority(changes.priority).label
        pending.append(PendingChange("priority", str(changes.priority), f"Set priority: {label}"))
    if changes.assignee is None:
        pending.append(PendingChange("assignee", "none", "Unassign"))
    elif changes.assignee is not UNSET:
        name = "you" if changes.assignee.pk == agent.pk else agent_name(changes.assignee)
        pending.append(PendingChange("assignee", str(changes.assignee.pk), f"Assign to: {name}"))
    if changes.team is None:
        pending.append(PendingChange("team", "none", "Remove the team"))
    elif changes.team is not UNSET:
        pending.append(PendingChange("team", str(changes.team.pk), f"Set team: {changes.team}"))
    pending += [PendingChange("add_tags", tag, f"Add tag: {tag}") for tag in changes.add_tags]
    pending += [
        PendingChange("remove_tags", tag, f"Remove tag: {tag}") for tag in changes.remove_tags
    ]
    return pending


def pending_changes(response: CannedResponse, agent: Any) -> list[PendingChange]:
    return describe(changes_of(response, agent), agent)
