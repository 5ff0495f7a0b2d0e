"""The queue sorted by next SLA breach, on the web and in the API, on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla \\
        .venv/bin/python benchmarks/sla.py [--prepare] [--runs 50]

Run it on a copy of the 1,000,000-ticket database (see benchmarks/README.md), never on the
shared one: `--prepare` adds the demo SLA policies (sla.demo) and sets every open ticket's
targets with `recompute_sla`'s function, timing it. Then each page and endpoint is
requested in-process through Django's whole stack (as benchmarks/web.py and api.py do)
and its p50 and p95 are printed in milliseconds against the goal (p50 < 100 ms), with a
run of the breach task (which reads the due targets only) at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("API_RATE_LIMIT", "1000000/minute")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from sla import breaches, demo, recompute  # noqa: E402
from sla.models import TicketSlaTarget  # noqa: E402
from tickets.models import ApiKey, Ticket  # noqa: E402

GOAL_MS = 100.0
BENCH_AGENT = "bench_sla"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), percentile(timings, 0.95), len(queries.captured_queries)


def prepare() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    demo.ensure_demo_policies()
    started = time.perf_counter()
    count = recompute.recompute(progress=lambda done: print(f"  {done:,} tickets…"))
    elapsed = time.perf_counter() - started
    print(f"recompute_sla: {count:,} open tickets in {elapsed:.1f} s ({count / elapsed:,.0f}/s)")
    # As autovacuum would after so many updates: the counts read the index alone once the
    # visibility map is set again.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE sla_ticketslatarget")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--prepare", action="store_true", help="add policies and targets first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL; the goal is for PostgreSQL.", file=sys.stderr)
    if settings.DATABASES["default"]["NAME"] == "helpdesk_bench":
        raise SystemExit("Run this on a copy of helpdesk_bench, never on the shared database.")
    if args.prepare:
        prepare()
    now = timezone.now()
    running = Ticket.objects.filter(sla_due_at__isnull=False)
    print(
        f"{Ticket.objects.count():,} tickets on {connection.vendor} "
        f"({settings.DATABASES['default']['NAME']}): {running.count():,} with a running SLA "
        f"target, {running.filter(sla_due_at__lt=now).count():,} breached, "
        f"{TicketSlaTarget.objects.count():,} targets; {args.runs} runs per request"
    )
    agent, _ = get_user_model().objects.get_or_create(
        username=BENCH_AGENT, defaults={"is_staff": True, "first_name": "Bench"}
    )
    key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/sla.py")
    due_ticket = running.order_by("sla_due_at").values_list("pk", flat=True).first()
    pages = [
        ("web: queue, default view (baseline)", "/"),
        # Every active ticket: a sort alone shows the agent's own open tickets.
        ("web: queue by next breach", "/?active_state=active&sort=breach"),
        ("web: queue by next breach, page 20", "/?active_state=active&sort=breach&page=20"),
        ("web: my open tickets by next breach", "/?sort=breach"),
        ("web: breached, by next breach", "/?sla=breached&sort=breach"),
        ("web: due within an hour", "/?sla=due_soon&sort=breach"),
        ("web: ticket page with targets", f"/tickets/{due_ticket}/"),
    ]
    endpoints = [
        ("api: tickets, default list (baseline)", "/api/tickets?limit=25"),
        ("api: tickets by next breach", "/api/tickets?sort=sla_due&order=asc&limit=25"),
        ("api: breached", "/api/tickets?sla=breached&sort=sla_due&order=asc&limit=25"),
        ("api: due within an hour", "/api/tickets?sla=due_soon&sort=sla_due&order=asc"),
    ]
    try:
        with override_settings(
            SESSION_ENGINE="django.contrib.sessions.backends.cache",
            ALLOWED_HOSTS=["*"],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            web = Client()
            web.force_login(agent)
            api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
            print(f"{'request':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  goal")
            for client, rows in ((web, pages), (api, endpoints)):
                for label, url in rows:
                    p50, p95, queries = measure(client, url, args.runs)
                    verdict = "ok" if p50 < GOAL_MS else "MISSED"
                    print(f"{label:40} {p50:8.1f} {p95:8.1f} {queries:8d}  p50 < 100 ms {verdict}")
        started = time.perf_counter()
        recorded = breaches.record_due_breaches()
        print(
            f"breach task: {recorded} breaches recorded in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )
    finally:
        key.delete()


if __name__ == "__main__":
    main()
