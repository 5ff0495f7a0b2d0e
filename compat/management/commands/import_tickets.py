"""Import the tickets another helpdesk exported: `manage.py import_tickets livechat FILE…`,
`import_tickets supportbee FILE…`.

Each ticket imports in a transaction of its own: one that fails leaves nothing behind and
the others still import; a file that cannot be read is reported and the other files still
import. A progress bar runs on stderr; the counts (created, skipped because imported
before, failed with the reasons) end the output, and the exit status is 1 when anything
failed. Running it again over the same files imports only what it has not yet.

Where a system keeps a ticket's conversation apart (SupportBee's replies.json and
comments.json), those files are given among the others: each joins its ticket, and one
whose ticket is not among the files is reported as a failed file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import DatabaseError

from compat.departments import compat_department
from compat.livechat import importer as livechat
from compat.supportbee import importer as supportbee
from compat.usercom import importer as usercom
from tickets.models import Category


@dataclass(frozen=True)
class System:
    """How the command reads one system's exports."""

    # The ticket objects of a file's JSON; ValueError when it holds none.
    tickets_in: Callable[[object], list[object]]
    # Import one ticket object, with the conversation files given for it (their kind ->
    # their objects): True when created, False when imported before.
    import_ticket: Callable[[object, dict[str, list[object]]], bool]
    # What a ticket that cannot be imported raises (its message is the reason).
    failure: type[Exception]
    # How a failure names a ticket object (its id there), when it can.
    label: Callable[[object], str | None]
    # A file of a ticket's conversation (None for a file of tickets); ValueError when it
    # cannot be read as one. For the systems that keep it apart.
    conversation_in: Callable[[str, object], supportbee.Conversation | None] | None = None


def _whole_tickets(
    import_object: Callable[[object], bool],
) -> Callable[[object, dict[str, list[object]]], bool]:
    """The import of a system whose ticket objects hold their conversation (LiveChat) or
    have none (User.com): no conversation files to pass on."""
    return lambda value, conversation: import_object(value)


SYSTEMS = {
    "livechat": System(
        tickets_in=livechat.tickets_in,
        import_ticket=_whole_tickets(livechat.import_object),
        failure=livechat.ImportFailed,
        label=livechat.ticket_label,
    ),
    "supportbee": System(
        tickets_in=supportbee.tickets_in,
        import_ticket=supportbee.import_object,
        failure=supportbee.ImportFailed,
        label=supportbee.ticket_label,
        conversation_in=supportbee.conversation_in,
    ),
    "usercom": System(
        tickets_in=usercom.tickets_in,
        import_ticket=_whole_tickets(usercom.import_object),
        failure=usercom.ImportFailed,
        label=usercom.ticket_label,
    ),
}


def _identity(text: str) -> str:
    return text


class ProgressBar:
    """`[#########.....] 12/40` redrawn on a terminal; elsewhere (a log), one line each
    tenth of the way."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, total: int) -> None:
        self.stream, self.total, self.done = stream, total, 0
        self.terminal = stream.isatty()
        self.tenths_shown = -1
        self._show()

    def advance(self) -> None:
        self.done += 1
        self._show()

    def close(self) -> None:
        if self.terminal and self.total:
            self.stream.write("", _identity, ending="\n")

    def _show(self) -> None:
        if not self.total:
            return
        if self.terminal:
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}", _identity, ending="")
            self.stream.flush()
            return
        tenths = 10 * self.done // self.total
        if tenths != self.tenths_shown:
            self.tenths_shown = tenths
            self.stream.write(f"Importing: {self.done}/{self.total} tickets", _identity)


@dataclass
class Counts:
    created: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    files_failed: list[str] = field(default_factory=list)


def _read(path: str) -> object:
    """The JSON of a file; ValueError or OSError with a readable reason."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            return json.load(file)
    except json.JSONDecodeError as error:
        reason = f"not JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        raise ValueError(reason) from None
    except UnicodeDecodeError:
        raise ValueError("not JSON (not UTF-8 text).") from None


