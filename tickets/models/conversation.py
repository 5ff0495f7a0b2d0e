"""A ticket's conversation: replies and notes, their files, and ratings (the history is in
`history`)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .organisation import Contact
from .tickets import Source, Ticket


class Reply(models.Model):
    """A message in a ticket's conversation: a public reply, or an internal note."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        NOTE = "note", "Note"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField()
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_replies",
    )
    author_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    message_id = models.CharField(
        "Message-ID",
        max_length=998,
        blank=True,
        default="",
        # The demo data's COPY leaves the column out: the database fills it in.
        db_default="",
        help_text="The email's Message-ID: the one received, or the one our email carries.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [
            # Threading incoming mail: the emails sent and received for a ticket's replies.
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="reply_message_id_idx"
            ),
            models.Index(fields=["ticket", "created_at"], name="reply_ticket_created_idx"),
            models.Index(fields=["author_agent", "created_at"], name="reply_agent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["reply", "note"]), name="reply_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(author_agent__isnull=True) | Q(author_contact__isnull=True),
                name="reply_single_author",
                violation_error_message="A reply has one author: an agent or a contact.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="note") | Q(author_contact__isnull=True),
                name="reply_note_by_agent",
                violation_error_message="Only agents can write notes.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def author(self):
        return self.author_agent or self.author_contact

    @property
    def is_note(self) -> bool:
        return self.kind == self.Kind.NOTE


# Images a browser may show inline as a preview. SVG is left out on purpose: it can
# carry script, so it is only ever downloaded.
PREVIEWABLE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def attachment_path(attachment: Attachment, filename: str) -> str:
    """A random storage name: an uploaded file never chooses its own path or extension.

    The name the agent or client gave it is kept in `Attachment.name` and is only
    ever sent back in a Content-Disposition header.
    """
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file on a ticket's opening message (no reply) or on one of its replies or notes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="attachment_ticket_idx"),
            models.Index(fields=["reply"], name="attachment_reply_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="attachment_name_not_empty",
                violation_error_message="An attachment needs a file name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_previewable_image(self) -> bool:
        return self.content_type in PREVIEWABLE_IMAGE_TYPES


class Rating(models.Model):
    """A client's rating of how a ticket was handled."""

    class Value(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    value = models.CharField(max_length=4, choices=Value.choices)
    comment = models.TextField(blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_ratings",
        help_text="The agent rated: the ticket's assignee when the rating was given.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The ratings reports: an index-only scan per period (see reports.queries).
            models.Index(
                fields=["created_at"], include=["value", "agent"], name="rating_report_idx"
            ),
            models.Index(fields=["agent", "created_at"], name="rating_agent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=["good", "bad"]), name="rating_value_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} for #{self.ticket_id}"


class RatingRequest(models.Model):
    """A "How did we do?" email sent to a ticket's requester: its links name this row, so
    that a newer request for the same ticket supersedes the links of an older one."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rating_requests")
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="The requester asked; the links stop working when the contact is deleted.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="rating_request_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"Rating request for #{self.ticket_id}"
