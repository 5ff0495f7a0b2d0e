"""Admin for what hangs off a ticket: replies, history, ratings, stars, pins and tags.

Replies are added and deleted through the services (a sent message is never
edited); the history is read only; tags are removed from tickets through the
services so that each ticket records the change.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from taggit.models import Tag

from tickets import services
from tickets.agents import request_agent
from tickets.models import (
    Channel,
    Rating,
    RatingRequest,
    Reply,
    TaggedTicket,
    Ticket,
    TicketEvent,
    TicketPin,
    TicketStar,
)

from .big_tables import BigTableAdminMixin


class TicketNumberSearchMixin(admin.ModelAdmin):
    """Search a big table by ticket number only: an indexed lookup, never a text scan."""

    search_help_text = "A ticket number, e.g. 1234 or #1234."

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip().removeprefix("#")
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        return queryset.filter(ticket_id=int(term)), False


@admin.display(description="ticket")
def ticket_link(obj: Any) -> str:
    ticket_id = obj.ticket_id if hasattr(obj, "ticket_id") else obj.content_object_id
    url = reverse("admin:tickets_ticket_change", args=[ticket_id])
    return format_html('<a href="{}">#{}</a>', url, ticket_id)


def short(value: Any, length: int = 60) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return Truncator(text).chars(length)


@admin.register(Reply)
class ReplyAdmin(TicketNumberSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", ticket_link, "kind", "author", "excerpt", "source", "created_at")
    list_display_links = ("id",)
    list_filter = ("kind", "source")
    list_select_related = ("author_agent", "author_contact")
    search_fields = ("=ticket__id",)
    # Newest first by primary key: replies have no index on created_at alone.
    ordering = ("-id",)
    autocomplete_fields = ("ticket",)
    fields = ("ticket", "kind", "text", "author_agent", "author_contact", "source", "created_at")

    @admin.display(description="author")
    def author(self, reply: Reply) -> str:
        return str(reply.author or "-")

    @admin.display(description="text")
    def excerpt(self, reply: Reply) -> str:
        return short(reply.text)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # A message that was sent is never edited.

    def get_fields(self, request: HttpRequest, obj: Reply | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("ticket", "kind", "text")
        return self.fields

    def save_model(self, request: HttpRequest, obj: Reply, form: Any, change: bool) -> None:
        reply = services.post_reply(
            ticket=obj.ticket,
            text=obj.text,
            kind=Reply.Kind(obj.kind),
            author=request_agent(request),
            channel=Channel.ADMIN,
        )
        for field in Reply._meta.concrete_fields:
            setattr(obj, field.attname, getattr(reply, field.attname))
        obj._state.adding = False
        obj._state.db = reply._state.db

    def delete_model(self, request: HttpRequest, obj: Reply) -> None:
        services.delete_reply(reply=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for reply in queryset.select_related("ticket").order_by("pk"):
            services.delete_reply(reply=reply, actor=request_agent(request), channel=Channel.ADMIN)


@admin.register(TicketEvent)
class TicketEventAdmin(TicketNumberSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    """The history is append-only: it can be read here, never written."""

    list_display = (
        "id",
        ticket_link,
        "kind",
        "actor_name",
        "channel",
        "field",
        "old",
        "new",
        "created_at",
    )
    list_display_links = ("id",)
    list_filter = ("kind", "channel")
    list_select_related = ("actor", "actor_contact")
    search_fields = ("=ticket__id",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")

    @admin.display(description="actor")
    def actor_name(self, event: TicketEvent) -> str:
        return str(event.actor or event.actor_contact or "-")

    @admin.display(description="old value")
    def old(self, event: TicketEvent) -> str:
        return short(event.old_value)

    @admin.display(description="new value")
    def new(self, event: TicketEvent) -> str:
        return short(event.new_value)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Ratings come from clients (services.rate_ticket); here they are read, not written."""

    list_display = (ticket_link, "value", "agent", "contact", "comment", "created_at")
    list_filter = ("value", "agent")
    list_select_related = ("agent", "contact")
    search_fields = ("=ticket__id", "comment")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RatingRequest)
class RatingRequestAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The "How did we do?" emails sent (tickets.tasks.request_rating); read, not written."""

    list_display = (ticket_link, "contact", "created_at")
    list_select_related = ("contact",)
    search_fields = ("=ticket__id",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PersonalMarkAdmin(admin.ModelAdmin):
    """Stars and pins are an agent's own marks; they go through services.set_star/set_pin."""

    list_display = ("ticket", "agent", "created_at")
    list_select_related = ("ticket", "agent")
    list_filter = ("agent",)
    search_fields = ("=ticket__id",)
    autocomplete_fields = ("ticket", "agent")
    fields = ("ticket", "agent")

    def set_mark(self, *, ticket: Any, agent: Any, on: bool) -> None:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.set_mark(ticket=obj.ticket, agent=obj.agent, on=True)
        saved = self.model.objects.get(ticket=obj.ticket, agent=obj.agent)
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.set_mark(ticket=obj.ticket, agent=obj.agent, on=False)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for mark in queryset.select_related("ticket", "agent"):
            self.delete_model(request, mark)


@admin.register(TicketStar)
class TicketStarAdmin(PersonalMarkAdmin):
    def set_mark(self, *, ticket: Any, agent: Any, on: bool) -> None:
        services.set_star(ticket=ticket, agent=agent, starred=on)


@admin.register(TicketPin)
class TicketPinAdmin(PersonalMarkAdmin):
    def set_mark(self, *, ticket: Any, agent: Any, on: bool) -> None:
        services.set_pin(ticket=ticket, agent=agent, pinned=on)


@admin.register(TaggedTicket)
class TaggedTicketAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Which ticket has which tag. Tags are added on the ticket page; removing one here
    goes through the services, so the ticket's history records it."""

    list_display = ("tag", ticket_link)
    # The ticket too: each row's str() (read by the selection checkbox) names it.
    list_select_related = ("tag", "content_object")
    list_filter = ("tag",)
    search_fields = ("tag__name", "=content_object__id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: TaggedTicket) -> None:
        services.remove_tags(
            ticket=obj.content_object,
            tags=[obj.tag.name],
            actor=request_agent(request),
            channel=Channel.ADMIN,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for item in queryset.select_related("tag", "content_object").order_by("pk"):
            self.delete_model(request, item)


if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Tags in use. Deleting one removes it from each ticket through the services."""

    list_display = ("name", "slug")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name", "slug")

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> tuple:
        # Renaming a tag would change tickets behind their history's back.
        return ("name", "slug") if obj is not None else ()

    def delete_model(self, request: HttpRequest, obj: Tag) -> None:
        with transaction.atomic():
            tickets = Ticket.objects.filter(tagged_items__tag=obj).order_by("pk")
            for ticket in tickets:
                services.remove_tags(
                    ticket=ticket,
                    tags=[obj.name],
                    actor=request_agent(request),
                    channel=Channel.ADMIN,
                )
            obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for tag in queryset:
            self.delete_model(request, tag)
