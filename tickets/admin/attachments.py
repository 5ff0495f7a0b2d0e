"""Admin for ticket files: a read-only list.

Files arrive with replies, notes and new tickets (tickets.services) and leave with
them; the admin shows them but neither uploads, edits nor deletes a file, so every
change stays recorded in the ticket's history.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from tickets.models import Attachment

from .big_tables import BigTableAdminMixin
from .conversation import TicketNumberSearchMixin, ticket_link


@admin.register(Attachment)
class AttachmentAdmin(TicketNumberSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        ticket_link,
        "name",
        "human_size",
        "content_type",
        "reply_id",
        "uploaded_by",
        "created_at",
    )
    list_display_links = ("id",)
    list_filter = ("content_type",)
    list_select_related = ("uploaded_by",)
    search_fields = ("=ticket__id",)
    ordering = ("-id",)
    fields = (
        "ticket",
        "reply",
        "name",
        "human_size",
        "content_type",
        "uploaded_by",
        "created_at",
        "download",
    )
    readonly_fields = fields

    @admin.display(description="size", ordering="size")
    def human_size(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    @admin.display(description="file")
    def download(self, attachment: Attachment) -> str:
        url = reverse("attachment_download", args=[attachment.pk])
        return format_html('<a href="{}">Download</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
