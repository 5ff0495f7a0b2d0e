"""One change applied to many tickets at once, through the per-ticket services.

The whole action is one transaction: every ticket gets the event its service records,
or, if something unexpected fails, none does. A ticket whose state forbids the change
(a `Conflict`) is refused with the service's message and the others still change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from tickets import changes
from tickets.agents import Agent
from tickets.models import Category, Channel, Priority, Team, Ticket, TicketStatus, history
from tickets.permissions import Action, may, refusal
from tickets.queries import tag_names_for

from .common import (
    Conflict,
    check_agent,
    check_department,
    normalize_tags,
)
from .tickets import (
    add_tags,
    archive,
    assign,
    change_status,
    delete_ticket,
    mark_spam,
    remove_tags,
    restore,
    set_team,
    update_ticket,
)

# "All matching" can mean a million tickets; one action holds every row lock of its
# selection in one transaction, so it stays small enough to finish in seconds.
MAX_BULK_TICKETS = 1000
# Deleting is for good, so it needs a Django permission (superusers have every one).
NO_DELETE_PERMISSION = refusal(Action.DELETE_TICKET)
# A summary names at most this many tickets for each refusal reason.
SUMMARY_IDS = 10


class BulkAction(models.TextChoices):
    STATUS = "status", "Set status"
    PRIORITY = "priority", "Set priority"
    ASSIGNEE = "assignee", "Assign to"
    TEAM = "team", "Set team"
    DEPARTMENT = "department", "Move to department"
    ADD_TAGS = "add_tags", "Add tags"
    REMOVE_TAGS = "remove_tags", "Remove tags"
    ARCHIVE = "archive", "Archive"
    RESTORE = "restore", "Restore"
    MARK_SPAM = "mark_spam", "Mark as spam"
    NOT_SPAM = "not_spam", "Mark as not spam"
    DELETE = "delete", "Delete"


def plural(count: int) -> str:
    return f"{count} ticket" if count == 1 else f"{count} tickets"


@dataclass
class BulkResult:
    """What a bulk action did: the ids changed, already in the wanted state, and refused."""

    action: BulkAction
    description: str
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """For example "Status set to Closed on 37 tickets. 2 already had it. 1 refused:
        #12: The ticket is already archived." """
        if self.changed:
            parts = [self.description.format(tickets=plural(len(self.changed)))]
        else:
            parts = ["No ticket changed."]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} already had it.")
        if self.refused:
            by_reason: dict[str, list[int]] = {}
            for pk, reason in self.refused:
                by_reason.setdefault(reason, []).append(pk)
            groups = []
            for reason, ids in by_reason.items():
                named = ", ".join(f"#{pk}" for pk in ids[:SUMMARY_IDS])
                if len(ids) > SUMMARY_IDS:
                    named += f" and {len(ids) - SUMMARY_IDS} more"
                groups.append(f"{named}: {reason}")
            parts.append(f"{len(self.refused)} refused: {' '.join(groups)}")
        return " ".join(parts)


# Each action's value checked, with the summary's description (with a {tickets} slot).


def _status_value(value: Any) -> tuple[Any, str]:
    if not isinstance(value, TicketStatus):
        raise ValidationError({"status": ["Choose a status."]})
    return value, f"Status set to {value.title} on {{tickets}}."


def _priority_value(value: Any) -> tuple[Any, str]:
    if value not in Priority.values:
        raise ValidationError({"priority": ["Choose normal, high or urgent."]})
    value = Priority(value)
    return value, f"Priority set to {value.label} on {{tickets}}."


def _assignee_value(value: Any) -> tuple[Any, str]:
    check_agent(value)
    if value is None:
        return None, "Unassigned {tickets}."
    return value, f"Assigned {{tickets}} to {history.display_name(value)}."


def _team_value(value: Any) -> tuple[Any, str]:
    if value is not None and not isinstance(value, Team):
        raise ValidationError({"team": ["Choose a team."]})
    if value is None:
        return None, "Team removed from {tickets}."
    return value, f"Team set to {value.name} on {{tickets}}."


def _department_value(value: Any) -> tuple[Any, str]:
    if not isinstance(value, Category):
        raise ValidationError({"department": ["Choose a department."]})
    check_department(value)
    return value, f"Moved {{tickets}} to {value.name}."


def _tags_value(value: Any, *, verb: str) -> tuple[Any, str]:
    tags = normalize_tags(value or ())
    if not tags:
        raise ValidationError({"tags": ["Enter at least one tag."]})
    noun = "Tag" if len(tags) == 1 else "Tags"
    return tags, f"{noun} {', '.join(tags)} {verb} {{tickets}}."


_VALUE_CHECKS: dict[BulkAction, Callable[[Any], tuple[Any, str]]] = {
    BulkAction.STATUS: _status_value,
    BulkAction.PRIORITY: _priority_value,
    BulkAction.ASSIGNEE: _assignee_value,
    BulkAction.TEAM: _team_value,
    BulkAction.DEPARTMENT: _department_value,
    BulkAction.ADD_TAGS: partial(_tags_value, verb="added to"),
    BulkAction.REMOVE_TAGS: partial(_tags_value, verb="removed from"),
}
# The actions that take no value.
_DESCRIPTIONS = {
    BulkAction.ARCHIVE: "Archived {tickets}.",
    BulkAction.RESTORE: "Restored {tickets}.",
    BulkAction.MARK_SPAM: "Marked {tickets} as spam.",
    BulkAction.NOT_SPAM: "Marked {tickets} as not spam.",
    BulkAction.DELETE: "Deleted {tickets}.",
}


