"""Delete the log of deliveries that are done (succeeded or failed) and older than --days
(docs/webhooks.md); pending ones are always kept. Run it daily, as the tasks' prune."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from webhooks.models import WebhookDelivery


class Command(BaseCommand):
    help = "Delete succeeded and failed webhook deliveries older than --days (default 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            self.stderr.write("--days must be at least 1.")
            return
        cutoff = timezone.now() - datetime.timedelta(days=options["days"])
        # Redeliveries point at what they send again: that link is cleared, not followed.
        deleted, _ = (
            WebhookDelivery.objects.filter(created_at__lt=cutoff)
            .exclude(state=WebhookDelivery.State.PENDING)
            .delete()
        )
        self.stdout.write(
            f"{deleted} webhook deliveries older than {options['days']} days deleted."
        )
