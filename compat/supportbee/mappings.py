"""How SupportBee's words map to ours, in one visible place.

| SupportBee                      | Ours                                                   |
|---------------------------------|--------------------------------------------------------|
| ticket `archived`               | the ticket's active state is archived                  |
| ticket `spam`                   | the ticket is marked spam                              |
| ticket `starred`                | the calling agent starred it (stars are per agent)     |
| `replies` / `replies_count`     | public replies                                         |
| `comments` / `comments_count`   | internal notes                                         |
| `labels`                        | tags                                                   |
| `cc`                            | the ticket's CC contacts                               |
| group (`assigned_group`)        | team                                                   |
| user (`assigned_user`)          | agent (the assignee)                                   |
| requester                       | the requester (a contact of a client)                  |
| `last_activity_at`              | the ticket's last update (every change moves it)       |
| `current_assignee`              | `{"user"}` for an assignee, else `{"group"}` for a team |
| created through the API         | channel and source `api`, in COMPAT_DEPARTMENT         |

Importing (compat.supportbee.importer): SupportBee has no statuses, so an imported ticket
ends in the one our reply workflow would have given it (`import_status`), closed when
archived.
"""

from __future__ import annotations

from tickets.models import ActiveState
from tickets.statuses import FixedStatus

# The list parameters' words.
TRUE, FALSE, ANY = "true", "false", "any"
ME, NONE, MINE = "me", "none", "mine"

# `archived`: the active states it lists (`any`: both).
ARCHIVED = {
    TRUE: [ActiveState.ARCHIVED],
    FALSE: [ActiveState.ACTIVE],
    ANY: [ActiveState.ACTIVE, ActiveState.ARCHIVED],
}

# Pages: SupportBee's default, and its limit (`per_page` must be less than 100).
PER_PAGE = 15
MAX_PER_PAGE = 99

# A person's picture sizes, and a group's (SupportBee's fixed speech balloons).
PICTURE_SIZES = (20, 24, 32, 48, 64, 128)
GROUP_PICTURE_SIZES = (20, 24, 32, 48, 256)

# The summary: the start of the opening message, whitespace collapsed.
SUMMARY_LENGTH = 100


# Importing -------------------------------------------------------------------

# The status an imported ticket is created in.
IMPORT_CREATED = FixedStatus.OPEN


def import_status(*, archived: bool, agent_replied: bool, last_reply_by_agent: bool) -> int:
    """The status an imported ticket ends in: closed when archived; else open until an
    agent replies, then answered after an agent's reply, customer-replied after the
    requester's."""
    if archived:
        return FixedStatus.CLOSED
    if not agent_replied:
        return FixedStatus.OPEN
    return FixedStatus.ANSWERED if last_reply_by_agent else FixedStatus.CUSTOMER_REPLIED
