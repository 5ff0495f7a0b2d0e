"""What triggers cost a reply, and what one automation run over every ticket takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_automations \\
        .venv/bin/python -u -W ignore benchmarks/automations.py [--replies 200] [--skip-run]

Run it on a copy of the 1,000,000-ticket database (it changes tickets: see
benchmarks/README.md). Two measures:

1. An agent's reply through `services.post_reply` (with its reactions, inside its
   transaction, rolled back afterwards so that the ticket stays as it was), with no active
   trigger and with ten active triggers whose conditions read the priority, the status, the
   tags, the subject, the channel, the requester's domain and the reply's text (none
   matches: the cost of checking). The two are measured in alternating blocks so that load
   on the machine weighs on both alike. Target (issue 18): p50 at most 5 ms more.
2. One run of an automation (`runs.run`) over the whole database, then a second run, which
   finds what the first did done: `--automation close-pending` closes the tickets pending for
   7 days (a quarter of the demo database), `stale-open` raises the priority of the open
   tickets not updated for 30 days. Target: under 30 s.
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

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from automations import runs, triggers  # noqa: E402
from automations.models import Automation, Trigger  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Channel, Ticket  # noqa: E402
from tickets.statuses import FixedStatus  # noqa: E402

BLOCK = 20
PREFIX = "bench-automations "


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def ten_triggers() -> list[Trigger]:
    Trigger.objects.filter(name__startswith=PREFIX).delete()
    conditions = [
        [
            {"field": "priority", "op": "is", "value": "urgent"},
            {"field": "status", "op": "changed"},
        ],
        [{"field": "tags", "op": "contains", "value": "bench-vip"}],
        [{"field": "subject", "op": "contains", "value": "zzqx"}],
        [{"field": "reply_text", "op": "contains", "value": "refund please"}],
        [{"field": "channel", "op": "is", "value": "email"}],
        [{"field": "requester_domain", "op": "is", "value": "bench.invalid"}],
        [{"field": "status_category", "op": "is", "value": "solved"}],
        [{"field": "assignee", "op": "changed"}],
        [{"field": "message", "op": "contains", "value": "zzqx"}],
        [{"field": "team", "op": "changed_to", "value": None}],
    ]
    made = []
    for number, condition in enumerate(conditions):
        made.append(
            Trigger.objects.create(
                name=f"{PREFIX}{number}",
                position=1000 + number,
                is_active=False,
                conditions=condition,
                actions=[{"action": "add_tags", "value": ["bench-matched"]}],
            )
        )
    return made


def one_reply(ticket: Ticket, agent) -> tuple[float, float]:
    """Milliseconds of one reply, rolled back: wall time, and this process's CPU time."""
    started, started_cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        services.post_reply(ticket=ticket, text="We are on it.", author=agent, channel=Channel.WEB)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - started_cpu) * 1000
        transaction.set_rollback(True)
    return elapsed, cpu


def set_active(made: list[Trigger], active: bool) -> None:
    Trigger.objects.filter(pk__in=[t.pk for t in made]).update(is_active=active)
    triggers.forget()


def reply_cost(replies: int) -> None:
    agent, _ = get_user_model().objects.get_or_create(
        username="bench_automations", defaults={"is_staff": True, "email": "b@bench.invalid"}
    )
    ticket = Ticket.objects.filter(status_id=FixedStatus.OPEN).order_by("-pk").first()
    made = ten_triggers()
    timings: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    queries: dict[bool, int] = {}
    try:
        for block in range(max(2, 2 * replies // (2 * BLOCK))):
            active = block % 2 == 1
            set_active(made, active)
            for _ in range(2):  # warm-up: the triggers' reload, the connection
                one_reply(ticket, agent)
            for _ in range(BLOCK):
                wall, used = one_reply(ticket, agent)
                timings[active].append(wall)
                cpu[active].append(used)
            with CaptureQueriesContext(connection) as captured:
                one_reply(ticket, agent)
            queries[active] = len(captured.captured_queries)
    finally:
        Trigger.objects.filter(pk__in=[t.pk for t in made]).delete()
        triggers.forget()
    p50 = {active: statistics.median(values) for active, values in timings.items()}
    cpu50 = {active: statistics.median(values) for active, values in cpu.items()}
    print(f"Reply (services.post_reply), {len(timings[False])} of each, load {load_average()}")
    for active, label in ((False, "no active trigger:  "), (True, "ten active triggers:")):
        print(
            f"  {label} p50 {p50[active]:7.2f} ms (Python CPU {cpu50[active]:6.2f} ms), "
            f"{queries[active]} queries"
        )
    print(
        f"  difference:          p50 {p50[True] - p50[False]:+7.2f} ms "
        f"(Python CPU {cpu50[True] - cpu50[False]:+6.2f} ms; target <= 5 ms)"
    )


AUTOMATIONS = {
    "close-pending": {
        "name": f"{PREFIX}close pending for 7 days",
        "since": Automation.Since.PENDING,
        "hours": 7 * 24,
        "conditions": [],
        "actions": [{"action": "set_status", "value": FixedStatus.CLOSED}],
    },
    "stale-open": {
        "name": f"{PREFIX}raise open tickets not updated for 30 days",
        "since": Automation.Since.UPDATED,
        "hours": 30 * 24,
        "conditions": [{"field": "status_category", "op": "is", "value": "open"}],
        "actions": [{"action": "set_priority", "value": "high"}],
    },
}


def automation_run(which: str) -> None:
    """The automation is kept between runs of the script (its firings with it), so that a
    run stopped halfway goes on where it stopped."""
    fields = dict(AUTOMATIONS[which])
    automation, _ = Automation.objects.get_or_create(name=fields.pop("name"), defaults=fields)
    print(f"{automation.name}: run over {Ticket.objects.count():,} tickets, load {load_average()}")
    first = runs.run(automation)
    rate = first.tickets / first.seconds if first.seconds else 0
    print(f"  first run:  {first} ({rate:,.0f} tickets/s)")
    second = runs.run(automation)
    print(f"  second run: {second} (target < 30 s), load {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=200, help="replies of each kind")
    parser.add_argument("--skip-run", action="store_true", help="measure the replies only")
    parser.add_argument("--skip-replies", action="store_true", help="measure the run only")
    parser.add_argument("--automation", choices=sorted(AUTOMATIONS), default="close-pending")
    args = parser.parse_args()
    if not args.skip_replies:
        reply_cost(args.replies)
    if not args.skip_run:
        automation_run(args.automation)


if __name__ == "__main__":
    main()
