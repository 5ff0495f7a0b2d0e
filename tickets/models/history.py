"""A ticket's history: its events, and the payload each kind of event keeps.

TicketEvent is append-only. Each event keeps what the change was in `old_value` and
`new_value` (JSON). The shapes of those values are written by the functions below (the
services and the demo data call them) and read back for people by `describe_change`, so
that each kind's payload is defined once:

- a related object (status, assignee, team, department, client, project, requester):
  `{"id": ..., "name": ...}` (`reference`);
- a new ticket: `{"subject": ..., "status": reference, "attachments": [names]}`
  (`created_value`);
- a reply or note added: `{"reply_id": ..., "attachments": [names]}` (`reply_value`);
  deleted: the same with its `kind` and `text` (`deleted_reply_value`);
- a rating: `{"value": "good" | "bad", "comment": ...}` (`rating_value`);
- a bounce: `{"addresses": [...], "message_id": ...}` (`bounce_value`);
- an SLA target breached: `{"target": ..., "due_at": ISO text}` (`sla_breach_value`);
- CC contacts: their ids, sorted; tags: their names, sorted; a due date: ISO text; a sticky
  note: its text; a subject, message, priority or custom field: the plain value.
  "attachments" is present only when the change carried files.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from tickets.agents import agent_name

from .organisation import Contact
from .tickets import Channel, Ticket

# How a kind of rule is named in the history where its name is not its code capitalized.
RULE_KIND_NAMES = {"sla_policy": "SLA policy"}

# The key under which a change's value names its files.
FILES = "attachments"


class TicketEvent(models.Model):
    """One entry in a ticket's append-only history."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        ASSIGNED = "assigned", "Assigned"
        TEAM_CHANGED = "team_changed", "Team changed"
        DEPARTMENT_CHANGED = "department_changed", "Department changed"
        CLIENT_CHANGED = "client_changed", "Client changed"
        PROJECT_CHANGED = "project_changed", "Project changed"
        REQUESTER_CHANGED = "requester_changed", "Requester changed"
        CC_CHANGED = "cc_changed", "CC changed"
        SUBJECT_CHANGED = "subject_changed", "Subject changed"
        MESSAGE_CHANGED = "message_changed", "Message changed"
        DUE_DATE_CHANGED = "due_date_changed", "Due date changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored"
        SPAM_MARKED = "spam_marked", "Marked as spam"
        SPAM_UNMARKED = "spam_unmarked", "Unmarked as spam"
        REPLY_ADDED = "reply_added", "Reply added"
        NOTE_ADDED = "note_added", "Note added"
        REPLY_DELETED = "reply_deleted", "Reply deleted"
        CUSTOM_FIELD_CHANGED = "custom_field_changed", "Custom field changed"
        RATED = "rated", "Rated"
        STICKY_NOTE_ADDED = "sticky_note_added", "Sticky note added"
        STICKY_NOTE_CHANGED = "sticky_note_changed", "Sticky note changed"
        STICKY_NOTE_REMOVED = "sticky_note_removed", "Sticky note removed"
        EMAIL_BOUNCED = "email_bounced", "Email bounced"
        SLA_BREACHED = "sla_breached", "SLA target breached"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.JSONField(
        null=True,
        blank=True,
        help_text="The trigger, automation or SLA policy that made the change, as "
        '{"kind": ..., "id": ..., "name": ...} (tickets.changes.acting_as).',
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    field = models.CharField(max_length=50, blank=True, help_text="For custom field changes.")
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx"),
            models.Index(fields=["actor", "-created_at"], name="event_actor_created_idx"),
            models.Index(fields=["kind", "-created_at"], name="event_kind_created_idx"),
            models.Index(fields=["-created_at"], name="event_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    def change(self) -> Change:
        """What the event changed, as people read it."""
        return describe_change(self)

    @property
    def actor_name(self) -> str:
        """Who made the change: a rule, an agent, a client's contact, the system, or nobody
        known."""
        if self.rule:
            kind = str(self.rule.get("kind", "rule"))
            named = RULE_KIND_NAMES.get(kind) or kind.replace("_", " ").capitalize()
            return f"{named} “{self.rule.get('name', '')}”"
        if self.actor is not None:
            return agent_name(self.actor)
        if self.actor_contact is not None:
            return f"{self.actor_contact.name} (client)"
        if self.channel == Channel.SYSTEM:
            return "the system"
        return "an unknown or removed user"


# Writing ------------------------------------------------------------------------


def display_name(obj: Any) -> str:
    """How a related object is named to people: an agent by name, a status by its title,
    anything else by its name."""
    if hasattr(obj, "get_username"):
        return agent_name(obj)
    return str(getattr(obj, "title", None) or getattr(obj, "name", None) or obj)


def reference(obj: Any) -> dict[str, Any] | None:
    """A related object as the history keeps it: its id and its name (None for none)."""
    if obj is None:
        return None
    return reference_to(obj.pk, display_name(obj))


def reference_to(pk: int, name: str) -> dict[str, Any]:
    return {"id": pk, "name": name}


def with_files(value: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """`value`, naming the files of the change when it has any."""
    return {**value, FILES: list(names)} if names else value


def created_value(*, subject: str, status: Any, files: Sequence[str] = ()) -> dict[str, Any]:
    """A new ticket: its subject, its first status (an object or a reference), its files."""
    status = status if isinstance(status, dict) else reference(status)
    return with_files({"subject": subject, "status": status}, files)


def reply_value(*, reply_id: int, files: Sequence[str] = ()) -> dict[str, Any]:
    return with_files({"reply_id": reply_id}, files)


def deleted_reply_value(
    *, reply_id: int, kind: str, text: str, files: Sequence[str] = ()
) -> dict[str, Any]:
    return with_files({"reply_id": reply_id, "kind": kind, "text": text}, files)


def rating_value(*, value: str, comment: str) -> dict[str, Any]:
    return {"value": str(value), "comment": comment}


def bounce_value(*, addresses: Sequence[str], message_id: str) -> dict[str, Any]:
    """Mail that could not be delivered: to whom, and which of our messages it was."""
    return {"addresses": list(addresses), "message_id": message_id}


def sla_breach_value(*, target: str, due_at: datetime.datetime) -> dict[str, Any]:
    """An SLA target that was not met in time: which one, and when it was due."""
    return {"target": target, "due_at": due_at.isoformat()}


# Reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What an event changed, ready to show: `old` → `new`, either may be absent."""

    old: str | None = None
    new: str | None = None
    link: str = ""  # the reply an event is about, on the ticket page
    link_text: str = ""


def readable(value: Any) -> str:
    """A value kept in the history, as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return ", ".join(
            f"{key.replace('_', ' ')}: {readable(item)}" for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value)
    return str(value)


def _date(value: Any) -> str:
    """A due date kept as ISO text, in the site's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return readable(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return format_date(moment, "j M Y H:i")  # as the workspace writes moments (helpdesk.when)


def _text(value: Any) -> str:
    """A sticky note or a deleted reply: kept as its text, or an object holding it."""
    if isinstance(value, dict) and "text" in value:
        return readable(value["text"])
    return readable(value)


def _files(value: Any) -> str:
    """The files a reply, note or new ticket carried."""
    names = value.get(FILES) if isinstance(value, dict) else None
    return f"files: {', '.join(map(str, names))}" if names else ""


def _reply_link(event: TicketEvent, value: Any, kind_label: str) -> Change:
    reply_id = value.get("reply_id") if isinstance(value, dict) else None
    if not reply_id:
        return Change()
    url = reverse("ticket", args=[event.ticket_id]) + f"#reply-{reply_id}"
    return Change(new=_files(value) or None, link=url, link_text=f"{kind_label} #{reply_id}")


def _contacts(ids: Any, names: dict[int, str] | None = None) -> str:
    """CC contacts as the history keeps them (their ids), by name where `names` has them."""
    if not isinstance(ids, list):
        return readable(ids)
    names = names or {}
    return ", ".join(names.get(pk, f"contact #{pk}") for pk in ids) if ids else "—"


def name_copied_contacts(events: Sequence[TicketEvent]) -> None:
    """Let the CC changes among `events` name their contacts (one query, when there are
    any): the history keeps their ids, and a removed contact stays "contact #id"."""
    from .organisation import Contact  # the organisation module is a sibling

    copied = [event for event in events if event.kind == TicketEvent.Kind.CC_CHANGED]
    ids = {
        pk
        for event in copied
        for value in (event.old_value, event.new_value)
        if isinstance(value, list)
        for pk in value
        if isinstance(pk, int)
    }
    if not ids:
        return
    names = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "name"))
    for event in copied:
        event.contact_names = names  # type: ignore[attr-defined]  # read by _DESCRIBERS


def _deleted_reply(event: TicketEvent) -> Change:
    from .conversation import Reply  # the conversation module builds on the tickets one

    old = event.old_value
    if not isinstance(old, dict):
        return Change(old=readable(old)) if old is not None else Change()
    label = "Note" if old.get("kind") == Reply.Kind.NOTE else "Reply"
    files = f" ({_files(old)})" if _files(old) else ""
    return Change(old=f"{label} #{old.get('reply_id')}: {_text(old)}{files}")


def _created(event: TicketEvent) -> Change:
    new = event.new_value
    if not isinstance(new, dict):
        return Change(new=readable(new)) if new is not None else Change()
    parts = [f"“{new['subject']}”"] if new.get("subject") else []
    if new.get("status"):
        parts.append(f"status {readable(new['status'])}")
    if _files(new):
        parts.append(_files(new))
    return Change(new=", ".join(parts) or None)


def _rated(event: TicketEvent) -> Change:
    new = event.new_value
    if not isinstance(new, dict):
        return Change(new=readable(new))
    rating = str(new.get("value", "")).capitalize()
    comment = new.get("comment")
    return Change(new=f"{rating}: “{comment}”" if comment else rating)


def _bounce(value: Any) -> str:
    addresses = value.get("addresses") if isinstance(value, dict) else None
    if not addresses:
        return "mail could not be delivered"
    return f"mail to {', '.join(map(str, addresses))} could not be delivered"


def _sla_breach(value: Any) -> str:
    if not isinstance(value, dict):
        return readable(value)
    return f"{value.get('target', 'A target')} was due {_date(value.get('due_at'))}"


def _plain(event: TicketEvent) -> Change:
    old, new = event.old_value, event.new_value
    if old is None and new is None:
        return Change()
    return Change(old=readable(old), new=readable(new))


_Kind = TicketEvent.Kind
# How each kind's payload reads; the kinds not listed keep plain values (`_plain`).
_DESCRIBERS: dict[str, Callable[[TicketEvent], Change]] = {
    _Kind.REPLY_ADDED: lambda event: _reply_link(event, event.new_value, "Reply"),
    _Kind.NOTE_ADDED: lambda event: _reply_link(event, event.new_value, "Note"),
    _Kind.REPLY_DELETED: _deleted_reply,
    _Kind.CREATED: _created,
    _Kind.RATED: _rated,
    _Kind.DUE_DATE_CHANGED: lambda event: Change(
        old=_date(event.old_value) if event.old_value else "—",
        new=_date(event.new_value) if event.new_value else "—",
    ),
    _Kind.STICKY_NOTE_ADDED: lambda event: Change(new=_text(event.new_value)),
    _Kind.STICKY_NOTE_REMOVED: lambda event: Change(old=_text(event.old_value)),
    _Kind.STICKY_NOTE_CHANGED: lambda event: Change(
        old=_text(event.old_value), new=_text(event.new_value)
    ),
    _Kind.EMAIL_BOUNCED: lambda event: Change(new=_bounce(event.new_value)),
    _Kind.SLA_BREACHED: lambda event: Change(new=_sla_breach(event.new_value)),
    _Kind.CC_CHANGED: lambda event: Change(
        old=_contacts(event.old_value, getattr(event, "contact_names", None)),
        new=_contacts(event.new_value, getattr(event, "contact_names", None)),
    ),
}


def describe_change(event: TicketEvent) -> Change:
    """What `event` changed, as people read it."""
    return _DESCRIBERS.get(event.kind, _plain)(event)
