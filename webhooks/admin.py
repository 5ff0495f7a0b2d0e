"""Admin for webhooks: the endpoints, and the log of every delivery.

An endpoint's events are checkboxes; its secret is shown (the receiver needs it) and
"Rotate secret" replaces it. "Send test event" queues a `ping`. Deliveries are read,
never written: each shows its latest attempt (state, time, response code, the start of
the answer, duration, error), and "Send again" queues a new delivery of the same event.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from . import publishing
from .models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint, new_secret

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(event.value, f"{event.label} ({event.value})") for event in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The events POSTed to this endpoint.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "events", "is_active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    actions = ("send_test_event", "rotate_secret")
    readonly_fields = ("secret_shown", "created_at", "recent_deliveries")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = ("name", "url", "events", "is_active")
        return (*fields, "secret_shown", "created_at", "recent_deliveries") if obj else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(publishing.forget_subscriptions)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(publishing.forget_subscriptions)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(publishing.forget_subscriptions)

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events) or "-"

    @admin.display(description="secret")
    def secret_shown(self, endpoint: WebhookEndpoint) -> str:
        return format_html(
            "<code>{}</code><br>Verify the Helpdesk-Signature header with it "
            "(docs/webhooks.md). “Rotate secret” replaces it.",
            endpoint.secret,
        )

    @admin.display(description="deliveries")
    def recent_deliveries(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">The log</a>', url, endpoint.pk)

    @admin.action(description="Send test event", permissions=["change"], location=BOTH_PLACES)
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        with transaction.atomic():
            for endpoint in queryset.order_by("pk"):
                publishing.send_ping(endpoint)
        self.message_user(
            request,
            "A test event (ping) is queued; its outcome shows in the deliveries' log.",
            messages.SUCCESS,
        )

    @admin.action(description="Rotate secret", permissions=["change"], location=BOTH_PLACES)
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        rotated = []
        with transaction.atomic():
            for endpoint in queryset.select_for_update().order_by("pk"):
                endpoint.secret = new_secret()
                endpoint.save(update_fields=["secret"])
                rotated.append(endpoint.name)
        self.message_user(
            request,
            f"New secret for {', '.join(rotated)}: deliveries are signed with it from now on.",
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "endpoint",
        "event",
        "ticket_link",
        "state",
        "attempts",
        "last_attempt_at",
        "response_code",
        "duration_ms",
        "problem",
    )
    list_filter = ("state", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("=event_id", "=delivery_id", "=ticket_id")
    search_help_text = "A whole event id, delivery id or ticket number."
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    actions = ("send_again",)
    fields = (
        "endpoint",
        "event",
        "event_id",
        "delivery_id",
        "ticket_link",
        "state",
        "attempts",
        "created_at",
        "first_attempt_at",
        "last_attempt_at",
        "next_attempt_at",
        "response_code",
        "duration_ms",
        "response_excerpt",
        "error",
        "redelivery_of",
        "payload",
    )
    readonly_fields = fields

    @admin.display(description="ticket", ordering="ticket_id")
    def ticket_link(self, delivery: WebhookDelivery) -> str:
        if delivery.ticket_id is None:
            return "-"
        url = reverse("admin:tickets_ticket_change", args=[delivery.ticket_id])
        return format_html('<a href="{}">#{}</a>', url, delivery.ticket_id)

    @admin.display(description="error")
    def problem(self, delivery: WebhookDelivery) -> str:
        return Truncator(delivery.error).chars(80) or "-"

    @admin.action(description="Send again", permissions=["send"], location=BOTH_PLACES)
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        with transaction.atomic():
            copies = publishing.send_again(queryset.order_by("pk"))
        self.message_user(
            request,
            f"{len(copies)} new deliveries queued; they show at the top of the log.",
            messages.SUCCESS,
        )

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_webhookdelivery")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Deliveries are made by changes to tickets, never by a form.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # The log is kept as it happened.
