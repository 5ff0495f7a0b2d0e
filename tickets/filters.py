"""The agent queue's filters: `QueueFilter` reads the queue's URL parameters.

Each filter applies a rule of TicketQuerySet (`with_statuses`, `assigned_to`,
`with_any_tag`, ...), the vocabulary that the API's FilterSet (tickets.api.filters) and
the sidebar's counts (tickets.counts) use too. The saved views and the bulk actions'
"all matching" read the same parameters through this FilterSet.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import F, OrderBy, QuerySet
from django.http import QueryDict

from tickets.agents import AgentRequest, agent_name, agents

from .forms.base import WorkspaceForm, declared_as
from .forms.widgets import ClientSelect
from .models import (
    ActiveState,
    Category,
    Client,
    Priority,
    Project,
    SlaState,
    Team,
    Ticket,
    TicketQuerySet,
    TicketStatus,
)
from .queries import MAX_ID, as_id

ME = "me"
UNASSIGNED = "unassigned"
ANY_OPEN = "open"
ANY_CLOSED = "closed"
ALL_STATES = "all"
DEFAULT_SORT = "-updated"

# Sort keys of the URL and the columns they order by; the id breaks ties so pages are stable.
SORT_COLUMNS = {
    "id": ("id",),
    "subject": ("subject", "id"),
    "client": ("client__name", "id"),
    "department": ("department__name", "id"),
    "status": ("status__position", "status_id", "id"),
    "priority": ("priority", "id"),
    "assignee": ("assignee__first_name", "assignee__last_name", "assignee__username", "id"),
    "updated": ("updated_at", "id"),
    "created": ("created_at", "id"),
    "replies": ("replies_count", "id"),
    # Ascending: who has waited longest comes first; tickets waiting for nobody last.
    "waiting": ("waiting_since", "id"),
}
# Sorted by SLA: the next breach first, tickets without a running target last.
BREACH_SORT = "breach"


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The status and assignee choices of QueueFilter (two queries)."""
    statuses = [(str(status.pk), status.title) for status in TicketStatus.objects.all()]
    return {
        "status": [(ANY_OPEN, "Any open"), (ANY_CLOSED, "Any closed"), *statuses],
        "assignee": [
            (ME, "Me"),
            (UNASSIGNED, "Unassigned"),
            *((str(agent.pk), agent_name(agent)) for agent in agents()),
        ],
    }


def ticket_queryset(queryset: QuerySet[Any]) -> TicketQuerySet:
    """`queryset` as what it is in a FilterSet of tickets: the TicketQuerySet it was given,
    which its filters hand on (django-filter's stubs type them for any model)."""
    return cast(TicketQuerySet, queryset)


