"""`manage.py create_mailbox ADDRESS --department NAME_OR_ID [--name NAME] [--from-name NAME]
[--no-acknowledgment] [--imap URL]`: add a mailbox from a script. Its id is the last line
printed.

The IMAP connection is one URL, `SCHEME://USER:PASSWORD@HOST[:PORT][/FOLDER]`:

    imaps://        TLS from the start (IMAPS), port 993 by default
    imap://         STARTTLS (required, never skipped), port 143 by default
    imap+plain://   no encryption at all, port 143: for loopback or a trusted network only

The user, password and folder are percent-decoded: write `@` as `%40`, `/` as `%2F`,
`:` as `%3A`, `%` as `%25`. The folder is INBOX when left out. Without a password in the
URL, the mailbox is created without one (set it in the admin): a password on a command
line can be seen by other users of the machine while the command runs, and stays in the
shell's history.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mail.models import Mailbox
from tickets.models import Category

Security = Mailbox.Security

SCHEMES = {
    "imaps": (Security.TLS, 993),
    "imap": (Security.STARTTLS, 143),
    "imap+plain": (Security.NONE, 143),
}


def imap_fields(url: str) -> dict[str, Any]:
    """The mailbox's IMAP fields from an `imaps://`, `imap://` or `imap+plain://` URL;
    CommandError when the URL is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in SCHEMES:
        raise CommandError(
            "--imap: the URL must start with imaps:// (TLS), imap:// (STARTTLS) "
            "or imap+plain:// (no encryption)."
        )
    security, default_port = SCHEMES[parts.scheme.lower()]
    if parts.query or parts.fragment:
        raise CommandError("--imap: a ? or # in the user, password or folder must be %-encoded.")
    try:
        port = parts.port
    except ValueError:
        raise CommandError("--imap: the port must be a number from 1 to 65535.") from None
    if not parts.hostname:
        raise CommandError("--imap: the URL names no host.")
    if not parts.username:
        raise CommandError("--imap: the URL names no user (imaps://USER:PASSWORD@HOST).")
    return {
        "imap_host": parts.hostname,
        "imap_port": port or default_port,
        "imap_security": security,
        "imap_user": unquote(parts.username),
        "imap_password": unquote(parts.password or ""),
        "imap_folder": unquote(parts.path.lstrip("/")) or "INBOX",
    }


def department(value: str) -> Category:
    """The department with this id, else with this name (exact, then ignoring case)."""
    departments = Category.objects.filter(type=Category.Type.TICKET)
    if value.strip().isdigit() and (found := departments.filter(pk=int(value)).first()):
        return found
    if found := departments.filter(name=value.strip()).first():
        return found
    matches = list(departments.filter(name__iexact=value.strip())[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Several departments are named {value!r}: give its id.")
    raise CommandError(f"No department has the name or id {value!r}.")


class Command(BaseCommand):
    help = "Create a mailbox (an address the helpdesk receives mail at) and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", help="The address clients write to.")
        parser.add_argument(
            "--department",
            required=True,
            metavar="NAME_OR_ID",
            help="The department new tickets from this mailbox go to.",
        )
        parser.add_argument("--name", help="The mailbox's name (by default its address).")
        parser.add_argument(
            "--from-name", default="", help="The name the helpdesk's emails are sent under."
        )
        parser.add_argument(
            "--no-acknowledgment",
            action="store_true",
            help="Send no acknowledgment of new tickets.",
        )
        parser.add_argument(
            "--imap",
            metavar="URL",
            help="Read this IMAP folder: imaps://USER:PASSWORD@HOST:PORT/FOLDER (TLS), "
            "imap://... (STARTTLS) or imap+plain://... (no encryption).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"].strip().lower()
        mailbox = Mailbox(
            name=(options["name"] or address)[:100],
            address=address,
            department=department(options["department"]),
            from_name=options["from_name"],
            send_acknowledgment=not options["no_acknowledgment"],
            **(imap_fields(options["imap"]) if options["imap"] else {}),
        )
        try:
            mailbox.full_clean()
        except ValidationError as error:
            raise CommandError(_describe(error)) from None
        mailbox.save()
        reading = ""
        if mailbox.reads_imap:
            reading = (
                f", reading {mailbox.imap_folder} of {mailbox.imap_user} at"
                f" {mailbox.imap_host}:{mailbox.imap_port} ({mailbox.get_imap_security_display()})"
            )
        self.stdout.write(
            f"Created the mailbox {mailbox} for the department {mailbox.department}{reading}."
        )
        self.stdout.write(str(mailbox.pk))


def _describe(error: ValidationError) -> str:
    labels = {field.name: field.verbose_name for field in Mailbox._meta.fields}
    return " ".join(
        f"{str(labels.get(field, field)).capitalize()}: {message}"
        if field != "__all__"
        else message
        for field, messages in error.message_dict.items()
        for message in messages
    )
