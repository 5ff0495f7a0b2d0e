"""How LiveChat's words map to ours, in one visible place.

Statuses: LiveChat's `status` is our status's category (an administrator picks it for the
statuses they add; closed ones are always solved), and `spam` for a ticket marked spam.

Sources: LiveChat's `source.type` and our ticket's source. `facebook` matches nothing of
ours: asking for it lists no ticket.

Groups: LiveChat's groups are our teams; `[0]` is a ticket without a team.

Reports: the ticket_sources report's three figures add up our sources (REPORT_SOURCES).

Importing (compat.livechat.importer) reads the same tables backwards, with the few rules
an import needs on top: which of our statuses a category becomes, what `facebook` becomes,
and which team a group lands in.
"""

from __future__ import annotations

from tickets.models import Source
from tickets.statuses import FixedStatus, StatusCategory

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

# The ticket_sources report's figures: LiveChat's name -> the sources of ours it adds up. A
# chat window is a form a customer filled in (our portal); LiveChat's "chat" tickets are the
# ones agents made from a chat, here those made by hand in the web app or through the API.
REPORT_SOURCES = {
    "tickets_from_chat_window": (Source.PORTAL,),
    "tickets_from_mail": (Source.EMAIL,),
    "tickets_from_chat": (Source.WEB, Source.API),
}

# The group of a ticket without a team.
NO_GROUP = 0


def livechat_status(category: str, *, is_spam: bool) -> str:
    """A ticket's LiveChat status from its status's category."""
    if is_spam:
        return SPAM
    return next(name for name, ours in STATUSES.items() if ours == category)


def groups_of(team_id: int | None) -> list[int]:
    return [team_id or NO_GROUP]


# Importing -------------------------------------------------------------------

# LiveChat's source type -> the source an imported ticket or message keeps. `facebook` has
# no source of ours: it came from another system, as `lc2` (api) did.
IMPORT_SOURCES = {**SOURCES, "facebook": Source.API}

# The status an imported ticket ends in, by its LiveChat status: (the status, the one our
# reply workflow would have given instead when the last public reply was the client's (open)
# or an agent's (pending)). A spam ticket keeps the status its opened periods give.
IMPORT_STATUSES = {
    "open": (FixedStatus.OPEN, FixedStatus.CUSTOMER_REPLIED),
    "pending": (FixedStatus.ON_HOLD, FixedStatus.ANSWERED),
    "solved": (FixedStatus.CLOSED, FixedStatus.CLOSED),
}
# Between the opened periods an import closes the ticket, and at their start reopens it.
IMPORT_CLOSED = FixedStatus.CLOSED
IMPORT_REOPENED = FixedStatus.OPEN


def imported_team_name(group: int) -> str:
    """The team a LiveChat group lands in when we have no team with the group's id."""
    return f"LiveChat group {group}"
