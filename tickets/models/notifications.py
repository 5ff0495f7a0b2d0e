"""An agent's workspace notifications: mentions in notes and clients' replies, shown under
the bell of the top bar until read (tickets.inbox writes them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .conversation import Reply
from .tickets import Ticket


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread_for(self, agent) -> NotificationQuerySet:
        """The agent's unread notifications, newest first (the index notif_unread_idx)."""
        return self.filter(recipient=agent, read_at__isnull=True).order_by("-created_at", "-id")


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", "mentioned you"
        CLIENT_REPLY = "client_reply", "client replied"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notification of a kind per reply and agent, however often it is looked at.
            models.UniqueConstraint(
                fields=["reply", "recipient", "kind"], name="notification_once_per_reply"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["mention", "client_reply"]), name="notification_kind_valid"
            ),
        ]
        indexes = [
            # The bell's count and panel: a recipient's unread ones, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notif_unread_idx",
            ),
            # Opening a ticket marks the agent's notifications of it read.
            models.Index(
                fields=["ticket", "recipient"],
                condition=Q(read_at__isnull=True),
                name="notif_unread_ticket_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id} for {self.recipient_id}"
