"""What webhooks cost a reply: an agent's reply with no endpoint, and with three endpoints
subscribed to `reply.added`, measured in-process on a COPY of the benchmark database.

    createdb -h 127.0.0.1 -U postgres -T helpdesk_bench helpdesk_bench_webhooks
    DATABASE_STATEMENT_TIMEOUT=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_webhooks \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_webhooks \\
        .venv/bin/python -u -W ignore benchmarks/webhooks.py [--runs 200]

Each reply is `services.post_reply` on a random ticket, committed, with what its commit
queues (the database task backend: one task row per delivery, as in production; no worker
runs, so nothing is sent). The two cases take turns, so that load on the machine weighs on
both alike. It writes replies, deliveries and task rows: never run it on the database you
keep (it refuses `helpdesk_bench` itself). At the end it deletes its endpoints, their
deliveries and the tasks it queued; the replies stay (drop the copy).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from tickets import services  # noqa: E402
from tickets.agents import agents  # noqa: E402
from tickets.models import Channel, Ticket  # noqa: E402
from webhooks import publishing  # noqa: E402
from webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="replies in each case")
    options = parser.parse_args()
    if connection.settings_dict["NAME"] == "helpdesk_bench":
        raise SystemExit("Run this on a copy of helpdesk_bench, never on it (see the docstring).")

    agent = agents().order_by("pk").first()
    if agent is None:
        raise SystemExit("The database has no agent.")
    max_id = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = list(Ticket.objects.filter(pk__gte=max_id - 50_000).values_list("pk", flat=True))
    if WebhookEndpoint.objects.exists():
        raise SystemExit("The database has webhook endpoints already: use a fresh copy.")
    endpoints = [
        WebhookEndpoint.objects.create(
            name=f"bench {n}", url=f"https://hooks{n}.example.com/in", events=["reply.added"]
        )
        for n in range(3)
    ]
    started_at = timezone.now()
    random.seed(1)
    timings: dict[str, list[float]] = {"no endpoint": [], "3 endpoints": []}
    queries: dict[str, int] = {}
    try:
        for run in range(options.runs + 5):  # 5 warm-up turns
            for case in timings:
                active = case == "3 endpoints"
                WebhookEndpoint.objects.update(is_active=active)
                publishing.forget_subscriptions()
                publishing.subscribed_events()  # a warm cache, as in a serving process
                ticket = Ticket.objects.get(pk=random.choice(ids))
                started = time.perf_counter()
                services.post_reply(
                    ticket=ticket,
                    text=f"Bench reply {run}",
                    author=agent,
                    channel=Channel.API,
                    notify=False,
                )
                elapsed = (time.perf_counter() - started) * 1000
                if run >= 5:
                    timings[case].append(elapsed)
        for case in timings:
            WebhookEndpoint.objects.update(is_active=case == "3 endpoints")
            publishing.forget_subscriptions()
            publishing.subscribed_events()
            ticket = Ticket.objects.get(pk=random.choice(ids))
            with CaptureQueriesContext(connection) as captured:
                services.post_reply(
                    ticket=ticket,
                    text="Bench reply",
                    author=agent,
                    channel=Channel.API,
                    notify=False,
                )
            queries[case] = len(captured.captured_queries)
    finally:
        deliveries = WebhookDelivery.objects.filter(endpoint__in=endpoints).count()
        WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints]).delete()
        removed, _ = DBTaskResult.objects.filter(
            task_path="webhooks.tasks.deliver_webhook", enqueued_at__gte=started_at
        ).delete()
        publishing.forget_subscriptions()

    print(
        f"{connection.settings_dict['NAME']}: {len(ids)} tickets sampled, {options.runs} replies "
        f"per case, load average {load_average()}"
    )
    print(f"{'case':<14}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'queries':>9}")
    for case, values in timings.items():
        print(
            f"{case:<14}{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{statistics.mean(values):>9.1f}{queries[case]:>9}"
        )
    print(f"{deliveries} deliveries made and {removed} tasks queued, then deleted.")


if __name__ == "__main__":
    main()
