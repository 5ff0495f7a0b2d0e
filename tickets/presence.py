"""Who has a ticket open right now, and what changed on it since an agent's page loaded.

The ticket page polls every few seconds (`tickets.views.presence`). Each poll refreshes
the agent's `TicketPresence` row; a row not refreshed for PRESENCE_TTL means the agent
has gone (closed the tab, lost the network), so nobody needs to say goodbye.

A page's *version* is the time of the newest change it shows (see `version_of`). Any
event after it, by someone else, is news to that agent: the page warns about it, and a
reply written against the old version is held back until the agent has seen it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.utils import timezone

from .agents import Agent
from .models import Ticket, TicketEvent, TicketPresence

PRESENCE_TTL = datetime.timedelta(seconds=30)
# Stale rows are deleted at most this often, by whichever poll comes first.
CLEANUP_EVERY_SECONDS = 60
CLEANUP_KEY = "presence:cleanup"
# A warning lists at most this many new events (the newest).
MAX_CHANGES_SHOWN = 20
# Compared with when a page cannot tell which version it showed: every change is news.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# How often the ticket page polls, unless settings.PRESENCE_POLL_SECONDS says otherwise.
POLL_SECONDS = 5


def record_presence(*, ticket: Ticket, agent: Agent, is_replying: bool) -> None:
    """Insert or refresh the agent's row for `ticket`, in one query."""
    # One INSERT ... ON CONFLICT DO UPDATE: two polls racing cannot both insert.
    TicketPresence.objects.bulk_create(
        [
            TicketPresence(
                ticket=ticket, agent=agent, is_replying=is_replying, seen_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["ticket", "agent"],
        update_fields=["is_replying", "seen_at"],
    )


def others_present(ticket: Ticket, agent: Agent) -> list[TicketPresence]:
    """The other agents seen on `ticket` within PRESENCE_TTL, replying ones first."""
    return list(
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=timezone.now() - PRESENCE_TTL)
        .exclude(agent=agent)
        .select_related("agent")
        .order_by("-is_replying", "agent__first_name", "agent__last_name", "agent__username")
    )


def cleanup_stale(*, force: bool = False) -> int:
    """Delete the rows of agents gone for a while; at most once a minute unless forced.

    The table holds one row per agent and recently opened ticket, so deleting its stale
    rows is cheap; the cache key keeps most polls from trying at all.
    """
    if not force and not cache.add(CLEANUP_KEY, True, CLEANUP_EVERY_SECONDS):
        return 0
    deleted, _ = TicketPresence.objects.filter(seen_at__lt=timezone.now() - PRESENCE_TTL).delete()
    return deleted


def version_of(ticket: Ticket, events: Iterable[TicketEvent]) -> datetime.datetime:
    """The time of the newest change a page shows: the ticket's last update or its newest
    event (some events, such as sticky notes, may not touch the ticket row)."""
    return max([ticket.updated_at, *(event.created_at for event in events)])


def format_version(version: datetime.datetime) -> str:
    return version.astimezone(datetime.UTC).isoformat()


def parse_version(value: str | None) -> datetime.datetime | None:
    """A version sent back by a page, or None when it is missing or unreadable."""
    if not value:
        return None
    try:
        version = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if timezone.is_naive(version):
        return None
    return version


def changes_since(ticket: Ticket, version: datetime.datetime, agent: Agent) -> list[TicketEvent]:
    """Events of `ticket` after `version` by anyone but `agent`, oldest first.

    The agent's own changes (a status set in the side panel, say) are not news to them.
    """
    events = (
        TicketEvent.objects.filter(ticket=ticket, created_at__gt=version)
        .exclude(actor=agent)  # keeps the events without an agent (client, system)
        .select_related("actor", "actor_contact")
        .order_by("-created_at", "-id")[:MAX_CHANGES_SHOWN]
    )
    return list(reversed(events))
