"""How a ticket's history reads: who did what, and the values before and after."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from tickets.models import Channel, Reply, TicketEvent

from .helpdesk import history_value, person

register = template.Library()

Kind = TicketEvent.Kind
# The key under which a change's history value names its files (tickets.attachments.FIELD).
ATTACHMENTS = "attachments"


@dataclass(frozen=True)
class Change:
    """What an event changed, ready to show: `old` → `new`, either may be absent."""

    old: str | None = None
    new: str | None = None
    link: str = ""  # the reply an event is about, on the ticket page
    link_text: str = ""


def _date(value: Any) -> str:
    """A due date kept as ISO text, in the site's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return history_value(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return format_date(moment, "Y-m-d H:i")


def _text(value: Any) -> str:
    """A sticky note or a deleted reply: kept as its text, or an object holding it."""
    if isinstance(value, dict) and "text" in value:
        return history_value(value["text"])
    return history_value(value)


def _files(value: Any) -> str:
    """The files a reply, note or new ticket carried (see tickets.attachments.with_names)."""
    names = value.get(ATTACHMENTS) if isinstance(value, dict) else None
    return f"files: {', '.join(map(str, names))}" if names else ""


def _reply_link(event: TicketEvent, value: Any, kind_label: str) -> Change:
    reply_id = value.get("reply_id") if isinstance(value, dict) else None
    if not reply_id:
        return Change()
    url = reverse("ticket", args=[event.ticket_id]) + f"#reply-{reply_id}"
    return Change(new=_files(value) or None, link=url, link_text=f"{kind_label} #{reply_id}")


@register.filter
def event_change(event: TicketEvent) -> Change:
    old, new = event.old_value, event.new_value
    match event.kind:
        case Kind.REPLY_ADDED:
            return _reply_link(event, new, "Reply")
        case Kind.NOTE_ADDED:
            return _reply_link(event, new, "Note")
        case Kind.REPLY_DELETED:
            if not isinstance(old, dict):
                return Change(old=history_value(old)) if old is not None else Change()
            label = "Note" if old.get("kind") == Reply.Kind.NOTE else "Reply"
            files = f" ({_files(old)})" if _files(old) else ""
            return Change(old=f"{label} #{old.get('reply_id')}: {_text(old)}{files}")
        case Kind.CREATED:
            if isinstance(new, dict):
                parts = [f"“{new['subject']}”"] if new.get("subject") else []
                if new.get("status"):
                    parts.append(f"status {history_value(new['status'])}")
                if _files(new):
                    parts.append(_files(new))
                return Change(new=", ".join(parts) or None)
            return Change(new=history_value(new)) if new is not None else Change()
        case Kind.RATED:
            if isinstance(new, dict):
                rating = str(new.get("value", "")).capitalize()
                comment = new.get("comment")
                return Change(new=f"{rating}: “{comment}”" if comment else rating)
            return Change(new=history_value(new))
        case Kind.DUE_DATE_CHANGED:
            return Change(
                old=_date(old) if old else "—",
                new=_date(new) if new else "—",
            )
        case Kind.STICKY_NOTE_ADDED:
            return Change(new=_text(new))
        case Kind.STICKY_NOTE_REMOVED:
            return Change(old=_text(old))
        case Kind.STICKY_NOTE_CHANGED:
            return Change(old=_text(old), new=_text(new))
        case Kind.CC_CHANGED:

            def contacts(ids):
                return ", ".join(f"contact #{pk}" for pk in ids) if ids else "—"

            return Change(
                old=contacts(old) if isinstance(old, list) else history_value(old),
                new=contacts(new) if isinstance(new, list) else history_value(new),
            )
    if old is None and new is None:
        return Change()
    return Change(old=history_value(old), new=history_value(new))


@register.filter
def event_actor(event: TicketEvent) -> str:
    """Who made the change: an agent, a client's contact, the system, or nobody known."""
    if event.actor is not None:
        return person(event.actor)
    if event.actor_contact is not None:
        return f"{event.actor_contact.name} (client)"
    if event.channel == Channel.SYSTEM:
        return "the system"
    return "an unknown or removed user"
