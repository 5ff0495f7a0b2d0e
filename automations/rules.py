"""What a rule's conditions and actions are: their JSON shape, its checks, and their
meaning, once as a database condition (a Q, for automations and previews) and once as a
test of one ticket's change (for triggers), so that both read a condition alike.

A condition is `{"field": F, "op": O, "value": V}`; all of a rule's conditions must hold.

- state of the ticket (`is`, `is_not`): `status` (a status id), `status_category` (open,
  pending, solved), `priority` (normal, high, urgent), `department`, `client` (ids),
  `team`, `assignee` (ids, or null for none), `source` (web, email, api, portal),
  `requester_domain` (the part after @ of the requester's address);
- `tags` (`contains`, `not_contains`, a tag name, in any case);
- `subject`, `message` (`contains`, `not_contains`, text in any case; message is the
  opening message);
- `business_hours` (`is`: now is within the opening hours of the business calendar whose
  id is the value, `is_not`: outside them; sla.hours);
- triggers only: `channel` (`is`, `is_not`: web, api, admin, email, system, portal),
  `reply_text` (`contains`, `not_contains`: a reply or note written in the change),
  and for `status`, `priority`, `assignee`, `team`, `department` the change itself:
  `changed` (no value), `changed_to`, `changed_from` (a value as above).

An action is `{"action": A, "value": V}`: `set_status` (a status id), `set_priority`
(normal, high, urgent), `set_department` (id), `set_team`, `set_assignee` (ids or null),
`assign_round_robin` (a team id: its active agents in turn), `add_tags`, `remove_tags`
(lists of names), `email_requester` ({"subject", "body"}), `email_agents` ({"to":
"assignee" or "team", "subject", "body"}), `call_webhook` ({"endpoint": an endpoint's id,
"event": one of webhooks.models.SUBSCRIBABLE_EVENTS}). Subjects and bodies take the placeholders of
`automations.emails.PLACEHOLDERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import timezone

from sla import hours
from sla.models import BusinessCalendar
from tickets.agents import agents
from tickets.models import (
    Category,
    Channel,
    Client,
    Priority,
    Source,
    TaggedTicket,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.services.common import normalize_tags
from tickets.statuses import StatusCategory
from webhooks.models import SUBSCRIBABLE_EVENTS, WebhookEndpoint

from . import emails

STATE_OPS = ("is", "is_not")
TEXT_OPS = ("contains", "not_contains")
CHANGE_OPS = ("changed", "changed_to", "changed_from")

# The fields whose value is a related object's id, with the model that must hold it.
RELATED: dict[str, type[Model]] = {
    "status": TicketStatus,
    "department": Category,
    "client": Client,
    "team": Team,
}
NULLABLE = frozenset({"team", "assignee"})
CHOICES: dict[str, Sequence[str]] = {
    "status_category": StatusCategory.values,
    "priority": [priority.code for priority in Priority],
    "source": Source.values,
    "channel": [channel for channel in Channel.values if channel != Channel.IMPORT],
}
# The history events that change each field a change condition can name.
CHANGE_KINDS: dict[TicketEvent.Kind, str] = {
    TicketEvent.Kind.STATUS_CHANGED: "status",
    TicketEvent.Kind.PRIORITY_CHANGED: "priority",
    TicketEvent.Kind.ASSIGNED: "assignee",
    TicketEvent.Kind.TEAM_CHANGED: "team",
    TicketEvent.Kind.DEPARTMENT_CHANGED: "department",
}
STATE_FIELDS = (
    "status",
    "status_category",
    "priority",
    "department",
    "client",
    "team",
    "assignee",
    "source",
    "requester_domain",
)
TEXT_FIELDS = ("subject", "message")
# Not the ticket's state but the moment's: checked when the rule is.
MOMENT_FIELDS = ("business_hours",)
TRIGGER_ONLY = ("channel", "reply_text")

ACTIONS = (
    "set_status",
    "set_priority",
    "set_department",
    "set_team",
    "set_assignee",
    "assign_round_robin",
    "add_tags",
    "remove_tags",
    "email_requester",
    "email_agents",
    "call_webhook",
)


def _ops(name: str, *, for_triggers: bool) -> tuple[str, ...]:
    if name in STATE_FIELDS:
        changes = CHANGE_OPS if for_triggers and name in CHANGE_KINDS.values() else ()
        return STATE_OPS + changes
    if name == "tags" or name in TEXT_FIELDS:
        return TEXT_OPS
    if name in MOMENT_FIELDS:
        return STATE_OPS
    if for_triggers and name == "channel":
        return STATE_OPS
    if for_triggers and name == "reply_text":
        return TEXT_OPS
    return ()


def _field_names(*, for_triggers: bool) -> list[str]:
    names = [*STATE_FIELDS, "tags", *TEXT_FIELDS, *MOMENT_FIELDS]
    return [*names, *TRIGGER_ONLY] if for_triggers else names


# Checking -----------------------------------------------------------------------------


def check_conditions(conditions: Any, *, for_triggers: bool) -> None:
    """Refuse conditions of the wrong shape, naming each faulty one by its number."""
    if not isinstance(conditions, list):
        raise ValidationError("The conditions are a list: [] or [{...}, {...}].")
    problems = []
    for number, condition in enumerate(conditions, start=1):
        try:
            _check_condition(condition, for_triggers=for_triggers)
        except ValidationError as error:
            problems += [f"Condition {number}: {message}" for message in error.messages]
    if problems:
        raise ValidationError(problems)


def _check_condition(condition: Any, *, for_triggers: bool) -> None:
    if not isinstance(condition, dict) or set(condition) - {"field", "op", "value"}:
        raise ValidationError('write it as {"field": ..., "op": ..., "value": ...}.')
    name, op = condition.get("field"), condition.get("op")
    names = _field_names(for_triggers=for_triggers)
    if name not in names:
        raise ValidationError(f"the field is one of {', '.join(names)}.")
    ops = _ops(name, for_triggers=for_triggers)
    if op not in ops:
        raise ValidationError(f"the operator of {name} is one of {', '.join(ops)}.")
    if op == "changed":
        if condition.get("value") is not None:
            raise ValidationError("changed takes no value.")
        return
    _check_value(name, condition.get("value", ...))


def _check_value(name: str, value: Any) -> None:
    if value is ... or (value is None and name not in NULLABLE):
        raise ValidationError(f"{name} needs a value.")
    if value is None:
        return
    if name in RELATED or name in ("assignee", "business_hours"):
        _check_id(name, value)
    elif name in CHOICES:
        if value not in CHOICES[name]:
            raise ValidationError(f"the value of {name} is one of {', '.join(CHOICES[name])}.")
    elif not isinstance(value, str) or not value.strip():
        raise ValidationError(f"the value of {name} is a non-empty text.")


def _check_id(name: str, value: Any) -> None:
    """An id that names an existing object of the kind `name` refers to."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"the value of {name} is an id (a number).")
    if name == "assignee":
        found, noun = agents().filter(pk=value).exists(), "active agent"
    elif name == "business_hours":
        found, noun = BusinessCalendar.objects.filter(pk=value).exists(), "business calendar"
    else:
        found, noun = RELATED[name]._default_manager.filter(pk=value).exists(), name
    if not found:
        raise ValidationError(f"no {noun} has id {value}.")


