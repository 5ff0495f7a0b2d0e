"""What the ticket services share: errors, the history writer, row locking and checks.

The other modules of the package import these public names; what only one module
needs stays private there.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ForeignKey
from django.utils import timezone

from tickets import changes, notifications, tasks
from tickets.agents import Agent, is_agent
from tickets.models import (
    Category,
    Channel,
    Contact,
    Source,
    Ticket,
    TicketEvent,
    TicketStatus,
    history,
    max_length,
)
from tickets.statuses import StatusCategory


class Conflict(Exception):
    """The change conflicts with the ticket's current state (HTTP 409)."""


class Stale(Conflict):
    """Others changed the ticket since the version its writer saw; `changes` lists their
    events, oldest first, so that the writer can review them."""

    def __init__(self, changes: list[TicketEvent]) -> None:
        super().__init__("The ticket changed since you saw it.")
        self.changes = changes


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks a keyword argument that was not given, as distinct from None."""

SUBJECT_MAX_LENGTH = max_length(Ticket, "subject")
PREVIEW_LENGTH = max_length(Ticket, "last_message_preview")


def message_preview(text: str) -> str:
    """The start of a public message, as the queue's rows show it (Ticket.last_message_preview)."""
    return text[:PREVIEW_LENGTH]


# The source of a ticket or reply made through a channel (the web otherwise).
SOURCE_OF_CHANNEL = {
    Channel.API: Source.API,
    Channel.EMAIL: Source.EMAIL,
    Channel.PORTAL: Source.PORTAL,
}


def record_event(
    ticket: Ticket,
    kind: TicketEvent.Kind,
    *,
    actor: Agent | None,
    channel: Channel,
    old: Any = None,
    new: Any = None,
    field: str = "",
    actor_contact: Contact | None = None,
    at: datetime.datetime | None = None,
) -> TicketEvent:
    """Append one event to the ticket's history."""
    event = new_event(
        ticket,
        kind,
        actor=actor,
        channel=channel,
        old=old,
        new=new,
        field=field,
        actor_contact=actor_contact,
        at=at,
    )
    save_events([event])
    return event


def save_events(events: list[TicketEvent]) -> None:
    """Write history events in one INSERT, and note them for the change's reactions
    (tickets.changes): every event of the services is written here."""
    TicketEvent.objects.bulk_create(events)
    changes.recorded(events)


