"""What `import_tickets supportbee` reads: SupportBee's ticket objects (document 001) and
the replies and comments of a ticket, from the files its API returned, checked.

`tickets_in` finds the ticket objects of a file; `conversation_in` tells a file of replies
or comments (`{"replies": [...]}`, `{"comments": [...]}`) and the ticket it belongs to;
`parse_ticket` reads a ticket object, with its replies and comments, into a
`SupportBeeTicket`, or raises `MalformedTicket` saying what is wrong where
(`replies[2].created_at: expected an ISO 8601 time…`).

SupportBee's reply and comment objects do not name their ticket, so a file of them is
the ticket's when (in this order) it says `"ticket_id"` next to its list, its name is
`<ticket id>.replies.json` / `<ticket id>.comments.json`, or it is `replies.json` /
`comments.json` in a folder named after the ticket id (as the API's path
`/tickets/<id>/replies.json`).

Read but not imported: `starred` (a star is one agent's, and the file is one agent's
view), the attachments (their URLs need SupportBee's authentication) and the figures our
export derives (`replies_count`, `comments_count`, `unanswered`, `summary`, `html`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from compat.importing import ImportFailed, is_email, shown

NO_SUBJECT = "(no subject)"
REPLIES, COMMENTS = "replies", "comments"
_CONVERSATION_FILE = re.compile(r"^(?P<id>.+)\.(?P<kind>replies|comments)\.json$")


class MalformedTicket(ImportFailed):
    """A ticket object, reply or comment that is not what SupportBee's API returns."""


class MalformedFile(ValueError):
    """A file that holds no SupportBee tickets, replies or comments."""


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class Message:
    """A reply (public) or a comment (`private`: an internal note, always an agent's)."""

    where: str
    at: datetime.datetime
    author: Person
    by_agent: bool
    private: bool
    text: str


@dataclass(frozen=True)
class SupportBeeTicket:
    id: str
    subject: str
    created: datetime.datetime
    last_activity: datetime.datetime
    # None when the object has no requester (the ticket goes to "Unknown senders").
    requester: Person | None
    body: str
    cc: tuple[Person, ...]
    labels: tuple[str, ...]
    assignee: Person | None
    # The team's name when the ticket is assigned to a group (and to no agent).
    group: str | None
    archived: bool
    spam: bool
    # Replies and comments in time order (the file's order within a second).
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class Conversation:
    """A file of replies or comments: whose, which, and its objects."""

    ticket_id: str
    kind: str
    items: list[object]