class Command(BaseCommand):
    help = (
        "Import tickets from another helpdesk's API answers: for livechat, files of LiveChat's "
        "v2 GET /tickets (a list response, one ticket, or a JSON array of tickets); for "
        "supportbee, files of GET /tickets.json or /tickets/<id>.json, and of a ticket's "
        "replies.json and comments.json (named <ticket id>.replies.json, or with a "
        '"ticket_id"); for usercom, files of User.com\'s GET /api/public/tickets/ (the same '
        "three shapes as LiveChat's). Tickets imported before are skipped; nothing is emailed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", choices=sorted(SYSTEMS), help="The system they come from.")
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON files to import.")

    def handle(self, *args: Any, system: str, files: list[str], **options: Any) -> None:
        chosen = SYSTEMS[system]
        try:
            compat_department()
        except Category.DoesNotExist as error:
            raise CommandError(str(error)) from None
        counts = Counts()
        batches, conversations = self._read_files(chosen, files, counts)
        progress = ProgressBar(self.stderr, sum(len(tickets) for _, tickets in batches))
        used: set[str] = set()
        for path, tickets in batches:
            for index, value in enumerate(tickets):
                label = chosen.label(value)
                found = conversations.get(label, {}) if label else {}
                used.add(label or "")
                given = {kind: items for kind, (_, items) in found.items()}
                label = label or f"ticket {index + 1}"
                self._import_one(chosen, value, given, label, path, counts)
                progress.advance()
        progress.close()
        for ticket_id, kinds in conversations.items():
            if ticket_id in used:
                continue
            for path, _ in kinds.values():
                counts.files_failed.append(f"{path}: ticket {ticket_id} is not in the files given.")
        self._report(counts)

    def _read_files(
        self, chosen: System, files: list[str], counts: Counts
    ) -> tuple[list[tuple[str, list[object]]], dict[str, dict[str, tuple[str, list[object]]]]]:
        """(each file of tickets with its ticket objects, the conversation files: ticket id
        -> kind -> (the file, its objects)); a file that cannot be read is counted failed."""
        batches: list[tuple[str, list[object]]] = []
        conversations: dict[str, dict[str, tuple[str, list[object]]]] = {}
        for path in files:
            try:
                document = _read(path)
                conversation = (
                    chosen.conversation_in(path, document) if chosen.conversation_in else None
                )
                if conversation is None:
                    batches.append((path, chosen.tickets_in(document)))
                    continue
                kinds = conversations.setdefault(conversation.ticket_id, {})
                if conversation.kind in kinds:
                    raise ValueError(
                        f"ticket {conversation.ticket_id}'s {conversation.kind} are in "
                        f"{kinds[conversation.kind][0]} already."
                    )
                kinds[conversation.kind] = (path, conversation.items)
            except (OSError, ValueError) as error:
                reason = (
                    (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
                )
                counts.files_failed.append(f"{path}: {reason}")
        return batches, conversations

    def _import_one(
        self,
        chosen: System,
        value: object,
        conversation: dict[str, list[object]],
        label: str,
        path: str,
        counts: Counts,
    ) -> None:
        try:
            created = chosen.import_ticket(value, conversation)
        except (chosen.failure, DatabaseError) as error:
            counts.failures.append(f"{label} ({path}): {error}")
            return
        if created:
            counts.created += 1
        else:
            counts.skipped += 1

    def _report(self, counts: Counts) -> None:
        self.stdout.write(
            f"Created {counts.created}, skipped {counts.skipped} (imported before), "
            f"failed {len(counts.failures)}."
        )
        if counts.failures or counts.files_failed:
            self.stdout.write("Failed:")
            for line in (*counts.files_failed, *counts.failures):
                self.stdout.write(f"  {line}")
            raise CommandError(
                f"{_count(len(counts.failures), 'ticket')} and "
                f"{_count(len(counts.files_failed), 'file')} failed."
            )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
