"""What the compatibility layers keep, for administrators to look up: read, never written
(the importer and the compatibility APIs write it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.admin.conversation import ticket_link

from .models import ImportedTicket, TicketSourceUrl


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportedTicket)
class ImportedTicketAdmin(ReadOnlyAdmin):
    """Which of our tickets came from another helpdesk, under which id there."""

    list_display = ("system", "external_id", ticket_link, "imported_at")
    list_filter = ("system",)
    search_fields = ("=external_id", "=ticket__id")
    date_hierarchy = "imported_at"


@admin.register(TicketSourceUrl)
class TicketSourceUrlAdmin(ReadOnlyAdmin):
    list_display = (ticket_link, "url")
    search_fields = ("=ticket__id",)
