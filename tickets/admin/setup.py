"""Admin for the helpdesk's setup: clients and their people, teams, categories,
statuses, custom fields and API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.actions import delete_selected
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from tickets import services
from tickets.agents import agents, request_agent
from tickets.forms.base import declared_as
from tickets.models import (
    ApiKey,
    Category,
    Channel,
    Client,
    ClientDomain,
    Contact,
    CustomField,
    Project,
    Team,
    TicketStatus,
)
from tickets.statuses import FixedStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

User = get_user_model()


# Clients and the people and work under them ------------------------------------------


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "email", "phone", "sees_all_client_tickets")


class ClientDomainInline(admin.TabularInline):
    """Mail from an unknown address at one of these domains makes a contact of the client."""

    model = ClientDomain
    extra = 0
    fields = ("domain",)
    verbose_name = "email domain"


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0
    fields = ("name", "description")


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "email")
    date_hierarchy = "created_at"
    inlines = (ContactInline, ProjectInline, ClientDomainInline)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Contact:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        for contact in formset.deleted_objects:
            services.delete_contact(
                contact=contact, actor=request_agent(request), channel=Channel.ADMIN
            )
        for contact in formset.new_objects + [changed for changed, _ in formset.changed_objects]:
            contact.save()


@admin.register(ClientDomain)
class ClientDomainAdmin(admin.ModelAdmin):
    """Which client an email domain belongs to (also edited on the client's page)."""

    list_display = ("domain", "client")
    list_select_related = ("client",)
    search_fields = ("domain", "client__name")
    autocomplete_fields = ("client",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "client", "sees_all_client_tickets", "created_at")
    list_filter = ("sees_all_client_tickets",)
    list_select_related = ("client",)
    search_fields = ("name", "email", "client__name")
    autocomplete_fields = ("client",)

    # Tickets that had the contact as requester or CC record losing them.
    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        services.delete_contact(contact=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for contact in queryset:
            self.delete_model(request, contact)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "created_at")
    list_select_related = ("client",)
    search_fields = ("name", "client__name")
    autocomplete_fields = ("client",)


class MemberTotal(TypedDict):
    """What TeamAdmin.get_queryset annotates each team with."""

    member_total: int


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, team: WithAnnotations[Team, MemberTotal]) -> int:
        return team.member_total

    # The team's tickets record losing it.
    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.delete_team(team=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for team in queryset:
            self.delete_model(request, team)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "is_public", "position", "created_at")
    list_filter = ("type", "is_public")
    list_editable = ("is_public", "position")
    search_fields = ("name",)


# Statuses ---------------------------------------------------------------------------

FIXED_STATUS_MESSAGE = (
    f"Statuses 1-5 ({', '.join(FixedStatus.labels)}) are fixed: "
    "the API and the reply workflow rely on their ids, so they cannot be deleted. "
    "You can rename them or change their colour and position."
)


class TicketStatusForm(forms.ModelForm):
    class Meta:
        model = TicketStatus
        fields = (
            "title",
            "position",
            "colour",
            "is_closed",
            "category",
            "use_for_team_replied",
            "use_for_client_replied",
        )
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


@admin.register(TicketStatus)
class TicketStatusAdmin(admin.ModelAdmin):
    form = TicketStatusForm
    list_display = (
        "id",
        "coloured_title",
        "position",
        "is_closed",
        "category",
        "use_for_team_replied",
        "use_for_client_replied",
    )
    list_display_links = ("id", "coloured_title")
    ordering = ("position", "id")
    actions = ("delete_unfixed_statuses",)

    @admin.display(description="title", ordering="title")
    def coloured_title(self, status: TicketStatus) -> str:
        from .tickets import status_badge

        return status_badge(status)

    def get_fields(self, request: HttpRequest, obj: TicketStatus | None = None) -> tuple[str, ...]:
        fields = [
            "title",
            "position",
            "colour",
            "is_closed",
            "category",
            "use_for_team_replied",
            "use_for_client_replied",
        ]
        # A new status takes the next free number (save_model); an existing one shows its
        # number, which the API names it by, read only: changing a primary key in a form
        # would copy the status, not renumber it.
        return ("id", *fields) if obj is not None else tuple(fields)

    def get_readonly_fields(self, request: HttpRequest, obj: TicketStatus | None = None) -> tuple:
        return ("id",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: TicketStatus, form: Any, change: bool) -> None:
        if not change and obj.id is None:
            highest = TicketStatus.objects.aggregate(highest=Max("id"))["highest"] or 0
            obj.id = max(highest, max(FixedStatus.values)) + 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: TicketStatus | None = None) -> bool:
        if obj is not None and obj.pk in FixedStatus.values:
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if object_id.isdigit() and int(object_id) in FixedStatus.values:
            self.message_user(request, FIXED_STATUS_MESSAGE, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:tickets_ticketstatus_change", args=[object_id])
            )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Delete selected ticket statuses", permissions=["delete"])
    def delete_unfixed_statuses(self, request: HttpRequest, queryset: QuerySet) -> Any:
        if queryset.filter(pk__in=FixedStatus.values).exists():
            self.message_user(request, FIXED_STATUS_MESSAGE, messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # Replaced by delete_unfixed_statuses.
        return actions

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset.exclude(pk__in=FixedStatus.values))


