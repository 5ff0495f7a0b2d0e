"""`manage.py run_automations [--schedule]`: run every active automation over every ticket.

Once (for cron or a systemd timer), or with `--schedule` by the task worker, which queues
the periodic task `automations.tasks.run_all_automations` (every AUTOMATIONS_INTERVAL
seconds; once: a chain already queued is left alone).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from automations import runs, tasks


class Command(BaseCommand):
    help = "Run every active automation over every ticket."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the task worker's periodic run (every AUTOMATIONS_INTERVAL seconds) "
            "unless it is queued already, and return.",
        )

    def handle(self, *args: Any, schedule: bool = False, **options: Any) -> None:
        if schedule:
            if not tasks.can_schedule():
                raise CommandError(
                    "The task backend cannot run a task later (TASKS_BACKEND is the immediate "
                    "one, as in development): run `run_automations` from cron instead."
                )
            if tasks.schedule_runs():
                self.stdout.write("Queued the periodic run of the automations.")
            else:
                self.stdout.write("The periodic run of the automations is queued already.")
            return
        results = runs.run_automations()
        if not results:
            self.stdout.write("No active automation.")
        for result in results:
            self.stdout.write(str(result))
