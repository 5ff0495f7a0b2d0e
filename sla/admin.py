"""The admin of service levels: business calendars with their opening hours and
holidays, and SLA policies with their targets. A change here reaches the clocks at once
(sla.policies forgets the cached policies); the tickets already open keep their targets
until they change, or until `manage.py recompute_sla`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tickets.models import Priority

from .models import BusinessCalendar, Holiday, OpeningHours, SlaPolicy, SlaPolicyTarget
from .policies import forget_policies


class ForgetsPolicies(admin.ModelAdmin):
    """Every change drops the clocks' cached policies."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        forget_policies()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        forget_policies()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        forget_policies()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ForgetsPolicies):
    list_display = ("name", "time_zone")
    search_fields = ("name",)
    inlines = (OpeningHoursInline, HolidayInline)


class SlaPolicyTargetInline(admin.TabularInline):
    model = SlaPolicyTarget
    extra = 0
    min_num = 1


class SlaPolicyForm(forms.ModelForm):
    priorities = forms.TypedMultipleChoiceField(
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any priority.",
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "calendar",
            "priorities",
            "departments",
            "clients",
            "tags",
        ]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ForgetsPolicies):
    form = SlaPolicyForm
    list_display = ("name", "position", "is_active", "calendar")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("calendar",)
    search_fields = ("name",)
    autocomplete_fields = ("departments", "clients", "tags")
    inlines = (SlaPolicyTargetInline,)
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active", "calendar")}),
        (
            "Tickets covered (every criterion given must match; an empty one matches all)",
            {"fields": ("priorities", "departments", "clients", "tags")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_policies()  # list_editable saves no related objects
