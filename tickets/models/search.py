"""The search documents and terms of the tickets, kept by PostgreSQL itself."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from .tickets import Ticket


class TicketSearchDocument(models.Model):
    """A ticket's whole conversation as one full-text vector: subject, opening message and
    every reply and note, in the english configuration.

    On PostgreSQL, triggers on the ticket and reply tables keep it exact in the same
    transaction as the change (migration 0006), whatever wrote it. A search matches a
    ticket when its document matches, so the words of a query may sit in different parts
    of the conversation. Nothing in the application writes this table; on SQLite it
    stays empty (the search there reads an FTS5 table, migration 0007).
    """

    # The foreign keys cascade in the database: migration 0006 declares them ON DELETE
    # CASCADE. Django's DB_CASCADE says the same but its system check refuses it beside
    # the Python-level on_delete of every other model that refers to tickets.
    ticket = models.OneToOneField(
        Ticket,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    document = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["document"], name="ticket_search_document_gin")]

    def __str__(self) -> str:
        return f"Search document of #{self.ticket_id}"


class TicketSearchTerm(models.Model):
    """One distinct lexeme of a ticket's search document (kept with it by migration 0006).

    Its indexes hold everything a count needs: PostgreSQL counts a word's tickets (on
    the term index), and intersects several words' ticket ids (sorted in the primary
    key's btree, (term, ticket)), with index-only scans, never visiting a ticket or a
    document (see tickets.search). The full-text index of the documents cannot do that:
    it must check every match's row.
    """

    pk = models.CompositePrimaryKey("term", "ticket")
    term = models.TextField()
    ticket = models.ForeignKey(
        Ticket, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )

    class Meta:
        indexes = [
            # Deleting a ticket deletes its terms through this one (see TicketSearchDocument).
            models.Index(fields=["ticket"], name="ticket_search_term_ticket_idx"),
            # A word's entries share one deduplicated key here: counting a single word scans
            # a quarter of the primary key's pages, 17 ms against 27 for 341,701 tickets.
            models.Index(fields=["term"], name="ticket_search_term_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.term} in #{self.ticket_id}"
