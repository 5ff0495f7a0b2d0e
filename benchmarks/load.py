"""Load and soak the app over HTTP: gunicorn as docs/deploy.md runs it, many clients at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python benchmarks/load.py [--clients 32] [--duration 60] [--soak 600]

1. Starts gunicorn (`helpdesk.wsgi`, 4 workers, the timeouts of docs/deploy.md, production
   settings, the Redis cache when one answers on 127.0.0.1:6379) on a free loopback port.
2. Load: --clients threads send requests back to back for --duration seconds, a mix of
   list, filtered list, search, get, create, reply, status change and report (WEIGHTS).
3. Soak: the same mix for --soak seconds at half the load phase's rate, paced per client.
4. After each phase, checks that every write was kept: every created ticket is there with
   its "created" event; every reply is there, with its "reply added" event, and each
   replied-to ticket's replies_count equals its public replies; every status change left
   the ticket in the status last set and one "status changed" event each; and (PostgreSQL)
   the count table agrees with the tickets, combination by combination.

Prints requests per second, p50 and p99 per kind, and every error (the goal is none). The
script's agent, key, tickets and replies stay in the database (the check reads them); run
it on a benchmark database. The clients run in this process, so on a small machine they
share its cores with the server: note the load average with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tickets.models import ApiKey, Category, Reply, Ticket, TicketEvent  # noqa: E402
from tickets.models import Client as Company  # noqa: E402

BENCH_AGENT = "bench_load"
# Relative weights of the request kinds: mostly reads, as in a working day.
WEIGHTS = {
    "list": 20,
    "filtered list": 15,
    "search": 12,
    "get": 20,
    "create": 8,
    "reply": 12,
    "status change": 8,
    "report": 5,
}
FILTERS = [
    "status=1&priority=high&sort=ticket_created&order=desc",
    "active_state=active&sort=ticket_priority",
    "status=5&sort=ticket_last_updated&order=asc",
    "priority=urgent&active_state=active",
]
SEARCH_WORDS = ["webhook", "refund", "screenshot", "invoice", "password", "export"]
REPORTS = ["new_tickets", "solved_tickets", "first_response_time", "ticket_sources", "backlog"]
# Replies go to a small shared pool, so that clients contend for the same tickets' locks;
# status changes go to tickets each client owns, so that the last status it set is known.
REPLY_POOL = 200
STATUS_TICKETS_PER_CLIENT = 5
STATUS_CYCLE = (1, 3)  # Open, On Hold


@dataclass
class Writes:
    created: list[int] = field(default_factory=list)
    replies: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    status_set: dict[int, int] = field(default_factory=dict)
    status_changes: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-" + "x" * 50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The mix sends far more than the default limit per key.
        "API_RATE_LIMIT": "100000000/minute",
    }
    if "REDIS_URL" not in env and redis_answers():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    # As docs/deploy.md: the static files gathered for WhiteNoise (here in a scratch folder).
    env["STATIC_ROOT"] = env.get("STATIC_ROOT", "/tmp/helpdesk-load-static")
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "helpdesk.wsgi",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--timeout=30",
        "--graceful-timeout=30",
        "--max-requests=2000",
        "--max-requests-jitter=200",
    ]
    print(f"Starting: {' '.join(command)} (REDIS_URL={env.get('REDIS_URL', 'none')})")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


class Client:
    """One simulated API client: its own connection, its own status-change tickets."""

    def __init__(self, number: int, port: int, key: str, plan: Plan) -> None:
        self.number = number
        self.port = port
        self.headers = {"Authorization": f"Bearer {key}", "Host": "localhost"}
        self.plan = plan
        self.random = random.Random(number)
        self.own = plan.status_tickets[
            number * STATUS_TICKETS_PER_CLIENT : (number + 1) * STATUS_TICKETS_PER_CLIENT
        ]
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        body = urlencode(form, doseq=True) if form else None
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn's sync workers close idle connections; only a request that never
                # reached the server is sent again.
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


@dataclass
class Plan:
    departments: list[int]
    clients: list[int]
    ticket_ids: list[int]
    reply_pool: list[int]
    status_tickets: list[int]


def choose_plan(clients: int, total: int) -> Plan:
    """Existing tickets to read, reply to and change: a random sample of the whole table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Whole pages at random: about 15,000 tickets, cut to 5,000.
            percent = min(100.0, 15_000 * 100 / max(total, 1))
            cursor.execute(
                "SELECT id FROM tickets_ticket TABLESAMPLE SYSTEM (%s) LIMIT 5000", [percent]
            )
        else:
            cursor.execute("SELECT id FROM tickets_ticket ORDER BY random() LIMIT 5000")
        sample = [row[0] for row in cursor.fetchall()]
    random.Random(1).shuffle(sample)
    needed = REPLY_POOL + clients * STATUS_TICKETS_PER_CLIENT
    if len(sample) < needed + 100:
        raise SystemExit(f"The database needs more tickets (sampled {len(sample)}).")
    return Plan(
        departments=list(
            Category.objects.filter(type=Category.Type.TICKET).values_list("pk", flat=True)[:20]
        ),
        clients=list(Company.objects.order_by("pk").values_list("pk", flat=True)[:200]),
        ticket_ids=sample[needed:],
        reply_pool=sample[:REPLY_POOL],
        status_tickets=sample[REPLY_POOL:needed],
    )


