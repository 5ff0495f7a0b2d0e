"""Ticket counts kept by PostgreSQL itself, so that a list's total needs no COUNT."""

from __future__ import annotations

from django.db import models


class TicketCount(models.Model):
    """How many tickets have one combination of the columns the ticket lists filter on.

    On PostgreSQL, triggers on the ticket table keep these rows exact in the same
    transaction as the change (migration 0004), whatever wrote it: the services, the
    admin, a cascade or seed_demo's COPY. Counting tickets reads every one of them;
    summing the few matching rows here reads a handful, however many tickets. Nothing in
    the application writes this table. SQLite has no such triggers: there the lists
    simply count (see `tickets.counts`).
    """

    status_id = models.BigIntegerField()
    priority = models.PositiveSmallIntegerField()
    department_id = models.BigIntegerField()
    client_id = models.BigIntegerField()
    # 0 for "no project", so that the unique constraint sees one row per combination.
    project_id = models.BigIntegerField()
    active_state = models.CharField(max_length=10)
    is_spam = models.BooleanField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "status_id",
                    "priority",
                    "department_id",
                    "client_id",
                    "project_id",
                    "active_state",
                    "is_spam",
                ],
                name="ticket_count_one_row_per_combination",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} tickets"
