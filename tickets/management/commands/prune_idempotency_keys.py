"""Delete the idempotency keys older than their lifetime (24 hours): run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tickets.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete the API's idempotency keys older than 24 hours (expired keys are ignored)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted, _ = IdempotencyKey.objects.expired().delete()
        self.stdout.write(f"Deleted {deleted} expired idempotency key(s).")