def run_request(client: Client, kind: str, writes: Writes, results: Results) -> None:  # noqa: C901
    # One branch per kind of request, read top to bottom.
    plan, rnd = client.plan, client.random
    method, path, form, expect = "GET", "", None, 200
    ticket = new = 0
    if kind == "list":
        path = f"/api/tickets?limit=25&page={rnd.randint(1, 20)}"
    elif kind == "filtered list":
        path = f"/api/tickets?{rnd.choice(FILTERS)}&limit=25"
    elif kind == "search":
        path = f"/api/tickets?search={rnd.choice(SEARCH_WORDS)}&limit=25"
    elif kind == "get":
        path = f"/api/tickets/{rnd.choice(plan.ticket_ids)}"
    elif kind == "report":
        path = f"/api/reports/tickets/{rnd.choice(REPORTS)}"
    elif kind == "create":
        method, path, expect = "POST", "/api/tickets", 201
        form = {
            "ticket_clientid": rnd.choice(plan.clients),
            "ticket_categoryid": rnd.choice(plan.departments),
            "ticket_subject": f"Load test ticket from client {client.number}",
            "ticket_message": "Created by benchmarks/load.py.",
            "ticket_priority": rnd.choice(["normal", "high", "urgent"]),
        }
    elif kind == "reply":
        ticket = rnd.choice(plan.reply_pool)
        method, path, expect = "POST", f"/api/tickets/{ticket}/replies", 201
        form = {"ticketreply_text": f"Load test reply from client {client.number}."}
    elif kind == "status change":
        ticket = rnd.choice(client.own)
        current = writes.status_set.get(ticket)
        new = STATUS_CYCLE[1] if current == STATUS_CYCLE[0] else STATUS_CYCLE[0]
        method, path, form = "PUT", f"/api/tickets/{ticket}/status", {"status": new}
    started = time.perf_counter()
    try:
        status, body = client.send(method, path, form)
    except OSError as error:
        with results.lock:
            results.errors.append(f"{kind} {method} {path}: {error!r}")
        return
    elapsed = (time.perf_counter() - started) * 1000
    with results.lock:
        results.timings[kind].append(elapsed)
        if status != expect:
            results.errors.append(f"{kind} {method} {path}: {status} {body[:200]!r}")
            return
        if kind == "create":
            writes.created.append(json.loads(body)["data"]["id"])
        elif kind == "reply":
            writes.replies[ticket].append(json.loads(body)["data"]["id"])
        elif kind == "status change":
            if writes.status_set.get(ticket) != new:
                writes.status_changes[ticket] += 1
            writes.status_set[ticket] = new


def drive(
    clients: list[Client],
    seconds: float,
    writes: Writes,
    per_client_rate: float | None,
) -> Results:
    """Every client sends requests for `seconds`: back to back, or paced at a rate."""
    results = Results()
    kinds = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    stop_at = time.monotonic() + seconds

    def loop(client: Client) -> None:
        next_at = time.monotonic() + client.random.random() * (
            1 / per_client_rate if per_client_rate else 0
        )
        while True:
            if per_client_rate:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += 1 / per_client_rate
            if time.monotonic() >= stop_at:
                return
            kind = client.random.choices(kinds, weights)[0]
            run_request(client, kind, writes, results)

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def report(title: str, seconds: float, results: Results) -> float:
    total = sum(len(samples) for samples in results.timings.values())
    rate = total / seconds
    print(f"\n{title}: {total:,} requests in {seconds:.0f} s = {rate:.1f} requests/s")
    print(f"{'kind':<15}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind in WEIGHTS:
        samples = results.timings.get(kind, [])
        if samples:
            print(
                f"{kind:<15}{len(samples):>8}{statistics.median(samples):>10.1f}"
                f"{percentile(samples, 0.99):>10.1f}{max(samples):>10.1f}"
            )
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:20]:
        print(f"  {error}")
    return rate


