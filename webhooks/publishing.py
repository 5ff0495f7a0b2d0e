"""What the webhooks are sent: the reaction that turns a change's history into events.

`react` is one of tickets.changes.REACTIONS: it runs inside the change's transaction,
once per round, with the TicketEvents the round recorded. Which events some active
endpoint subscribes to is cached (`subscribed_events`): a change that nobody subscribes
to costs no query. Otherwise it reads the subscribed endpoints afresh, maps the round's
events to webhook events, and for each subscribed endpoint writes a pending
WebhookDelivery holding the payload as the change left the ticket. Their sending is queued when the transaction commits: a change rolled back
sends nothing.

Per ticket and round (one change):
- ticket.created: a new ticket; the round's other field events of that ticket are its
  `changes` (a ticket made with tags is one event, not two);
- ticket.updated: every field change of the round, the status included, in one event;
- ticket.status_changed: the status changed (besides ticket.updated);
- reply.added / note.added: one per reply or note, with the reply;
- rating.received: the client rated the ticket;
- sla.breached: an SLA target was missed.

`deliver_to` sends one event to one endpoint, whatever it subscribes to (the triggers'
"call a webhook" action).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from helpdesk.api import iso
from tickets.agents import agent_name
from tickets.api.serializers import reply_data, ticket_data
from tickets.changes import Round
from tickets.models import Reply, Ticket, TicketEvent
from tickets.queries import tag_names_for

from . import tasks
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

Kind = TicketEvent.Kind

SUBSCRIPTIONS_KEY = "webhooks:subscribed-events"
SUBSCRIPTIONS_CACHE_SECONDS = 30

# The history kinds that are a change to the ticket's fields (ticket.updated).
FIELD_KINDS = frozenset(
    {
        Kind.STATUS_CHANGED,
        Kind.PRIORITY_CHANGED,
        Kind.ASSIGNED,
        Kind.TEAM_CHANGED,
        Kind.DEPARTMENT_CHANGED,
        Kind.CLIENT_CHANGED,
        Kind.PROJECT_CHANGED,
        Kind.REQUESTER_CHANGED,
        Kind.CC_CHANGED,
        Kind.SUBJECT_CHANGED,
        Kind.MESSAGE_CHANGED,
        Kind.DUE_DATE_CHANGED,
        Kind.TAGS_CHANGED,
        Kind.CUSTOM_FIELD_CHANGED,
        Kind.ARCHIVED,
        Kind.RESTORED,
        Kind.SPAM_MARKED,
        Kind.SPAM_UNMARKED,
        Kind.REPLY_DELETED,
    }
)
# The kinds that are an event of their own, one each.
SINGLE_KINDS = {
    Kind.REPLY_ADDED: WebhookEvent.REPLY_ADDED,
    Kind.NOTE_ADDED: WebhookEvent.NOTE_ADDED,
    Kind.RATED: WebhookEvent.RATING_RECEIVED,
    Kind.SLA_BREACHED: WebhookEvent.SLA_BREACHED,
}
# Sticky notes (the agents' own) and bounces (about mail, not the ticket) send nothing.


@dataclass
class Message:
    """One webhook event about one ticket, from one or more history events."""

    event: WebhookEvent
    ticket_id: int
    history: list[TicketEvent] = field(default_factory=list)


def react(round_: Round) -> None:
    """Queue the webhook events of a round for the active endpoints subscribed to them."""
    wanted = subscribed_events()
    if not wanted or not (messages := [m for m in messages_of(round_.events) if m.event in wanted]):
        return
    # The cache says someone may want them: who does is read afresh.
    subscribers = _subscribers()
    messages = [message for message in messages if message.event in subscribers]
    if not messages:
        return
    now = timezone.now()
    payloads = _payloads(messages, now)
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=payload["id"],
            event=message.event,
            ticket_id=message.ticket_id,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
        )
        for message, payload in zip(messages, payloads, strict=True)
        if payload is not None
        for endpoint_id in subscribers[message.event]
    ]
    if not deliveries:
        return
    _save_and_queue(deliveries)


def deliver_to(
    endpoint: WebhookEndpoint,
    *,
    event: str,
    ticket: Ticket,
    details: dict[str, Any] | None = None,
) -> WebhookDelivery:
    """Send one event about `ticket` to `endpoint`, whatever it subscribes to: the payload
    is the ticket as it is now (in this transaction), with `details` added to it (under
    keys other than id, type, created_at and ticket). Queued when the transaction commits."""
    now = timezone.now()
    [loaded] = _tickets([ticket.pk]).values()
    payload = {
        **(details or {}),
        **_envelope(event, now),
        "ticket": ticket_data(loaded, tag_names_for([loaded]).get(loaded.pk, [])),
    }
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_id=payload["id"],
        event=event,
        ticket_id=ticket.pk,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
    )
    _save_and_queue([delivery])
    return delivery


def send_again(deliveries: Iterable[WebhookDelivery]) -> list[WebhookDelivery]:
    """A new delivery of each one's event and payload to its endpoint, queued after the
    commit; the old ones stay in the log as they were."""
    now = timezone.now()
    copies = [
        WebhookDelivery(
            endpoint_id=old.endpoint_id,
            event_id=old.event_id,
            event=old.event,
            ticket_id=old.ticket_id,
            payload=old.payload,
            redelivery_of=old,
            created_at=now,
            next_attempt_at=now,
        )
        for old in deliveries
    ]
    _save_and_queue(copies)
    return copies


def send_ping(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event to `endpoint` (the admin's "Send test event")."""
    now = timezone.now()
    payload = {
        **_envelope(WebhookEvent.PING, now),
        "endpoint": {"id": endpoint.pk, "name": endpoint.name},
    }
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_id=payload["id"],
        event=WebhookEvent.PING,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
    )
    _save_and_queue([delivery])
    return delivery


