"""Measure User.com's public Tickets API (/compat/usercom/api/public/tickets/) in-process on a
large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python -u -W ignore benchmarks/usercom.py [--repeat 30] [--only NAME]

As benchmarks/api.py does (and with its measuring): requests go through Django's whole
stack with the test Client, production settings, without a network, authenticated as
User.com clients are (`Authorization: Token <an agent's API key>`). Each scenario runs 5
warm-up requests, then --repeat measured ones, and prints p50, p95 and the number of
queries. The script creates a `bench_usercom` agent and a key, reads only, and deletes the
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

BENCH_AGENT = "bench_usercom"
BASE = "/compat/usercom/api/public/tickets/"
# Issue 15's goal for each list.
LIST_GOAL_MS = 60


class UserComBench(Bench):
    """Bench's measuring, with User.com's authentication."""

    def __init__(self, repeat: int, only: list[str]) -> None:
        self.repeat = repeat
        self.only = only
        agent, _ = get_user_model().objects.get_or_create(
            username=BENCH_AGENT,
            defaults={"is_staff": True, "first_name": "Bench", "email": "bench@usercom.example"},
        )
        self.key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/usercom.py")
        self.http = Client(
            HTTP_AUTHORIZATION=f"Token {raw_key}",
            HTTP_ACCEPT="*/*; version=2",
            HTTP_HOST="localhost",
        )
        self.created = []
        self.rows = []


# (query string, goal): the default list (100 a page), a short page, a deep page, and each
# status filter.
SCENARIOS: list[tuple[str, float | None]] = [
    ("", LIST_GOAL_MS),
    ("per_page=25", LIST_GOAL_MS),
    ("page=100", LIST_GOAL_MS),
    ("status=active", LIST_GOAL_MS),
    ("status=closed", LIST_GOAL_MS),
    ("status=archived", LIST_GOAL_MS),
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
    bench = UserComBench(args.repeat, args.only)
    newest = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    try:
        for query, goal in SCENARIOS:
            url = f"{BASE}?{query}" if query else BASE
            bench.measure(f"GET /tickets/{'?' + query if query else ''}", goal, bench.get(url), 200)
        if newest is not None:
            bench.measure("GET /tickets/{id}/", None, bench.get(f"{BASE}{newest}/"), 200)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
