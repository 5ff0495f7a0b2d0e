"""Mentions in internal notes: `@username` names an agent, who is then told (tickets.inbox).

The syntax is the agent's username after an @ that does not follow a letter, a digit or
another @ (so that an email address in a note mentions nobody); it ends at the first
character a username cannot hold, and a full stop ending a sentence is not part of it.
Usernames are matched ignoring case; only active agents are mentioned, never the note's
own author. The reply box suggests usernames as the agent types (static/js/mentions.js).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower

from tickets.agents import agents

# Django's usernames hold letters, digits and @.+-_; an @ inside one cannot be mentioned.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
# A note names at most this many agents; the rest is ignored (a pasted list is no mention).
MAX_MENTIONS = 20


def mentioned_usernames(text: str) -> list[str]:
    """The usernames a text mentions, lowercased, once each, in order."""
    names: dict[str, None] = {}
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".").lower()
        if name:
            names.setdefault(name)
    return list(names)[:MAX_MENTIONS]


def mentioned_agents(text: str, *, author_id: int | None) -> QuerySet[Any]:
    """The active agents a note by `author_id` mentions (one query when evaluated)."""
    names = mentioned_usernames(text)
    found = agents().annotate(username_lower=Lower("username")).filter(username_lower__in=names)
    return found.exclude(pk=author_id) if author_id is not None else found
