"""Mail in: every message is kept, then becomes a ticket, a client's (or agent's) reply, a
recorded bounce, or nothing, with the reason.

`receive` is the one entry point of `ingest_email` (an MTA's pipe), `fetch_mail` (IMAP)
and the benchmark. It keeps the raw bytes and what identifies the message (committed
first, so that nothing is lost whatever happens next), then `process`es it in a
transaction of its own. An error while processing is recorded on the message (outcome
"failed", with the error) and listed in the admin, where "Process again" retries it. Every
change to a ticket goes through `tickets.services` on the `email` channel.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from tickets import attachments as files
from tickets import changes, services, tasks
from tickets.agents import Agent
from tickets.models import Channel, Client, Contact, Reply, Ticket

from . import requesters
from .lookups import unordered_first
from .models import InboundMessage, Mailbox
from .parsing import EmailAttachment, ParsedEmail, parse_email
from .threading import referenced_ticket, ticket_for, ticket_of_our_message

logger = logging.getLogger("mail.ingest")

Outcome = InboundMessage.Outcome

# At most this many acknowledgments go to one sender in an hour: a robot writing to us
# in a loop gets a few, then silence.
ACKNOWLEDGMENTS_PER_HOUR = 5
NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"
SUBJECT_LENGTH = Ticket._meta.get_field("subject").max_length or 255


class NoMailbox(Exception):
    """None of the message's recipients is an active mailbox's address."""


class Received(NamedTuple):
    message: InboundMessage
    new: bool  # False: the mailbox already had a message with this Message-ID


@dataclass
class Result:
    outcome: str
    reason: str = ""
    ticket: Ticket | None = None
    reply: Reply | None = None
    acknowledged: bool = False
    notes: list[str] = field(default_factory=list)


def mailbox_for(email: ParsedEmail) -> Mailbox | None:
    """The active mailbox among the recipients, looked for in Delivered-To, X-Original-To,
    To and Cc, in that order."""
    addresses = [*email.delivered_to, *email.to, *email.cc]
    if not addresses:
        return None
    mailboxes = {
        m.address: m for m in Mailbox.objects.filter(is_active=True, address__in=addresses)
    }
    return next((mailboxes[a] for a in addresses if a in mailboxes), None)


def receive(raw: bytes, *, mailbox: Mailbox | None = None, imap_uid: int | None = None) -> Received:
    """Keep `raw` (one RFC 5322 message) and process it. Without `mailbox`, the message's
    recipients name it (NoMailbox when none does)."""
    email = parse_email(raw)
    mailbox = mailbox or mailbox_for(email)
    if mailbox is None:
        raise NoMailbox("No active mailbox is among the message's recipients.")
    received = keep(raw, email, mailbox=mailbox, imap_uid=imap_uid)
    if received.new:
        return Received(process(received.message, email), new=True)
    return received


def keep(
    raw: bytes, email: ParsedEmail, *, mailbox: Mailbox, imap_uid: int | None = None
) -> Received:
    """Store the raw bytes and the message's row, committed before anything else happens.
    A Message-ID the mailbox already has is not kept twice."""
    message = InboundMessage(
        mailbox=mailbox,
        message_id=email.message_id[:998],
        sender=email.sender[:320],
        subject=email.subject,
        imap_uid=imap_uid,
        size=len(raw),
        received_at=timezone.now(),
    )
    message.raw.save(f"{uuid.uuid4().hex}.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            message.save()
            if imap_uid is not None:
                # Read from the mailbox's IMAP folder: the reading position passes it in
                # the same commit, so that a crash never reads it twice.
                Mailbox.objects.filter(pk=mailbox.pk, imap_last_uid__lt=imap_uid).update(
                    imap_last_uid=imap_uid
                )
    except IntegrityError:
        # The mailbox has this Message-ID already (the unique constraint says so, even
        # for two copies arriving at the same moment): that message is the one kept.
        message.raw.delete(save=False)
        found = InboundMessage.objects.filter(mailbox=mailbox, message_id=email.message_id)
        return Received(found.get(), new=False)
    except DatabaseError:
        message.raw.delete(save=False)
        raise
    return Received(message, new=True)


def read_raw(message: InboundMessage) -> bytes:
    with message.raw.open("rb") as stored:
        return stored.read()


def process(message: InboundMessage, email: ParsedEmail | None = None) -> InboundMessage:
    """Turn a kept message into what it is. Processing runs in one transaction: either all
    of it is committed with its outcome, or nothing but the outcome "failed" and the error.

    A database that cannot be reached is not the message's fault: that error is raised
    (and the message stays pending) so that the caller can try again later.
    """
    if email is None:
        email = parse_email(read_raw(message))
    try:
        with changes.atomic():
            locked = (
                InboundMessage.objects.select_for_update(of=("self",))
                .select_related("mailbox__department")
                .get(pk=message.pk)
            )
            if locked.outcome not in (Outcome.PENDING, Outcome.FAILED):
                return locked  # processed meanwhile
            result = _handle(locked, email)
            locked.outcome = result.outcome
            locked.reason = "\n".join([result.reason, *result.notes]).strip()
            locked.ticket = result.ticket
            locked.reply = result.reply
            locked.acknowledged = result.acknowledged
            locked.processed_at = timezone.now()
            locked.save(
                update_fields=[
                    "outcome",
                    "reason",
                    "ticket",
                    "reply",
                    "acknowledged",
                    "processed_at",
                ]
            )
            if result.acknowledged and result.ticket is not None:
                ticket_id = result.ticket.pk
                transaction.on_commit(lambda: tasks.acknowledge(ticket_id), robust=True)
            return locked
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.exception("Processing message %s failed", message.pk)
        InboundMessage.objects.filter(pk=message.pk).update(
            outcome=Outcome.FAILED,
            reason=f"{type(error).__name__}: {error}"[:5000],
            processed_at=timezone.now(),
        )
        message.refresh_from_db()
        return message


def _handle(message: InboundMessage, email: ParsedEmail) -> Result:
    ours = own_addresses()
    if email.sender and email.sender in ours:
        return Result(Outcome.IGNORED, "Mail from one of our own mailbox addresses.")
    if email.bounce is not None:
        return _record_bounce(email)
    agent = requesters.agent_with_address(email.sender)
    ticket = ticket_for(email, agent=agent) if email.sender else referenced_ticket(email)
    if ticket is not None:
        if email.message_id and Reply.objects.filter(message_id=email.message_id).exists():
            return Result(Outcome.IGNORED, "Already added to the ticket (through another mailbox).")
        author = _reply_author(ticket, email, agent)
        if author is not None:
            return _add_reply(ticket, author, email)
    if email.message_id:
        existing = unordered_first(Ticket.objects.filter(message_id=email.message_id))
        if existing is not None:
            return Result(
                Outcome.IGNORED,
                "Already a ticket (through another mailbox).",
                ticket=existing,
            )
    return _open_ticket(message.mailbox, email, ours)


# Mailboxes and agents change seldom, and every message asks about both: the answers
# are cached for this many seconds.
ADDRESSES_CACHE_SECONDS = 30


def own_addresses() -> set[str]:
    """Every mailbox's address: mail from them is ours, never a client's."""
    addresses = cache.get_or_set(
        "mail:own-addresses",
        lambda: list(Mailbox.objects.values_list("address", flat=True)),
        ADDRESSES_CACHE_SECONDS,
    )
    return set(addresses or ())


# Replies ----------------------------------------------------------------------------


def _reply_author(
    ticket: Ticket, email: ParsedEmail, agent: Agent | None
) -> Agent | Contact | None:
    """Who the reply is from: the agent, or a contact of the ticket's client (someone the
    conversation reached joins the client). None when the sender is a contact of another
    client, or unknown: such a message becomes a ticket of its own."""
    if agent is not None:
        return agent
    if not email.sender:
        return None
    contact = requesters.contact_with_address(email.sender, client_id=ticket.client_id)
    if contact is None:
        if requesters.contact_with_address(email.sender) is not None:
            return None
        contact = requesters.contact_in_client(email.sender, email.sender_name, ticket.client)
    if contact.bounced_at is not None:
        Contact.objects.filter(pk=contact.pk).update(bounced_at=None)
    return contact


def _add_reply(ticket: Ticket, author: Agent | Contact, email: ParsedEmail) -> Result:
    uploads, dropped = email_attachments(email.attachments)
    text = email.reply_text.strip() or email.text.strip() or NO_TEXT
    if dropped:
        text += "\n\n" + "\n".join(dropped)
    reply = services.post_reply(
        ticket=ticket,
        text=text,
        kind=Reply.Kind.REPLY,
        author=author,
        channel=Channel.EMAIL,
        attachments=uploads,
        message_id=email.message_id[:998],
        notify=not email.suppress_auto_reply,
    )
    notes = ["An automatic message: nobody was notified."] if email.suppress_auto_reply else []
    return Result(Outcome.REPLY_ADDED, ticket=ticket, reply=reply, notes=[*notes, *dropped])


# New tickets ------------------------------------------------------------------------


def _open_ticket(mailbox: Mailbox, email: ParsedEmail, ours: set[str]) -> Result:
    requester: Contact | None = None
    if email.sender:
        requester = requesters.requester_for(email.sender, email.sender_name)
        client = requester.client
    else:
        client = requesters.unknown_senders_client()
    cc = _copied_contacts(email, client, ours)
    uploads, dropped = email_attachments(email.attachments)
    message = email.text.strip() or NO_TEXT
    if dropped:
        message += "\n\n" + "\n".join(dropped)
    ticket = services.create_ticket(
        client=client,
        department=mailbox.department,
        subject=_subject(email.subject),
        message=message,
        actor=None,
        channel=Channel.EMAIL,
        requester=requester,
        cc=cc,
        attachments=uploads,
        mailbox=mailbox,
        message_id=email.message_id[:998],
    )
    notes = list(dropped)
    if not email.sender:
        notes.append("The message names no sender: filed under “Unknown senders”.")
    if email.is_spam:
        services.mark_spam(ticket=ticket, is_spam=True, actor=None, channel=Channel.EMAIL)
        notes.append("Marked as spam by the mail server (X-Spam-Flag).")
    acknowledged = _should_acknowledge(mailbox, email, requester)
    return Result(Outcome.TICKET_CREATED, ticket=ticket, acknowledged=acknowledged, notes=notes)


def _subject(subject: str) -> str:
    subject = " ".join(subject.split()) or NO_SUBJECT
    return subject if len(subject) <= SUBJECT_LENGTH else subject[: SUBJECT_LENGTH - 1] + "…"


def _copied_contacts(email: ParsedEmail, client: Client, ours: set[str]) -> list[Contact]:
    """The message's CC recipients as contacts of the ticket's client, but our own
    mailboxes (`ours`), agents and the sender."""
    skip = ours | {email.sender}
    contacts = []
    for address in dict.fromkeys(email.cc):
        if address in skip or requesters.agent_with_address(address) is not None:
            continue
        contacts.append(requesters.contact_in_client(address, "", client))
    return contacts


def _should_acknowledge(mailbox: Mailbox, email: ParsedEmail, requester: Contact | None) -> bool:
    """A new ticket is acknowledged when its mailbox asks for it, unless the message is
    automatic, spam, or its sender already got ACKNOWLEDGMENTS_PER_HOUR of them."""
    if not mailbox.send_acknowledgment or requester is None or not requester.email:
        return False
    if email.suppress_auto_reply or email.is_spam:
        return False
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    recent = InboundMessage.objects.filter(
        sender=email.sender, acknowledged=True, received_at__gte=hour_ago
    )
    return recent.count() < ACKNOWLEDGMENTS_PER_HOUR


# Bounces ----------------------------------------------------------------------------


def _record_bounce(email: ParsedEmail) -> Result:
    bounce = email.bounce
    assert bounce is not None
    ticket = ticket_of_our_message(bounce.original_message_id)
    if ticket is None:
        return Result(Outcome.IGNORED, "A delivery report about a message we did not send.")
    services.record_bounce(
        ticket=ticket,
        addresses=bounce.failed_recipients,
        message_id=bounce.original_message_id,
        channel=Channel.EMAIL,
    )
    return Result(Outcome.BOUNCE_RECORDED, ticket=ticket)


# Attachments ------------------------------------------------------------------------


def email_attachments(
    attachments: tuple[EmailAttachment, ...],
) -> tuple[list[UploadedFile], list[str]]:
    """The files to keep, checked like an agent's uploads (size, type, number), and a line
    for each one dropped saying which and why; a file is dropped, never the message."""
    kept: list[UploadedFile] = []
    dropped: list[str] = []
    for attachment in attachments:
        upload = SimpleUploadedFile(
            attachment.filename, attachment.content, attachment.content_type
        )
        try:
            files.check_uploads([upload])
        except ValidationError as error:
            dropped.extend(f"[Attachment dropped: {message}]" for message in error.messages)
            continue
        if len(kept) >= files.max_files():
            dropped.append(
                f"[Attachment dropped: “{attachment.filename}”: a message keeps at most"
                f" {files.max_files()} files.]"
            )
            continue
        kept.append(upload)
    return kept, dropped
