"""Webhooks: the endpoints that subscribe to ticket events, and each delivery to them.

An endpoint is a URL, a secret that signs what it is sent, and the events it wants. A
delivery is one event for one endpoint: its payload, built when the change was made,
and where sending it stands (the latest attempt's outcome, the next attempt's time).
"""

from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

SECRET_BYTES = 32


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe text, prefixed so that it reads as one."""
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated"
    TICKET_STATUS_CHANGED = "ticket.status_changed", "Ticket status changed"
    REPLY_ADDED = "reply.added", "Reply added"
    NOTE_ADDED = "note.added", "Note added"
    RATING_RECEIVED = "rating.received", "Rating received"
    SLA_BREACHED = "sla.breached", "SLA target breached"
    # Sent by the admin's "Send test event" only; no endpoint subscribes to it.
    PING = "ping", "Test event"


# What an endpoint may subscribe to.
SUBSCRIBABLE_EVENTS = [event for event in WebhookEvent if event != WebhookEvent.PING]


class WebhookEndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def active(self) -> WebhookEndpointQuerySet:
        return self.filter(is_active=True)


class WebhookEndpoint(models.Model):
    """A URL the helpdesk POSTs the events it subscribes to, signed with its secret."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(
        "URL",
        max_length=500,
        help_text="Where the events are POSTed (https:// recommended). Private and loopback "
        "addresses are refused unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows them.",
    )
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        help_text="Signs every delivery (the Helpdesk-Signature header). Rotate it from the "
        "endpoints' list; the receiver must then use the new one.",
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text="The events this endpoint receives (WebhookEvent values).",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active"], name="webhook_endpoint_active_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .addresses import UnsafeAddress, check_url  # the address rules need settings

        errors: dict[str, str] = {}
        unknown = [event for event in self.events or [] if event not in SUBSCRIBABLE_EVENTS]
        if not isinstance(self.events, list) or unknown:
            errors["events"] = f"Unknown events: {', '.join(map(str, unknown))}."
        if self.url:
            try:
                check_url(self.url)
            except UnsafeAddress as error:
                errors["url"] = str(error)
        if errors:
            raise ValidationError(errors)

    def subscribes_to(self, event: str) -> bool:
        return event in (self.events or [])


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def due(self) -> WebhookDeliveryQuerySet:
        """Pending deliveries whose next attempt is due (the retry pick-up)."""
        return self.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now())


class WebhookDelivery(models.Model):
    """One event for one endpoint, and the outcome of its latest attempt."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Identifies this delivery (the Helpdesk-Delivery header); "Send again" makes a new one.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Identifies the event (the payload's `id`): the same for every endpoint and every
    # delivery of one event, so that a receiver can ignore one it has seen.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent)
    ticket_id = models.BigIntegerField(
        null=True, blank=True, help_text="The ticket the event is about (kept if it is deleted)."
    )
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due (pending only); an attempt under way holds the delivery
    # until a little past its timeout by moving this on.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redeliveries",
        help_text="The delivery this one sends again.",
    )

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The log, newest first, by endpoint, by state and by event (the admin's filters).
            models.Index(fields=["-created_at"], name="webhook_delivery_created_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
            models.Index(fields=["state", "-created_at"], name="webhook_delivery_state_idx"),
            models.Index(fields=["event", "-created_at"], name="webhook_delivery_event_idx"),
            models.Index(fields=["ticket_id"], name="webhook_delivery_ticket_idx"),
            models.Index(fields=["event_id"], name="webhook_delivery_event_id_idx"),
            # The retry pick-up: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "succeeded", "failed"]),
                name="webhook_delivery_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.state})"
