"""The five fixed ticket statuses.

Their ids are part of the API (document 003: 1 Open, 2 Closed, 3 On Hold, 4 Answered,
5 Customer Replied) and the reply workflow relies on them, so a data migration creates
them and they can never be deleted. Administrators may rename them, change their colour
and position, and add statuses of their own.

This module holds plain data only (no model), so that migrations can use it.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class StatusCategory(models.TextChoices):
    """What a status means for a client and a clock: open (we have to act), pending (waiting
    for the client or someone else) or solved. LiveChat's API speaks these words."""

    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"


class FixedStatus(models.IntegerChoices):
    OPEN = 1, "Open"
    CLOSED = 2, "Closed"
    ON_HOLD = 3, "On Hold"
    ANSWERED = 4, "Answered"
    CUSTOMER_REPLIED = 5, "Customer Replied"


# How each is first created: position, colour, closed, used for team replies, for client
# replies. Answered is the team-replied status, Customer Replied the client-replied one.
INITIAL_VALUES = {
    FixedStatus.OPEN: (1, "#2563eb", False, False, False),
    FixedStatus.CLOSED: (5, "#6b7280", True, False, False),
    FixedStatus.ON_HOLD: (2, "#d97706", False, False, False),
    FixedStatus.ANSWERED: (3, "#16a34a", False, True, False),
    FixedStatus.CUSTOMER_REPLIED: (4, "#dc2626", False, False, True),
}


# The category of each (migration 0009 added categories).
CATEGORIES = {
    FixedStatus.OPEN: StatusCategory.OPEN,
    FixedStatus.CLOSED: StatusCategory.SOLVED,
    FixedStatus.ON_HOLD: StatusCategory.PENDING,
    FixedStatus.ANSWERED: StatusCategory.PENDING,
    FixedStatus.CUSTOMER_REPLIED: StatusCategory.OPEN,
}


def create_fixed_statuses(status_model: Any) -> None:
    """Create (or repair) the five statuses; `status_model` is TicketStatus, or its
    historical version in a migration (before 0009 it has no category)."""
    has_category = any(field.name == "category" for field in status_model._meta.fields)
    for status, (position, colour, is_closed, team, client) in INITIAL_VALUES.items():
        category = {"category": CATEGORIES[status].value} if has_category else {}
        status_model.objects.update_or_create(
            pk=status.value,
            defaults={
                "title": status.label,
                "position": position,
                "colour": colour,
                "is_closed": is_closed,
                "use_for_team_replied": team,
                "use_for_client_replied": client,
                **category,
            },
        )
