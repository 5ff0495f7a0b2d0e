"""The email channel's data: mailboxes, and every message that came in.

A message is kept (its raw bytes through the storage API, and what identifies it)
before it is processed, and keeps the outcome of processing: the ticket it created,
the reply it added, why it was ignored, or the error that stopped it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from tickets.models import Category, Reply, Ticket


class Mailbox(models.Model):
    """An address the helpdesk receives mail at, and sends mail about its tickets from."""

    class Security(models.TextChoices):
        TLS = "tls", "TLS (IMAPS, usually port 993)"
        STARTTLS = "starttls", "STARTTLS (usually port 143)"
        NONE = "none", "None (loopback or trusted network only)"

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(
        unique=True, help_text="The address clients write to; stored in lower case."
    )
    department = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="mailboxes",
        limit_choices_to={"type": Category.Type.TICKET},
        help_text="New tickets from this mailbox go to this department.",
    )
    from_name = models.CharField(
        max_length=100, blank=True, help_text="The name our emails are sent under."
    )
    send_acknowledgment = models.BooleanField(
        default=True,
        help_text="Email the requester of a new ticket that it was received, with its reference.",
    )
    notify_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="watched_mailboxes",
        limit_choices_to={"is_staff": True},
        help_text="Told of a client's reply to a ticket that nobody is assigned.",
    )
    is_active = models.BooleanField("active", default=True)

    imap_host = models.CharField("IMAP host", max_length=255, blank=True)
    imap_port = models.PositiveIntegerField("IMAP port", null=True, blank=True)
    imap_security = models.CharField(
        "IMAP security", max_length=10, choices=Security, default=Security.TLS
    )
    imap_user = models.CharField("IMAP user", max_length=255, blank=True)
    imap_password = models.CharField("IMAP password", max_length=255, blank=True)
    imap_folder = models.CharField("IMAP folder", max_length=255, default="INBOX")
    # Where reading stopped: the folder's UIDVALIDITY and the last UID read under it.
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    imap_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    imap_error = models.TextField(blank=True, editable=False)
    # A fetch holds the mailbox until then (renewing as it goes), so that two fetchers
    # never read one folder at once; a fetcher that died lets go when it runs out.
    imap_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"
        constraints = [
            models.CheckConstraint(
                condition=Q(address=Lower("address")),
                name="mailbox_address_lower_case",
                violation_error_message="The address must be in lower case.",
            ),
            models.CheckConstraint(
                condition=Q(imap_security__in=["tls", "starttls", "none"]),
                name="mailbox_imap_security_valid",
            ),
        ]
        indexes = [models.Index(fields=["department"], name="mailbox_department_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def reads_imap(self) -> bool:
        return bool(self.imap_host and self.imap_user)

    def clean(self) -> None:
        self.address = (self.address or "").strip().lower()


def raw_message_path(message: InboundMessage, filename: str) -> str:
    """Where a message's raw bytes are stored: by day, under a name the storage makes unique."""
    day = (message.received_at or timezone.now()).strftime("%Y/%m/%d")
    return f"mail/{day}/{filename}"


class InboundMessage(models.Model):
    """A message that came in, kept whole whatever happened to it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not processed yet"
        TICKET_CREATED = "ticket_created", "Ticket created"
        REPLY_ADDED = "reply_added", "Reply added"
        BOUNCE_RECORDED = "bounce_recorded", "Bounce recorded"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    raw = models.FileField(upload_to=raw_message_path, max_length=255)
    size = models.PositiveIntegerField(default=0)
    message_id = models.CharField("Message-ID", max_length=998, blank=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    imap_uid = models.BigIntegerField("IMAP UID", null=True, blank=True)

    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was ignored, or the error.")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    acknowledged = models.BooleanField(
        default=False, help_text="An acknowledgment was sent to the sender."
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                condition=~Q(message_id=""),
                name="inbound_message_once_per_mailbox",
                violation_error_message="This mailbox already has a message with this Message-ID.",
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "pending",
                        "ticket_created",
                        "reply_added",
                        "bounce_recorded",
                        "ignored",
                        "failed",
                    ]
                ),
                name="inbound_message_outcome_valid",
            ),
        ]
        indexes = [
            # The admin's list of failures, and "received" newest first.
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_idx"),
            models.Index(fields=["-received_at"], name="inbound_received_idx"),
            # At most so many acknowledgments per sender per hour.
            models.Index(
                fields=["sender", "received_at"],
                condition=Q(acknowledged=True),
                name="inbound_acknowledged_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.sender or 'unknown'}"
