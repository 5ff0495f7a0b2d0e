"""The activity log: every ticket's history events in one list, newest first, with filters."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets.agents import AgentRequest, agents_and_former_agents
from tickets.days import day_end, day_start
from tickets.filters import IdFilter
from tickets.forms.base import AgentChoiceField, WorkspaceForm
from tickets.models import Channel, Ticket, TicketEvent

from .access import agent_required, page_number

PAGE_SIZE = 50


class ActivityForm(WorkspaceForm):
    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError("The start date must be on or before the end date.")
        return data


class AgentFilter(django_filters.ModelChoiceFilter):
    # A form's field: the filter uses none of what django-filter's own field class adds.
    field_class = AgentChoiceField  # type: ignore[assignment]


class ActivityFilter(django_filters.FilterSet):
    actor = AgentFilter(
        label="Agent",
        # Former agents too: their events stay in the history.
        queryset=agents_and_former_agents(),
        empty_label="Any agent",
    )
    ticket = IdFilter(
        field_name="ticket_id",
        label="Ticket number",
        error_messages={"invalid": "Enter a ticket number, such as 1234."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}),
    )
    kind = django_filters.ChoiceFilter(
        label="Event", choices=TicketEvent.Kind.choices, empty_label="Any event"
    )
    channel = django_filters.ChoiceFilter(
        label="Channel", choices=Channel.choices, empty_label="Any channel"
    )
    date_from = django_filters.DateFilter(
        method="apply_date_from",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a valid date."},
    )
    date_to = django_filters.DateFilter(
        method="apply_date_to",
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a valid date."},
    )

    class Meta:
        model = TicketEvent
        fields: list[str] = []
        form = ActivityForm

    def apply_date_from(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        # Whole days in the site's time zone, both ends included.
        return queryset.filter(created_at__gte=day_start(value))

    def apply_date_to(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(created_at__lt=day_end(value))


def page_rows(events: QuerySet[TicketEvent], start: int, stop: int) -> list[TicketEvent]:
    """Rows start:stop of `events`, with their ticket, agent and contact.

    The page's ids come first, from the history table alone: joined to the tickets and
    users, the same query makes PostgreSQL plan a parallel scan whose start-up costs a
    hundred times more than walking the newest-first index for a page.
    """
    ids = list(events.values_list("pk", flat=True)[start:stop])
    return list(
        TicketEvent.objects.filter(pk__in=ids)
        .select_related("ticket", "actor", "actor_contact")
        .defer("ticket__message", "ticket__custom_fields")
        .order_by("-created_at", "-id")
    )


@require_GET
@agent_required
def activity(request: AgentRequest) -> HttpResponse:
    events = TicketEvent.objects.order_by("-created_at", "-id")
    if Ticket.objects.for_agent(request.user).query.is_empty():
        # Every agent sees every ticket (TicketQuerySet.for_agent); were that to change,
        # the log must not show events of tickets the agent may not see.
        events = events.none()
    filterset = ActivityFilter(request.GET, queryset=events, request=request)
    number = page_number(request.GET)
    offset = (number - 1) * PAGE_SIZE
    status = 200
    rows: list[TicketEvent] = []
    if filterset.is_valid():
        # One row more than a page tells whether there is a next page, without a COUNT.
        rows = page_rows(filterset.qs, offset, offset + PAGE_SIZE + 1)
    else:
        status = 400
    context = {
        "filter": filterset,
        "form": filterset.form,
        "events": rows[:PAGE_SIZE],
        "page": number,
        "has_next": len(rows) > PAGE_SIZE,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "filtered": any(request.GET.get(name) for name in filterset.filters),
    }
    return render(request, "tickets/activity.html", context, status=status)