# Custom fields ----------------------------------------------------------------------


class CustomFieldForm(forms.ModelForm):
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For choice fields: the allowed values, one per line.",
    )

    class Meta:
        model = CustomField
        fields = (
            "key",
            "label",
            "type",
            "choices",
            "required",
            "enabled",
            "visible_to_clients",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.choices, list):
            self.initial["choices"] = "\n".join(str(c) for c in self.instance.choices)

    def clean_choices(self) -> list[str]:
        # CustomField.clean() then checks that only choice fields have (distinct) choices.
        text = self.cleaned_data.get("choices") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    form = CustomFieldForm
    list_display = ("label", "key", "type", "required", "enabled", "visible_to_clients", "position")
    list_filter = ("type", "required", "enabled", "visible_to_clients")
    list_editable = ("enabled", "visible_to_clients", "position")
    search_fields = ("key", "label")
    ordering = ("position", "id")


# API keys ---------------------------------------------------------------------------


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("agent", "name", "expires_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "agent" in self.fields:
            agent = declared_as(self.fields, "agent", forms.ModelChoiceField)
            agent.queryset = agents()
            agent.help_text = "The key acts as this agent."


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name",
        "hint_shown",
        "agent",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "usable",
    )
    list_select_related = ("agent",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_at")
    search_fields = ("name", "hint", "agent__username", "agent__email")
    date_hierarchy = "created_at"
    actions = ("revoke_keys",)

    @admin.display(description="key starts with", ordering="hint")
    def hint_shown(self, key: ApiKey) -> str:
        return format_html("<code>{}…</code>", key.hint)

    @admin.display(description="usable", boolean=True)
    def usable(self, key: ApiKey) -> bool:
        return key.is_usable

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("agent", "name", "expires_at")
        return (
            "agent",
            "name",
            "hint_shown",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple:
        if obj is None:
            return ()
        return ("agent", "hint_shown", "created_at", "last_used_at", "revoked_at")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw_key = ApiKey.generate(agent=obj.agent, name=obj.name, expires_at=obj.expires_at)
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        obj._state.db = key._state.db
        # Shown once by response_add; only the hash is stored.
        request._helpdesk_raw_api_key = raw_key  # type: ignore[attr-defined]  # a note on the request, for response_add

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        raw_key = getattr(request, "_helpdesk_raw_api_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "Copy the new API key",
            "opts": self.opts,
            "key": obj,
            "raw_key": raw_key,
            "change_url": reverse("admin:tickets_apikey_change", args=[obj.pk]),
            "list_url": reverse("admin:tickets_apikey_changelist"),
        }
        response = TemplateResponse(request, "admin/tickets/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        skipped = queryset.count() - revoked
        report = f"Revoked {revoked} API key{'' if revoked == 1 else 's'}."
        if skipped:
            report += f" Skipped {skipped} already revoked."
        self.message_user(request, report, messages.SUCCESS if revoked else messages.WARNING)


# Agents ---------------------------------------------------------------------------------


class AgentUserAdmin(UserAdmin):
    """Django's user admin, but deleting an agent unassigns their tickets with events."""

    def delete_model(self, request: HttpRequest, obj) -> None:
        services.delete_agent(agent=obj, actor=request_agent(request), channel=Channel.ADMIN)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            self.delete_model(request, user)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AgentUserAdmin)