def messages_of(events: Sequence[TicketEvent]) -> list[Message]:
    """The webhook events a round's history events make, ticket by ticket in the order of
    their first event."""
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in events:
        by_ticket[event.ticket_id].append(event)
    messages: list[Message] = []
    for ticket_id, history in by_ticket.items():
        fields = [event for event in history if event.kind in FIELD_KINDS]
        created = [event for event in history if event.kind == Kind.CREATED]
        if created:
            messages.append(Message(WebhookEvent.TICKET_CREATED, ticket_id, created + fields))
        elif fields:
            messages.append(Message(WebhookEvent.TICKET_UPDATED, ticket_id, fields))
            statuses = [event for event in fields if event.kind == Kind.STATUS_CHANGED]
            if statuses:
                messages.append(Message(WebhookEvent.TICKET_STATUS_CHANGED, ticket_id, statuses))
        messages.extend(
            Message(SINGLE_KINDS[Kind(event.kind)], ticket_id, [event])
            for event in history
            if event.kind in SINGLE_KINDS
        )
    return messages


def subscribed_events() -> frozenset[str]:
    """The events some active endpoint subscribes to, from the cache (read at most every
    SUBSCRIPTIONS_CACHE_SECONDS): a change nobody subscribes to costs no query."""
    events = cache.get(SUBSCRIPTIONS_KEY)
    if events is None:
        events = sorted(
            {
                event
                for subscribed in WebhookEndpoint.objects.active().values_list("events", flat=True)
                for event in subscribed or []
            }
        )
        cache.set(SUBSCRIPTIONS_KEY, events, SUBSCRIPTIONS_CACHE_SECONDS)
    return frozenset(events)


def forget_subscriptions() -> None:
    """Read the subscriptions afresh at the next change (an endpoint was saved or deleted).
    Without a shared cache (REDIS_URL), other processes read them within
    SUBSCRIPTIONS_CACHE_SECONDS."""
    cache.delete(SUBSCRIPTIONS_KEY)


def _subscribers() -> dict[str, list[int]]:
    """The ids of the active endpoints subscribed to each event."""
    subscribers: dict[str, list[int]] = defaultdict(list)
    for endpoint_id, events in WebhookEndpoint.objects.active().values_list("pk", "events"):
        for event in events or []:
            subscribers[event].append(endpoint_id)
    return subscribers


def _payloads(messages: list[Message], now: datetime.datetime) -> list[dict[str, Any] | None]:
    """Each message's payload, with the tickets, replies and actors read in a few queries."""
    tickets = _tickets({message.ticket_id for message in messages})
    tag_names = tag_names_for(tickets.values())
    history = [event for message in messages for event in message.history]
    actors = _actors(history)
    reply_ids = [
        event.new_value.get("reply_id")
        for event in history
        if event.kind in (Kind.REPLY_ADDED, Kind.NOTE_ADDED) and isinstance(event.new_value, dict)
    ]
    replies = (
        Reply.objects.select_related("author_agent", "author_contact").in_bulk(reply_ids)
        if reply_ids
        else {}
    )
    payloads: list[dict[str, Any] | None] = []
    for message in messages:
        ticket = tickets.get(message.ticket_id)
        if ticket is None:  # deleted later in the same change: nothing left to show
            payloads.append(None)
            continue
        payload: dict[str, Any] = {
            **_envelope(message.event, now),
            "ticket": ticket_data(ticket, tag_names.get(ticket.pk, [])),
            "changes": [_change(event, actors) for event in message.history],
        }
        first = message.history[0]
        if message.event in (WebhookEvent.REPLY_ADDED, WebhookEvent.NOTE_ADDED):
            reply = replies.get((first.new_value or {}).get("reply_id"))
            payload["reply"] = reply_data(reply) if reply is not None else None
        elif message.event == WebhookEvent.RATING_RECEIVED:
            payload["rating"] = first.new_value
        payloads.append(payload)
    return payloads


def _envelope(event: str, now: datetime.datetime) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": str(event), "created_at": iso(now)}


def _change(event: TicketEvent, actors: dict[int, Any]) -> dict[str, Any]:
    """A history event as a payload's `changes` list shows it."""
    actor: dict[str, Any] | None = None
    if event.actor_id is not None and event.actor_id in actors:
        actor = {"type": "agent", "id": event.actor_id, "name": agent_name(actors[event.actor_id])}
    elif event.actor_contact_id is not None:
        contact = event.actor_contact
        actor = {"type": "contact", "id": contact.pk, "name": contact.name} if contact else None
    return {
        "kind": event.kind,
        "field": event.field,
        "old": event.old_value,
        "new": event.new_value,
        "at": iso(event.created_at),
        "channel": event.channel,
        "actor": actor,
        "rule": event.rule,
    }


def _actors(events: Iterable[TicketEvent]) -> dict[int, Any]:
    """The agents who made these events: those the services passed in, and the others read
    in one query."""
    known: dict[int, Any] = {}
    missing: set[int] = set()
    for event in events:
        if event.actor_id is None:
            continue
        if TicketEvent.actor.is_cached(event):
            known[event.actor_id] = event.actor
        else:
            missing.add(event.actor_id)
    if missing - known.keys():
        known.update(get_user_model().objects.in_bulk(missing - known.keys()))
    return known


def _tickets(ids: Iterable[int]) -> dict[int, Ticket]:
    """The tickets as the API shows them (tickets.queries.tickets_for_agent's relations)."""
    return (
        Ticket.objects.select_related("status", "department", "client", "assignee")
        .prefetch_related("team", "requester")
        .in_bulk(list(ids))
    )


def _save_and_queue(deliveries: list[WebhookDelivery]) -> None:
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: tasks.queue(ids))
