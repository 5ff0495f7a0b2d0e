"""The SLA clocks: a reaction (tickets.changes.REACTIONS) that moves each ticket's targets
on as the ticket changes.

- A new ticket, or a change of its priority, department, client, tags or spam flag,
  (re)chooses its policy: the targets it lacks start from its creation (a first response
  only while none was given, a resolution only while it is not solved); running targets
  keep the time they used under the new times; targets the policy no longer sets go.
- A client's reply starts a next-response target (once the first response was given, and
  unless one already runs); an agent's public reply meets the first and next response.
- A status of the pending category pauses the running targets (each keeps the seconds it
  had left); a status of the open category resumes them; solved meets the resolution and
  stops the rest.

It runs inside the change's transaction, on tickets the services have locked, and works
on a round's tickets together (a bulk action hands it hundreds): a fixed number of
queries whatever their number. With no active policy it does nothing at all, without a
query (sla.policies caches them). Times are the events' own, so an import's replayed
history runs the clocks at the times it happened.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tickets.changes import Round
from tickets.models import TaggedTicket, Ticket, TicketEvent, TicketStatus
from tickets.statuses import StatusCategory

from .models import SlaTargetKind, TargetState, TicketSlaTarget
from .policies import Policies, Policy, TargetRule, active_policies

Kind = TicketEvent.Kind
# The changes that may change which policy covers a ticket.
COVERAGE = frozenset(
    {
        Kind.CREATED,
        Kind.PRIORITY_CHANGED,
        Kind.DEPARTMENT_CHANGED,
        Kind.CLIENT_CHANGED,
        Kind.TAGS_CHANGED,
        Kind.SPAM_MARKED,
        Kind.SPAM_UNMARKED,
    }
)
CLOCK_EVENTS = COVERAGE | {Kind.REPLY_ADDED, Kind.STATUS_CHANGED}
RUNNING = (TargetState.ACTIVE, TargetState.PAUSED)
RESPONSES = (SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.NEXT_RESPONSE)
TARGET_FIELDS = [
    "policy",
    "business_hours",
    "target_seconds",
    "state",
    "started_at",
    "due_at",
    "paused_at",
    "remaining_seconds",
    "met_at",
    "breached_at",
]


@dataclass
class Facts:
    """What the clock reads of a ticket."""

    pk: int
    priority: int
    department_id: int
    client_id: int
    is_spam: bool
    created_at: datetime.datetime
    first_response_at: datetime.datetime | None
    category: str
    sla_policy_id: int | None
    sla_due_at: datetime.datetime | None
    tag_names: set[str] = field(default_factory=set)  # lower case


class TicketClock:
    """One ticket's targets, moved on by its events in order."""

    def __init__(
        self, facts: Facts, targets: Iterable[TicketSlaTarget], policies: Policies
    ) -> None:
        self.facts = facts
        self.policies = policies
        self.targets: dict[str, TicketSlaTarget] = {target.kind: target for target in targets}
        self.policy: Policy | None = policies.by_id(facts.sla_policy_id)
        # A policy no longer active is replaced at the ticket's next change.
        self.orphaned = facts.sla_policy_id is not None and self.policy is None
        self.category = facts.category
        self.created: list[TicketSlaTarget] = []
        self.changed: set[int] = set()
        self.deleted: list[int] = []

    # Events ---------------------------------------------------------------------

    def apply(self, events: Sequence[TicketEvent], categories: dict[int, str]) -> None:
        first_status = next((e for e in events if e.kind == Kind.STATUS_CHANGED), None)
        if first_status is not None:
            self.category = categories.get(_status_id(first_status.old_value), self.category)
        for event in events:
            at = event.created_at
            if event.kind == Kind.CREATED:
                status_id = _status_id((event.new_value or {}).get("status"))
                self.category = categories.get(status_id, self.category)
            if event.kind in COVERAGE or self.orphaned:
                self.orphaned = False
                self.cover(at)
            if event.kind == Kind.REPLY_ADDED:
                if event.actor_contact_id is not None:
                    self.client_message(at)
                else:
                    self.agent_answer(at)
            elif event.kind == Kind.STATUS_CHANGED:
                status_id = _status_id(event.new_value)
                self.status(categories.get(status_id, self.category), at)

    def cover(self, at: datetime.datetime) -> None:
        """(Re)choose the policy and set its targets."""
        facts = self.facts
        policy = (
            None
            if facts.is_spam
            else self.policies.choose(
                priority=facts.priority,
                department_id=facts.department_id,
                client_id=facts.client_id,
                tag_names=facts.tag_names,
            )
        )
        previous = self.policy
        self.policy = policy
        for kind, target in list(self.targets.items()):
            if target.state in RUNNING and (policy is None or kind not in policy.targets):
                self.remove(kind)
        if policy is None:
            return
        for kind, rule in policy.targets.items():
            existing = self.targets.get(kind)
            if existing is None:
                if self.starts_with_ticket(kind):
                    self.start(kind, rule, start=facts.created_at, at=at)
            elif existing.state in RUNNING and (
                existing.policy_id != policy.id
                or existing.target_seconds != rule.seconds
                or existing.business_hours != rule.business_hours
            ):
                self.convert(existing, rule, previous or policy, at)

    def starts_with_ticket(self, kind: str) -> bool:
        if kind == SlaTargetKind.FIRST_RESPONSE:
            return self.facts.first_response_at is None and self.category != StatusCategory.SOLVED
        if kind == SlaTargetKind.RESOLUTION:
            return self.category != StatusCategory.SOLVED
        return False  # a next response starts with a client's message

    def client_message(self, at: datetime.datetime) -> None:
        policy = self.policy
        kind = SlaTargetKind.NEXT_RESPONSE
        if policy is None or kind not in policy.targets or self.category == StatusCategory.SOLVED:
            return
        if any(
            self.targets.get(each) is not None and self.targets[each].state in RUNNING
            for each in RESPONSES
        ):
            return  # a response is already owed: the clock that runs counts from earlier
        self.start(kind, policy.targets[kind], start=at, at=at)

    def agent_answer(self, at: datetime.datetime) -> None:
        for kind in RESPONSES:
            target = self.targets.get(kind)
            if target is not None and target.state in RUNNING:
                self.finish(target, TargetState.MET, at)

    def status(self, category: str, at: datetime.datetime) -> None:
        self.category = category
        for target in self.targets.values():
            if category == StatusCategory.PENDING and target.state == TargetState.ACTIVE:
                self.pause(target, at)
            elif category == StatusCategory.OPEN and target.state == TargetState.PAUSED:
                self.resume(target, at)
            elif category == StatusCategory.SOLVED and target.state in RUNNING:
                met = target.kind == SlaTargetKind.RESOLUTION
                self.finish(target, TargetState.MET if met else TargetState.STOPPED, at)

    # Targets --------------------------------------------------------------------

    def start(
        self, kind: str, rule: TargetRule, *, start: datetime.datetime, at: datetime.datetime
    ) -> None:
        assert self.policy is not None
        target = self.targets.get(kind)
        if target is None:
            target = TicketSlaTarget(ticket_id=self.facts.pk, kind=kind)
            self.targets[kind] = target
            self.created.append(target)
        else:
            self.touch(target)
        target.policy_id = self.policy.id
        target.business_hours = rule.business_hours
        target.target_seconds = rule.seconds
        target.state = TargetState.ACTIVE
        target.started_at = start
        target.due_at = self.policy.due(start, rule.seconds, business=rule.business_hours)
        target.paused_at = target.remaining_seconds = target.met_at = target.breached_at = None
        if self.category == StatusCategory.PENDING:
            self.pause(target, at)

    def convert(
        self, target: TicketSlaTarget, rule: TargetRule, previous: Policy, at: datetime.datetime
    ) -> None:
        """Give a running target the new policy's time, less the time it used."""
        assert self.policy is not None
        left = self.left(target, previous, at)
        left += rule.seconds - target.target_seconds
        target.policy_id = self.policy.id
        target.business_hours = rule.business_hours
        target.target_seconds = rule.seconds
        self.touch(target)
        if target.state == TargetState.PAUSED:
            target.remaining_seconds = round(left)
        else:
            target.due_at = self.due_after(at, left, business=rule.business_hours)

    def pause(self, target: TicketSlaTarget, at: datetime.datetime) -> None:
        policy = self.policy
        assert policy is not None
        target.remaining_seconds = round(self.left(target, policy, at))
        target.state = TargetState.PAUSED
        target.paused_at = at
        self.touch(target)

    def resume(self, target: TicketSlaTarget, at: datetime.datetime) -> None:
        target.due_at = self.due_after(
            at, target.remaining_seconds or 0, business=target.business_hours
        )
        target.state = TargetState.ACTIVE
        target.paused_at = target.remaining_seconds = None
        self.touch(target)

    def finish(self, target: TicketSlaTarget, state: TargetState, at: datetime.datetime) -> None:
        if target.state == TargetState.PAUSED:
            # A paused target ends where it stood: its due time is what it had left.
            target.due_at = self.due_after(
                at, target.remaining_seconds or 0, business=target.business_hours
            )
        target.state = state
        target.met_at = at if state == TargetState.MET else None
        target.paused_at = target.remaining_seconds = None
        self.touch(target)

    def remove(self, kind: str) -> None:
        target = self.targets.pop(kind)
        if target.pk is None:
            self.created.remove(target)
        else:
            self.deleted.append(target.pk)
            self.changed.discard(target.pk)

    def left(self, target: TicketSlaTarget, policy: Policy, at: datetime.datetime) -> float:
        """The target's time left at `at` (negative once overdue)."""
        if target.state == TargetState.PAUSED:
            return float(target.remaining_seconds or 0)
        assert target.due_at is not None
        return policy.seconds_between(at, target.due_at, business=target.business_hours)

    def due_after(self, at: datetime.datetime, left: float, *, business: bool) -> datetime.datetime:
        if left <= 0 or self.policy is None:
            return at + datetime.timedelta(seconds=left)
        return self.policy.due(at, left, business=business)

    def touch(self, target: TicketSlaTarget) -> None:
        if target.pk is not None:
            self.changed.add(target.pk)

    # Results --------------------------------------------------------------------

    @property
    def due_at(self) -> datetime.datetime | None:
        """The ticket's next breach: the earliest due time of its running targets."""
        due = [
            target.due_at
            for target in self.targets.values()
            if target.state == TargetState.ACTIVE and target.due_at is not None
        ]
        return min(due) if due else None

    @property
    def policy_id(self) -> int | None:
        return self.policy.id if self.policy is not None else None

    @property
    def ticket_changed(self) -> bool:
        return (self.policy_id, self.due_at) != (self.facts.sla_policy_id, self.facts.sla_due_at)

    def changed_targets(self) -> list[TicketSlaTarget]:
        return [target for target in self.targets.values() if target.pk in self.changed]


