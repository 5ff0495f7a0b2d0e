"""What an import reads: User.com's ticket objects (document 004), from the files its public
API returned, checked.

`tickets_in` finds the ticket objects of a file; `parse_ticket` reads one into a
`UserComTicket`, or raises `MalformedTicket` saying what is wrong where (`person.email:
expected an email address…`). compat.usercom.importer imports what it reads.

Lenient where User.com's own data may be: a missing name is "(no subject)", a missing or
empty description "(no description)", a missing priority Normal. Of `segments` only the
names are read (compat.usercom.importer finds our exact status in them); `attachments`
(links into User.com) are not read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from compat.importing import ImportFailed, is_email
from tickets.models import Priority

from . import mappings

NO_SUBJECT = "(no subject)"
NO_DESCRIPTION = "(no description)"
# The longest id ImportedTicket keeps.
ID_MAX_LENGTH = 100

# User.com's priority names (its priorities are named, and their ids differ from ours) ->
# ours; "low" and "medium" have no lower priority here than Normal.
PRIORITY_NAMES = {
    "low": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "medium": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}


class MalformedTicket(ImportFailed):
    """A ticket object that is not what User.com's API returns."""


class MalformedFile(ValueError):
    """A file that holds no User.com tickets."""


@dataclass(frozen=True)
class AgentRef:
    """An agent as User.com writes one: `{id, name, avatar}` (and `email` in some exports)."""

    id: str
    name: str
    email: str
    avatar: str


@dataclass(frozen=True)
class Person:
    """A person (contact) with their email address."""

    email: str
    name: str