def order_tickets(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """Order by a sort key such as "updated" or "-priority"."""
    descending = sort.startswith("-")
    if sort.lstrip("-") == BREACH_SORT:
        return ticket_queryset(queryset).by_next_breach(descending=descending)
    columns = SORT_COLUMNS.get(sort.lstrip("-"), SORT_COLUMNS["updated"])
    if sort.lstrip("-") not in SORT_COLUMNS:
        descending = True
    return queryset.order_by(*(ordered(column, descending) for column in columns))


# Nullable sort columns: their empty values come last whichever the direction, on every
# database (PostgreSQL puts NULL first when descending, SQLite when ascending).
NULLS_LAST = {"waiting_since"}


def ordered(column: str, descending: bool) -> str | OrderBy:
    if column in NULLS_LAST:
        return F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return f"-{column}" if descending else column


def sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key in [*SORT_COLUMNS, BREACH_SORT]:
        choices += [(key, f"{key} ascending"), (f"-{key}", f"{key} descending")]
    return choices


# Parameters that choose how a result is shown, not which tickets are in it.
PRESENTATION_PARAMS = {"sort", "page"}
# Every active ticket: the queue's filters with nothing chosen, as an address needs them
# (the queue's bare address shows the agent's own open tickets).
ALL_TICKETS: dict[str, str] = {"active_state": ActiveState.ACTIVE.value}


def has_filters(params: QueryDict) -> bool:
    """Whether the parameters choose any tickets (not merely a sort or a page)."""
    return any(any(values) for key, values in params.lists() if key not in PRESENTATION_PARAMS)


def link_query(query: str) -> str:
    """A saved view's query for its link: one without filters means every active ticket,
    which the bare address no longer shows."""
    if has_filters(QueryDict(query)):
        return query
    every = QueryDict(mutable=True)
    every.update(ALL_TICKETS)
    return f"{every.urlencode()}&{query}".rstrip("&")


def canonical_query(params: QueryDict) -> str:
    """The queue filters of `params` as a query string: the known parameters only, in a
    fixed order, without the page, empty values or defaults. Equal filters, equal strings."""
    defaults = {"active_state": ActiveState.ACTIVE, "sort": DEFAULT_SORT}
    query = QueryDict(mutable=True)
    for name in QueueFilter.base_filters:
        values = [value for value in params.getlist(name) if value.strip()]
        if values and values != [defaults.get(name)]:
            query.setlist(name, values)
    return query.urlencode()


class CommaSeparatedField(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value)
        # The field's validators see the list returned here, where the no-NUL check finds
        # nothing; PostgreSQL refuses a NUL in a query, so check the text itself.
        ProhibitNullCharactersValidator()(text)
        return [part.strip() for part in text.split(",") if part.strip()]


class IdFilter(django_filters.Filter):
    """A database id: a whole number the database can hold."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("error_messages", {"invalid": "Enter a whole number (an id)."})
        super().__init__(**kwargs)


class AnyTagFilter(django_filters.Filter):
    """Tickets carrying any of the tags; the web reads them comma-separated."""

    field_class: type[forms.Field] = CommaSeparatedField

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Ticket]:
        return ticket_queryset(qs).with_any_tag(value) if value else qs


class QueueFilter(django_filters.FilterSet):
    """The queue's filters. Missing values fall back to the active tickets, newest update first."""

    search = django_filters.CharFilter(
        method="apply_search",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search these tickets…"}),
    )
    # Checkboxes (the queue shows them in a drop-down), never a Ctrl-click list.
    status = django_filters.MultipleChoiceFilter(
        method="apply_status", label="Status", widget=forms.CheckboxSelectMultiple
    )
    priority = django_filters.MultipleChoiceFilter(
        method="apply_priority",
        label="Priority",
        choices=[(priority.code, priority.label) for priority in Priority],
        widget=forms.CheckboxSelectMultiple,
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Category.objects.filter(type=Category.Type.TICKET),
        label="Department",
        empty_label="Any department",
    )
    client = django_filters.ModelChoiceFilter(
        queryset=Client.objects.all(), label="Client", empty_label="Any client", widget=ClientSelect
    )
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.all(), label="Project", empty_label="Any project"
    )
    assignee = django_filters.ChoiceFilter(
        method="apply_assignee", label="Assignee", empty_label="Anyone"
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), label="Team", empty_label="Any team"
    )
    # The requester's tickets, from the ticket page's "all their tickets" link.
    requester = IdFilter(field_name="requester_id", label="Requester")
    tags = AnyTagFilter(label="Tags", help_text="Comma-separated; tickets with any of them.")
    sla = django_filters.ChoiceFilter(
        method="apply_sla", label="SLA", choices=SlaState.choices, empty_label="Any"
    )
    active_state = django_filters.ChoiceFilter(
        method="apply_active_state",
        label="Active or archived",
        choices=[
            (ActiveState.ACTIVE, "Active"),
            (ActiveState.ARCHIVED, "Archived"),
            (ALL_STATES, "Active and archived"),
        ],
        empty_label=None,
    )
    created_after = django_filters.DateFilter(
        method="apply_created_after",
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        method="apply_created_before",
        label="Created until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starred = django_filters.ChoiceFilter(
        method="apply_starred",
        label="Starred",
        choices=[("1", "Tickets I starred")],
        empty_label="All tickets",
    )
    # Spam is never mixed with other tickets: "1" lists the spam alone (see filter_queryset).
    spam = django_filters.ChoiceFilter(
        method="keep", label="Spam", choices=[("1", "Spam only")], empty_label="Not spam"
    )
    sort = django_filters.ChoiceFilter(
        method="keep", label="Sort", choices=sort_choices(), empty_label=None
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = WorkspaceForm

    request: AgentRequest  # the queue's: "me" and "starred" are its agent's

    def __init__(
        self,
        data=None,
        *args,
        request: AgentRequest,
        defer_search: bool = False,
        choices: dict[str, list[tuple[str, str]]] | None = None,
        **kwargs,
    ) -> None:
        # With defer_search the caller pages the search itself (see tickets.search).
        # `choices` (from filter_choices) spares their queries when building several filters.
        self.defer_search = defer_search
        data = data.copy() if data is not None else {}
        if not data.get("active_state"):
            data["active_state"] = ActiveState.ACTIVE
        if not data.get("sort"):
            data["sort"] = DEFAULT_SORT
        super().__init__(data, *args, request=request, **kwargs)
        choices = choices or filter_choices()
        self.filters["status"].extra["choices"] = choices["status"]
        self.filters["assignee"].extra["choices"] = choices["assignee"]
        # Only the chosen client's projects are offered; a bookmarked project stays valid.
        client_id, project_id = as_id(data.get("client")), as_id(data.get("project"))
        if client_id:
            projects = Project.objects.filter(client_id=client_id)
        elif project_id:
            projects = Project.objects.filter(pk=project_id)
        else:
            projects = Project.objects.none()
        declared_as(self.filters, "project", django_filters.ModelChoiceFilter).queryset = projects

    @property
    def qs(self) -> TicketQuerySet:
        return ticket_queryset(super().qs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Ticket]:
        tickets = ticket_queryset(super().filter_queryset(queryset))
        if "active_state" not in self.form.cleaned_data:
            # An unreadable value must not widen the queue to archived tickets.
            tickets = tickets.in_state(ActiveState.ACTIVE)
        tickets = tickets.spam() if self.form.cleaned_data.get("spam") else tickets.not_spam()
        # The sort runs last whatever the order of the parameters.
        return order_tickets(tickets, self.form.cleaned_data.get("sort") or DEFAULT_SORT)

    @property
    def chosen_sort(self) -> str:
        self.is_valid()  # cleans the form; an invalid sort falls back to the default
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    @property
    def search_text(self) -> str:
        self.is_valid()
        return self.form.cleaned_data.get("search") or ""

    def apply_search(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return queryset if self.defer_search else queryset.find(value)

    def apply_status(self, queryset: TicketQuerySet, name: str, value: list[str]) -> TicketQuerySet:
        """Status ids, plus "open" and "closed" for every status of that kind; any matches."""
        ids = [number for number in map(as_id, value) if number]
        any_open, any_closed = ANY_OPEN in value, ANY_CLOSED in value
        if not (ids or any_open or any_closed):
            return queryset
        return queryset.with_statuses(ids, any_open=any_open, any_closed=any_closed)

    def apply_priority(
        self, queryset: TicketQuerySet, name: str, value: list[str]
    ) -> TicketQuerySet:
        priorities = [Priority.from_code(code) for code in value]
        return queryset.with_priorities(priorities) if priorities else queryset

    def apply_assignee(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        """An agent's id, "me" (the signed-in agent) or "unassigned"."""
        user = self.request.user
        if value == ME:
            return queryset.assigned_to(user if user.is_authenticated else None)
        if value == UNASSIGNED:
            return queryset.assigned_to(None)
        return queryset.filter(assignee_id=int(value))

    def apply_sla(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return queryset.with_sla(value) if value else queryset

    def apply_active_state(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        if value == ALL_STATES:
            return queryset
        return queryset.in_state(value or ActiveState.ACTIVE)

    def apply_created_after(
        self, queryset: TicketQuerySet, name: str, value: datetime.date | None
    ) -> TicketQuerySet:
        return queryset.created_between(value, None)

    def apply_created_before(
        self, queryset: TicketQuerySet, name: str, value: datetime.date | None
    ) -> TicketQuerySet:
        return queryset.created_between(None, value)

    def apply_starred(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return queryset.starred_by(self.request.user) if value else queryset

    def keep(self, queryset: TicketQuerySet, name: str, value: str) -> TicketQuerySet:
        return queryset  # applied in filter_queryset
