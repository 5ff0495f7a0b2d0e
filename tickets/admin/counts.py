"""The count tables, read only: PostgreSQL's triggers write them (see tickets/models/counts.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import TicketCount, TicketTagCount, TicketWorkloadCount


class CountAdmin(admin.ModelAdmin):
    """Internal bookkeeping, for looking at, never for editing."""

    list_filter = ["active_state", "is_spam"]
    ordering = ["-count"]
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Left out of the admin's index; its pages still open by URL.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TicketCount)
class TicketCountAdmin(CountAdmin):
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


@admin.register(TicketWorkloadCount)
class TicketWorkloadCountAdmin(CountAdmin):
    list_display = ["count", "assignee_id", "team_id", "replies_count", "active_state", "is_spam"]


@admin.register(TicketTagCount)
class TicketTagCountAdmin(CountAdmin):
    list_display = ["count", "tag_id", "active_state", "is_spam"]
