"""The ticket admin: the change form, the conversation and history inlines, and the actions.

Nothing here writes ticket state itself. The add form calls services.create_ticket,
the change form works out which fields changed and calls the matching services,
and every action runs the services ticket by ticket, so each change is stamped
and recorded in the history with channel "admin" and the administrator as actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html

from tickets import custom_fields, search, services
from tickets.agents import Agent, agent_name, agents, request_agent
from tickets.models import (
    ActiveState,
    Channel,
    CustomField,
    Rating,
    RatingRequest,
    Reply,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.statuses import FixedStatus

from .big_tables import BigTableAdminMixin
from .ticket_form import (
    CUSTOM_FIELD_PREFIX,
    TicketAdminForm,
    custom_field_form_field,
)

# Fields whose changes update_ticket records; the others have a service of their own.
UPDATE_TICKET_FIELDS = (
    "subject",
    "message",
    "priority",
    "department",
    "client",
    "project",
    "requester",
    "cc",
    "due_at",
)

TIMELINE_FIELDS = (
    "source",
    "creator",
    "created_at",
    "updated_at",
    "status_changed_at",
    "first_response_at",
    "resolved_at",
    "replies_count",
    "last_reply_at",
)


class Who(TypedDict):
    """Who makes a change in the admin: the keywords every service takes."""

    actor: Agent
    channel: Channel


def status_badge(status: TicketStatus) -> str:
    # An SVG fill attribute, not an inline style: the CSP refuses inline styles.
    return format_html(
        '<svg width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="5" '
        'fill="{}"/></svg> {}',
        status.colour,
        status.title,
    )


def error_text(error: ValidationError | services.Conflict) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items()
            )
        return " ".join(error.messages)
    return str(error)


# Inlines ----------------------------------------------------------------------


class ReplyInline(admin.TabularInline):
    """The conversation so far: read only; a reply can be deleted (through the services)."""

    model = Reply
    extra = 0
    can_delete = True
    fields = ("created_at", "kind", "author", "source", "text")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name = "reply or note"
    verbose_name_plural = "conversation"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author_agent", "author_contact")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="author")
    def author(self, reply: Reply) -> str:
        return str(reply.author or "-")


class NewReplyInline(admin.StackedInline):
    """One empty form to post a reply or an internal note as the administrator."""

    model = Reply
    extra = 1
    max_num = 1
    can_delete = False
    fields = ("kind", "text")
    verbose_name = "new reply or note"
    verbose_name_plural = "new reply or note"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).none()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    """The ticket's history, which nobody can edit."""

    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "actor_name", "channel", "field", "old_value", "new_value")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = "history"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor", "actor_contact")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="actor")
    def actor_name(self, event: TicketEvent) -> str:
        return str(event.actor or event.actor_contact or "-")


# The ticket admin ---------------------------------------------------------------


class TicketActionForm(ActionForm):
    agent = forms.ModelChoiceField(
        queryset=agents(),
        required=False,
        label="Agent",
        help_text="For the assign action.",
    )