def check_actions(actions: Any) -> None:
    """Refuse actions of the wrong shape, naming each faulty one by its number."""
    if not isinstance(actions, list) or not actions:
        raise ValidationError("The actions are a list of at least one: [{...}, ...].")
    problems = []
    for number, action in enumerate(actions, start=1):
        try:
            _check_action(action)
        except ValidationError as error:
            problems += [f"Action {number}: {message}" for message in error.messages]
    if problems:
        raise ValidationError(problems)


def _check_action(action: Any) -> None:
    if not isinstance(action, dict) or set(action) - {"action", "value"}:
        raise ValidationError('write it as {"action": ..., "value": ...}.')
    name = action.get("action")
    value: Any = action.get("value")
    if name not in ACTIONS:
        raise ValidationError(f"the action is one of {', '.join(ACTIONS)}.")
    if name in ("add_tags", "remove_tags"):
        if not isinstance(value, list) or not normalize_tags(value):
            raise ValidationError('the value is a list of tag names: ["vip"].')
    elif name in ("email_requester", "email_agents"):
        _check_email(name, value)
    elif name == "call_webhook":
        _check_webhook(value)
    elif name == "assign_round_robin":
        if value is None:
            raise ValidationError("round-robin needs a team's id.")
        _check_value("team", value)
    else:
        _check_value(name.removeprefix("set_"), value)
        if name == "set_department" and not _is_department(value):
            raise ValidationError("the department must be a category of type ticket.")


