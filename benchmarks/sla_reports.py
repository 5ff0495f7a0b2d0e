"""Benchmark the service level reports (reports/sla.py) on a large PostgreSQL database.

Over one year by day it times the SLA targets report (the ORM function, including
turning rows into the report) against the same statement written by hand in SQL and run
through psycopg, and the breaches list (its count and first page, and a page deep in
it); then the two API endpoints and the Reports page for that year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_copy \\
        .venv/bin/python benchmarks/sla_reports.py [--fill] [--repeat 9] [--explain]

`--fill` gives a database without settled targets (a copy of the seed_demo one) the
targets the SLA clock would have left on its tickets under two calendar-hour policies,
"Standard" (priority normal: first response 4 h, resolution 72 h) and "Priority" (high
and urgent: 1 h and 24 h): a first response met at the ticket's first response, stopped
if it was solved unanswered; a resolution met at its final close; a breach recorded at
the due time of each target met late or still running past it. Only on a database
whose table of ticket targets is empty: never on one the clock keeps.

Targets (docs/reports.md): each report under 300 ms p50 and within 2x of the
hand-written SQL; the Reports page for a year under 1 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reports import sla  # noqa: E402
from reports.periods import ReportFilters  # noqa: E402
from sla.models import SlaPolicy, SlaTargetKind  # noqa: E402

# (name, priorities, first response hours, resolution hours)
POLICIES = [("Standard", [1], 4, 72), ("Priority", [2, 3], 1, 24)]

FILL = """
    INSERT INTO sla_ticketslatarget (ticket_id, policy_id, kind, business_hours, target_seconds,
                                     state, started_at, due_at, met_at, breached_at)
    SELECT t.id, %(policy)s, k.kind, false, k.seconds,
           CASE WHEN k.done_at IS NOT NULL THEN 'met'
                WHEN k.kind = 'first_response' AND t.resolved_at IS NOT NULL THEN 'stopped'
                ELSE 'active' END,
           t.created_at, k.due_at,
           k.done_at,
           CASE WHEN coalesce(k.done_at, CASE WHEN k.kind = 'first_response'
                                              THEN t.resolved_at END, now()) > k.due_at
                THEN k.due_at END
    FROM tickets_ticket t
    CROSS JOIN LATERAL (VALUES
        ('first_response', %(first)s, t.created_at + make_interval(secs => %(first)s),
         t.first_response_at),
        ('resolution', %(resolution)s, t.created_at + make_interval(secs => %(resolution)s),
         t.resolved_at)
    ) AS k(kind, seconds, due_at, done_at)
    WHERE t.priority = ANY(%(priorities)s)
