"""Admin for the workspace notifications (tickets.inbox): read only, written by the
reaction to notes and clients' replies, marked read on the ticket page and the bell."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import Notification

from .conversation import ticket_link


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", ticket_link, "recipient", "kind", "created_at", "read_at")
    list_display_links = ("id",)
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("recipient",)
    ordering = ("-created_at", "-id")
    readonly_fields = ("recipient", "kind", "ticket", "reply", "created_at", "read_at")
    raw_id_fields = ("ticket", "reply")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
