"""Benchmark the ticket reports on a large PostgreSQL database.

For each report over one year by day it times the ORM function (reports.queries,
including turning rows into the report) against the same aggregation written by
hand in SQL and run through psycopg, in the same run, and prints the p50 of each
and their ratio; and, for comparison, the textbook GROUP BY of every row's local
day, also by hand. Then it times the dashboard page for the same year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python benchmarks/reports.py [--repeat 9] [--date-to 2026-11-22] [--explain]

Targets (docs/reports.md): each report under 300 ms p50 and within 2x of the
hand-written SQL; the dashboard page for a year under 1 s.
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reports import queries  # noqa: E402
from reports.periods import ReportFilters  # noqa: E402

TRUNC = "date_trunc('day', {column} AT TIME ZONE %(tz)s)"
# The durations the database stores beside the times they come from (Ticket's
# GeneratedFields), which the reports' indexes include.
SECONDS = {"first_response_at": "first_response_seconds", "resolved_at": "resolution_seconds"}
DAYS = (
    "unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[]) WITH ORDINALITY "
    "AS period(starts_at, ends_at, number)"
)


def in_period(column: str) -> str:
    return f"{column} >= period.starts_at AND {column} < period.ends_at"


def duration_sql(end: str) -> str:
    seconds = SECONDS[end]
    return f"""
        SELECT period.number, figures.* FROM {DAYS} CROSS JOIN LATERAL (
            SELECT count(*), avg({seconds}),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY {seconds})
            FROM tickets_ticket WHERE NOT is_spam AND {in_period(end)}) AS figures"""


def grouped_duration_sql(end: str) -> str:
    seconds = SECONDS[end]
    return f"""
        SELECT {TRUNC.format(column=end)} AS period, count(*), avg({seconds}),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {seconds})
        FROM tickets_ticket
        WHERE NOT is_spam AND {end} >= %(start)s AND {end} < %(end)s
        GROUP BY 1"""


RANKING = """
        SELECT r.agent_id, u.username, u.first_name, u.last_name, u.email,
               count(*) FILTER (WHERE r.value = 'good') AS good,
               count(*) FILTER (WHERE r.value = 'bad') AS bad, count(*) AS total
        FROM tickets_rating r JOIN auth_user u ON u.id = r.agent_id
        WHERE r.created_at >= %(start)s AND r.created_at < %(end)s
        GROUP BY r.agent_id, u.username, u.first_name, u.last_name, u.email
        ORDER BY count(*) FILTER (WHERE r.value = 'good')::double precision / count(*) DESC,
                 total DESC, u.username, r.agent_id"""

# What the ORM functions run, written by hand: an aggregate per day over an index range.
HAND_WRITTEN = {
    "new_tickets": f"""
        SELECT period.number, figures.* FROM {DAYS} CROSS JOIN LATERAL (
            SELECT count(*) FROM tickets_ticket
            WHERE NOT is_spam AND {in_period("created_at")}) AS figures""",
    "solved_tickets": f"""
        SELECT period.number, figures.* FROM {DAYS} CROSS JOIN LATERAL (
            SELECT count(*) FROM tickets_ticket
            WHERE NOT is_spam AND {in_period("resolved_at")}) AS figures""",
    "first_response_time": duration_sql("first_response_at"),
    "resolution_time": duration_sql("resolved_at"),
    "ratings": f"""
        SELECT period.number, figures.* FROM {DAYS} CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE value = 'good'), count(*) FILTER (WHERE value = 'bad')
            FROM tickets_rating WHERE {in_period("created_at")}) AS figures""",
    "ratings_ranking": RANKING,
    "ticket_sources": f"""
        SELECT period.number, figures.* FROM {DAYS} CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE source = 'web'),
                   count(*) FILTER (WHERE source = 'email'),
                   count(*) FILTER (WHERE source = 'api')
            FROM tickets_ticket WHERE NOT is_spam AND {in_period("created_at")}) AS figures""",
    # The first day also counts everything before the range (its start is -infinity).
    "backlog": f"""
        SELECT period.number, created.count - resolved.count FROM {
        DAYS.replace("%(starts)s", "%(backlog_starts)s")
    }
        CROSS JOIN LATERAL (SELECT count(*) FROM tickets_ticket
                            WHERE NOT is_spam AND {in_period("created_at")}) AS created
        CROSS JOIN LATERAL (SELECT count(*) FROM tickets_ticket
                            WHERE NOT is_spam AND {in_period("resolved_at")}) AS resolved""",
}

# The textbook form: every row converted to its local day, then grouped.
GROUPED = {
    "new_tickets": f"""
        SELECT {TRUNC.format(column="created_at")} AS period, count(*)
        FROM tickets_ticket
        WHERE NOT is_spam AND created_at >= %(start)s AND created_at < %(end)s
        GROUP BY 1""",
    "solved_tickets": f"""
        SELECT {TRUNC.format(column="resolved_at")} AS period, count(*)
        FROM tickets_ticket
        WHERE NOT is_spam AND resolved_at >= %(start)s AND resolved_at < %(end)s
        GROUP BY 1""",
    "first_response_time": grouped_duration_sql("first_response_at"),
    "resolution_time": grouped_duration_sql("resolved_at"),
    "ratings": f"""
        SELECT {TRUNC.format(column="created_at")} AS period,
               count(*) FILTER (WHERE value = 'good'), count(*) FILTER (WHERE value = 'bad')
        FROM tickets_rating
        WHERE created_at >= %(start)s AND created_at < %(end)s
        GROUP BY 1""",
    "ratings_ranking": RANKING,
    "ticket_sources": f"""
        SELECT {TRUNC.format(column="created_at")} AS period, source, count(*)
        FROM tickets_ticket
        WHERE NOT is_spam AND created_at >= %(start)s AND created_at < %(end)s
        GROUP BY 1, 2""",
    "backlog": """
        SELECT date_trunc('day', greatest(created_at, %(start)s) AT TIME ZONE %(tz)s), count(*)
        FROM tickets_ticket WHERE NOT is_spam AND created_at < %(end)s GROUP BY 1
        UNION ALL
        SELECT date_trunc('day', greatest(resolved_at, %(start)s) AT TIME ZONE %(tz)s), -count(*)
        FROM tickets_ticket WHERE NOT is_spam AND resolved_at < %(end)s GROUP BY 1""",
}

ORM = {
    "new_tickets": queries.new_tickets,
    "solved_tickets": queries.solved_tickets,
    "first_response_time": queries.first_response_time,
    "resolution_time": queries.resolution_time,
    "ratings": queries.ratings,
    "ratings_ranking": queries.ratings_ranking,
    "ticket_sources": queries.ticket_sources,
    "backlog": queries.backlog,
}


def p50(function, repeat: int) -> float:
    return p50_interleaved([function], repeat)[0]


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
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each ORM query")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")
    settings.DEBUG = False  # no query log growing in memory

    from zoneinfo import ZoneInfo

    tz = ZoneInfo(args.timezone)
    date_to = args.date_to or datetime.datetime.now(tz).date()
    filters = ReportFilters(
        date_from=date_to - datetime.timedelta(days=364),
        date_to=date_to,
        group_by="day",
        timezone=tz,
    )
    # Each day's first instant, local midnight, worked out here rather than by the app.
    midnights = [
        datetime.datetime.combine(
            filters.date_from + datetime.timedelta(days=n), datetime.time(), tz
        )
        for n in range(filters.days + 1)
    ]
    params = {
        "start": filters.start,
        "end": filters.end,
        "tz": args.timezone,
        "starts": midnights[:-1],
        "ends": midnights[1:],
        "backlog_starts": [datetime.datetime.min.replace(tzinfo=datetime.UTC), *midnights[1:-1]],
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_rating")
        ratings = cursor.fetchone()[0]
    print(
        f"{tickets:,} tickets, {ratings:,} ratings; {filters.date_from} to {filters.date_to} "
        f"by day in {args.timezone}; p50 of {args.repeat} runs"
    )

    dsn = connection.get_connection_params()
    raw = psycopg.connect(
        **{key: value for key, value in dsn.items() if key not in {"cursor_factory", "context"}}
    )
    rows = []
    for name, function in ORM.items():

        def run(sql):
            with raw.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        orm_ms, sql_ms, grouped_ms = p50_interleaved(
            [
                lambda function=function: function(filters),
                lambda sql=HAND_WRITTEN[name]: run(sql),
                lambda sql=GROUPED[name]: run(sql),
            ],
            args.repeat,
        )
        rows.append((name, orm_ms, sql_ms, grouped_ms))
        if args.explain:
            with CaptureQueriesContext(connection) as captured:
                function(filters)
            for query in captured.captured_queries:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print(f"\n-- {name}\n" + "\n".join(line for (line,) in cursor.fetchall()))
    raw.close()

    print(
        f"\n{'report':<22}{'ORM p50 ms':>12}{'SQL p50 ms':>12}{'ratio':>8}"
        f"{'GROUP BY ms':>13}  target"
    )
    for name, orm_ms, sql_ms, grouped_ms in rows:
        ok = "ok" if orm_ms < 300 and orm_ms <= 2 * sql_ms else "MISSED"
        print(
            f"{name:<22}{orm_ms:>12.1f}{sql_ms:>12.1f}{orm_ms / sql_ms:>8.2f}{grouped_ms:>13.1f}"
            f"  {ok}"
        )

    agent = get_user_model().objects.filter(is_staff=True, is_active=True).first()
    if agent is None:
        sys.exit("No active agent to view the dashboard as.")
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    url = (
        f"/reports/?date_from={filters.date_from}&date_to={filters.date_to}"
        f"&group_by=day&timezone={args.timezone}"
    )

    def dashboard():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    page_ms = p50(dashboard, max(3, args.repeat // 2))
    ok = "ok" if page_ms < 1000 else "MISSED"
    print(f"\n{'dashboard page (year)':<22}{page_ms:>12.1f}{'':>12}{'':>8}  {ok} (< 1000 ms)")


if __name__ == "__main__":
    main()
