"""The filters and sorts of the list endpoints, as django-filter FilterSets.

Every filter value is validated by its form field; an invalid one is a 422.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.http import QueryDict
from taggit.models import Tag

from helpdesk.api import validation_error
from tickets.filters import AnyTagFilter, IdFilter, ticket_queryset
from tickets.models import (
    ActiveState,
    Category,
    Client,
    ClientQuerySet,
    Priority,
    Project,
    SlaState,
    Ticket,
    TicketQuerySet,
)


class TextListField(forms.Field):
    """Several text values (`tags[]=a&tags[]=b`); empty ones are dropped."""

    widget = forms.SelectMultiple
    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [value]
        return [str(item).strip() for item in value if str(item).strip()]

    def run_validators(self, value: list[str]) -> None:
        for item in value:
            super().run_validators(item)


class TagListFilter(AnyTagFilter):
    """The queue's tag rule, read from repeated `tags[]` parameters."""

    field_class = TextListField


def choice_error(name: str, choices: list[str]) -> dict[str, str]:
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}"
    return {"invalid_choice": f"The {name} must be {listed}."}


class ApiFilterSet(django_filters.FilterSet):
    """A FilterSet that reads `name[]` parameters and reports errors in the API envelope."""

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            for key in list(data.keys()):
                if key.endswith("[]"):
                    data.setlist(key[:-2], data.getlist(key[:-2]) + data.getlist(key))
        super().__init__(data, *args, **kwargs)

    @property
    def qs(self) -> QuerySet[Any]:
        if not self.is_valid():
            raise validation_error({name: list(messages) for name, messages in self.errors.items()})
        return super().qs


class ApiTicketFilter(ApiFilterSet):
    """GET /api/tickets: every filter of document 003, combinable, and the four sorts."""

    # Each sort and its tie-breakers, ascending; `desc` (the default) reverses all of them,
    # so both directions walk one index (see Ticket.Meta.indexes).
    SORTS = {
        "ticket_created": ("created_at", "id"),
        "ticket_last_updated": ("updated_at", "id"),
        "ticket_priority": ("priority", "-updated_at", "-id"),
        "ticket_status": ("status_id", "-updated_at", "-id"),
        # Tickets without a running SLA target come last either way (TicketQuerySet.by_next_breach).
        "sla_due": ("sla_due_at", "id"),
    }
    DEFAULT_SORT = "ticket_last_updated"
    ORDERS = ["asc", "desc"]

    status = IdFilter(method="filter_status", help_text="A status id (1-5).")
    priority = django_filters.ChoiceFilter(
        choices=[(p.code, p.code) for p in Priority],
        method="filter_priority",
        error_messages=choice_error("priority", [p.code for p in Priority]),
    )
    category_id = IdFilter(field_name="department_id", help_text="A department id.")
    client_id = IdFilter(field_name="client_id")
    project_id = IdFilter(field_name="project_id")
    active_state = django_filters.ChoiceFilter(
        method="filter_active_state",
        choices=ActiveState.choices,
        error_messages=choice_error("active_state", ActiveState.values),
    )
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    tags = TagListFilter()
    sla = django_filters.ChoiceFilter(
        method="filter_sla",
        choices=SlaState.choices,
        error_messages=choice_error("sla", SlaState.values),
        help_text="breached: the next SLA due time has passed; due_soon: it comes within an hour.",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(name, name) for name in SORTS],
        method="keep",
        error_messages=choice_error("sort", list(SORTS)),
    )
    order = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ORDERS],
        method="keep",
        error_messages=choice_error("order", ORDERS),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_status(self, qs: TicketQuerySet, name: str, value: int) -> TicketQuerySet:
        return qs.with_statuses([value])

    def filter_active_state(self, qs: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return qs.in_state(value)

    def filter_sla(self, qs: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return qs.with_sla(value)

    def filter_priority(self, qs: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return qs.with_priorities([Priority.from_code(value)])

    # The filters on columns that TicketCount counts by: with no other filter, the list's
    # total is read from there instead of counting the tickets (see tickets.counts).
    COUNTED_FILTERS = {
        "status": "status_id",
        "category_id": "department_id",
        "client_id": "client_id",
        "project_id": "project_id",
        "active_state": "active_state",
    }

    def counted_filters(self, *, besides_search: bool = False) -> dict[str, object] | None:
        """The chosen filters as Ticket column values, or None when another filter is chosen
        (a search counts as another filter unless `besides_search`)."""
        chosen = self.form.cleaned_data
        if (chosen.get("search") and not besides_search) or chosen.get("tags") or chosen.get("sla"):
            return None
        columns = {
            column: chosen[name]
            for name, column in self.COUNTED_FILTERS.items()
            if chosen.get(name) not in (None, "")
        }
        if chosen.get("priority"):
            columns["priority"] = Priority.from_code(chosen["priority"])
        return columns

    def filter_search(self, qs: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return qs  # the list view pages a search itself (see TicketListView.get)

    @property
    def search_text(self) -> str:
        return (self.form.cleaned_data.get("search") or "").strip()

    def keep(self, qs: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return qs  # applied with the sort in filter_queryset

    @property
    def qs(self) -> TicketQuerySet:
        return ticket_queryset(super().qs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or self.DEFAULT_SORT
        descending = (self.form.cleaned_data.get("order") or "desc") == "desc"
        if sort == "sla_due":
            return ticket_queryset(queryset).by_next_breach(descending=descending)
        fields = self.SORTS[sort]
        if descending:
            fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
        return queryset.order_by(*fields)


class CategoryFilter(ApiFilterSet):
    type = django_filters.ChoiceFilter(
        choices=Category.Type.choices, error_messages=choice_error("type", Category.Type.values)
    )

    class Meta:
        model = Category
        fields: list[str] = []


class ClientFilter(ApiFilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Part of the name or email."
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def filter_search(self, qs: ClientQuerySet, name: str, value: str) -> ClientQuerySet:
        return qs.search(value.strip())


class ProjectFilter(ApiFilterSet):
    client_id = IdFilter(field_name="client_id")

    class Meta:
        model = Project
        fields: list[str] = []


class TagFilter(ApiFilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Tag
        fields: list[str] = []