"""

# What sla.sla_targets runs, written by hand (the policies' names are a second, tiny query).
TARGETS_SQL = """
    SELECT t.policy_id, t.kind,
           date_trunc('day', coalesce(t.breached_at, t.met_at) AT TIME ZONE %(tz)s) AS period,
           count(t.policy_id) FILTER (
               WHERE t.breached_at IS NULL AND t.met_at IS NOT NULL
                     AND (t.due_at IS NULL OR t.met_at <= t.due_at)) AS met,
           count(t.policy_id) FILTER (
               WHERE t.breached_at IS NOT NULL OR t.met_at > t.due_at) AS breached
    FROM sla_ticketslatarget t
    WHERE coalesce(t.breached_at, t.met_at) >= %(start)s
      AND coalesce(t.breached_at, t.met_at) < %(end)s
      AND NOT EXISTS (SELECT 1 FROM tickets_ticket s WHERE s.id = t.ticket_id AND s.is_spam)
    GROUP BY 1, 2, 3"""


def fill() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM sla_ticketslatarget)")
        if cursor.fetchone()[0]:
            sys.exit("--fill: the database already has ticket targets; nothing filled.")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for position, (name, priorities, first, resolution) in enumerate(POLICIES):
            policy = SlaPolicy.objects.create(name=name, position=position, priorities=priorities)
            for kind, hours in (
                (SlaTargetKind.FIRST_RESPONSE, first),
                (SlaTargetKind.RESOLUTION, resolution),
            ):
                policy.targets.create(kind=kind, minutes=hours * 60, business_hours=False)
            cursor.execute(
                FILL,
                {
                    "policy": policy.pk,
                    "first": first * 3600,
                    "resolution": resolution * 3600,
                    "priorities": priorities,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sla_ticketslatarget")
        cursor.execute("SELECT count(*) FROM sla_ticketslatarget")
        count = cursor.fetchone()[0]
    print(f"filled {count:,} ticket targets in {time.perf_counter() - started:.0f} s")


def p50_interleaved(functions, repeat: int) -> list[float]:
    """Median ms of each function, run in turns so that load on a shared machine
    affects them alike."""
    for function in functions:
        function()  # warm up: caches, plans, connection
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, times in zip(functions, timings, strict=True):
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--date-to", type=datetime.date.fromisoformat, default=None)
    parser.add_argument("--timezone", default="UTC")
    parser.add_argument("--days", type=int, default=365, help="the range's days (a year)")
    parser.add_argument("--fill", action="store_true", help="fill an empty targets table first")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each ORM query")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")
    settings.DEBUG = False  # no query log growing in memory
    if args.fill:
        fill()

    from zoneinfo import ZoneInfo

    tz = ZoneInfo(args.timezone)
    date_to = args.date_to or datetime.datetime.now(tz).date()
    filters = ReportFilters(
        date_from=date_to - datetime.timedelta(days=args.days - 1),
        date_to=date_to,
        group_by="day",
        timezone=tz,
    )
    params = {"start": filters.start, "end": filters.end, "tz": args.timezone}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE breached_at IS NOT NULL OR met_at > due_at) "
            "FROM sla_ticketslatarget WHERE breached_at IS NOT NULL OR met_at IS NOT NULL"
        )
        settled, breached = cursor.fetchone()
    print(
        f"{settled:,} settled targets, {breached:,} breached; {filters.date_from} to "
        f"{filters.date_to} by day in {args.timezone}; p50 of {args.repeat} runs"
    )

    dsn = connection.get_connection_params()
    raw = psycopg.connect(
        **{key: value for key, value in dsn.items() if key not in {"cursor_factory", "context"}}
    )

    def run(sql):
        with raw.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    def first_page():
        breaches = sla.breaches(filters)
        breaches.count()
        list(breaches[:25])

    def deep_page():
        list(sla.breaches(filters)[25 * 199 : 25 * 200])

    orm_ms, sql_ms, first_ms, deep_ms = p50_interleaved(
        [lambda: sla.sla_targets(filters), lambda: run(TARGETS_SQL), first_page, deep_page],
        args.repeat,
    )
    raw.close()
    if args.explain:
        with CaptureQueriesContext(connection) as captured:
            sla.sla_targets(filters)
            first_page()
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n" + "\n".join(line for (line,) in cursor.fetchall()))

    def verdict(ms: float, by_hand_ms: float | None = None) -> str:
        ok = ms < 300 and (by_hand_ms is None or ms <= 2 * by_hand_ms)
        return "ok" if ok else "MISSED"

    print(f"\n{'report':<28}{'ORM p50 ms':>12}{'SQL p50 ms':>12}{'ratio':>8}  target")
    print(
        f"{'sla_targets':<28}{orm_ms:>12.1f}{sql_ms:>12.1f}{orm_ms / sql_ms:>8.2f}"
        f"  {verdict(orm_ms, sql_ms)}"
    )
    print(f"{'breaches: count + page 1':<28}{first_ms:>12.1f}{'':>20}  {verdict(first_ms)}")
    print(f"{'breaches: page 200':<28}{deep_ms:>12.1f}{'':>20}  {verdict(deep_ms)}")

    time_pages(filters, args.timezone, args.repeat)


def time_pages(filters: ReportFilters, tz_name: str, repeat: int) -> None:
    """The two endpoints and the Reports page for the range, as an agent."""
    agent = get_user_model().objects.filter(is_staff=True, is_active=True).first()
    if agent is None:
        sys.exit("No active agent to call the API and view the page as.")
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    query = f"date_from={filters.date_from}&date_to={filters.date_to}&timezone={tz_name}"

    def get(url: str):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    pages = [
        ("GET sla/targets", f"/api/reports/sla/targets?{query}&group_by=day"),
        ("GET sla/breaches", f"/api/reports/sla/breaches?{query}"),
        ("Reports page", f"/reports/?{query}&group_by=day"),
    ]
    timings = p50_interleaved([get(url) for _, url in pages], max(3, repeat // 2))
    print()
    for (name, _), ms in zip(pages, timings, strict=True):
        limit = 1000 if name.startswith("Reports") else 300
        print(f"{name:<28}{ms:>12.1f}{'':>20}  {'ok' if ms < limit else 'MISSED'} (< {limit} ms)")


if __name__ == "__main__":
    main()
