"""Admin for who has a ticket open: read only, the ticket page keeps these rows
(see tickets.presence); rows older than a minute are deleted by the next poll."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import TicketPresence

from .conversation import ticket_link


@admin.register(TicketPresence)
class TicketPresenceAdmin(admin.ModelAdmin):
    list_display = ("id", ticket_link, "agent", "is_replying", "seen_at")
    list_display_links = ("id",)
    list_filter = ("is_replying",)
    list_select_related = ("agent",)
    ordering = ("-seen_at",)
    readonly_fields = ("ticket", "agent", "is_replying", "seen_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Internal bookkeeping: left out of the admin's index, its pages still open by URL.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
