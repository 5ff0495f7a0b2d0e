"""Lift a sign-in lockout before its cool-down ends (helpdesk.sign_in)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk import sign_in


class Command(BaseCommand):
    help = (
        "Let an account, or a client address, sign in again at once after too many wrong "
        "passwords, and forget the failures counted for it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="", help="The account (username) to unlock.")
        parser.add_argument(
            "--address", default="", help="The client IP address to unlock, e.g. 203.0.113.5."
        )

    def handle(self, *args: Any, username: str, address: str, **options: Any) -> None:
        if not username and not address:
            raise CommandError("Give --username, --address or both.")
        sign_in.unlock(username=username, address=address)
        unlocked = " and ".join(
            part for part in (username and f"user {username}", address and address) if part
        )
        self.stdout.write(f"Unlocked {unlocked}.")
