"""Fill the queue's "latest message" columns of tickets written before they existed.

Migration 0018 fills them itself on a small database; on a large one (see its
LARGE_DATABASE) it leaves them empty, so that the migration takes a moment, and this
command fills them afterwards while the helpdesk runs, newest tickets first, one short
transaction per batch (a stopped run resumes where it was).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection

from tickets import previews


class Command(BaseCommand):
    help = "Fill each ticket's latest message preview (after migration 0018 on a large database)."

    def handle(self, *args, verbosity, **options):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")

        def progress(done: int, total: int) -> None:
            if verbosity:
                self.stdout.write(f"{done:,} of {total:,} ticket ids")

        previews.fill_previews(progress=progress)
        self.stdout.write(self.style.SUCCESS("Every ticket has its latest message preview."))