def _status_id(value: Any) -> int:
    """The status id of a history value (0 for none)."""
    return int(value.get("id") or 0) if isinstance(value, dict) else 0


# The reaction -------------------------------------------------------------------


def react(change: Round) -> None:
    """Move the targets of the tickets a round changed (see the module's description)."""
    events = [event for event in change.events if event.kind in CLOCK_EVENTS]
    if not events:
        return
    policies = active_policies()
    if not policies:
        return
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in events:
        by_ticket[event.ticket_id].append(event)
    facts = read_facts(list(by_ticket), policies)
    if not facts:
        return
    targets = read_targets(list(facts))
    categories = status_categories() if _needs_categories(events) else {}
    clocks = []
    for pk, ticket_events in by_ticket.items():
        if pk not in facts:
            continue  # deleted in the same change
        clock = TicketClock(facts[pk], targets.get(pk, ()), policies)
        clock.apply(ticket_events, categories)
        clocks.append(clock)
    save(clocks, instances={event.ticket_id: event for event in events})


def _needs_categories(events: Iterable[TicketEvent]) -> bool:
    return any(event.kind in (Kind.CREATED, Kind.STATUS_CHANGED) for event in events)


def status_categories() -> dict[int, str]:
    return dict(TicketStatus.objects.values_list("pk", "category"))


