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


class TicketWorkloadCount(models.Model):
    """How many tickets have one combination of assignee, team, number of public replies,
    state and spam flag: the totals of the compatibility lists filtered by assignee,
    team or replies (SupportBee's `assigned_user`, `assigned_group`, `replies`,
    `max_replies`), which TicketCount's columns cannot answer.

    Kept like TicketCount, by triggers on the ticket table (migration 0012), PostgreSQL
    only. A separate table rather than more columns of TicketCount: its combinations
    (tens of thousands, by client) times these would be millions of rows.
    """

    # 0 for "unassigned" and "no team", so that the unique constraint sees one row each.
    assignee_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    replies_count = models.PositiveIntegerField()
    active_state = models.CharField(max_length=10)
    is_spam = models.BooleanField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignee_id", "team_id", "replies_count", "active_state", "is_spam"],
                name="ticket_workload_count_one_row_per_combination",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} tickets"


class TicketTagCount(models.Model):
    """How many tickets carry a tag, by state and spam flag: the totals of the lists
    filtered by one tag (SupportBee's `label`).

    Kept by triggers on the tag rows and on the ticket table (migration 0012),
    PostgreSQL only: a tag added or removed, a ticket archived, restored or marked spam
    moves the counts in the same transaction. `tag_id` is no foreign key: a deleted
    tag's rows stay, at 0.
    """

    tag_id = models.BigIntegerField()
    active_state = models.CharField(max_length=10)
    is_spam = models.BooleanField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tag_id", "active_state", "is_spam"],
                name="ticket_tag_count_one_row_per_combination",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} tickets"
