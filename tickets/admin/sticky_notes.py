"""Admin for sticky notes. They are ticket state: they are added, changed and removed
through the services, so that the ticket's history records each change (channel: admin).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from tickets import services
from tickets.agents import request_agent
from tickets.models import Channel, StickyNote

from .conversation import TicketNumberSearchMixin, ticket_link


@admin.register(StickyNote)
class StickyNoteAdmin(TicketNumberSearchMixin, admin.ModelAdmin):
    list_display = ("id", ticket_link, "excerpt", "author", "updated_at")
    list_display_links = ("id",)
    list_select_related = ("author",)
    search_fields = ("=ticket__id",)
    ordering = ("-id",)
    autocomplete_fields = ("ticket",)
    fields = ("ticket", "text", "author", "created_at", "updated_at")
    readonly_fields = ("author", "created_at", "updated_at")

    @admin.display(description="text")
    def excerpt(self, note: StickyNote) -> str:
        return Truncator(note.text).chars(80)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A note stays on its ticket; moving it would be two changes in two histories.
        if obj is not None:
            return (*self.readonly_fields, "ticket")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            note = StickyNote.objects.select_related("ticket").get(pk=obj.pk)
            note = services.change_sticky_note(
                note=note, text=obj.text, actor=request_agent(request), channel=Channel.ADMIN
            )
        else:
            note = services.add_sticky_note(
                ticket=obj.ticket,
                text=obj.text,
                actor=request_agent(request),
                channel=Channel.ADMIN,
            )
        for field in ("pk", "text", "author_id", "created_at", "updated_at"):
            setattr(obj, field, getattr(note, field))
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.remove_sticky_note(note=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for note in queryset.select_related("ticket"):
            self.delete_model(request, note)
