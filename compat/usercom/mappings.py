"""How User.com's words map to ours, in one visible place.

Statuses (`status`, read and written):

| User.com   | our ticket                                              |
|------------|---------------------------------------------------------|
| `active`   | not archived, in a status that is not closed            |
| `closed`   | not archived, in a closed status                        |
| `archived` | archived, whatever its status                           |
| `draft`    | nothing: we have no drafts (the list is empty; not writable) |

Writing `active` reopens a closed ticket (status Open) and restores an archived one;
`closed` closes it (status Closed) and restores it if archived; `archived` archives it
and leaves its status alone.

Priorities (`priority`): `id` is our priority's number, `order` its urgency (1 the most).

| id | name   | order |
|----|--------|-------|
| 3  | Urgent | 1     |
| 2  | High   | 2     |
| 1  | Normal | 3     |

Spam is not a User.com notion: a ticket marked spam is listed by no status (it stays
readable by its id).
"""

from __future__ import annotations

from typing import Any

from tickets.models import ActiveState, Priority
from tickets.statuses import FixedStatus

ACTIVE = "active"
CLOSED = "closed"
ARCHIVED = "archived"
DRAFT = "draft"
STATUSES = (ACTIVE, CLOSED, ARCHIVED, DRAFT)
# The statuses a ticket can be given (we have no drafts).
WRITABLE_STATUSES = (ACTIVE, CLOSED, ARCHIVED)

# The status a ticket is moved to when it is made active (from closed) or closed.
REOPENED_STATUS = FixedStatus.OPEN
CLOSED_STATUS = FixedStatus.CLOSED

# Our priority -> its urgency order in User.com (1 the most urgent).
PRIORITY_ORDER = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3}


def usercom_status(*, is_closed: bool, active_state: str) -> str:
    if active_state == ActiveState.ARCHIVED:
        return ARCHIVED
    return CLOSED if is_closed else ACTIVE


def status_columns(status: str, closed_by_status: dict[int, bool]) -> dict[str, Any] | None:
    """The ticket columns a status lists, as lookups (`status_id__in`, so that the total is
    read from TicketCount, see tickets.counts); None for drafts, which list nothing.
    `closed_by_status` tells for each of our statuses whether it is closed. Spam is never
    listed."""
    if status == DRAFT:
        return None
    if status == ARCHIVED:
        return {"active_state": ActiveState.ARCHIVED, "is_spam": False}
    columns: dict[str, Any] = {"active_state": ActiveState.ACTIVE, "is_spam": False}
    if status in (ACTIVE, CLOSED):
        wanted = status == CLOSED
        columns["status_id__in"] = [
            pk for pk, is_closed in closed_by_status.items() if is_closed == wanted
        ]
    return columns


def priority_object(priority: int) -> dict[str, Any]:
    chosen = Priority(priority)
    return {"id": chosen.value, "name": chosen.label, "order": PRIORITY_ORDER[chosen]}
