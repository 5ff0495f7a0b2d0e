"""Admin for triggers and automations, with a preview of the tickets a rule matches now.

Conditions and actions are written as JSON in a textarea; the help text under each shows
the shape, and saving checks every entry (automations.rules) with a message naming the
faulty one, so nothing wrong is ever stored.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from tickets.models import Ticket

from . import emails, rules, runs, triggers
from .models import Automation, Rule, Trigger

PREVIEW_SIZE = 20


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, one entry a line, so that a rule reads like a list."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


def _placeholders_help() -> str:
    return "Placeholders in emails: " + ", ".join(
        f"{{{{ {name} }}}} ({description})"
        for name, (description, _) in emails.PLACEHOLDERS.items()
    )


class RuleForm(forms.ModelForm):
    conditions = PrettyJSONField(
        required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 90, "spellcheck": "false"})
    )
    actions = PrettyJSONField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 90, "spellcheck": "false"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self._meta.model
        self.fields["conditions"].help_text = model._meta.get_field("conditions").help_text
        self.fields[
            "actions"
        ].help_text = f"{model._meta.get_field('actions').help_text} {_placeholders_help()}."

    def clean_conditions(self) -> Any:
        return self.cleaned_data["conditions"] or []


class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    search_fields = ("name", "description")
    ordering = ("position", "pk")
    readonly_fields = ("preview_link",)
    preview_note = ""

    @admin.display(description="Preview")
    def preview_link(self, rule: Rule) -> str:
        if rule.pk is None:
            return "Save the rule to preview the tickets it matches."
        info = (self.model._meta.app_label, self.model._meta.model_name)
        url = reverse("admin:{}_{}_preview".format(*info), args=[rule.pk])
        return format_html('<a href="{}">The tickets it matches now</a>', url)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        info = (self.model._meta.app_label, self.model._meta.model_name)
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="{}_{}_preview".format(*info),
        )
        return [preview, *super().get_urls()]

    def matching(self, rule: Any) -> QuerySet[Ticket]:
        raise NotImplementedError

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        rule = self.get_object(request, object_id)
        if rule is None:
            raise Http404("No such rule.")
        if not self.has_view_permission(request, rule):
            raise PermissionDenied
        tickets = self.matching(rule)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "rule": rule,
            "title": f"Tickets “{rule.name}” matches now",
            "count": tickets.count(),
            "tickets": list(tickets.select_related("status").order_by("-pk")[:PREVIEW_SIZE]),
            "note": self.preview_note,
        }
        return TemplateResponse(request, "admin/automations/preview.html", context)


@admin.register(Trigger)
class TriggerAdmin(RuleAdmin):
    list_display = ("name", "position", "is_active", "fires_on", "updated_at")
    list_filter = ("is_active", "fires_on")
    fields = (
        "name",
        "description",
        "position",
        "is_active",
        "fires_on",
        "conditions",
        "actions",
        "preview_link",
    )
    preview_note = (
        "A trigger acts when a ticket is created or changed: this is every ticket whose "
        "state meets its conditions now. The conditions on the change itself (channel, "
        "reply text, changed, changed to, changed from) are left out."
    )

    def matching(self, rule: Any) -> QuerySet[Ticket]:
        return Ticket.objects.filter(rules.state_q(rule.conditions))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        triggers.forget()


@admin.register(Automation)
class AutomationAdmin(RuleAdmin):
    list_display = ("name", "position", "is_active", "since", "hours", "updated_at")
    list_filter = ("is_active", "since")
    fields = (
        "name",
        "description",
        "position",
        "is_active",
        "since",
        "hours",
        "conditions",
        "actions",
        "preview_link",
    )
    preview_note = (
        "The tickets its next run would act on: its conditions hold, its hours have passed, "
        "and it has not acted on them in this state yet (spam and archived tickets are left "
        "alone)."
    )

    def matching(self, rule: Any) -> QuerySet[Ticket]:
        return runs.candidates(rule)
