"""What an import reads: LiveChat's ticket objects, from the files its v2 API returned, checked.

`tickets_in` finds the ticket objects of a file; `parse_ticket` reads one into a
`LiveChatTicket`, or raises `MalformedTicket` saying what is wrong where (`events[2].date:
expected a Unix time in seconds…`). compat.livechat.importer imports what it reads.

Lenient where LiveChat's own data may be: events of types other than messages and
assignments are left out, a message without a source has the ticket's, a missing `opened`
means open since creation, a missing subject is "(no subject)", and of several groups the
first one other than 0 is kept (a ticket has one team).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from compat.importing import ImportFailed, is_email
from compat.importing import shown as _shown
from tickets.models import Source

from . import mappings

NO_SUBJECT = "(no subject)"
# Unix times an import accepts: from 1970 to the end of year 9999.
LATEST_TIME = 253402300799
# The longest `source.url` kept (compat.models.TicketSourceUrl).
URL_MAX_LENGTH = 2000
# The largest group id a team id can be.
LARGEST_ID = 2**31 - 1


class MalformedTicket(ImportFailed):
    """A ticket object that is not what LiveChat's API returns."""


class MalformedFile(ValueError):
    """A file that holds no LiveChat tickets."""


# What a ticket object says -----------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """An agent (`login`: email address or username) or a client (`login`: email address)."""

    login: str
    name: str


@dataclass(frozen=True)
class Message:
    where: str
    at: datetime.datetime
    author: Person
    by_agent: bool
    private: bool
    text: str
    source: Source


@dataclass(frozen=True)
class Assignment:
    where: str
    at: datetime.datetime
    to: Person | None
    by: Person | None


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime | None


@dataclass(frozen=True)
class LiveChatTicket:
    id: str
    subject: str
    status: str
    modified: datetime.datetime
    requester: Person | None
    assignee: Person | None
    group: int
    source: Source
    # The web page the ticket was sent from (`source.url`), "" when not given.
    source_url: str
    opened: tuple[Period, ...]
    tags: tuple[str, ...]
    opening: Message
    # After the opening message, in the file's order.
    events: tuple[Message | Assignment, ...]


