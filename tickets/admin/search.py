"""The search documents, read only: PostgreSQL's triggers write them (see
tickets/models/search.py). TicketSearchTerm has a composite primary key, which the admin
cannot show."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tickets.models import TicketSearchDocument

from .big_tables import BigTableAdminMixin


@admin.register(TicketSearchDocument)
class TicketSearchDocumentAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["ticket_id", "document"]
    search_fields = ["=ticket__id"]
    ordering = ["-ticket_id"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Internal bookkeeping: left out of the admin's index, its pages still open by URL.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
