"""`manage.py record_sla_breaches [--schedule]`: record the SLA targets breached by now.

Once (for cron or a systemd timer), or with `--schedule` by the task worker, which queues
the periodic task `sla.tasks.record_breaches` (once: a chain already queued is left alone).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sla import breaches, tasks


class Command(BaseCommand):
    help = "Record the SLA targets that passed their due time unmet (history and email)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the task worker's periodic check (every SLA_BREACH_INTERVAL seconds) "
            "unless it is queued already, and return.",
        )

    def handle(self, *args: Any, schedule: bool = False, **options: Any) -> None:
        if not schedule:
            count = breaches.record_due_breaches()
            self.stdout.write(f"{count} breaches recorded.")
            return
        if not tasks.can_schedule():
            raise CommandError(
                "The task backend cannot run a task later (TASKS_BACKEND is the immediate "
                "one, as in development): run `record_sla_breaches` from cron instead."
            )
        if tasks.schedule_breach_checks():
            self.stdout.write("Queued the periodic check of the SLA breaches.")
        else:
            self.stdout.write("The periodic check of the SLA breaches is queued already.")