def check_consistency(writes: Writes, agent_id: int, since: datetime) -> list[str]:
    """Every write the clients were told succeeded is in the database, with its history."""
    problems = []
    found = set(Ticket.objects.filter(pk__in=writes.created).values_list("pk", flat=True))
    if missing := set(writes.created) - found:
        problems.append(f"{len(missing)} created tickets missing: {sorted(missing)[:10]}")
    created_events = TicketEvent.objects.filter(
        ticket__in=writes.created, kind=TicketEvent.Kind.CREATED
    ).count()
    if created_events != len(writes.created):
        problems.append(f"{created_events} created events for {len(writes.created)} tickets")

    reply_ids = [pk for ids in writes.replies.values() for pk in ids]
    kept = Reply.objects.filter(pk__in=reply_ids).count()
    if kept != len(reply_ids):
        problems.append(f"{kept} of {len(reply_ids)} replies kept")
    reply_events = TicketEvent.objects.filter(
        ticket__in=list(writes.replies),
        kind=TicketEvent.Kind.REPLY_ADDED,
        actor_id=agent_id,
        created_at__gte=since,
    ).count()
    if reply_events != len(reply_ids):
        problems.append(f"{reply_events} reply events for {len(reply_ids)} replies")
    for ticket in Ticket.objects.filter(pk__in=list(writes.replies)).only("replies_count"):
        public = Reply.objects.filter(ticket=ticket, kind=Reply.Kind.REPLY).count()
        if ticket.replies_count != public:
            problems.append(f"ticket {ticket.pk}: replies_count {ticket.replies_count} != {public}")

    statuses = dict(
        Ticket.objects.filter(pk__in=list(writes.status_set)).values_list("pk", "status_id")
    )
    for changed, status in writes.status_set.items():
        if statuses.get(changed) != status:
            problems.append(f"ticket {changed}: status {statuses.get(changed)}, last set {status}")
    status_events = TicketEvent.objects.filter(
        ticket__in=list(writes.status_set),
        kind=TicketEvent.Kind.STATUS_CHANGED,
        actor_id=agent_id,
        created_at__gte=since,
    ).count()
    if status_events != sum(writes.status_changes.values()):
        problems.append(
            f"{status_events} status events for {sum(writes.status_changes.values())} changes"
        )
    problems += count_table_disagreements()
    return problems


def count_table_disagreements() -> list[str]:
    """On PostgreSQL, the count table's rows against a GROUP BY over every ticket."""
    if connection.vendor != "postgresql":
        return []
    columns = "status_id, priority, department_id, client_id, COALESCE(project_id, 0), "
    columns += "active_state, is_spam"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH actual AS (
                SELECT {columns}, count(*) AS count FROM tickets_ticket GROUP BY {columns}
            ), counted AS (
                SELECT status_id, priority, department_id, client_id, project_id,
                       active_state, is_spam, count
                FROM tickets_ticketcount WHERE count <> 0
            )
            SELECT count(*) FROM (
                (SELECT * FROM actual EXCEPT SELECT * FROM counted)
                UNION ALL (SELECT * FROM counted EXCEPT SELECT * FROM actual)
            ) AS differences
            """
        )
        differences = cursor.fetchone()[0]
    return (
        [f"the count table differs from the tickets in {differences} rows"] if differences else []
    )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def phase(
    title: str,
    clients: list[Client],
    seconds: float,
    per_client_rate: float | None,
    agent_id: int,
) -> tuple[float, bool]:
    writes = Writes()
    # Each client alternates its tickets between two statuses, starting from where they are.
    owned = [ticket for client in clients for ticket in client.own]
    writes.status_set.update(Ticket.objects.filter(pk__in=owned).values_list("pk", "status_id"))
    since = timezone.now()
    load_before = load_average()
    results = drive(clients, seconds, writes, per_client_rate)
    rate = report(title, seconds, results)
    load_after = load_average()
    print(f"load average before {load_before}, after {load_after}")
    started = time.perf_counter()
    problems = check_consistency(writes, agent_id, since)
    print(
        f"consistency ({time.perf_counter() - started:.1f} s): {len(writes.created)} tickets "
        f"created, {sum(map(len, writes.replies.values()))} replies, "
        f"{sum(writes.status_changes.values())} status changes: "
        + ("all kept, history and counts agree" if not problems else "PROBLEMS")
    )
    for problem in problems[:20]:
        print(f"  {problem}")
    return rate, not problems and not results.errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60, help="seconds of full load")
    parser.add_argument(
        "--soak", type=float, default=600, help="seconds at half the rate (0: none)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (docs/deploy.md)")
    args = parser.parse_args()

    total = Ticket.objects.count()
    print(f"{total:,} tickets on {connection.vendor} ({connection.settings_dict['NAME']})")
    agent, _ = get_user_model().objects.get_or_create(
        username=BENCH_AGENT,
        defaults={"is_staff": True, "is_superuser": True, "first_name": "Load"},
    )
    _, raw_key = ApiKey.generate(agent=agent, name="benchmarks/load.py")
    plan = choose_plan(args.clients, total)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    connection.close()  # the check opens a fresh one; the server has its own
    try:
        clients = [Client(number, port, raw_key, plan) for number in range(args.clients)]
        rate, ok = phase(
            f"Load: {args.clients} clients back to back", clients, args.duration, None, agent.pk
        )
        if args.soak:
            per_client = rate / 2 / args.clients
            _, soak_ok = phase(
                f"Soak: {args.clients} clients at {rate / 2:.1f} requests/s in all",
                clients,
                args.soak,
                per_client,
                agent.pk,
            )
            ok = ok and soak_ok
    finally:
        stop(server)
    print("\nverdict: " + ("no errors, every write kept" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
