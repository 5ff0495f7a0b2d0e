"""Rows the helpdesk keeps for itself, read only and left out of the admin's index (their
pages still open by URL): the answers kept for Idempotency-Keys (helpdesk.idempotency) and
the agents' visits of tickets (the queue's unread marks, tickets.visits)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import IdempotencyKey, TicketVisit


class BookkeepingAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(BookkeepingAdmin):
    list_display = ["key", "user", "method", "path", "response_status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=key"]
    ordering = ["-created_at"]


@admin.register(TicketVisit)
class TicketVisitAdmin(BookkeepingAdmin):
    list_display = ["ticket_id", "agent", "visited_at"]
    list_select_related = ["agent"]
    search_fields = ["=ticket__id"]
    ordering = ["-visited_at"]
