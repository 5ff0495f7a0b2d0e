"""Admin for canned responses, checked as in the workspace (known placeholders only,
unique titles)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from tickets.agents import agent_name
from tickets.forms.canned import MACRO_FIELDS, CannedResponseAdminForm
from tickets.models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    form = CannedResponseAdminForm
    list_display = ("title", "scope", "department", "updated_at")
    list_select_related = ("owner", "department")
    list_filter = (("owner", admin.EmptyFieldListFilter), "department")
    search_fields = ("title", "text")
    readonly_fields = ("created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "text", "owner", "department")}),
        (
            "Macro: what else changes when a reply with this response is sent",
            {"fields": tuple(MACRO_FIELDS)},
        ),
        ("Record", {"fields": ("created_by", "created_at", "updated_at")}),
    )

    @admin.display(description="scope")
    def scope(self, response: CannedResponse) -> str:
        if response.is_shared:
            return "Shared"
        owner = response.owner
        return f"Personal ({agent_name(owner)})"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