@dataclass(frozen=True)
class UserComTicket:
    id: str
    # mappings.ACTIVE, CLOSED or ARCHIVED (we have no drafts).
    status: str
    subject: str
    message: str
    created: datetime.datetime
    updated: datetime.datetime
    due: datetime.datetime | None
    priority: Priority
    assignee: AgentRef | None
    author: AgentRef | None
    person: Person | None
    # The company's name, "" when the ticket has none.
    company: str
    participants: tuple[Person, ...]
    # The names of the segments (views) that list the ticket.
    segments: tuple[str, ...] = ()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Object:
    """A JSON object of the ticket being read; `where` names it in error messages."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise MalformedTicket(f"{where or 'ticket'}: expected an object, got {_shown(value)}.")
        self.value: dict[str, Any] = value
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def text(self, key: str, *, default: str | None = None) -> str:
        value = self.value.get(key)
        if value is None:
            if default is not None:
                return default
            raise MalformedTicket(f"{self.path(key)}: missing.")
        if not isinstance(value, str):
            raise MalformedTicket(f"{self.path(key)}: expected text, got {_shown(value)}.")
        if "\x00" in value:
            # No database column holds it (PostgreSQL refuses it in text).
            raise MalformedTicket(f"{self.path(key)}: contains a NUL character.")
        return value

    def time(self, key: str, *, optional: bool = False) -> datetime.datetime | None:
        value = self.value.get(key)
        if value is None and optional:
            return None
        if value is None:
            raise MalformedTicket(f"{self.path(key)}: missing.")
        try:
            moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise MalformedTicket(
                f"{self.path(key)}: expected an ISO 8601 time with its time zone "
                f"(2020-11-18T08:06:56.871986Z), got {_shown(value)}."
            )
        return moment.astimezone(datetime.UTC)

    def child(self, key: str) -> _Object | None:
        """The object under `key`; None when it is absent, null or empty."""
        value = self.value.get(key)
        return None if value in (None, {}) else _Object(value, self.path(key))

    def items(self, key: str) -> list[Any]:
        value = self.value.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise MalformedTicket(f"{self.path(key)}: expected a list, got {_shown(value)}.")
        return value


def _identifier(found: _Object, key: str = "id") -> str:
    value = found.value.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise MalformedTicket(f"{found.path(key)}: expected an id, got {_shown(value)}.")
    text = str(value).strip()
    if len(text) > ID_MAX_LENGTH:
        raise MalformedTicket(f"{found.path(key)}: longer than {ID_MAX_LENGTH} characters.")
    return text


def _agent(found: _Object | None) -> AgentRef | None:
    if found is None:
        return None
    email = found.text("email", default="").strip()
    if email and not is_email(email):
        raise MalformedTicket(
            f"{found.path('email')}: expected an email address, got {_shown(email)}."
        )
    return AgentRef(
        id=_identifier(found),
        name=found.text("name", default="").strip(),
        email=email,
        avatar=found.text("avatar", default="").strip(),
    )


def _person(found: _Object) -> Person:
    email = found.text("email").strip()
    if not is_email(email):
        raise MalformedTicket(
            f"{found.path('email')}: expected an email address, got {_shown(email)}."
        )
    return Person(email=email, name=found.text("name", default="").strip())


def _status(ticket: _Object) -> str:
    status = ticket.text("status")
    if status == mappings.DRAFT:
        raise MalformedTicket("status: a draft, and we have no drafts.")
    if status not in mappings.WRITABLE_STATUSES:
        raise MalformedTicket(
            f"status: expected one of {', '.join(mappings.STATUSES)}, got {_shown(status)}."
        )
    return status


def _priority(ticket: _Object) -> Priority:
    found = ticket.child("priority")
    if found is None:
        return Priority.NORMAL
    name = found.text("name").strip().lower()
    if name not in PRIORITY_NAMES:
        raise MalformedTicket(
            f"priority.name: expected one of {', '.join(PRIORITY_NAMES)}, "
            f"got {_shown(found.value.get('name'))}."
        )
    return PRIORITY_NAMES[name]


def _participants(ticket: _Object) -> tuple[Person, ...]:
    found: dict[str, Person] = {}
    for index, item in enumerate(ticket.items("participants")):
        person = _person(_Object(item, f"participants[{index}]"))
        found.setdefault(person.email.lower(), person)
    return tuple(found.values())


def parse_ticket(value: object) -> UserComTicket:
    """Read one ticket object of User.com's API; MalformedTicket says what is wrong where."""
    ticket = _Object(value, "")
    person_object, company = ticket.child("person"), ticket.child("company")
    created = ticket.time("created_at")
    updated = ticket.time("updated_at")
    assert created is not None and updated is not None  # neither is optional
    if updated < created:
        raise MalformedTicket("updated_at: before created_at.")
    person = None if person_object is None else _person(person_object)
    requester = "" if person is None else person.email.lower()
    return UserComTicket(
        id=_identifier(ticket),
        status=_status(ticket),
        subject=ticket.text("name", default="").strip() or NO_SUBJECT,
        message=ticket.text("description", default="").strip() or NO_DESCRIPTION,
        created=created,
        updated=updated,
        due=ticket.time("due_date", optional=True),
        priority=_priority(ticket),
        assignee=_agent(ticket.child("assigned_to")),
        author=_agent(ticket.child("author")),
        person=person,
        company="" if company is None else company.text("name", default="").strip(),
        # Our CC list holds other contacts than the requester.
        participants=tuple(
            participant
            for participant in _participants(ticket)
            if participant.email.lower() != requester
        ),
        segments=_segment_names(ticket),
    )


def _segment_names(ticket: _Object) -> tuple[str, ...]:
    """The segments' names; segments of another shape are left out (they are computed,
    nothing is imported from them)."""
    return tuple(
        segment["name"]
        for segment in ticket.items("segments")
        if isinstance(segment, dict) and isinstance(segment.get("name"), str)
    )


# Files -------------------------------------------------------------------------------


def tickets_in(document: object) -> list[object]:
    """The ticket objects of a file's JSON: a list response ({"count", "next", "previous",
    "results": [...]}), one ticket object, or an array of tickets."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "results" in document:
        results = document["results"]
        if not isinstance(results, list):
            raise MalformedFile(f"results: expected a list of tickets, got {_shown(results)}.")
        return results
    if isinstance(document, dict) and "id" in document:
        return [document]
    raise MalformedFile(
        'expected User.com\'s list response ({"count", "next", "previous", "results": [...]}), '
        "one ticket object or a JSON array of tickets."
    )


def ticket_label(value: object) -> str | None:
    """How a failure names a ticket object: its User.com id, when it has one."""
    if isinstance(value, dict) and isinstance(value.get("id"), str | int):
        return str(value["id"])
    return None
