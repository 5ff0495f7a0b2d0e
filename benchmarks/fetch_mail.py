"""Measure `fetch_mail`: read N messages from a real IMAP server into the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python -u -W ignore benchmarks/fetch_mail.py [--messages 1000]

Starts a throwaway Dovecot on loopback (tests/mail/servers.py: Debian's dovecot-imapd must
be installed), appends --messages realistic messages to a new folder (half replies from a
ticket's requester, quoting our mail and naming the ticket's signed root Message-ID in
In-Reply-To; half new tickets from new senders; a few with an attachment), then reads them
with `fetch_mailbox` over IMAPS, as `fetch_mail` does, and prints the messages per second and
the total time (the goal: 1,000 messages in under 60 s). Production settings (DEBUG off), so
the acknowledgments are queued for the task worker, not sent. At the end it deletes what it
made: the tickets, the replies (through the services, so the tickets' counters stay exact;
the status a reply moved stays), the new senders' clients, the messages and the mailbox.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from mail import imap  # noqa: E402
from mail.models import InboundMessage, Mailbox  # noqa: E402
from tests.mail.servers import running_dovecot  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Category, Channel, Client, Contact, Reply, Ticket  # noqa: E402
from tickets.notifications import ticket_message_id  # noqa: E402

BENCH_MAILBOX = "Benchmark fetch_mail"
BENCH_ADDRESS = "bench-fetch-mail@helpdesk.example.test"
PARAGRAPHS = [
    "Since this morning the printer on the third floor shows error 42 and nothing comes out.",
    "I have restarted it twice and checked the paper tray, but the problem is still there.",
    "Could someone please have a look today? We have a deadline for the quarterly report.",
    "The invoice for last month lists the same licence twice; please correct it and resend.",
    "Our VPN connection drops every ten minutes since the update of the client on Monday.",
    "When I try to log in, the page says my password expired, but the reset link is broken.",
]


def body(rng: random.Random, paragraphs: int) -> str:
    return "\n\n".join(rng.choice(PARAGRAPHS) for _ in range(paragraphs))


def message(
    rng: random.Random,
    *,
    sender: str,
    subject: str,
    text: str,
    headers: dict[str, str],
    attachment: bool,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = f"Support <{BENCH_ADDRESS}>"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = make_msgid(domain="client.example")
    for name, value in headers.items():
        mail[name] = value
    mail.set_content(text)
    html = "".join(f"<p>{line}</p>" for line in text.split("\n\n") if line)
    mail.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    if attachment:
        mail.add_attachment(
            rng.randbytes(20_000), maintype="application", subtype="pdf", filename="scan.pdf"
        )
    return mail.as_bytes()


def reply_to(rng: random.Random, ticket: Ticket) -> bytes:
    requester = ticket.requester
    assert requester is not None
    quoted = "\n".join(f"> {line}" for line in body(rng, 3).splitlines())
    text = (
        f"{body(rng, 1)}\n\nThanks,\n{requester.name}\n\n"
        f"On Mon, 5 Jan 2026 at 10:02, Support <{BENCH_ADDRESS}> wrote:\n{quoted}\n"
    )
    return message(
        rng,
        sender=f"{requester.name} <{requester.email}>",
        subject=f"Re: [#{ticket.pk}] {ticket.subject}",
        text=text,
        headers={"In-Reply-To": ticket_message_id(ticket), "References": ticket_message_id(ticket)},
        attachment=rng.random() < 0.05,
    )


def new_ticket(rng: random.Random, n: int) -> bytes:
    token = uuid.uuid4().hex[:10]
    return message(
        rng,
        sender=f"New Sender {n} <sender-{token}@new-{token}.example>",
        subject=rng.choice(["Printer broken", "Invoice question", "VPN drops", "Cannot log in"]),
        text=body(rng, 4) + "\n\nBest regards,\nNew Sender",
        headers={},
        attachment=rng.random() < 0.05,
    )


def messages(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    targets = list(
        Ticket.objects.filter(requester__isnull=False)
        .exclude(requester__email="")
        .select_related("requester")
        .order_by("-pk")[: count // 2]
    )
    made = [reply_to(rng, ticket) for ticket in targets]
    made += [new_ticket(rng, n) for n in range(count - len(made))]
    rng.shuffle(made)
    return made


def clean_up(mailbox: Mailbox, started: object) -> None:
    logging.getLogger("tickets").setLevel(logging.WARNING)  # a line per deleted ticket
    kept = InboundMessage.objects.filter(mailbox=mailbox)
    for reply in Reply.objects.filter(pk__in=kept.exclude(reply=None).values("reply")):
        services.delete_reply(reply=reply, actor=None, channel=Channel.SYSTEM)
    created = Ticket.objects.filter(mailbox=mailbox)
    clients = list(created.values_list("client_id", flat=True).distinct())
    for ticket in created:
        services.delete_ticket(ticket=ticket, actor=None, channel=Channel.SYSTEM)
    for message in kept:
        message.raw.delete(save=False)
    kept.delete()
    unused = Client.objects.filter(pk__in=clients, tickets__isnull=True)
    Contact.objects.filter(client__in=unused).delete()
    unused.delete()
    mailbox.delete()
    DBTaskResult.objects.filter(
        Q(task_path__startswith="tickets.tasks.") | Q(task_path__startswith="mail.tasks."),
        enqueued_at__gte=started,
    ).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep what the run made.")
    options = parser.parse_args()
    started = timezone.now()
    department = Category.objects.filter(type=Category.Type.TICKET).order_by("pk").first()
    if department is None:
        sys.exit("The database has no department: run seed_demo first.")
    for left in Mailbox.objects.filter(name=BENCH_MAILBOX):  # from a run with --keep
        clean_up(left, timezone.now())
    tickets = Ticket.objects.count()

    with running_dovecot() as server:
        settings.MAIL_IMAP_CA_FILE = server.cafile
        folder = server.new_folder()
        mailbox = Mailbox.objects.create(
            name=BENCH_MAILBOX,
            address=BENCH_ADDRESS,
            department=department,
            imap_host=server.host,
            imap_port=server.ssl_port,
            imap_security=Mailbox.Security.TLS,
            imap_user=server.user,
            imap_password=server.password,
            imap_folder=folder,
        )
        try:
            raw = messages(options.messages, options.seed)
            size = sum(len(m) for m in raw)
            start = time.perf_counter()
            server.append(folder, raw)
            appended = time.perf_counter() - start
            print(f"Appended {len(raw)} messages ({size / 1024 / 1024:.1f} MB) in {appended:.1f} s")

            start = time.perf_counter()
            summary = imap.fetch_mailbox(mailbox)
            elapsed = time.perf_counter() - start

            print(summary)
            print(
                f"fetch_mail: {summary.read} messages in {elapsed:.1f} s,"
                f" {summary.read / elapsed:.0f} messages/s"
                f" ({connection.vendor}, {tickets:,} tickets before)"
            )
            goal = "met" if elapsed < 60 * len(raw) / 1000 else "NOT met"
            print(f"Goal (1,000 messages in under 60 s): {goal}")
        finally:
            if not options.keep:
                clean_up(mailbox, started)


if __name__ == "__main__":
    main()
