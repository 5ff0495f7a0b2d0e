"""`manage.py seed_demo`: fill the database with a realistic demo helpdesk (see docs/demo-data.md)."""

import multiprocessing
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from tickets import demo, previews
from tickets.management import seed_workers
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Create demo data: departments, clients, agents, teams, tags, custom fields, and "
        "tickets over the last 180 days with replies, notes, history and ratings. "
        "Base data is created once; each run adds --tickets more tickets."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets", type=int, default=2000, help="How many tickets to add (default 2000)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Random seed: the same seed on the same base data gives the same tickets.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Add no tickets if the database already has some (base data is still ensured).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes writing batches in parallel (PostgreSQL only; default: the CPU "
            "count, at most 4). SQLite always uses one.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Tickets written per transaction (default 5000).",
        )

    def handle(self, *args, tickets, seed, if_empty, workers, batch_size, verbosity, **options):
        if tickets < 0:
            raise CommandError("--tickets must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if connection.vendor != "postgresql":
            workers = 1
        elif workers is None:
            workers = min(4, os.cpu_count() or 1)
        if seed is None:
            seed = random.SystemRandom().randrange(1_000_000)
        self.verbosity = verbosity
        if connection.vendor == "postgresql":
            # A request's timeouts (helpdesk/settings.py) would cancel a bulk load: a batch
            # may wait more than a few seconds for the count rows another worker holds.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
                cursor.execute("SET lock_timeout = 0")

        with transaction.atomic():
            catalog = demo.ensure_base_data()
        if if_empty and Ticket.objects.exists():
            self.say("The database already has tickets; none added (--if-empty).")
            tickets = 0

        if tickets:
            self.say(f"Adding {tickets:,} tickets (seed {seed}, {workers} worker(s))...")
            started = time.monotonic()
            self.add_tickets(catalog, tickets, seed, batch_size, workers)
            # The queue's rows read the latest message from the ticket (tickets.previews).
            previews.fill_previews()
            elapsed = time.monotonic() - started
            rate = f" ({tickets / elapsed:,.0f}/s)" if elapsed else ""
            self.say(f"Added {tickets:,} tickets in {elapsed:.1f}s{rate}.")
            self.add_service_levels()
        self.stdout.write(self.style.SUCCESS("Sign in as demo / demo"))

    def add_tickets(
        self, catalog: demo.Catalog, count: int, seed: int, batch_size: int, workers: int
    ) -> None:
        now = timezone.now()
        sizes = [min(batch_size, count - start) for start in range(0, count, batch_size)]
        jobs = [(catalog, now, seed, number, size) for number, size in enumerate(sizes)]
        started = time.monotonic()
        done = 0
        if workers > 1 and len(jobs) > 1:
            # Workers are spawned, not forked: a fork copies the parent's threads' locks
            # in whatever state they are (under a test runner with browser threads, a
            # held one deadlocks the child) and its database sockets. A spawned worker
            # starts Django afresh, told which settings and database the parent uses.
            # Unlike multiprocessing.Pool, the executor fails at once when a worker
            # cannot start, instead of starting new ones forever.
            with ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=seed_workers.start,
                initargs=(os.environ["DJANGO_SETTINGS_MODULE"], without_timeouts(connection)),
            ) as executor:
                futures = [executor.submit(seed_workers.write_tickets, job) for job in jobs]
                for future in as_completed(futures):
                    done += future.result()
                    self.progress(done, count, time.monotonic() - started)
        else:
            for job in jobs:
                done += demo.write_tickets(*job)
                self.progress(done, count, time.monotonic() - started)

    def add_service_levels(self) -> None:
        """The demo SLA policies, applied to the open tickets (sla.demo)."""
        from sla.demo import add_demo_service_levels

        count = add_demo_service_levels()
        self.say(f"Set the SLA targets of {count:,} open tickets.")

    def say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)

    def progress(self, done: int, total: int, elapsed: float) -> None:
        """A one-line text progress bar on stderr, redrawn after each batch."""
        if not self.verbosity:
            return
        width = 30
        filled = width * done // total
        rate = done / elapsed if elapsed else 0
        remaining = (total - done) / rate if rate else 0
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"[{bar}] {done:>9,}/{total:,} tickets  {rate:,.0f}/s  "
            f"{elapsed:.0f}s elapsed, ~{remaining:.0f}s left"
        )
        end = "\n" if done == total or not sys.stderr.isatty() else ""
        self.stderr.write("\r" + line, ending=end)
        self.stderr.flush()


def without_timeouts(database: BaseDatabaseWrapper) -> dict:
    """The connection settings of `database` for a worker, without a request's timeouts."""
    settings = dict(database.settings_dict)
    options = dict(settings.get("OPTIONS") or {})
    # libpq applies "-c" options in order: these override the settings' own.
    options["options"] = f"{options.get('options', '')} -c statement_timeout=0 -c lock_timeout=0"
    settings["OPTIONS"] = options
    return settings