def _check_value(action: BulkAction, value: Any) -> tuple[Any, str]:
    """The checked value and the summary's description (with a {tickets} slot)."""
    check = _VALUE_CHECKS.get(action)
    if check is None:
        return None, _DESCRIPTIONS[action]
    return check(value)


def _already(action: BulkAction, ticket: Ticket, value: Any, tags: dict[int, list[str]]) -> bool:
    """Whether the locked `ticket` already is as the action would leave it."""
    match action:
        case BulkAction.STATUS | BulkAction.DEPARTMENT:
            return _points_at(ticket, action, value.pk)
        case BulkAction.ASSIGNEE | BulkAction.TEAM:
            return _points_at(ticket, action, value.pk if value else None)
        case BulkAction.PRIORITY:
            return ticket.priority == int(value)
        case BulkAction.ADD_TAGS | BulkAction.REMOVE_TAGS:
            current = {name.lower() for name in tags.get(ticket.pk, [])}
            wanted = {name.lower() for name in value}
            if action == BulkAction.ADD_TAGS:
                return wanted <= current
            return not wanted & current
        case BulkAction.MARK_SPAM:
            return ticket.is_spam
        case BulkAction.NOT_SPAM:
            return not ticket.is_spam
    return False  # archive and restore let the service say why it refuses


def _points_at(ticket: Ticket, action: BulkAction, related_id: int | None) -> bool:
    """Whether the ticket's relation that `action` changes holds `related_id`."""
    current_id: int | None = getattr(ticket, f"{action.value}_id")
    return current_id == related_id


def _change(action: BulkAction, value: Any) -> Callable[..., Any]:
    """The service call for one ticket, taking ticket, actor and channel."""
    match action:
        case BulkAction.STATUS:
            return lambda **kw: change_status(status=value, **kw)
        case BulkAction.PRIORITY:
            return lambda **kw: update_ticket(priority=value, **kw)
        case BulkAction.DEPARTMENT:
            return lambda **kw: update_ticket(department=value, **kw)
        case BulkAction.ASSIGNEE:
            return lambda **kw: assign(assignee=value, **kw)
        case BulkAction.TEAM:
            return lambda **kw: set_team(team=value, **kw)
        case BulkAction.ADD_TAGS:
            return lambda **kw: add_tags(tags=value, **kw)
        case BulkAction.REMOVE_TAGS:
            return lambda **kw: remove_tags(tags=value, **kw)
        case BulkAction.ARCHIVE:
            return archive
        case BulkAction.RESTORE:
            return restore
        case BulkAction.MARK_SPAM:
            return lambda **kw: mark_spam(is_spam=True, **kw)
        case BulkAction.NOT_SPAM:
            return lambda **kw: mark_spam(is_spam=False, **kw)
    return delete_ticket


def apply_bulk_action(
    *,
    tickets: QuerySet[Ticket],
    action: BulkAction | str,
    value: Any = None,
    actor: Agent,
    channel: Channel,
) -> BulkResult:
    """Apply `action` (with `value`: a TicketStatus, a Priority, an agent or None, a Team
    or None, a department, or tag names) to each of `tickets` the actor may see.

    Raises ValidationError, changing nothing, for an unknown action, a missing or wrong
    value, no tickets, or more than MAX_BULK_TICKETS of them.
    """
    try:
        action = BulkAction(action)
    except ValueError:
        raise ValidationError({"action": ["Choose an action."]}) from None
    value, description = _check_value(action, value)
    ids = list(tickets.order_by().values_list("pk", flat=True)[: MAX_BULK_TICKETS + 1])
    if not ids:
        raise ValidationError({"tickets": ["Select at least one ticket."]})
    if len(ids) > MAX_BULK_TICKETS:
        raise ValidationError({"tickets": [too_many_message(tickets.order_by().count())]})
    result = BulkResult(action=action, description=description)
    change = _change(action, value)
    may_delete = action == BulkAction.DELETE and may(actor, Action.DELETE_TICKET)
    with changes.atomic():
        # Locking every row first, in id order, means two bulk actions over overlapping
        # tickets wait for each other instead of deadlocking halfway.
        locked = list(
            Ticket.objects.for_agent(actor).filter(pk__in=ids).order_by("pk").select_for_update()
        )
        if not locked:
            raise ValidationError({"tickets": ["Select at least one ticket."]})
        tags = (
            tag_names_for(locked) if action in (BulkAction.ADD_TAGS, BulkAction.REMOVE_TAGS) else {}
        )
        for ticket in locked:
            if action == BulkAction.DELETE and not may_delete:
                result.refused.append((ticket.pk, NO_DELETE_PERMISSION))
                continue
            if _already(action, ticket, value, tags):
                result.unchanged.append(ticket.pk)
                continue
            pk = ticket.pk
            try:
                change(ticket=ticket, actor=actor, channel=channel)
            except Conflict as conflict:
                result.refused.append((pk, str(conflict)))
            else:
                result.changed.append(pk)
    return result


def too_many_message(count: int) -> str:
    return (
        f"{count:,} tickets are selected; one bulk action changes at most "
        f"{MAX_BULK_TICKETS:,}. Narrow the filters and apply it in parts."
    )
