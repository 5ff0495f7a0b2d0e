"""Measure LiveChat's v2 Tickets API (/compat/livechat/tickets) in-process on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python -u -W ignore benchmarks/livechat.py [--repeat 30] [--only NAME]

As benchmarks/api.py does (and with its measuring): requests go through Django's whole
stack with the test Client, production settings, without a network, authenticated as
LiveChat v2 clients are (HTTP Basic with an agent's login and API key, `X-API-Version: 2`).
Each scenario runs 5 warm-up requests, then --repeat measured ones, and prints p50, p95 and
the number of queries. The script creates a `bench_livechat` agent and a key, reads only,
and deletes the key at the end.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

# benchmarks.api sets Django up (production settings), before the models are imported.
from benchmarks.api import Bench
from tickets.models import ApiKey, Contact, Team, Ticket
from tickets.models.tickets import TaggedTicket

BENCH_AGENT = "bench_livechat"
BASE = "/compat/livechat/tickets"
# The goal for the list.
LIST_GOAL_MS = 60


class LiveChatBench(Bench):
    """Bench's measuring, with LiveChat's authentication and header."""

    def __init__(self, repeat: int, only: list[str]) -> None:
        self.repeat = repeat
        self.only = only
        agent, _ = get_user_model().objects.get_or_create(
            username=BENCH_AGENT,
            defaults={"is_staff": True, "first_name": "Bench", "email": "bench@livechat.example"},
        )
        self.key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/livechat.py")
        credentials = base64.b64encode(f"{agent.email}:{raw_key}".encode()).decode()
        self.http = Client(
            HTTP_AUTHORIZATION=f"Basic {credentials}", HTTP_X_API_VERSION="2", HTTP_HOST="localhost"
        )
        self.created = []
        self.rows = []


def scenarios() -> list[tuple[str, float | None]]:
    """(query string, goal) for the list: the default, paging, and each kind of filter with
    values the database holds."""
    today = timezone.localdate()
    busiest = (
        Ticket.objects.exclude(assignee=None)
        .values("assignee")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("assignee", flat=True)
        .first()
    )
    assignee = get_user_model().objects.filter(pk=busiest).first()
    team = Team.objects.order_by("pk").first()
    tag = TaggedTicket.objects.values_list("tag__name", flat=True).order_by("pk").first()
    requester = Contact.objects.filter(requested_tickets__isnull=False).order_by("pk").first()
    found: list[tuple[str, float | None]] = [
        ("", LIST_GOAL_MS),
        ("page=100", None),
        ("order=asc", None),
        ("status=open", None),
        ("status=solved&assigned=1", None),
        ("source=mail", None),
        ("tagged=1", None),
        (f"date_from={today - datetime.timedelta(days=7)}&date_to={today}", None),
        ("query=refund", None),
    ]
    if assignee is not None:
        found.append((f"assignee={assignee.email or assignee.username}", None))
    if team is not None:
        found.append((f"group={team.pk}", None))
    if tag is not None:
        found.append((f"tag={tag}", None))
    if requester is not None:
        found.append((f"requester[mail]={requester.email}", None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per scenario")
    parser.add_argument(
        "--only", action="append", default=[], help="run the scenarios whose name contains this"
    )
    args = parser.parse_args()
    print(
        f"{Ticket.objects.count():,} tickets on {connection.vendor} "
        f"({connection.settings_dict['NAME']}), {args.repeat} requests per scenario\n"
    )
    bench = LiveChatBench(args.repeat, args.only)
    newest = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    try:
        for query, goal in scenarios():
            url = f"{BASE}?{query}" if query else BASE
            bench.measure(f"GET {url.removeprefix('/compat/livechat')}", goal, bench.get(url), 200)
        if newest is not None:
            bench.measure("GET /tickets/{id}", None, bench.get(f"{BASE}/{newest}"), 200)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
