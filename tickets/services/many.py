"""One change of many tickets in a few statements: what an automation does to thousands
of tickets at once.

Each function locks the rows in id order, changes those not already so with one UPDATE
and records their history events with one INSERT (`record_events`, so that the change's
reactions see them), keeping the same fields true as the per-ticket services do. Like
those, a change by the system (a rule) emails nobody. Callers keep a batch bounded (see
automations.runs.BATCH) so that the locks stay short.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets import changes
from tickets.agents import Agent
from tickets.models import Category, Channel, Priority, Team, Ticket, TicketEvent, TicketStatus
from tickets.models import history as history_values
from tickets.statuses import StatusCategory

from .common import check_agent, check_department, record_events

# The fields set_field_of_many changes, with the event each records.
FIELD_KINDS = {
    "priority": TicketEvent.Kind.PRIORITY_CHANGED,
    "department": TicketEvent.Kind.DEPARTMENT_CHANGED,
    "team": TicketEvent.Kind.TEAM_CHANGED,
    "assignee": TicketEvent.Kind.ASSIGNED,
}


def change_status_of_many(
    *,
    ticket_ids: Sequence[int],
    status: TicketStatus,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> list[int]:
    """Move the tickets to `status` as change_status does (closing stamps resolved at,
    reopening clears it, waiting since follows the status's category); returns the ids
    that changed."""
    with changes.atomic():
        rows = list(
            Ticket.objects.filter(pk__in=ticket_ids)
            .exclude(status=status)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", "status_id")
        )
        if not rows:
            return []
        now = at or timezone.now()
        statuses = TicketStatus.objects.in_bulk({status_id for _, status_id in rows})
        ids = [pk for pk, _ in rows]
        if status.is_closed:
            newly_closed = [pk for pk, old in rows if not statuses[old].is_closed]
            resolved: Any = Case(
                When(pk__in=newly_closed, then=Value(now)), default=F("resolved_at")
            )
        else:
            resolved = None
        # As set_waiting: the client waits for us from the moment an open status began.
        waiting: Any = (
            Coalesce(F("waiting_since"), Value(now))
            if status.category == StatusCategory.OPEN
            else None
        )
        Ticket.objects.filter(pk__in=ids).update(
            status=status,
            status_changed_at=now,
            updated_at=now,
            resolved_at=resolved,
            waiting_since=waiting,
        )
        record_events(
            ids,
            TicketEvent.Kind.STATUS_CHANGED,
            actor=actor,
            channel=channel,
            at=now,
            old={pk: history_values.reference(statuses[old]) for pk, old in rows},
            new=dict.fromkeys(ids, history_values.reference(status)),
        )
    return ids


def set_field_of_many(
    *,
    ticket_ids: Sequence[int],
    field: str,
    value: Any,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> list[int]:
    """Give the tickets `value` for `field` (priority: a Priority; department, team,
    assignee: an object or, for team and assignee, None), as update_ticket, set_team and
    assign do; returns the ids that changed."""
    kind = FIELD_KINDS[field]
    if field == "department":
        check_department(value)
    elif field == "assignee":
        check_agent(value)
    column = field if field == "priority" else f"{field}_id"
    stored = Priority(value) if field == "priority" else (value.pk if value else None)
    with changes.atomic():
        rows = list(
            Ticket.objects.filter(pk__in=ticket_ids)
            .exclude(**{column: stored} if stored is not None else {f"{column}__isnull": True})
            .order_by("pk")
            .select_for_update()
            .values_list("pk", column)
        )
        if not rows:
            return []
        now = at or timezone.now()
        ids = [pk for pk, _ in rows]
        Ticket.objects.filter(pk__in=ids).update(**{column: stored, "updated_at": now})
        shown = _shown(field, [old for _, old in rows])
        record_events(
            ids,
            kind,
            actor=actor,
            channel=channel,
            at=now,
            old={pk: shown(old) for pk, old in rows},
            new=dict.fromkeys(ids, shown(stored) if field == "priority" else _reference(value)),
        )
    return ids


def _reference(value: Any) -> Any:
    return history_values.reference(value)


def _shown(field: str, old_values: list[Any]) -> Any:
    """How an old value of `field` is kept in the history, as the per-ticket services keep
    it: a priority by its code, an object as a reference (loaded in one query)."""
    if field == "priority":
        return lambda value: Priority(value).code
    model: Any = {"department": Category, "team": Team, "assignee": get_user_model()}[field]
    objects = model._default_manager.in_bulk({value for value in old_values if value})
    return lambda value: history_values.reference(objects.get(value)) if value else None
