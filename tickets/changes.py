"""What happens when tickets change, beyond the change itself.

The services make each change inside `changes.atomic()` and record its history events
there. When the work of the outermost such block is done, still inside its transaction,
the events it recorded are handed, in one `Round`, to each reaction of REACTIONS in turn:

- the SLA clocks (`sla.clock.react`) move each ticket's targets on;
- the triggers (`automations.triggers.react`) apply the rules an administrator wrote;
- the webhooks (`webhooks.publishing.react`) queue what the subscribers asked for,
  delivered by the task worker after the commit.

A reaction may change tickets through the services in its turn. The events those changes
record are handed to every reaction in a next round; the triggers act in the first
TRIGGER_ROUNDS rounds only, and each fires at most once per ticket in one change
(`once`), so that rules cannot loop. A change a rule makes is recorded with the rule as
its actor (`acting_as`): its events carry the rule's reference in `TicketEvent.rule`.

A bulk action is one change: its reactions get every ticket's events at once, so that
they can work set-based.

The reactions are named here, in order, rather than connected by signals, so that a
reader of this file knows everything that a change sets off.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from tickets.models import TicketEvent

# The reactions, as dotted paths of functions taking a Round, in the order they run.
REACTIONS: tuple[str, ...] = ("sla.clock.react",)

# The triggers act in this many rounds of one change: the change itself, what the triggers
# did about it, and what they did about that.
TRIGGER_ROUNDS = 3
# No reaction but the triggers changes tickets; this only stops a defect from looping.
MAX_ROUNDS = 10


@dataclass(frozen=True)
class Round:
    """The events one round of a change recorded, for the reactions."""

    events: Sequence[TicketEvent]
    number: int  # 1 for the change itself, 2 for what the reactions did about it, ...

    @property
    def ticket_ids(self) -> list[int]:
        """The tickets the round changed, in the order of their first event."""
        return list(dict.fromkeys(event.ticket_id for event in self.events))


@dataclass
class _Change:
    pending: list[TicketEvent] = field(default_factory=list)
    done: set[Hashable] = field(default_factory=set)
    rules: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[_Change | None] = ContextVar("ticket_change", default=None)


@contextmanager
def atomic() -> Iterator[None]:
    """A transaction in which tickets change; the outermost one runs the reactions to
    every event recorded in it before it commits."""
    with transaction.atomic():
        if _current.get() is not None:
            yield
            return
        change = _Change()
        token = _current.set(change)
        try:
            yield
            _react(change)
        finally:
            _current.reset(token)


def recorded(events: Sequence[TicketEvent]) -> None:
    """Note events the services just wrote; outside `atomic()` they get their reactions
    at once."""
    change = _current.get()
    if change is not None:
        change.pending.extend(events)
        return
    with atomic():
        recorded(events)


def once(key: Hashable) -> bool:
    """True the first time `key` is given in the current change, then False: what a rule
    does to a ticket it does once per change (key it with the rule and the ticket)."""
    change = _current.get()
    if change is None:
        return True
    if key in change.done:
        return False
    change.done.add(key)
    return True


@contextmanager
def acting_as(rule: dict[str, Any]) -> Iterator[None]:
    """Record the changes made inside as made by `rule`, a reference such as
    `{"kind": "trigger", "id": 3, "name": "Urgent to tier 2"}` (see TicketEvent.rule)."""
    change = _current.get()
    if change is None:
        raise RuntimeError("A rule acts inside changes.atomic() only.")
    change.rules.append(rule)
    try:
        yield
    finally:
        change.rules.pop()


def acting_rule() -> dict[str, Any] | None:
    """The rule making the current change, if a rule makes it."""
    change = _current.get()
    return change.rules[-1] if change is not None and change.rules else None


@cache
def reactions() -> list[Callable[[Round], None]]:
    return [import_string(path) for path in REACTIONS]


def _react(change: _Change) -> None:
    number = 0
    while change.pending:
        number += 1
        if number > MAX_ROUNDS:
            raise RuntimeError(f"A ticket change set off more than {MAX_ROUNDS} rounds.")
        events, change.pending = change.pending, []
        for reaction in reactions():
            reaction(Round(events=events, number=number))
