"""Measure the REST API in-process on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python benchmarks/api.py [--repeat 200]

Requests go through Django's whole stack (middleware, authentication with a real API
key, throttling, DRF, the database) with the test Client, without a network. Each
scenario runs a few warm-up requests, then --repeat measured ones, and prints p50 and
p95 in milliseconds with the goal. The script creates a bench agent and a key, and the
tickets and replies it POSTs; it deletes them (and the key) at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# Production settings (DEBUG off: no query log, no debug pages), reachable as localhost.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
# The benchmark sends far more than the default 1200 requests a minute.
os.environ.setdefault("API_RATE_LIMIT", "1000000/minute")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tickets.models import ApiKey, Category, Ticket  # noqa: E402
from tickets.models import Client as Company  # noqa: E402

BENCH_AGENT = "bench_api"
WARMUP = 5


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Bench:
    def __init__(self, repeat: int, only: list[str]) -> None:
        self.repeat = repeat
        self.only = only
        agent, _ = get_user_model().objects.get_or_create(
            username=BENCH_AGENT, defaults={"is_staff": True, "first_name": "Bench"}
        )
        self.key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/api.py")
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_HOST="localhost")
        self.created: list[int] = []
        self.rows: list[tuple[str, float, float, int, str]] = []

    def measure(
        self, name: str, goal_ms: float | None, request: Callable[[int], object], expect: int
    ) -> None:
        if self.only and not any(part in name for part in self.only):
            return
        for i in range(WARMUP):
            self._check(request(i), expect, name)
        queries: list[str] = []
        with connection.execute_wrapper(
            lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
        ):
            self._check(request(WARMUP), expect, name)
        samples = []
        for i in range(self.repeat):
            start = time.perf_counter()
            response = request(WARMUP + 1 + i)
            samples.append((time.perf_counter() - start) * 1000)
            self._check(response, expect, name)
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        verdict = "" if goal_ms is None else ("ok" if p50 < goal_ms else "MISSED")
        goal = "" if goal_ms is None else f"p50 < {goal_ms:g} ms"
        self.rows.append((name, p50, p95, len(queries), f"{goal} {verdict}".strip()))
        print(
            f"{name:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {len(queries)} queries   {goal} {verdict}"
        )

    def _check(self, response, expect: int, name: str) -> None:
        if response.status_code != expect:
            raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
        if response.status_code == 201 and "/replies" not in response.request["PATH_INFO"]:
            self.created.append(response.json()["data"]["id"])

    def get(self, url: str) -> Callable[[int], object]:
        return lambda i: self.http.get(url)

    def cleanup(self) -> None:
        Ticket.objects.filter(pk__in=self.created).delete()
        self.key.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="measured requests per scenario")
    parser.add_argument(
        "--only", action="append", default=[], help="run the scenarios whose name contains this"
    )
    args = parser.parse_args()
    total = Ticket.objects.count()
    vendor = connection.vendor
    print(
        f"{total:,} tickets on {vendor} ({connection.settings_dict['NAME']}), "
        f"{args.repeat} requests per scenario\n"
    )
    bench = Bench(args.repeat, args.only)
    department = Category.objects.filter(type=Category.Type.TICKET).order_by("pk").first()
    client = Company.objects.order_by("pk").first()
    newest = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    try:
        bench.measure("GET /api/tickets?limit=25", 25, bench.get("/api/tickets?limit=25"), 200)
        bench.measure(
            "GET /api/tickets?page=200&limit=25",
            None,
            bench.get("/api/tickets?page=200&limit=25"),
            200,
        )
        bench.measure(
            "GET /api/tickets?limit=100",
            None,
            bench.get("/api/tickets?limit=100"),
            200,
        )
        for query in [
            "status=1&priority=high&sort=ticket_created&order=desc",
            f"category_id={department.pk}&active_state=active&sort=ticket_priority",
            f"client_id={client.pk}&sort=ticket_last_updated&order=asc",
            "status=5&tags[]=vip&tags[]=bug&sort=ticket_status&order=asc",
        ]:
            # The issue sets no goal for filtered lists: measured, not judged.
            bench.measure(
                f"GET /api/tickets?{query}", None, bench.get(f"/api/tickets?{query}"), 200
            )
        for word in ["webhook", "refund", "screenshot", "invoice", "cannot log in"]:
            bench.measure(
                f"GET /api/tickets?search={word}",
                60,
                bench.get(f"/api/tickets?search={word.replace(' ', '+')}&limit=25"),
                200,
            )
        # Searches whose total cannot come from the search terms alone (see tickets/search.py).
        for query in [
            "search=%22cannot+log+in%22",
            "search=refund+or+webhook",
            "search=webhook&status=1",
        ]:
            bench.measure(
                f"GET /api/tickets?{query}", None, bench.get(f"/api/tickets?{query}&limit=25"), 200
            )
        bench.measure(f"GET /api/tickets/{newest}", None, bench.get(f"/api/tickets/{newest}"), 200)
        bench.measure(
            "POST /api/tickets",
            20,
            lambda i: bench.http.post(
                "/api/tickets",
                {
                    "ticket_clientid": client.pk,
                    "ticket_categoryid": department.pk,
                    "ticket_subject": f"Benchmark ticket {i}",
                    "ticket_message": "Created by benchmarks/api.py.",
                    "ticket_priority": "high",
                },
            ),
            201,
        )
        if not bench.created:  # the replies scenario needs a ticket of its own
            bench.only.append("POST /api/tickets")
            bench.measure(
                "POST /api/tickets",
                20,
                lambda i: bench.http.post(
                    "/api/tickets",
                    {
                        "ticket_clientid": client.pk,
                        "ticket_categoryid": department.pk,
                        "ticket_subject": "Benchmark ticket",
                        "ticket_message": "x",
                        "ticket_priority": "high",
                    },
                ),
                201,
            )
        target = bench.created[-1]
        bench.measure(
            "POST /api/tickets/{id}/replies",
            20,
            lambda i: bench.http.post(
                f"/api/tickets/{target}/replies", {"ticketreply_text": f"Benchmark reply {i}."}
            ),
            201,
        )
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
