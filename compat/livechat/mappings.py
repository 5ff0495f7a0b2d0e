"""How LiveChat's words map to ours, in one visible place.

Statuses: LiveChat's `status` is our status's category (an administrator picks it for the
statuses they add; closed ones are always solved), and `spam` for a ticket marked spam.

Sources: LiveChat's `source.type` and our ticket's source. `facebook` matches nothing of
ours: asking for it lists no ticket.

Groups: LiveChat's groups are our teams; `[0]` is a ticket without a team.
"""

from __future__ import annotations

from tickets.models import Source
from tickets.statuses import StatusCategory

SPAM = "spam"
# LiveChat's status -> the category of our statuses it lists (spam aside).
STATUSES = {
    "open": StatusCategory.OPEN,
    "pending": StatusCategory.PENDING,
    "solved": StatusCategory.SOLVED,
}
STATUS_NAMES = [*STATUSES, SPAM]

# LiveChat's source type <-> our ticket source.
SOURCES = {
    "mail": Source.EMAIL,
    "agent-app-manual": Source.WEB,
    "chat-window": Source.PORTAL,
    "lc2": Source.API,
}
SOURCE_TYPES = {source: name for name, source in SOURCES.items()}
# Accepted in a filter, matching nothing.
UNMATCHED_SOURCES = frozenset({"facebook"})
# The sources a ticket may be created with through the API, and the default.
CREATABLE_SOURCES = ("chat-window", "mail", "lc2")
DEFAULT_SOURCE = "lc2"

# The group of a ticket without a team.
NO_GROUP = 0


def livechat_status(category: str, *, is_spam: bool) -> str:
    """A ticket's LiveChat status from its status's category."""
    if is_spam:
        return SPAM
    return next(name for name, ours in STATUSES.items() if ours == category)


def groups_of(team_id: int | None) -> list[int]:
    return [team_id or NO_GROUP]