class _Object:
    """A JSON object of the ticket being read; `where` names it in error messages."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise MalformedTicket(f"{where or 'ticket'}: expected an object, got {_shown(value)}.")
        self.value: dict[str, Any] = value
        self.where = where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _required(self, key: str) -> Any:
        if self.value.get(key) is None:
            raise MalformedTicket(f"{self.path(key)}: missing.")
        return self.value[key]

    def text(self, key: str, *, default: str | None = None) -> str:
        value = self.value.get(key)
        if value is None and default is not None:
            return default
        value = self._required(key)
        if not isinstance(value, str):
            raise MalformedTicket(f"{self.path(key)}: expected text, got {_shown(value)}.")
        if "\x00" in value:
            # No database column holds it (PostgreSQL refuses it in text).
            raise MalformedTicket(f"{self.path(key)}: contains a NUL character.")
        return value

    def time(self, key: str) -> datetime.datetime:
        value = self._required(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LATEST_TIME:
            raise MalformedTicket(
                f"{self.path(key)}: expected a Unix time in seconds (a whole number), "
                f"got {_shown(value)}."
            )
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)

    def flag(self, key: str) -> bool:
        value = self.value.get(key, False)
        if not isinstance(value, bool):
            raise MalformedTicket(f"{self.path(key)}: expected true or false, got {_shown(value)}.")
        return value

    def items(self, key: str, *, optional: bool = False) -> list[Any]:
        value = self.value.get(key)
        if value is None and optional:
            return []
        value = self._required(key)
        if not isinstance(value, list):
            raise MalformedTicket(f"{self.path(key)}: expected a list, got {_shown(value)}.")
        return value

    def child(self, key: str) -> _Object | None:
        """The object under `key`; None when it is absent, null or empty."""
        value = self.value.get(key)
        return None if value in (None, {}) else _Object(value, self.path(key))


def _person(found: _Object, *, email: bool, key: str = "id") -> Person:
    login = found.text(key).strip()
    if not login:
        raise MalformedTicket(f"{found.path(key)}: missing.")
    if email and not is_email(login):
        raise MalformedTicket(f"{found.path(key)}: expected an email address, got {_shown(login)}.")
    return Person(login=login, name=found.text("name", default="").strip())


def _source(found: _Object | None, where: str, default: Source | None = None) -> Source:
    if found is None:
        if default is None:
            raise MalformedTicket(f"{where}: missing.")
        return default
    kind = found.text("type")
    if kind not in mappings.IMPORT_SOURCES:
        raise MalformedTicket(
            f"{found.path('type')}: unknown source {_shown(kind)}; "
            f"expected one of {', '.join(mappings.IMPORT_SOURCES)}."
        )
    return mappings.IMPORT_SOURCES[kind]


def _source_url(found: _Object | None) -> str:
    url = "" if found is None else found.text("url", default="").strip()
    if len(url) > URL_MAX_LENGTH:
        raise MalformedTicket(f"source.url: longer than {URL_MAX_LENGTH} characters.")
    return url


def _message(event: _Object, ticket_source: Source) -> Message:
    author = event.child("author")
    if author is None:
        raise MalformedTicket(f"{event.path('author')}: missing.")
    kind = author.text("type")
    if kind not in ("client", "agent"):
        raise MalformedTicket(
            f"{author.path('type')}: expected client or agent, got {_shown(kind)}."
        )
    by_agent = kind == "agent"
    private = event.flag("is_private")
    if private and not by_agent:
        raise MalformedTicket(f"{event.path('is_private')}: only agents write private notes.")
    text = event.text("message")
    if not text.strip():
        raise MalformedTicket(f"{event.path('message')}: empty.")
    return Message(
        where=event.where,
        at=event.time("date"),
        author=_person(author, email=not by_agent),
        by_agent=by_agent,
        private=private,
        text=text,
        source=_source(event.child("source"), event.path("source"), ticket_source),
    )


def _assignment(event: _Object) -> Assignment:
    to, by = event.child("to"), event.child("author")
    return Assignment(
        where=event.where,
        at=event.time("date"),
        to=None if to is None else _person(to, email=False),
        by=None if by is None else _person(by, email=False),
    )


def _events(ticket: _Object, source: Source) -> list[Message | Assignment]:
    """The messages and assignments; events of other types are left out."""
    found: list[Message | Assignment] = []
    for index, item in enumerate(ticket.items("events")):
        event = _Object(item, f"events[{index}]")
        kind = event.text("type")
        if kind == "message":
            found.append(_message(event, source))
        elif kind == "assignee_changed":
            found.append(_assignment(event))
    return found


def _periods(ticket: _Object, created: datetime.datetime) -> tuple[Period, ...]:
    """The `opened` periods; without any, open since the ticket was created."""
    if ticket.value.get("opened") is None:
        return (Period(start=created, end=None),)
    periods: list[Period] = []
    items = ticket.items("opened")
    for index, item in enumerate(items):
        period = _Object(item, f"opened[{index}]")
        end = period.time("to") if period.value.get("to") is not None else None
        if end is None and index < len(items) - 1:
            raise MalformedTicket(f"{period.path('to')}: missing (only the last period is open).")
        periods.append(Period(start=period.time("from"), end=end))
        if end is not None and end < periods[-1].start:
            raise MalformedTicket(f"{period.path('to')}: before its start.")
        if index and periods[-2].end is not None and periods[-1].start < periods[-2].end:
            raise MalformedTicket(f"{period.path('from')}: before the previous period ends.")
    return tuple(periods)


def _group(ticket: _Object) -> int:
    """The first group other than 0 (a ticket has one team), else 0."""
    groups = ticket.items("groups", optional=True)
    for index, group in enumerate(groups):
        if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group <= LARGEST_ID:
            raise MalformedTicket(f"groups[{index}]: expected a group id, got {_shown(group)}.")
    return next((group for group in groups if group != mappings.NO_GROUP), mappings.NO_GROUP)


def _tags(ticket: _Object) -> tuple[str, ...]:
    tags = ticket.items("tags", optional=True)
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or "\x00" in tag:
            raise MalformedTicket(f"tags[{index}]: expected text, got {_shown(tag)}.")
    return tuple(tags)


def _ticket_id(ticket: _Object) -> str:
    value = ticket.value.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise MalformedTicket(f"id: expected the ticket's id, got {_shown(value)}.")
    text = str(value).strip()
    if len(text) > 100:
        raise MalformedTicket(f"id: longer than 100 characters: {_shown(text)}.")
    return text


def _status(ticket: _Object) -> str:
    status = ticket.text("status")
    if status not in mappings.STATUS_NAMES:
        raise MalformedTicket(
            f"status: expected one of {', '.join(mappings.STATUS_NAMES)}, got {_shown(status)}."
        )
    return status


def parse_ticket(value: object) -> LiveChatTicket:
    """Read one ticket object of LiveChat's API; MalformedTicket says what is wrong where."""
    ticket = _Object(value, "")
    ticket_id = _ticket_id(ticket)
    source = _source(ticket.child("source"), "source")
    events = _events(ticket, source)
    opening = next((event for event in events if isinstance(event, Message)), None)
    if opening is None:
        raise MalformedTicket("events: no message, so no opening message.")
    if opening.private:
        raise MalformedTicket(f"{opening.where}: the opening message is private.")
    requester, assignee = ticket.child("requester"), ticket.child("assignee")
    if requester is not None and requester.value.get("mail") in (None, ""):
        requester = None  # how a ticket without a requester may be written
    requested_by = None if requester is None else _person(requester, email=True, key="mail")
    if requested_by is None and not opening.by_agent:
        requested_by = opening.author
    parsed = LiveChatTicket(
        id=ticket_id,
        subject=ticket.text("subject", default="").strip() or NO_SUBJECT,
        status=_status(ticket),
        modified=ticket.time("modified"),
        requester=requested_by,
        assignee=None if assignee is None else _person(assignee, email=False),
        group=_group(ticket),
        source=source,
        source_url=_source_url(ticket.child("source")),
        opened=_periods(ticket, opening.at),
        tags=_tags(ticket),
        opening=opening,
        events=tuple(event for event in events if event is not opening),
    )
    _check_times(parsed)
    return parsed


