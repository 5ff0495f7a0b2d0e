"""Reading mailboxes over IMAP: `fetch_mail`, the worker's `fetch_all_mail`, and the admin's
"Fetch now" all call `fetch_mailbox`.

A folder is read by UID. The mailbox remembers the folder's UIDVALIDITY and the last UID
it kept; each run reads the messages above that one, oldest first, with BODY.PEEK[] so
that nothing is marked read before it is processed. Each message goes to
`ingest.receive`, which keeps it and moves the reading position past it in one commit (a
crash never reads a message twice), then processes it. Only then is the message flagged
on the server: \\Seen, and the keyword $HelpdeskDone where the folder keeps keywords (a
message carrying it is never read again, even when the folder's UIDs start over). A
message whose processing failed stays unread there, and is listed in the admin.

Two fetchers never read one mailbox at once: a run first takes the mailbox's lease (a
conditional UPDATE of `imap_lease_until`, committed at once) and renews it as it goes, so
no transaction stays open while the network is read.

The IMAP password goes to the server only: it is never logged, and is cut out of every
error recorded on the mailbox.
"""

from __future__ import annotations

import datetime
import logging
import ssl
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q, QuerySet
from django.utils import timezone
from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import IMAPClientError  # type: ignore[import-untyped]

from . import ingest
from .models import InboundMessage, Mailbox

logger = logging.getLogger("mail.imap")

Outcome = InboundMessage.Outcome
Security = Mailbox.Security

DEFAULT_PORTS = {Security.TLS: 993, Security.STARTTLS: 143, Security.NONE: 143}
# One FETCH asks for at most this many messages, and at most this many bytes of them
# (a larger message comes alone): a folder of big attachments never fills the memory.
BATCH_MESSAGES = 100
BATCH_BYTES = 20 * 1024 * 1024
# A run holds its mailbox this long without renewing; a fetcher that died lets go then.
LEASE = datetime.timedelta(minutes=10)
RENEW_AFTER = datetime.timedelta(minutes=1)
SEEN = b"\\Seen"
DONE_KEYWORD = b"$HelpdeskDone"
# What a database that went away looks like: the run stops, and the message in hand was
# not kept (or kept and not processed: the next run processes it).
DATABASE_DOWN = (OperationalError, InterfaceError)
# What a mail server that is down, slow, refusing or misconfigured looks like.
SERVER_ERRORS = (IMAPClientError, OSError)


class LeaseLost(Exception):
    """Another fetcher took the mailbox over: this run ran longer than its lease."""


@dataclass
class FetchSummary:
    """What one run did with one mailbox."""

    mailbox: str
    read: int = 0
    tickets: int = 0
    replies: int = 0
    bounces: int = 0
    ignored: int = 0
    failed: int = 0
    error: str = ""
    busy: bool = False

    def count(self, message: InboundMessage, *, new: bool = True) -> None:
        self.read += 1
        if not new:
            self.ignored += 1  # kept already (read before, or through another route)
            return
        match message.outcome:
            case Outcome.TICKET_CREATED:
                self.tickets += 1
            case Outcome.REPLY_ADDED:
                self.replies += 1
            case Outcome.BOUNCE_RECORDED:
                self.bounces += 1
            case Outcome.IGNORED:
                self.ignored += 1
            case _:
                self.failed += 1

    def __str__(self) -> str:
        if self.busy:
            return f"{self.mailbox}: skipped, another fetch is reading it."
        counts = ", ".join(
            [
                _plural(self.tickets, "new ticket", "new tickets"),
                _plural(self.replies, "reply", "replies"),
                _plural(self.bounces, "bounce", "bounces"),
                f"{self.ignored} ignored",
                f"{self.failed} failed",
            ]
        )
        line = f"{self.mailbox}: read {self.read} ({counts})"
        return f"{line}; stopped: {self.error}" if self.error else f"{line}."


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def imap_mailboxes() -> QuerySet[Mailbox]:
    """The active mailboxes that read an IMAP folder."""
    return Mailbox.objects.filter(is_active=True).exclude(imap_host="").exclude(imap_user="")


