"""Sticky notes: short notes pinned to the top of a ticket page for every agent.

Each change locks the ticket, moves its last-updated time (as every recorded change
does) and records one history event carrying the note's text.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from tickets import changes
from tickets.agents import Agent
from tickets.models import Channel, StickyNote, Ticket, TicketEvent, max_length

from .common import Conflict, lock_ticket, record_event, refresh_from

STICKY_NOTE_MAX_LENGTH = max_length(StickyNote, "text")


def _clean_note_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["A sticky note needs some text."]})
    if len(text) > STICKY_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "text": [
                    f"A sticky note has at most {STICKY_NOTE_MAX_LENGTH} characters "
                    f"(this one has {len(text)})."
                ]
            }
        )
    return text


def _current_note(note: StickyNote, ticket: Ticket) -> StickyNote:
    """The note as stored now; the caller holds the ticket's lock, which guards its notes."""
    try:
        return StickyNote.objects.get(pk=note.pk, ticket=ticket)
    except StickyNote.DoesNotExist:
        raise Conflict("This sticky note has been removed.") from None


def _touch(locked: Ticket, now: datetime.datetime) -> None:
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])


def add_sticky_note(
    *, ticket: Ticket, text: str, actor: Agent | None, channel: Channel
) -> StickyNote:
    """Pin a new note to the ticket."""
    text = _clean_note_text(text)
    with changes.atomic():
        locked = lock_ticket(ticket)
        now = timezone.now()
        note = StickyNote.objects.create(
            ticket=locked,
            text=text,
            author=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            updated_at=now,
        )
        _touch(locked, now)
        record_event(
            locked,
            TicketEvent.Kind.STICKY_NOTE_ADDED,
            actor=actor,
            channel=channel,
            new=text,
            at=now,
        )
    refresh_from(ticket, locked)
    note.ticket = ticket
    return note


def change_sticky_note(
    *, note: StickyNote, text: str, actor: Agent | None, channel: Channel
) -> StickyNote:
    """Replace a note's text; the same text again records nothing."""
    text = _clean_note_text(text)
    ticket = note.ticket
    with changes.atomic():
        locked = lock_ticket(ticket)
        current = _current_note(note, locked)
        if current.text != text:
            now = timezone.now()
            old = current.text
            current.text = text
            current.updated_at = now
            current.save(update_fields=["text", "updated_at"])
            _touch(locked, now)
            record_event(
                locked,
                TicketEvent.Kind.STICKY_NOTE_CHANGED,
                actor=actor,
                channel=channel,
                old=old,
                new=text,
                at=now,
            )
    refresh_from(ticket, locked)
    note.text, note.updated_at = current.text, current.updated_at
    return note


def remove_sticky_note(*, note: StickyNote, actor: Agent | None, channel: Channel) -> None:
    """Unpin a note; the history keeps its text."""
    ticket = note.ticket
    with changes.atomic():
        locked = lock_ticket(ticket)
        current = _current_note(note, locked)
        now = timezone.now()
        current.delete()
        _touch(locked, now)
        record_event(
            locked,
            TicketEvent.Kind.STICKY_NOTE_REMOVED,
            actor=actor,
            channel=channel,
            old=current.text,
            at=now,
        )
    refresh_from(ticket, locked)
