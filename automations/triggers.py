"""The triggers' reaction to ticket changes (listed in tickets.changes.REACTIONS).

For each ticket a round of a change touched, the active triggers are checked in order of
position; each whose conditions hold does its actions through the services, as itself
(`changes.acting_as`), once per ticket in one change (`changes.once`) and in the first
TRIGGER_ROUNDS rounds only, so that rules setting each other off stop. An import
(channel import) replays history and sets off no trigger.

Cost: the active triggers are read once and kept in the process (`active_triggers`), and a
ticket changed by one service call is checked on the row that service locked, so checking
costs no query, whatever the number of triggers; the round's tags, replies' texts and
requesters' addresses are read only when a condition asks for one of them, together in one
query for all its tickets, and the tickets of a set-based change in one query.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet, Value

from tickets import changes
from tickets.models import Channel, Reply, TaggedTicket, Ticket, TicketEvent

from . import actions, rules
from .models import Trigger

# The processes share the version of the triggers in the default cache (Redis in
# production): saving a trigger moves it on, and each process reloads. A process also
# reloads after this many seconds, should the cache be one of its own (no Redis).
VERSION_KEY = "automations:triggers:version"
MAX_AGE = 60.0

_loaded: dict[str, Any] = {"version": None, "at": 0.0, "triggers": []}


def active_triggers() -> list[Trigger]:
    """The active triggers in order, from the process's copy while it is current."""
    version = cache.get(VERSION_KEY, 0)
    if _loaded["version"] != version or time.monotonic() - _loaded["at"] > MAX_AGE:
        _loaded["triggers"] = list(
            Trigger.objects.filter(is_active=True).order_by("position", "pk")
        )
        _loaded["version"] = version
        _loaded["at"] = time.monotonic()
    return _loaded["triggers"]


def forget() -> None:
    """Make every process read the triggers again (after one was saved or deleted)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    _loaded["version"] = None


def react(round: changes.Round) -> None:
    if round.number > changes.TRIGGER_ROUNDS:
        return
    triggers = active_triggers()
    if not triggers:
        return
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in round.events:
        by_ticket[event.ticket_id].append(event)
    ids = [
        pk
        for pk, events in by_ticket.items()
        if not any(event.channel == Channel.IMPORT for event in events)
    ]
    if not ids:
        return
    for situation in _situations(ids, by_ticket, round.number):
        for trigger in triggers:
            _check(trigger, situation)


def _check(trigger: Trigger, situation: rules.Situation) -> None:
    fires = trigger.fires_on
    if situation.created and fires == Trigger.FiresOn.UPDATED:
        return
    if not situation.created and fires == Trigger.FiresOn.CREATED:
        return
    if not rules.matches(trigger.conditions, situation):
        return
    if not changes.once(("trigger", trigger.pk, situation.ticket.pk)):
        return
    with changes.acting_as(trigger.reference()):
        actions.apply(trigger, situation.ticket)


def _created_in_this_change(pk: int, events: list[TicketEvent], number: int) -> bool:
    """Whether the change created the ticket: in its first round, an event says so; what
    the triggers then do to the new ticket is part of its creation, not a change of it.

    The first round notes it for the later ones with `changes.once` keys, one per later
    round, which a later round reads by asking for its own: False means noted."""
    if number == 1:
        created = any(event.kind == TicketEvent.Kind.CREATED for event in events)
        if created:
            for later in range(2, changes.TRIGGER_ROUNDS + 1):
                changes.once(("created", pk, later))
        return created
    return not changes.once(("created", pk, number))


def _situations(
    ids: list[int],
    by_ticket: dict[int, list[TicketEvent]],
    number: int,
) -> list[rules.Situation]:
    """What the triggers see of each ticket: its row as the round left it, and what the
    round's events say about the change."""
    tickets = _tickets(ids, by_ticket)
    conditions = [condition for trigger in active_triggers() for condition in trigger.conditions]
    kinds = [kind for kind in LOOKUPS if rules.needs(conditions, kind)]
    lookups = rules.RoundLookups(load=lambda: _lookups(kinds, ids, by_ticket))
    situations = []
    for pk in ids:
        ticket = tickets.get(pk)
        if ticket is None:  # deleted in the change
            continue
        events = by_ticket[pk]
        situation = rules.Situation(
            ticket=ticket,
            channel=events[0].channel,
            created=_created_in_this_change(pk, events, number),
            lookups=lookups,
        )
        for event in events:
            name = rules.CHANGE_KINDS.get(TicketEvent.Kind(event.kind))
            if name is not None:
                read = rules.CHANGE_READERS[name]
                old = situation.changes.get(name, (read(event.old_value), None))[0]
                situation.changes[name] = (old, read(event.new_value))
        situations.append(situation)
    return situations


def _tickets(ids: list[int], by_ticket: dict[int, list[TicketEvent]]) -> dict[int, Ticket]:
    """The round's tickets as they are now. A ticket changed by one service call comes with
    its events: the row the service locked and changed (the last event's), read again only
    when its events carry none (a set-based change writes ids) or the change deleted it."""
    tickets: dict[int, Ticket] = {}
    for pk in ids:
        last = by_ticket[pk][-1]
        if TicketEvent.ticket.is_cached(last) and last.ticket.pk is not None:
            tickets[pk] = last.ticket
    missing = [pk for pk in ids if pk not in tickets]
    if missing:
        tickets |= Ticket.objects.select_related("status", "requester").in_bulk(missing)
    return tickets


# What a round may have to read besides its tickets' rows.
LOOKUPS = ("tags", "reply_text", "requester_domain")


def _lookups(
    kinds: list[str], ids: list[int], by_ticket: dict[int, list[TicketEvent]]
) -> dict[str, dict[int, list[str]]]:
    """The tags, the texts of the replies written in the round and the requester's address
    of the round's tickets, those of `kinds`, in one query (a UNION of one part each)."""
    parts: list[QuerySet[Any, Any]] = []
    if "tags" in kinds:
        parts.append(
            TaggedTicket.objects.filter(content_object_id__in=ids)
            .order_by()
            .values_list(Value("tags"), "content_object_id", "tag__name")
        )
    reply_ids = _reply_ids(by_ticket)
    if "reply_text" in kinds and reply_ids:
        parts.append(
            Reply.objects.filter(pk__in=reply_ids)
            .order_by()
            .values_list(Value("reply_text"), "ticket_id", "text")
        )
    if "requester_domain" in kinds:
        parts.append(
            Ticket.objects.filter(pk__in=ids, requester__isnull=False)
            .order_by()
            .values_list(Value("requester_domain"), "pk", "requester__email")
        )
    found: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not parts:
        return found
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for kind, ticket_id, value in rows:
        found[kind][ticket_id].append(value)
    for tags in found["tags"].values():
        tags.sort(key=str.lower)
    return found


def _reply_ids(by_ticket: dict[int, list[TicketEvent]]) -> list[int]:
    return [
        event.new_value["reply_id"]
        for events in by_ticket.values()
        for event in events
        if event.kind in (TicketEvent.Kind.REPLY_ADDED, TicketEvent.Kind.NOTE_ADDED)
        and isinstance(event.new_value, dict)
        and "reply_id" in event.new_value
    ]
