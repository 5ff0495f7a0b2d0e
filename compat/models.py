"""What the compatibility layers keep of their own: which tickets came from another system."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models import Ticket


class ImportedTicket(models.Model):
    """A ticket imported from another helpdesk, under its id there: importing the same
    export again skips it."""

    class System(models.TextChoices):
        LIVECHAT = "livechat", "LiveChat"
        SUPPORTBEE = "supportbee", "SupportBee"
        USERCOM = "usercom", "User.com"

    system = models.CharField(max_length=20, choices=System)
    external_id = models.CharField("id there", max_length=100)
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="imported_from")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "external_id"],
                name="imported_ticket_once",
                violation_error_message="This ticket was imported already.",
            ),
            models.CheckConstraint(
                condition=Q(system__in=["livechat", "supportbee", "usercom"]),
                name="imported_ticket_system_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.external_id} → #{self.ticket_id}"


class TicketSourceUrl(models.Model):
    """The web page a ticket was sent from, where another system's API gives it (LiveChat's
    `source.url`): kept so that the ticket is written back with it."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="source_url"
    )
    url = models.URLField("URL", max_length=2000)

    class Meta:
        verbose_name = "ticket source URL"

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.url}"


def upload_path(upload: PendingUpload, filename: str) -> str:
    """A random storage name, as a ticket's files get (tickets.models.attachment_path)."""
    return f"compat-uploads/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class PendingUpload(models.Model):
    """A file uploaded through a compatibility API (SupportBee's POST /attachments.json)
    before the ticket it goes on exists; creating that ticket moves it onto the ticket's
    opening message, through the services, and deletes this row."""

    file = models.FileField(upload_to=upload_path, max_length=255)
    name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="pending_upload_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name
