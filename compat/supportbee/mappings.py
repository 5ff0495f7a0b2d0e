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
"""

from __future__ import annotations

from tickets.models import ActiveState

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