def fetch_all() -> list[FetchSummary]:
    """Read every active IMAP mailbox, one after the other."""
    return [fetch_mailbox(mailbox) for mailbox in imap_mailboxes().order_by("pk")]


def connect(mailbox: Mailbox) -> IMAPClient:
    """A client logged in to the mailbox's server over TLS, STARTTLS, or plain text when
    the mailbox says so. Certificates are checked against the system's CAs and the one
    in MAIL_IMAP_CA_FILE."""
    security = Security(mailbox.imap_security)
    context = ssl.create_default_context()
    if settings.MAIL_IMAP_CA_FILE:
        context.load_verify_locations(cafile=settings.MAIL_IMAP_CA_FILE)
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port or DEFAULT_PORTS[security],
        ssl=security == Security.TLS,
        ssl_context=context,
        timeout=settings.MAIL_IMAP_TIMEOUT,
    )
    try:
        if security == Security.STARTTLS:
            client.starttls(context)
        client.login(mailbox.imap_user, mailbox.imap_password)
    except BaseException:
        client.shutdown()
        raise
    return client


def fetch_mailbox(mailbox: Mailbox) -> FetchSummary:
    """Read the new messages of `mailbox`'s IMAP folder into tickets and replies, and record
    when it was checked and the error that stopped it, if any. Call it outside any
    transaction: each message is committed as it is read."""
    summary = FetchSummary(mailbox=str(mailbox))
    lease = Lease.take(mailbox)
    if lease is None:
        summary.busy = True
        return summary
    try:
        mailbox.refresh_from_db()
        _process_stranded(mailbox, summary)
        _read_folder(mailbox, summary, lease)
    except DATABASE_DOWN as error:
        summary.error = f"The database is unavailable: {error}"
        logger.error("Stopped reading mailbox %s: %s", mailbox.name, summary.error)
    except LeaseLost:
        summary.error = "This run took longer than its lease; another fetch took over."
        logger.warning("Stopped reading mailbox %s: %s", mailbox.name, summary.error)
    except SERVER_ERRORS as error:
        summary.error = _redacted(f"{type(error).__name__}: {error}", mailbox)
        logger.warning("Could not read mailbox %s: %s", mailbox.name, summary.error)
    except Exception as error:
        summary.error = _redacted(f"{type(error).__name__}: {error}", mailbox)
        details = _redacted("".join(traceback.format_exception(error)), mailbox)
        logger.error("Reading mailbox %s failed: %s", mailbox.name, details)
    _let_go(mailbox, lease, summary)
    if summary.read or summary.error:
        logger.info("%s", summary)
    return summary


def _read_folder(mailbox: Mailbox, summary: FetchSummary, lease: Lease) -> None:
    client = connect(mailbox)
    try:
        folder = client.select_folder(mailbox.imap_folder)
        last_uid = _reading_position(mailbox, folder)
        permanent = set(folder.get(b"PERMANENTFLAGS", ()))
        keywords = b"\\*" in permanent
        criteria: list[Any] = ["UID", f"{last_uid + 1}:*"]
        if keywords:
            criteria += ["NOT", "KEYWORD", DONE_KEYWORD]
        # `n:*` names the last message even when its UID is below n.
        uids = sorted(uid for uid in client.search(criteria) if uid > last_uid)
        done_flags = [flag for flag in (SEEN,) if flag in permanent]
        if keywords:
            done_flags.append(DONE_KEYWORD)
        for batch in _batches(client, uids):
            lease.renew()
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            done = []
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue  # deleted from the folder meanwhile
                lease.renew()
                received = ingest.receive(raw, mailbox=mailbox, imap_uid=uid)
                if not received.new:
                    _advance(mailbox, uid)
                summary.count(received.message, new=received.new)
                if received.message.outcome not in (Outcome.PENDING, Outcome.FAILED):
                    done.append(uid)
            if done and done_flags:
                client.add_flags(done, done_flags, silent=True)
    finally:
        _log_out(client)


