"""Measure SupportBee's Tickets API (/compat/supportbee/tickets.json) in-process on a large
database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python -u -W ignore benchmarks/supportbee.py [--repeat 30] [--only NAME]

As benchmarks/api.py does (and with its measuring): requests go through Django's whole
stack with the test Client, production settings, without a network, authenticated as
SupportBee clients are (`auth_token=<an agent's API key>` in the query string). Each
scenario runs 5 warm-up requests, then --repeat measured ones, and prints p50, p95 and the
number of queries. The script creates a `bench_supportbee` agent and a key, reads only, and deletes the
key at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

# benchmarks.api sets Django up (production settings), before the models are imported.
from benchmarks.api import Bench
from tickets.models import ApiKey, Ticket
from tickets.models.tickets import TaggedTicket

BENCH_AGENT = "bench_supportbee"
BASE = "/compat/supportbee/tickets.json"
SEARCH = "/compat/supportbee/tickets/search.json"
# Issue 15's goal for each list.
LIST_GOAL_MS = 60


class SupportBeeBench(Bench):
    """Bench's measuring, with SupportBee's authentication."""

    def __init__(self, repeat: int, only: list[str]) -> None:
        self.repeat = repeat
        self.only = only
        agent, _ = get_user_model().objects.get_or_create(
            username=BENCH_AGENT,
            defaults={"is_staff": True, "first_name": "Bench", "email": "bench@supportbee.example"},
        )
        self.key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/supportbee.py")
        self.raw_key = raw_key
        self.http = Client(HTTP_HOST="localhost")
        self.created = []
        self.rows = []


# (query string, goal): the default list (15 a page), 99 a page, a deep page, and each kind
# of filter; then a search.
SCENARIOS: list[tuple[str, float | None]] = [
    ("", LIST_GOAL_MS),
    ("per_page=99", LIST_GOAL_MS),
    ("page=100", LIST_GOAL_MS),
    ("archived=any", LIST_GOAL_MS),
    ("spam=true", LIST_GOAL_MS),
    ("assigned_user=none", LIST_GOAL_MS),
    ("replies=true", LIST_GOAL_MS),
    ("max_replies=1", LIST_GOAL_MS),
]


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
    bench = SupportBeeBench(args.repeat, args.only)
    newest = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    key = f"auth_token={bench.raw_key}"
    # A label the database holds (as benchmarks/livechat.py picks its tag).
    tag = TaggedTicket.objects.values_list("tag__name", flat=True).order_by("pk").first()
    scenarios = [*SCENARIOS, *([(f"label={tag}", LIST_GOAL_MS)] if tag else [])]
    try:
        for query, goal in scenarios:
            url = f"{BASE}?{key}&{query}" if query else f"{BASE}?{key}"
            name = f"GET /tickets.json{'?' + query if query else ''}"
            bench.measure(name, goal, bench.get(url), 200)
        url = f"{SEARCH}?{key}&query=refund"
        bench.measure("GET /tickets/search.json?query=refund", LIST_GOAL_MS, bench.get(url), 200)
        if newest is not None:
            url = f"/compat/supportbee/tickets/{newest}.json?{key}"
            bench.measure("GET /tickets/{id}.json", None, bench.get(url), 200)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