class _Object:
    """A JSON object being read; `where` names it in error messages."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise MalformedTicket(f"{where or 'ticket'}: expected an object, got {shown(value)}.")
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
            raise MalformedTicket(f"{self.path(key)}: expected text, got {shown(value)}.")
        if "\x00" in value:
            # No database column holds it (PostgreSQL refuses it in text).
            raise MalformedTicket(f"{self.path(key)}: contains a NUL character.")
        return value

    def time(self, key: str) -> datetime.datetime:
        value = self.text(key)
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise MalformedTicket(
                f"{self.path(key)}: expected an ISO 8601 time with its zone "
                f"(2012-01-18T15:17:33Z), got {shown(value)}."
            )
        return moment.astimezone(datetime.UTC)

    def flag(self, key: str) -> bool:
        value = self.value.get(key, False)
        if not isinstance(value, bool):
            raise MalformedTicket(f"{self.path(key)}: expected true or false, got {shown(value)}.")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.value.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise MalformedTicket(f"{self.path(key)}: expected a list, got {shown(value)}.")
        return value

    def child(self, key: str) -> _Object | None:
        """The object under `key`; None when it is absent, null or empty."""
        value = self.value.get(key)
        return None if value in (None, {}) else _Object(value, self.path(key))


def _person(found: _Object) -> Person:
    email = found.text("email").strip()
    if not email:
        raise MalformedTicket(f"{found.path('email')}: missing.")
    if not is_email(email):
        raise MalformedTicket(
            f"{found.path('email')}: expected an email address, got {shown(email)}."
        )
    return Person(email=email, name=found.text("name", default="").strip())


def _body(found: _Object | None, where: str) -> str:
    if found is None:
        raise MalformedTicket(f"{where}: missing.")
    body = found.text("body")
    if not body.strip():
        raise MalformedTicket(f"{found.path('body')}: empty.")
    return body


def ticket_id(value: object) -> str:
    """The id of a ticket object, as text; MalformedTicket when it has none."""
    found = value.get("id") if isinstance(value, dict) else None
    if isinstance(found, bool) or not isinstance(found, str | int) or not str(found).strip():
        raise MalformedTicket(f"id: expected the ticket's id, got {shown(found)}.")
    text = str(found).strip()
    if len(text) > 100:
        raise MalformedTicket(f"id: longer than 100 characters: {shown(text)}.")
    return text


def _messages(kind: str, items: list[object]) -> list[Message]:
    author_key = "replier" if kind == REPLIES else "commenter"
    found = []
    for index, item in enumerate(items):
        message = _Object(item, f"{kind}[{index}]")
        author = message.child(author_key)
        if author is None:
            raise MalformedTicket(f"{message.path(author_key)}: missing.")
        by_agent = author.flag("agent")
        if kind == COMMENTS and not by_agent:
            raise MalformedTicket(f"{author.path('agent')}: only agents write comments.")
        found.append(
            Message(
                where=message.where,
                at=message.time("created_at"),
                author=_person(author),
                by_agent=by_agent,
                private=kind == COMMENTS,
                text=_body(message.child("content"), message.path("content")),
            )
        )
    return found


def _labels(ticket: _Object) -> tuple[str, ...]:
    labels = []
    for index, item in enumerate(ticket.items("labels")):
        labels.append(_Object(item, f"labels[{index}]").text("name"))
    return tuple(labels)


def _assigned(ticket: _Object) -> tuple[Person | None, str | None]:
    """(the agent, the team's name) of `current_assignee`."""
    current = ticket.child("current_assignee")
    if current is None:
        return None, None
    user, group = current.child("user"), current.child("group")
    if user is not None:
        return _person(user), None
    if group is not None:
        name = group.text("name").strip()
        if not name:
            raise MalformedTicket(f"{group.path('name')}: empty.")
        return None, name
    raise MalformedTicket(f"{current.where}: expected a user or a group.")


def parse_ticket(value: object, conversation: dict[str, list[object]]) -> SupportBeeTicket:
    """Read one ticket object of SupportBee's API, with the replies and comments
    (`conversation`: "replies"/"comments" -> their objects) given for it."""
    ticket = _Object(value, "")
    identifier = ticket_id(value)
    requester = ticket.child("requester")
    assignee, group = _assigned(ticket)
    messages = [
        *_messages(REPLIES, conversation.get(REPLIES, [])),
        *_messages(COMMENTS, conversation.get(COMMENTS, [])),
    ]
    parsed = SupportBeeTicket(
        id=identifier,
        subject=ticket.text("subject", default="").strip() or NO_SUBJECT,
        created=ticket.time("created_at"),
        last_activity=ticket.time("last_activity_at"),
        requester=None if requester is None else _person(requester),
        body=_body(ticket.child("content"), "content"),
        cc=tuple(
            _person(_Object(item, f"cc[{index}]")) for index, item in enumerate(ticket.items("cc"))
        ),
        labels=_labels(ticket),
        assignee=assignee,
        group=group,
        archived=ticket.flag("archived"),
        spam=ticket.flag("spam"),
        messages=tuple(sorted(messages, key=lambda message: message.at)),
    )
    _check_times(parsed)
    return parsed


def _check_times(ticket: SupportBeeTicket) -> None:
    """Nothing before the ticket's creation, nothing after its last activity."""
    if ticket.last_activity < ticket.created:
        raise MalformedTicket("last_activity_at: before created_at.")
    for message in ticket.messages:
        if message.at < ticket.created:
            raise MalformedTicket(f"{message.where}.created_at: before the ticket's created_at.")
        if message.at > ticket.last_activity:
            raise MalformedTicket(
                f"{message.where}.created_at: after the ticket's last_activity_at."
            )


# Files -------------------------------------------------------------------------------


def tickets_in(document: object) -> list[object]:
    """The ticket objects of a file's JSON: a list response ({"total", …, "tickets":
    [...]}), one ticket ({"ticket": {...}}, or the bare object), or an array of tickets."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "tickets" in document:
        tickets = document["tickets"]
        if not isinstance(tickets, list):
            raise MalformedFile(f"tickets: expected a list of tickets, got {shown(tickets)}.")
        return tickets
    if isinstance(document, dict) and "ticket" in document:
        return [document["ticket"]]
    if isinstance(document, dict) and "id" in document:
        return [document]
    raise MalformedFile(
        'expected SupportBee\'s list response ({"total", …, "tickets": [...]}), '
        '{"ticket": {...}}, {"replies": [...]}, {"comments": [...]} or a JSON array of tickets.'
    )


def conversation_in(path: str, document: object) -> Conversation | None:
    """The replies or comments a file holds and whose they are; None for another file."""
    if not isinstance(document, dict) or "tickets" in document or "ticket" in document:
        return None
    kinds = [kind for kind in (REPLIES, COMMENTS) if kind in document]
    if not kinds:
        return None
    if len(kinds) > 1:
        raise MalformedFile("expected replies or comments, not both.")
    items = document[kinds[0]]
    if not isinstance(items, list):
        raise MalformedFile(f"{kinds[0]}: expected a list, got {shown(items)}.")
    return Conversation(ticket_id=_owner(path, document), kind=kinds[0], items=items)


def _owner(path: str, document: dict[str, Any]) -> str:
    """The ticket a file of replies or comments belongs to (see the module's note)."""
    if "ticket_id" in document:
        try:
            return ticket_id({"id": document["ticket_id"]})
        except MalformedTicket as error:
            raise MalformedFile(f"ticket_{error}") from None
    file = PurePath(path)
    named = _CONVERSATION_FILE.match(file.name)
    if named:
        return named["id"]
    if file.name in (f"{REPLIES}.json", f"{COMMENTS}.json") and file.parent.name:
        return file.parent.name
    raise MalformedFile(
        'cannot tell whose replies or comments these are: give "ticket_id", or name the file '
        "<ticket id>.replies.json (.comments.json), or <ticket id>/replies.json."
    )


def ticket_label(value: object) -> str | None:
    """How a failure names a ticket object: its SupportBee id, when it has one."""
    if isinstance(value, dict) and isinstance(value.get("id"), str | int):
        return str(value["id"])
    return None