def _reading_position(mailbox: Mailbox, folder: dict[bytes, Any]) -> int:
    """The last UID read in the folder; 0 for a folder whose UIDs started over."""
    uidvalidity = int(folder[b"UIDVALIDITY"])
    if mailbox.imap_uidvalidity == uidvalidity:
        return mailbox.imap_last_uid
    # A new UIDVALIDITY: the folder was recreated (or rebuilt by its server) and its old
    # UIDs mean nothing now. It is read again from the start: what was kept already is
    # known by its Message-ID, and what was flagged done is skipped.
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=uidvalidity, imap_last_uid=0)
    mailbox.imap_uidvalidity, mailbox.imap_last_uid = uidvalidity, 0
    return 0


def _batches(client: IMAPClient, uids: list[int]) -> Iterator[list[int]]:
    """`uids` in groups to fetch at once, by BATCH_MESSAGES and BATCH_BYTES."""
    for start in range(0, len(uids), BATCH_MESSAGES):
        chunk = uids[start : start + BATCH_MESSAGES]
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        batch: list[int] = []
        total = 0
        for uid in chunk:
            if uid not in sizes:
                continue  # deleted from the folder meanwhile
            size = int(sizes[uid].get(b"RFC822.SIZE", 0))
            if batch and total + size > BATCH_BYTES:
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch


def _advance(mailbox: Mailbox, uid: int) -> None:
    """Move the reading position past a message that was kept before (ingest.receive moves
    it for a message it keeps)."""
    Mailbox.objects.filter(pk=mailbox.pk, imap_last_uid__lt=uid).update(imap_last_uid=uid)


def _process_stranded(mailbox: Mailbox, summary: FetchSummary) -> None:
    """Process the messages a run kept but could not process (the database went away
    between the two). The lease says that no other fetch is at work on them."""
    stranded = InboundMessage.objects.filter(
        mailbox=mailbox, outcome=Outcome.PENDING, imap_uid__isnull=False
    ).order_by("pk")
    for message in stranded:
        summary.count(ingest.process(message))


def _log_out(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        # The connection is broken already; the error that broke it is the one to report.
        client.shutdown()


def _redacted(text: str, mailbox: Mailbox) -> str:
    password = mailbox.imap_password
    return text.replace(password, "********") if password else text


def _let_go(mailbox: Mailbox, lease: Lease, summary: FetchSummary) -> None:
    """Record the run on the mailbox and release it."""
    try:
        lease.release(imap_checked_at=timezone.now(), imap_error=summary.error)
    except DATABASE_DOWN as error:
        logger.error(
            "Could not record the run of mailbox %s (the lease runs out by itself): %s",
            mailbox.name,
            error,
        )


class Lease:
    """A run's hold on one mailbox: `imap_lease_until` says until when. Its value is the
    run's token: a run renews or releases the lease only while the value is its own."""

    def __init__(self, mailbox_id: int, until: datetime.datetime) -> None:
        self.mailbox_id = mailbox_id
        self.until = until

    @classmethod
    def take(cls, mailbox: Mailbox) -> Lease | None:
        """The lease of `mailbox`, or None while another run holds it."""
        now = timezone.now()
        until = now + LEASE
        free = Q(imap_lease_until__isnull=True) | Q(imap_lease_until__lt=now)
        taken = Mailbox.objects.filter(free, pk=mailbox.pk).update(imap_lease_until=until)
        return cls(mailbox.pk, until) if taken else None

    def renew(self) -> None:
        """Hold the mailbox for another LEASE when RENEW_AFTER has passed; LeaseLost when
        another run took it over meanwhile."""
        now = timezone.now()
        if now < self.until - LEASE + RENEW_AFTER:
            return
        until = now + LEASE
        if not self._mine().update(imap_lease_until=until):
            raise LeaseLost
        self.until = until

    def release(self, **fields: Any) -> None:
        self._mine().update(imap_lease_until=None, **fields)

    def _mine(self) -> QuerySet[Mailbox]:
        return Mailbox.objects.filter(pk=self.mailbox_id, imap_lease_until=self.until)
