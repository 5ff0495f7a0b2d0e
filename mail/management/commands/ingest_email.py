"""`manage.py ingest_email [--mailbox NAME] < message.eml`: one raw message from an MTA's pipe.

Exit codes follow sysexits.h, which MTAs read: 0 when the message is stored (whatever
became of it: a failure to process it is listed in the admin), 75 (EX_TEMPFAIL) when the
database cannot be reached, so that the MTA keeps the message and tries again later, and
67 (EX_NOUSER) when no mailbox matches, so that the MTA bounces it to its sender.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError

from mail import ingest
from mail.models import Mailbox

EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read one raw email (RFC 5322) on standard input and file it in its mailbox."
    # Run once per message by the MTA: the system checks would cost a start-up each time,
    # and some need the database, whose absence must give EX_TEMPFAIL, not a traceback.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            metavar="NAME",
            help="The mailbox's name; by default the one whose address is among the "
            "message's recipients (Delivered-To, X-Original-To, To, Cc).",
        )

    def handle(self, *args: Any, mailbox: str | None = None, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("No message on standard input.", returncode=EX_NOUSER)
        try:
            chosen = None
            if mailbox:
                chosen = Mailbox.objects.filter(name=mailbox, is_active=True).first()
                if chosen is None:
                    raise CommandError(
                        f"No active mailbox is named {mailbox!r}.", returncode=EX_NOUSER
                    )
            received = ingest.receive(raw, mailbox=chosen)
        except ingest.NoMailbox as error:
            raise CommandError(str(error), returncode=EX_NOUSER) from None
        except (OperationalError, InterfaceError) as error:
            raise CommandError(
                f"The database is unavailable ({error}); the mail server should try again later.",
                returncode=EX_TEMPFAIL,
            ) from None
        message = received.message
        if not received.new:
            self.stdout.write(f"Already received as message {message.pk}: nothing done.")
            return
        self.stdout.write(f"Message {message.pk}: {message.get_outcome_display()}.")
        if message.ticket_id:
            self.stdout.write(f"Ticket #{message.ticket_id}.")
        if message.reason:
            self.stdout.write(message.reason)
