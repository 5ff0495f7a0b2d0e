"""`manage.py recompute_sla [--batch N]`: set every open ticket's SLA targets afresh from
the active policies (sla.recompute describes how)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sla import recompute


class Command(BaseCommand):
    help = "Set the SLA targets of every open ticket afresh from the active policies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            type=int,
            default=recompute.BATCH,
            help=f"Tickets per transaction (default {recompute.BATCH}).",
        )

    def handle(self, *args: Any, batch: int = recompute.BATCH, **options: Any) -> None:
        verbose = options.get("verbosity", 1) > 1
        count = recompute.recompute(
            batch=max(batch, 1),
            progress=(lambda done: self.stdout.write(f"{done} tickets…")) if verbose else None,
        )
        self.stdout.write(f"{count} open tickets have their SLA targets set.")