def _is_department(pk: int) -> bool:
    return Category.objects.filter(pk=pk, type=Category.Type.TICKET).exists()


def _check_webhook(value: Any) -> None:
    events = [event.value for event in SUBSCRIBABLE_EVENTS]
    if not isinstance(value, dict) or set(value) != {"endpoint", "event"}:
        raise ValidationError('the value is {"endpoint": an endpoint\'s id, "event": ...}.')
    if value["event"] not in events:
        raise ValidationError(f"the event is one of {', '.join(events)}.")
    endpoint = value["endpoint"]
    if not isinstance(endpoint, int) or isinstance(endpoint, bool):
        raise ValidationError("the endpoint is an id (a number).")
    if not WebhookEndpoint.objects.filter(pk=endpoint).exists():
        raise ValidationError(f"no webhook endpoint has id {endpoint}.")


def _check_email(name: str, value: Any) -> None:
    keys = {"subject", "body"} | ({"to"} if name == "email_agents" else set())
    if not isinstance(value, dict) or set(value) != keys:
        raise ValidationError(f"the value has exactly {', '.join(sorted(keys))}.")
    if name == "email_agents" and value["to"] not in ("assignee", "team"):
        raise ValidationError('"to" is "assignee" or "team".')
    for key in ("subject", "body"):
        if not isinstance(value[key], str) or not value[key].strip():
            raise ValidationError(f"the {key} is a non-empty text.")
        emails.check_template(value[key])


# The conditions as a database condition --------------------------------------------------


def state_q(conditions: Sequence[Mapping[str, Any]]) -> Q:
    """The tickets whose state meets `conditions` now; the conditions on the change itself
    (channel, reply text, changed ...) are left out."""
    combined = Q()
    for condition in conditions:
        q = _condition_q(condition)
        if q is not None:
            combined &= q
    return combined


def _condition_q(condition: Mapping[str, Any]) -> Q | None:
    name, op = condition["field"], condition["op"]
    value: Any = condition.get("value")
    if name in TRIGGER_ONLY or op in CHANGE_OPS:
        return None
    if name in MOMENT_FIELDS:
        is_open = open_now(value)
        q = Q() if is_open else Q(pk__in=[])
        return q if op == "is" else (Q(pk__in=[]) if is_open else Q())
    if name == "tags":
        tagged = TaggedTicket.objects.filter(tag__name__iexact=value).values("content_object_id")
        q = Q(pk__in=tagged)
    elif name in TEXT_FIELDS:
        q = Q(**{f"{name}__icontains": value})
    elif name == "status_category":
        q = Q(status__category=value)
    elif name == "priority":
        q = Q(priority=Priority.from_code(value))
    elif name == "requester_domain":
        q = Q(requester__email__iendswith=f"@{value.strip().lower()}")
    elif value is None:
        q = Q(**{f"{name}__isnull": True})
    else:
        q = Q(**{f"{name}_id" if name in RELATED or name == "assignee" else name: value})
    return ~q if op in ("is_not", "not_contains") else q


# The conditions as a test of one ticket's change ----------------------------------------


