"""Queue every pending webhook delivery that is due: after the task queue was unreachable
when a change committed, say (docs/webhooks.md). Safe to run at any time, from cron too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from webhooks import tasks


class Command(BaseCommand):
    help = "Queue the pending webhook deliveries that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        count = tasks.queue_due()
        self.stdout.write(f"{count} webhook deliveries queued.")