def read_facts(ids: list[int], policies: Policies) -> dict[int, Facts]:
    rows = Ticket.objects.filter(pk__in=ids).values_list(
        "pk",
        "priority",
        "department_id",
        "client_id",
        "is_spam",
        "created_at",
        "first_response_at",
        "status__category",
        "sla_policy_id",
        "sla_due_at",
    )
    facts = {row[0]: Facts(*row) for row in rows}
    if policies.use_tags and facts:
        for ticket_id, name in TaggedTicket.objects.filter(
            content_object_id__in=list(facts)
        ).values_list("content_object_id", "tag__name"):
            facts[ticket_id].tag_names.add(name.lower())
    return facts


def read_targets(ids: list[int]) -> dict[int, list[TicketSlaTarget]]:
    targets: dict[int, list[TicketSlaTarget]] = defaultdict(list)
    for target in TicketSlaTarget.objects.filter(ticket_id__in=ids):
        targets[target.ticket_id].append(target)
    return targets


def save(clocks: Sequence[TicketClock], *, instances: dict[int, TicketEvent]) -> None:
    """Write what the clocks changed: a few statements for any number of tickets."""
    deleted = [pk for clock in clocks for pk in clock.deleted]
    if deleted:
        TicketSlaTarget.objects.filter(pk__in=deleted).delete()
    created = [target for clock in clocks for target in clock.created]
    if created:
        TicketSlaTarget.objects.bulk_create(created)
    changed = [target for clock in clocks for target in clock.changed_targets()]
    if changed:
        TicketSlaTarget.objects.bulk_update(changed, TARGET_FIELDS)
    tickets = [clock for clock in clocks if clock.ticket_changed]
    for clock in tickets:
        # The services' locked instance (the event's) is kept true, so that the caller's
        # ticket, refreshed from it, shows the new times.
        event = instances[clock.facts.pk]
        if TicketEvent.ticket.is_cached(event):
            event.ticket.sla_policy_id = clock.policy_id
            event.ticket.sla_due_at = clock.due_at
    if len(tickets) == 1:
        clock = tickets[0]
        Ticket(pk=clock.facts.pk, sla_policy_id=clock.policy_id, sla_due_at=clock.due_at).save(
            update_fields=["sla_policy", "sla_due_at"]
        )
    elif tickets:
        Ticket.objects.bulk_update(
            [
                Ticket(pk=clock.facts.pk, sla_policy_id=clock.policy_id, sla_due_at=clock.due_at)
                for clock in tickets
            ],
            ["sla_policy", "sla_due_at"],
        )