@admin.register(Ticket)
class TicketAdmin(BigTableAdminMixin, admin.ModelAdmin):
    form = TicketAdminForm
    action_form = TicketActionForm
    list_display = (
        "id",
        "subject",
        "coloured_status",
        "priority",
        "client",
        "department",
        "assignee",
        "team",
        "active_state",
        "updated_at",
    )
    list_display_links = ("id", "subject")
    list_select_related = ("status", "client", "department", "assignee", "team")
    list_filter = (
        "status",
        "priority",
        "department",
        "source",
        "active_state",
        "is_spam",
        "assignee",
        "team",
    )
    search_fields = ("=id", "subject", "client__name")
    search_help_text = "A ticket number, or words from the subject, message, replies or client."
    autocomplete_fields = (
        "client",
        "project",
        "requester",
        "assignee",
        "team",
        "department",
        "cc",
    )
    date_hierarchy = "created_at"
    readonly_fields = TIMELINE_FIELDS
    inlines = (ReplyInline, NewReplyInline, TicketEventInline)
    actions = (
        "close_tickets",
        "archive_tickets",
        "restore_tickets",
        "assign_tickets",
        "unassign_tickets",
        "mark_spam",
        "unmark_spam",
    )

    # The list ----------------------------------------------------------------------

    @admin.display(description="status", ordering="status__position")
    def coloured_status(self, ticket: Ticket) -> str:
        return status_badge(ticket.status)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """A number finds that ticket; words use the ticket search (full text) and the
        client's name."""
        term = search_term.strip()
        if not term:
            return queryset, False
        number = term.removeprefix("#")
        if number.isdigit():
            return queryset.filter(pk=int(number)), False
        return queryset.filter(pk__in=search.matching_ids(term, or_client_name=True)), False

    # The form ----------------------------------------------------------------------

    # The form ----------------------------------------------------------------------

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Deleting a client or status belongs on its own page, not in a ticket's popup.
            field.widget.can_delete_related = False
        return field

    def _custom_field_definitions(self, request: HttpRequest) -> tuple[CustomField, ...]:
        definitions: tuple[CustomField, ...] | None = getattr(
            request, "_helpdesk_custom_fields", None
        )
        if definitions is None:
            definitions = tuple(custom_fields.enabled_fields())
            request._helpdesk_custom_fields = definitions  # type: ignore[attr-defined]  # a note on the request, for its other calls
        return definitions

    def get_fieldsets(self, request: HttpRequest, obj: Ticket | None = None) -> list:
        handling = ["assignee", "team", "due_at"]
        if obj is not None:
            handling += ["is_spam", "active_state"]
        fieldsets: list = [
            (None, {"fields": ["subject", "message"]}),
            (
                "Classification",
                {"fields": ["status", "priority", "department", "tags", "tags_seen"]},
            ),
            ("Client", {"fields": ["client", "project", "requester", "cc"]}),
            ("Handling", {"fields": handling}),
        ]
        definitions = self._custom_field_definitions(request)
        if definitions:
            names = [CUSTOM_FIELD_PREFIX + d.key for d in definitions]
            fieldsets.append(("Custom fields", {"fields": names}))
        if obj is not None:
            fieldsets.append(("Timeline", {"fields": list(TIMELINE_FIELDS)}))
        return fieldsets

    def get_form(
        self, request: HttpRequest, obj: Ticket | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        definitions = self._custom_field_definitions(request)
        attrs: dict[str, Any] = {
            CUSTOM_FIELD_PREFIX + d.key: custom_field_form_field(d) for d in definitions
        }
        attrs["custom_field_definitions"] = definitions
        kwargs["form"] = type("TicketAdminForm", (self.form,), attrs)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Ticket | None) -> tuple:
        # A new ticket has no conversation or history yet.
        return self.inlines if obj is not None else ()

    # Saving through the services ------------------------------------------------------

    def save_model(
        self, request: HttpRequest, obj: Ticket, form: TicketAdminForm, change: bool
    ) -> None:
        if not change:
            self._create(request, obj, form)
            return
        try:
            with transaction.atomic():
                self._apply_changes(request, obj, form)
        except (ValidationError, services.Conflict) as error:
            # The form checked everything it could; this is a race with another change.
            request._helpdesk_save_failed = True  # type: ignore[attr-defined]  # a note on the request, for the steps that follow
            self.message_user(request, f"Nothing was saved: {error_text(error)}", messages.ERROR)

    def _create(self, request: HttpRequest, obj: Ticket, form: TicketAdminForm) -> None:
        data = form.cleaned_data
        ticket = services.create_ticket(
            client=data["client"],
            department=data["department"],
            subject=data["subject"],
            message=data["message"],
            priority=data["priority"],
            status=data["status"],
            project=data.get("project"),
            requester=data.get("requester"),
            cc=data.get("cc") or (),
            assignee=data.get("assignee"),
            team=data.get("team"),
            due_at=data.get("due_at"),
            tags=data.get("tags") or (),
            custom_field_values=form.changed_custom_fields,
            actor=request_agent(request),
            channel=Channel.ADMIN,
        )
        # The admin goes on with `obj` (log entry, redirect): give it the saved state.
        for field in Ticket._meta.concrete_fields:
            setattr(obj, field.attname, getattr(ticket, field.attname))
        obj._state.adding = False
        obj._state.db = ticket._state.db

    def _apply_changes(self, request: HttpRequest, ticket: Ticket, form: TicketAdminForm) -> None:
        changed = set(form.changed_data)
        data = form.cleaned_data
        who: Who = {"actor": request_agent(request), "channel": Channel.ADMIN}
        updates = {name: data[name] for name in UPDATE_TICKET_FIELDS if name in changed}
        if form.changed_custom_fields:
            updates["custom_field_values"] = form.changed_custom_fields
        if updates:
            services.update_ticket(ticket=ticket, **updates, **who)
        if "status" in changed:
            services.change_status(ticket=ticket, status=data["status"], **who)
        if "assignee" in changed:
            services.assign(ticket=ticket, assignee=data["assignee"], **who)
        if "team" in changed:
            services.set_team(ticket=ticket, team=data["team"], **who)
        changes = form.tag_changes()
        if changes is not None:
            added, removed = changes
            if added or removed:
                services.change_tags(ticket=ticket, add=added, remove=removed, **who)
        elif "tags" in changed:
            services.set_tags(ticket=ticket, tags=data["tags"], **who)
        if "is_spam" in changed:
            services.mark_spam(ticket=ticket, is_spam=data["is_spam"], **who)
        if "active_state" in changed:
            if data["active_state"] == ActiveState.ARCHIVED:
                services.archive(ticket=ticket, **who)
            else:
                services.restore(ticket=ticket, **who)

    def save_related(
        self, request: HttpRequest, form: TicketAdminForm, formsets: list, change: bool
    ) -> None:
        # No form.save_m2m(): cc and tags were saved by the services.
        for formset in formsets:
            # Sorts the inline forms into new and deleted objects; writes nothing.
            formset.save(commit=False)
            if not getattr(request, "_helpdesk_save_failed", False):
                self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Reply:
            return  # The history inline is read only.
        who: Who = {"actor": request_agent(request), "channel": Channel.ADMIN}
        for reply in formset.deleted_objects:
            services.delete_reply(reply=reply, **who)
        for reply in formset.new_objects:
            services.post_reply(
                ticket=form.instance,
                text=reply.text,
                kind=reply.kind,
                author=request_agent(request),
                channel=Channel.ADMIN,
            )

    def log_change(self, request: HttpRequest, obj: Ticket, message: Any) -> Any:
        if getattr(request, "_helpdesk_save_failed", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Ticket) -> HttpResponse:
        if getattr(request, "_helpdesk_save_failed", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A ticket's history and ratings are read only on their own, but go with the ticket.
        perms_needed -= {
            TicketEvent._meta.verbose_name,
            Rating._meta.verbose_name,
            RatingRequest._meta.verbose_name,
        }
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Ticket) -> None:
        services.delete_ticket(ticket=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for ticket in queryset.order_by("pk"):
            services.delete_ticket(
                ticket=ticket, actor=request_agent(request), channel=Channel.ADMIN
            )

    # Actions --------------------------------------------------------------------------

    def _run_for_each(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        change: Callable[[Ticket], object],
        skip: Callable[[Ticket], bool],
        done: str,
        skipped_because: str,
    ) -> None:
        """Apply one service call per ticket and report how many changed and were skipped."""
        changed, skipped, failures = 0, 0, []
        for ticket in queryset.select_related("status").order_by("pk"):
            if skip(ticket):
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    change(ticket)
            except services.Conflict:
                skipped += 1  # Changed by someone else in the meantime.
                continue
            except ValidationError as error:
                failures.append(f"#{ticket.pk}: {error_text(error)}")
                continue
            changed += 1
        report = f"{done} {plural(changed, 'ticket')}."
        if skipped:
            report += f" Skipped {plural(skipped, 'ticket')} {skipped_because}."
        self.message_user(request, report, messages.SUCCESS if changed else messages.WARNING)
        if failures:
            self.message_user(request, "Not changed: " + " ".join(failures), messages.ERROR)

    @admin.action(description="Close selected tickets", permissions=["change"])
    def close_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.change_status(
                ticket=t, status=closed, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: t.status.is_closed,
            done="Closed",
            skipped_because="that were already closed",
        )

    @admin.action(description="Archive selected tickets", permissions=["change"])
    def archive_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.archive(
                ticket=t, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: t.is_archived,
            done="Archived",
            skipped_because="that were already archived",
        )

    @admin.action(description="Restore selected tickets from the archive", permissions=["change"])
    def restore_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.restore(
                ticket=t, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: not t.is_archived,
            done="Restored",
            skipped_because="that were not archived",
        )

    @admin.action(description="Assign selected tickets to the agent chosen", permissions=["change"])
    def assign_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            agent = TicketActionForm.base_fields["agent"].clean(request.POST.get("agent"))
        except ValidationError:
            agent = None
        if agent is None:
            self.message_user(
                request,
                "Choose an agent in the Agent list next to the action, then run it again.",
                messages.ERROR,
            )
            return
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.assign(
                ticket=t, assignee=agent, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: t.assignee_id == agent.pk,
            done=f"Assigned to {agent_name(agent)}:",
            skipped_because="that were already assigned to them",
        )

    @admin.action(description="Unassign selected tickets", permissions=["change"])
    def unassign_tickets(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.assign(
                ticket=t, assignee=None, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: t.assignee_id is None,
            done="Unassigned",
            skipped_because="that had no assignee",
        )

    @admin.action(description="Mark selected tickets as spam", permissions=["change"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.mark_spam(
                ticket=t, is_spam=True, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: t.is_spam,
            done="Marked as spam:",
            skipped_because="that were already spam",
        )

    @admin.action(description="Unmark selected tickets as spam", permissions=["change"])
    def unmark_spam(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_for_each(
            request,
            queryset,
            change=lambda t: services.mark_spam(
                ticket=t, is_spam=False, actor=request_agent(request), channel=Channel.ADMIN
            ),
            skip=lambda t: not t.is_spam,
            done="No longer spam:",
            skipped_because="that were not spam",
        )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
