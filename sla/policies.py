"""The active SLA policies, as the clock reads them on every ticket change.

Every change of a ticket hands its events to the clock, so the policies are read from the
default cache, not the database: with none active, the clock costs a ticket change no
query. The admin and the demo data forget the cached policies when they change one (on
commit); the entry also expires after POLICIES_TTL seconds, for a cache that is not shared
by every process (the local-memory cache of a server without Redis).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from .hours import Schedule, add_business_seconds, business_seconds_between
from .models import SlaPolicy, SlaTargetKind

CACHE_KEY = "sla:active-policies:v1"
POLICIES_TTL = 300


@dataclass(frozen=True)
class TargetRule:
    """How long a policy gives for one kind of target."""

    seconds: int
    business_hours: bool


@dataclass(frozen=True)
class Policy:
    """An active policy, with its calendar's schedule, as plain values."""

    id: int
    name: str
    schedule: Schedule | None
    priorities: frozenset[int]
    departments: frozenset[int]
    clients: frozenset[int]
    tags: frozenset[str]  # lower-case names: tags match ignoring case
    targets: dict[str, TargetRule] = field(default_factory=dict)

    @property
    def rule(self) -> dict[str, object]:
        """The policy as the history names a rule (tickets.changes.acting_as)."""
        return {"kind": "sla_policy", "id": self.id, "name": self.name}

    def covers(
        self, *, priority: int, department_id: int, client_id: int, tag_names: Collection[str]
    ) -> bool:
        """Whether a ticket matches every criterion (an empty one matches all)."""
        return (
            (not self.priorities or priority in self.priorities)
            and (not self.departments or department_id in self.departments)
            and (not self.clients or client_id in self.clients)
            and (not self.tags or not self.tags.isdisjoint(tag_names))
        )

    def counts_business_hours(self, rule: TargetRule | bool) -> bool:
        business = rule.business_hours if isinstance(rule, TargetRule) else rule
        return business and self.schedule is not None and bool(self.schedule.hours)

    def due(self, start: datetime.datetime, seconds: float, *, business: bool) -> datetime.datetime:
        """The moment `seconds` of the target's time after `start`."""
        if self.counts_business_hours(business):
            assert self.schedule is not None
            return add_business_seconds(self.schedule, start, seconds)
        return start + datetime.timedelta(seconds=seconds)

    def seconds_between(
        self, start: datetime.datetime, end: datetime.datetime, *, business: bool
    ) -> float:
        """The target's time from `start` to `end`; negative (in plain seconds) when `end`
        is before `start`, for a target already overdue."""
        if end < start:
            return -(start - end).total_seconds()
        if self.counts_business_hours(business):
            assert self.schedule is not None
            return business_seconds_between(self.schedule, start, end)
        return (end - start).total_seconds()


@dataclass(frozen=True)
class Policies:
    """The active policies in the order they are tried."""

    policies: Sequence[Policy]

    def __bool__(self) -> bool:
        return bool(self.policies)

    @property
    def use_tags(self) -> bool:
        return any(policy.tags for policy in self.policies)

    def by_id(self, pk: int | None) -> Policy | None:
        return next((policy for policy in self.policies if policy.id == pk), None)

    def choose(
        self, *, priority: int, department_id: int, client_id: int, tag_names: Collection[str]
    ) -> Policy | None:
        """The first policy, by position, that covers a ticket."""
        for policy in self.policies:
            if policy.covers(
                priority=priority,
                department_id=department_id,
                client_id=client_id,
                tag_names=tag_names,
            ):
                return policy
        return None


def active_policies() -> Policies:
    """The active policies, from the cache or else read (seven queries) and cached."""
    policies = cache.get(CACHE_KEY)
    if policies is None:
        policies = read_policies()
        cache.set(CACHE_KEY, policies, POLICIES_TTL)
    return policies


def read_policies() -> Policies:
    rows = (
        SlaPolicy.objects.active()
        .select_related("calendar")
        .prefetch_related(
            "targets",
            "departments",
            "clients",
            "tags",
            "calendar__opening_hours",
            "calendar__holidays",
        )
    )
    return Policies(
        [
            Policy(
                id=row.pk,
                name=row.name,
                schedule=Schedule.of(row.calendar) if row.calendar is not None else None,
                priorities=frozenset(int(value) for value in row.priorities or ()),
                departments=frozenset(item.pk for item in row.departments.all()),
                clients=frozenset(item.pk for item in row.clients.all()),
                tags=frozenset(item.name.lower() for item in row.tags.all()),
                targets={
                    target.kind: TargetRule(target.minutes * 60, target.business_hours)
                    for target in row.targets.all()
                    if target.kind in SlaTargetKind.values
                },
            )
            for row in rows
        ]
    )


def forget_policies() -> None:
    """Drop the cached policies: a policy, a target or a calendar changed. Now, and again
    when the transaction commits, since another process may cache the old ones meanwhile."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
