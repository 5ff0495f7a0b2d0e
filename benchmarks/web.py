"""Server time of the agent workspace's busiest pages, measured in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python benchmarks/web.py [--runs 50] [--search WORD]

Each page is requested through Django's test client, with the whole middleware
stack, the queries and the template rendering: what a WSGI worker spends on it,
minus the network. Sessions live in the local-memory cache so that the benchmark
writes nothing to the database. Prints p50 and p95 in milliseconds per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from tickets.counts import SHARED_COUNTS_KEY  # noqa: E402
from tickets.models import Contact, Ticket  # noqa: E402


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(
    client: Client, url: str, runs: int, warmup: int = 3, before=None
) -> tuple[list[float], list[float], int]:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    timings, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    # Counted on one more request, apart: capturing queries slows them down.
    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return timings, cpu, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--search", default="invoice", help="The word to search for.")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL; the target is for PostgreSQL.", file=sys.stderr)
    agent = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("id").first()
    if agent is None:
        raise SystemExit("The database has no active agent; seed it first (manage.py seed_demo).")
    busiest = Ticket.objects.order_by("-replies_count").values_list("pk", flat=True).first()
    total = Ticket.objects.count()
    # The global search's lookups: a requester's email and name, a client's name, a number.
    person = Contact.objects.filter(requested_tickets=busiest).select_related("client").first()
    person = person or Contact.objects.select_related("client").order_by("pk").first()
    if person is None:
        raise SystemExit("The database has no contact; seed it first (manage.py seed_demo).")
    first_name = person.name.split()[0]
    client_word = person.client.name.split()[0]

    pages = [
        ("queue, default view (my open tickets)", "/"),
        ("queue, all tickets", "/?active_state=active"),
        ("queue, all open, waited longest first", "/?status=open&sort=waiting"),
        (f"queue, search {args.search!r}", f"/?search={args.search}"),
        ("queue, search 'webhook' (fewer matches)", "/?search=webhook"),
        ("queue, search with no match 'zebra'", "/?search=zebra"),
        (f"queue, search an email {person.email!r}", f"/?search={quote(person.email)}"),
        (f"queue, search a name {person.name!r}", f"/?search={quote(person.name)}"),
        (f"queue, search a first name {first_name!r}", f"/?search={first_name}"),
        (f"queue, search a client {client_word!r}", f"/?search={client_word}"),
        (f"queue, htmx search a number #{busiest}", f"/?search=%23{busiest}"),
        ("queue, my open tickets", "/?assignee=me&status=open"),
        ("queue, urgent, sorted by priority", "/?priority=urgent&sort=-priority"),
        ("queue, page 20", "/?page=20"),
        ("queue, htmx filter fragment", "/?status=5"),
        ("ticket page (most replies)", f"/tickets/{busiest}/"),
        ("ticket's other tickets (loaded after)", f"/tickets/{busiest}/requester-tickets/"),
        ("sidebar counts, computed (loaded after)", "/queue/counts/"),
    ]
    # The counts are measured as computed, not as read from the cache.
    uncached = {"/queue/counts/": lambda: cache.delete(SHARED_COUNTS_KEY)}
    with override_settings(
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        ALLOWED_HOSTS=["*"],
        # Production's manifest storage needs collectstatic; its lookup is a dict access.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        client = Client()
        client.force_login(agent)
        print(
            f"{total:,} tickets on {connection.vendor} "
            f"({settings.DATABASES['default']['NAME']}), agent {agent.get_username()}, "
            f"{args.runs} runs per page after 3 warm-up runs"
        )
        print(f"load average before: {load_average()}")
        print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'queries':>8}")
        for label, url in pages:
            if label.startswith("queue, htmx"):
                client.defaults["HTTP_HX_REQUEST"] = "true"
            timings, cpu, queries = measure(client, url, args.runs, before=uncached.get(url))
            client.defaults.pop("HTTP_HX_REQUEST", None)
            print(
                f"{label:42} {statistics.median(timings):8.1f} "
                f"{percentile(timings, 0.95):8.1f} {statistics.median(cpu):8.1f} {queries:8d}"
            )
        print(f"load average after: {load_average()}")
        print(
            "p50/p95: server time per request (Python and database); "
            "CPU p50: this Python process's CPU time alone."
        )


if __name__ == "__main__":
    main()
