"""Admin for the agents' saved queue views and their notification settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from tickets.filters import canonical_query
from tickets.models import NotificationSettings, SavedView


class SavedViewAdminForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ("name", "owner", "is_shared", "query")

    def clean_query(self) -> str:
        # As in the workspace: only the queue's filter parameters are kept.
        return canonical_query(QueryDict(self.cleaned_data["query"]))


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    form = SavedViewAdminForm
    list_display = ("name", "owner", "is_shared", "query", "updated_at")
    list_filter = ("is_shared",)
    list_select_related = ("owner",)
    search_fields = ("name", "owner__username")
    autocomplete_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: SavedView, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    """Each agent changes their own on their profile page; an administrator may too."""

    list_display = ("agent", "on_assignment", "on_client_reply", "on_mention")
    list_select_related = ("agent",)
    search_fields = ("agent__username", "agent__email")
    autocomplete_fields = ("agent",)