@dataclass
class Situation:
    """What a trigger sees of one ticket in one round of a change.

    What the ticket's row does not hold (its tags, the replies' texts, the requester's
    address) is read only when a condition asks for it, then for every ticket of the round
    at once (`lookups`, shared by the round's situations)."""

    ticket: Ticket
    channel: str
    created: bool
    lookups: RoundLookups
    # field -> (old, new): ids for related objects, codes for the priority.
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def tags(self) -> list[str]:
        return self.lookups.values("tags", self.ticket.pk)

    @property
    def reply_texts(self) -> list[str]:
        return self.lookups.values("reply_text", self.ticket.pk)

    @property
    def requester_domain(self) -> str | None:
        emails = self.lookups.values("requester_domain", self.ticket.pk)
        email = emails[0] if emails else ""
        return email.rpartition("@")[2].lower() if "@" in email else None


@dataclass
class RoundLookups:
    """What a round's situations read lazily: `load()` reads every kind the triggers'
    conditions name, for all the round's tickets, in one query, as {kind: {ticket id:
    [values]}}; the calendars are read one by one, when asked."""

    load: Callable[[], dict[str, dict[int, list[str]]]]
    _loaded: dict[str, dict[int, list[str]]] | None = None
    _open: dict[int, bool] = field(default_factory=dict)

    def values(self, kind: str, ticket_id: int) -> list[str]:
        if self._loaded is None:
            self._loaded = self.load()
        return self._loaded.get(kind, {}).get(ticket_id, [])

    def open_now(self, calendar_id: int) -> bool:
        if calendar_id not in self._open:
            self._open[calendar_id] = open_now(calendar_id)
        return self._open[calendar_id]


def open_now(calendar_id: int) -> bool:
    """Whether the business calendar is open now; a calendar deleted since is closed."""
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    return calendar is not None and hours.is_open(calendar, timezone.now())


def _current(name: str, ticket: Ticket) -> Any:
    match name:
        case "status_category":
            return ticket.status.category
        case "priority":
            return Priority(ticket.priority).code
        case "source":
            return ticket.source
    return getattr(ticket, f"{name}_id")


def _contains(haystacks: Sequence[str], needle: str) -> bool:
    needle = needle.lower()
    return any(needle in text.lower() for text in haystacks)


def _holds(condition: Mapping[str, Any], situation: Situation) -> bool:
    name, op = condition["field"], condition["op"]
    value: Any = condition.get("value")
    if op in CHANGE_OPS:
        change = situation.changes.get(name)
        if change is None:
            return False
        old, new = change
        return op == "changed" or (new if op == "changed_to" else old) == value
    if name == "tags":
        found = value.lower() in {tag.lower() for tag in situation.tags}
    elif name in TEXT_FIELDS:
        found = _contains([getattr(situation.ticket, name)], value)
    elif name == "reply_text":
        found = _contains(situation.reply_texts, value)
    elif name == "channel":
        found = situation.channel == value
    elif name in MOMENT_FIELDS:
        found = situation.lookups.open_now(value)
    elif name == "requester_domain":
        found = situation.requester_domain == value.strip().lower()
    else:
        found = _current(name, situation.ticket) == value
    return not found if op in ("is_not", "not_contains") else found


# The conditions that read something the ticket's row does not hold (one query each for
# the whole round): checked after the others, so that a trigger those others already rule
# out reads nothing.
LOOKUP_FIELDS = frozenset({"tags", "reply_text", "requester_domain", "business_hours"})


def matches(conditions: Sequence[Mapping[str, Any]], situation: Situation) -> bool:
    ordered = sorted(conditions, key=lambda condition: condition["field"] in LOOKUP_FIELDS)
    return all(_holds(condition, situation) for condition in ordered)


def needs(conditions: Sequence[Mapping[str, Any]], name: str) -> bool:
    """Whether any condition reads `name` (so that a round loads it only when asked)."""
    return any(condition.get("field") == name for condition in conditions)


def reference_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


CHANGE_READERS: dict[str, Callable[[Any], Any]] = {
    "status": reference_id,
    "assignee": reference_id,
    "team": reference_id,
    "department": reference_id,
    "priority": lambda code: code,
}
