"""Time the LiveChat ticket reports against the native reports they reshape.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python -u -W ignore benchmarks/livechat_reports.py [--repeat 15]

For each of the seven reports of LiveChat's v2 API over one year by day, it requests
`GET /compat/livechat/reports/tickets/<report>` (HTTP Basic with an agent's login and API
key, `X-API-Version: 2`) and `GET /api/reports/tickets/<report>` (Bearer key) with the same
range, grouping and time zone, in turns, in-process (Django's test Client through the
whole stack: middleware, authentication, throttling, DRF, the database; production
settings), and prints the p50 of each, their ratio and the number of queries.

Target (issue 14): each LiveChat report within 1.2x of the native one. The script creates
a `bench_livechat` agent and an API key, and deletes the key at the end.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# Production settings (DEBUG off: no query log, no debug pages), reachable as localhost.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
# The benchmark sends far more than the default requests a minute.
os.environ.setdefault("API_RATE_LIMIT", "1000000/minute")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.reports import p50_interleaved  # noqa: E402
from tickets.models import ApiKey, Rating, Ticket  # noqa: E402

BENCH_AGENT = "bench_livechat"
REPORTS = [
    "new_tickets",
    "first_response_time",
    "resolution_time",
    "solved_tickets",
    "ratings",
    "ratings/ranking",
    "ticket_sources",
]
TARGET_RATIO = 1.2


def count_queries(request) -> int:
    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        request()
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="measured requests of each")
    parser.add_argument("--date-to", type=datetime.date.fromisoformat, default=None)
    parser.add_argument("--timezone", default="UTC")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")

    date_to = args.date_to or datetime.datetime.now(ZoneInfo(args.timezone)).date()
    params = {
        "date_from": (date_to - datetime.timedelta(days=364)).isoformat(),
        "date_to": date_to.isoformat(),
        "group_by": "day",
        "timezone": args.timezone,
    }
    print(
        f"{Ticket.objects.count():,} tickets, {Rating.objects.count():,} ratings "
        f"({connection.settings_dict['NAME']}); {params['date_from']} to {params['date_to']} "
        f"by day in {args.timezone}; p50 of {args.repeat} requests of each, in turns\n"
    )

    agent, _ = get_user_model().objects.get_or_create(
        username=BENCH_AGENT,
        defaults={"is_staff": True, "first_name": "Bench", "email": "bench_livechat@example.com"},
    )
    key, raw_key = ApiKey.generate(agent=agent, name="benchmarks/livechat_reports.py")
    basic = base64.b64encode(f"{agent.username}:{raw_key}".encode()).decode()
    livechat = Client(
        HTTP_AUTHORIZATION=f"Basic {basic}", HTTP_X_API_VERSION="2", HTTP_HOST="localhost"
    )
    native = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_HOST="localhost")

    def requester(client: Client, url: str):
        def request() -> None:
            response = client.get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")

        return request

    rows = []
    try:
        for report in REPORTS:
            compat = requester(livechat, f"/compat/livechat/reports/tickets/{report}")
            ours = requester(native, f"/api/reports/tickets/{report}")
            compat_ms, native_ms = p50_interleaved([compat, ours], args.repeat)
            rows.append((report, compat_ms, native_ms, count_queries(compat), count_queries(ours)))
            print(f"  {report}: {compat_ms:.1f} ms / {native_ms:.1f} ms")
    finally:
        key.delete()

    print(
        f"\n{'report':<22}{'LiveChat p50':>14}{'native p50':>12}{'ratio':>8}"
        f"{'queries':>10}  target (<= {TARGET_RATIO}x)"
    )
    for report, compat_ms, native_ms, compat_queries, native_queries in rows:
        ratio = compat_ms / native_ms
        verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
        print(
            f"{report:<22}{compat_ms:>11.1f} ms{native_ms:>9.1f} ms{ratio:>8.2f}"
            f"{f'{compat_queries}/{native_queries}':>10}  {verdict}"
        )


if __name__ == "__main__":
    main()
