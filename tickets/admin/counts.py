"""TicketCount, read only: PostgreSQL's triggers write it (see tickets/models/counts.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import TicketCount


@admin.register(TicketCount)
class TicketCountAdmin(admin.ModelAdmin):
    list_display = [
        "count",
        "status_id",
        "priority",
        "department_id",
        "client_id",
        "project_id",
        "active_state",
        "is_spam",
    ]
    list_filter = ["active_state", "is_spam", "priority"]
    ordering = ["-count"]
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Internal bookkeeping: left out of the admin's index, its pages still open by URL.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