def new_event(
    ticket: Ticket,
    kind: TicketEvent.Kind,
    *,
    actor: Agent | None,
    channel: Channel,
    old: Any = None,
    new: Any = None,
    field: str = "",
    actor_contact: Contact | None = None,
    at: datetime.datetime | None = None,
) -> TicketEvent:
    """The event `record_event` appends, not saved yet: a change that records several
    writes them in one INSERT (`TicketEvent.objects.bulk_create`)."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=_recorded_actor(actor),
        rule=changes.acting_rule(),
        actor_contact=actor_contact,
        channel=channel,
        field=field,
        old_value=old,
        new_value=new,
        created_at=at or timezone.now(),
    )


def record_events(
    ticket_ids: list[int],
    kind: TicketEvent.Kind,
    *,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime,
    old: Mapping[int, Any],
    new: Mapping[int, Any] | None = None,
) -> None:
    """One event per ticket, as `record_event` writes them, in one INSERT."""
    rule = changes.acting_rule()
    save_events(
        [
            TicketEvent(
                ticket_id=pk,
                kind=kind,
                actor=_recorded_actor(actor),
                rule=rule,
                channel=channel,
                old_value=old[pk],
                new_value=(new or {}).get(pk),
                created_at=at,
            )
            for pk in ticket_ids
        ]
    )


def _recorded_actor(actor: Agent | None) -> Agent | None:
    """The history names signed-in agents only (not an anonymous request's user)."""
    return actor if actor is not None and actor.is_authenticated else None


def lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket's row, locked until the transaction ends, with fresh values.

    Alone: with a related row joined (its status, say), a concurrent change of the ticket
    would make PostgreSQL recheck the join against the related row it read first, and
    return nothing.
    """
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def refresh_from(target: Ticket, source: Ticket) -> None:
    """Copy a locked ticket's values back onto the caller's instance."""
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("status", "department", "client", "project", "assignee", "team", "requester"):
        relation = Ticket._meta.get_field(name)
        if isinstance(relation, ForeignKey) and relation.is_cached(target):
            relation.delete_cached_value(target)


def clean_text(value: str, field: str, *, max_length: int | None = None) -> str:
    """The text without surrounding blanks; required, and at most `max_length` long."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ["This field is required."]})
    if max_length and len(text) > max_length:
        raise ValidationError({field: [f"Ensure this value has at most {max_length} characters."]})
    return text


def check_department(department: Category) -> None:
    """Only a category of type ticket can hold tickets."""
    if department.type != Category.Type.TICKET:
        raise ValidationError({"department": ["The department must be a category of type ticket."]})


def check_agent(agent: Agent | None, field: str = "assignee", *, former_ok: bool = False) -> None:
    """Tickets go to active agents (or to nobody); `field` names the message's field.

    With `former_ok`, a former agent (staff no longer active) is accepted too: an import
    replays what agents did elsewhere, and some of them have left."""
    if agent is None or is_agent(agent):
        return
    if former_ok and agent.is_staff:
        return
    raise ValidationError({field: ["Tickets can only be assigned to active agents."]})


def is_import(channel: Channel) -> bool:
    """Whether a change replays a history that happened elsewhere (channel import): it may
    name former agents, its replies leave the status to the status changes it replays, and
    it tells nobody (see tickets.notifications.SILENT_CHANNELS)."""
    return channel == Channel.IMPORT


def normalize_tags(tags: Iterable[str], *, limit: bool = True) -> list[str]:
    """Tag names stripped, without blanks or duplicates (ignoring case), sorted; each at
    most 100 characters, and at most TICKET_MAX_TAGS of them (a ticket's set of tags; a
    list of tags to remove passes `limit=False`). The count is checked before any lock is
    taken: thousands of tags in one request once held a ticket's lock for half a minute."""
    seen: dict[str, str] = {}
    for tag in tags:
        name = str(tag).strip()
        if not name:
            continue
        if len(name) > 100:
            raise ValidationError({"tags": ["A tag has at most 100 characters."]})
        seen.setdefault(name.lower(), name)
    if limit and len(seen) > settings.TICKET_MAX_TAGS:
        raise ValidationError({"tags": [f"A ticket has at most {settings.TICKET_MAX_TAGS} tags."]})
    return sorted(seen.values(), key=str.lower)


def apply_status(
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Agent | None,
    channel: Channel,
    now: datetime.datetime,
    actor_contact: Contact | None = None,
    events: list[TicketEvent] | None = None,
) -> list[str]:
    """Move a locked ticket to `status`; returns the fields it changed. Its event is
    recorded, or appended to `events` for the caller to write with its own."""
    if ticket.status_id == status.pk:
        return []
    old_status = ticket.status
    ticket.status = status
    ticket.status_changed_at = now
    changed = ["status", "status_changed_at"]
    if status.is_closed and not old_status.is_closed:
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif not status.is_closed and ticket.resolved_at is not None:
        ticket.resolved_at = None
        changed.append("resolved_at")
    changed += set_waiting(ticket, status, now)
    event = new_event(
        ticket,
        TicketEvent.Kind.STATUS_CHANGED,
        actor=actor,
        actor_contact=actor_contact,
        channel=channel,
        old=history.reference(old_status),
        new=history.reference(status),
        at=now,
    )
    if events is None:
        save_events([event])
    else:
        events.append(event)
    if "resolved_at" in changed and status.is_closed:
        _ask_for_rating(ticket, channel)
    return changed


def set_waiting(ticket: Ticket, status: TicketStatus, now: datetime.datetime) -> list[str]:
    """Keep `waiting_since` true for a ticket entering `status`: the client waits for us while
    the status is of the category open, from the moment it entered one."""
    waiting = status.category == StatusCategory.OPEN
    if waiting == (ticket.waiting_since is not None):
        return []
    ticket.waiting_since = now if waiting else None
    return ["waiting_since"]


def _ask_for_rating(ticket: Ticket, channel: Channel) -> None:
    """After the commit of a close, the requester may be asked how we did (the task
    decides: see notifications.rating_request_due)."""
    if channel in notifications.RATING_REQUEST_CHANNELS and not ticket.is_spam:
        transaction.on_commit(partial(tasks.ticket_closed, ticket.pk), robust=True)
