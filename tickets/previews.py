"""Filling Ticket.last_message_preview and last_message_from_client in bulk, for tickets
written without the services (the demo data's COPY). The services keep both for every
change; migration 0018 filled the tickets that existed before them the same way."""

from __future__ import annotations

from django.db import connections

from .models import Ticket, max_length

# Tickets filled per statement: the count and search triggers see one batch at a time.
BATCH = 50_000
PREVIEW_LENGTH = max_length(Ticket, "last_message_preview")

# The latest public reply's text and whether a contact wrote it, else the opening message
# and whether nobody of the workspace opened the ticket; the same on both databases.
LATEST_REPLY = """(SELECT r.{column} FROM tickets_reply AS r
   WHERE r.ticket_id = tickets_ticket.id AND r.kind = 'reply'
   ORDER BY r.created_at DESC, r.id DESC LIMIT 1)"""
FILL = f"""
UPDATE tickets_ticket SET
  last_message_preview = SUBSTR(COALESCE(
    {LATEST_REPLY.format(column="text")}, tickets_ticket.message), 1, {PREVIEW_LENGTH}),
  last_message_from_client = CASE WHEN tickets_ticket.replies_count > 0
    THEN {LATEST_REPLY.format(column="author_contact_id")} IS NOT NULL
    ELSE tickets_ticket.creator_id IS NULL END
WHERE id >= %s AND id < %s AND last_message_preview = ''
"""  # noqa: S608 (made of the constants above only)


def fill_previews(*, using: str = "default", progress=None) -> None:
    """Fill the tickets whose preview is empty, a batch of ids at a time, newest first (the
    queues show those). Outside a transaction each batch commits alone: a million tickets
    never wait on one long lock, and a stopped run resumes where it was. `progress(done,
    total)` hears after each batch, in tickets."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT MIN(id), MAX(id) FROM tickets_ticket WHERE last_message_preview = ''"
        )
        lowest, highest = cursor.fetchone()
        if lowest is None:
            return
        starts = range(highest - (highest - lowest) % BATCH, lowest - 1, -BATCH)
        for number, start in enumerate(starts, 1):
            cursor.execute(FILL, [start, start + BATCH])
            if progress:
                progress(min(number * BATCH, highest - lowest + 1), highest - lowest + 1)
