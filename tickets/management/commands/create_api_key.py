"""Create an API key for an agent. The key is printed once, alone on the last line."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from tickets.agents import is_agent
from tickets.models import ApiKey, max_length


class Command(BaseCommand):
    help = (
        "Create a REST API key for an agent and print it. The key is shown only now; "
        "only its hash is stored. It is alone on the last line of the output, for scripts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The agent the key acts as.")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the agent (an active staff user without a password) if missing.",
        )
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'CRM sync'.")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            metavar="N",
            help="The key stops working after N days (default: never).",
        )

    def handle(self, *args: Any, username: str, create: bool, name: str, **options: Any) -> None:
        expires_days = options["expires_days"]
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        if len(name) > max_length(ApiKey, "name"):
            raise CommandError("--name is too long (at most 100 characters).")
        users = get_user_model()
        with transaction.atomic():
            agent = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
            if agent is None:
                if not create:
                    raise CommandError(
                        f"No user named {username!r}. Use --create to create the agent."
                    )
                agent = users.objects.create_user(username=username, is_staff=True)
                self.stdout.write(f"Created agent {username!r} (no password: set one to sign in).")
            elif not is_agent(agent):
                raise CommandError(
                    f"{username!r} is not an active agent (staff user); the key would not work."
                )
            expires_at = (
                timezone.now() + datetime.timedelta(days=expires_days) if expires_days else None
            )
            key, raw_key = ApiKey.generate(agent=agent, name=name, expires_at=expires_at)
        until = f", expires {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else ""
        self.stdout.write(f"API key {key.hint}… for {username}{until}. It will not be shown again:")
        self.stdout.write(raw_key)
