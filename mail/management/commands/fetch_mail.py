"""`manage.py fetch_mail [--mailbox NAME] [--watch SECONDS | --schedule]`: read the new
messages of the IMAP mailboxes.

Once (for cron or a systemd timer: the exit status is 1 when a mailbox could not be read),
in a loop with `--watch`, or by the task worker with `--schedule`, which queues the
periodic task `mail.tasks.fetch_all_mail` (once: a chain already queued is left alone).
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from mail import imap, tasks
from mail.models import Mailbox


class Command(BaseCommand):
    help = "Read the new messages of every active IMAP mailbox into tickets and replies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", metavar="NAME", help="Read this mailbox only.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--watch",
            type=float,
            metavar="SECONDS",
            help="Read again and again, SECONDS after the end of each run, until stopped "
            "(Ctrl-C or SIGTERM).",
        )
        mode.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the task worker's periodic fetch (every MAIL_FETCH_INTERVAL "
            "seconds) unless it is queued already, and return.",
        )

    def handle(
        self,
        *args: Any,
        mailbox: str | None = None,
        watch: float | None = None,
        schedule: bool = False,
        **options: Any,
    ) -> None:
        if schedule:
            if mailbox:
                raise CommandError("--schedule reads every mailbox: leave out --mailbox.")
            self._schedule()
            return
        if watch is not None and watch <= 0:
            raise CommandError("--watch takes a number of seconds above 0.")
        chosen = self._chosen(mailbox)
        if watch is None:
            if not self._run(chosen):
                raise CommandError("Some mailboxes could not be read (see above).")
            return
        self._watch(chosen, watch)

    def _chosen(self, name: str | None) -> Mailbox | None:
        if name is None:
            return None
        found = imap.imap_mailboxes().filter(name=name).first()
        if found is None:
            if Mailbox.objects.filter(name=name).exists():
                raise CommandError(f"The mailbox {name!r} is inactive or has no IMAP connection.")
            raise CommandError(f"No mailbox is named {name!r}.")
        return found

    def _run(self, chosen: Mailbox | None) -> bool:
        """One run over the mailboxes; False when one of them could not be read."""
        summaries = [imap.fetch_mailbox(chosen)] if chosen else imap.fetch_all()
        if not summaries:
            self.stdout.write("No active mailbox reads IMAP.")
        for summary in summaries:
            (self.stderr if summary.error else self.stdout).write(str(summary))
        return not any(summary.error for summary in summaries)

    def _watch(self, chosen: Mailbox | None, seconds: float) -> None:
        # A service manager stops us with SIGTERM: end as Ctrl-C does. What was read is
        # committed message by message, so stopping anywhere loses nothing.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            while True:
                close_old_connections()
                try:
                    self._run(chosen)
                except imap.DATABASE_DOWN as error:
                    self.stderr.write(f"The database is unavailable: {error}")
                time.sleep(seconds)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _schedule(self) -> None:
        if not tasks.can_schedule():
            raise CommandError(
                "The task backend cannot run a task later (TASKS_BACKEND is the immediate "
                "one, as in development): run `fetch_mail --watch SECONDS` instead."
            )
        if tasks.schedule_fetching():
            self.stdout.write("Queued the periodic fetch of the mailboxes.")
        else:
            self.stdout.write("The periodic fetch of the mailboxes is queued already.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