def _check_times(ticket: LiveChatTicket) -> None:
    """Nothing before the opening message, nothing after `modified`."""
    created, modified = ticket.opening.at, ticket.modified
    for event in (ticket.opening, *ticket.events):
        if event.at < created:
            raise MalformedTicket(f"{event.where}.date: before the opening message.")
        if event.at > modified:
            raise MalformedTicket(f"{event.where}.date: after the ticket's modified time.")
    for index, period in enumerate(ticket.opened):
        if period.start < created:
            raise MalformedTicket(f"opened[{index}].from: before the opening message.")
        if max(period.start, period.end or period.start) > modified:
            raise MalformedTicket(f"opened[{index}]: after the ticket's modified time.")


# Files -------------------------------------------------------------------------------


def tickets_in(document: object) -> list[object]:
    """The ticket objects of a file's JSON: a list response ({"pages", "total",
    "tickets": [...]}), one ticket object, or an array of tickets."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "tickets" in document:
        tickets = document["tickets"]
        if not isinstance(tickets, list):
            raise MalformedFile(f"tickets: expected a list of tickets, got {_shown(tickets)}.")
        return tickets
    if isinstance(document, dict) and "id" in document:
        return [document]
    raise MalformedFile(
        'expected LiveChat\'s list response ({"pages", "total", "tickets": [...]}), '
        "one ticket object or a JSON array of tickets."
    )


def ticket_label(value: object) -> str | None:
    """How a failure names a ticket object: its LiveChat id, when it has one."""
    if isinstance(value, dict) and isinstance(value.get("id"), str | int):
        return str(value["id"])
    return None
