"""The ticket filters, shared by the agent queue and the REST API.

`TicketFilter` reads the queue's URL parameters. Its filtering methods are plain
functions of a queryset (`filter_*` below) so the API's FilterSet can apply the
same rules under the API's own parameter names.
"""

from __future__ import annotations

import datetime
import json

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .forms import ClientSelect, WorkspaceForm
from .models import (
    ActiveState,
    Category,
    Client,
    Priority,
    Project,
    TaggedTicket,
    Team,
    Ticket,
    TicketSearchDocument,
    TicketStar,
    TicketStatus,
    full_text_matches,
    search_query,
)
from .queries import as_id
from .search import serial_plans

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
}


def filter_search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    return queryset.search(text) if text and text.strip() else queryset


# How a search is paged on PostgreSQL (see search_page). Checking a ticket's document
# while walking the page's order costs a few microseconds, listing a match from the
# documents' full-text index about one, and sorting the listed tickets a few more: a
# query matching more than WALK_SHARE of the documents is found fastest by walking, a
# rarer one by listing its matches (at most LIST_CAP of them) and sorting those.
WALK_SHARE = 0.01
LIST_CAP = 20_000


def estimated_rows(queryset: QuerySet) -> float:
    """PostgreSQL's estimate of the rows `queryset` returns: planning only, no execution."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def search_page(
    queryset: QuerySet[Ticket], text: str, start: int, stop: int, *, total: int | None = None
) -> list[Ticket]:
    """Rows start:stop of `queryset.search(text)`, in the queryset's order.

    The same tickets as Ticket.objects.search(), with plans that stay fast at a million
    tickets. Asked for them at once, PostgreSQL may walk the whole queue for a rare word,
    or fetch and sort every ticket holding a common one. So a common query is found by
    walking the page's order, where matches are dense, and checking each ticket's
    document, stopping after `stop` rows; a rare one by listing its matching ticket ids
    through the full-text index. The page is then the first rows of those candidates.
    How common a query is comes from `total`, its number of matches among all tickets
    when the caller has counted them, else from the planner's estimate (from the
    documents' statistics).
    """
    text = text.strip()
    if not text:
        return list(queryset[start:stop])
    if queryset.db_connection_vendor() != "postgresql":
        return list(queryset.search(text)[start:stop])
    with serial_plans(queryset.db):
        matches = full_text_matches(text)
        documents = estimated_rows(TicketSearchDocument.objects.order_by())
        share = (estimated_rows(matches) if total is None else total) / max(1.0, documents)
        ids: list[int] = []
        if share <= WALK_SHARE:
            ids = list(matches.values_list("ticket_id", flat=True)[: LIST_CAP + 1])
        if share > WALK_SHARE or len(ids) > LIST_CAP:
            matching = TicketSearchDocument.objects.filter(
                ticket=OuterRef("pk"), document=search_query(text)
            )
            walked = queryset.prefetch_related(None).filter(Exists(matching))
            ids = list(walked.values_list("pk", flat=True)[:stop])
        return list(queryset.filter(pk__in=ids)[start:stop])


def filter_status(queryset: QuerySet[Ticket], values: list[str]) -> QuerySet[Ticket]:
    """Status ids, plus "open" and "closed" for every status of that kind; any of them matches."""
    condition = Q()
    ids = [number for number in map(as_id, values) if number]
    if ids:
        condition |= Q(status_id__in=ids)
    if ANY_OPEN in values:
        condition |= Q(status_id__in=TicketStatus.objects.filter(is_closed=False).values("pk"))
    if ANY_CLOSED in values:
        condition |= Q(status_id__in=TicketStatus.objects.filter(is_closed=True).values("pk"))
    return queryset.filter(condition) if condition else queryset


def filter_priority(queryset: QuerySet[Ticket], codes: list[str]) -> QuerySet[Ticket]:
    values = [Priority.from_code(code).value for code in codes]
    return queryset.filter(priority__in=values) if values else queryset


def filter_assignee(queryset: QuerySet[Ticket], value: str, user) -> QuerySet[Ticket]:
    """An agent's id, "me" (the signed-in agent) or "unassigned"."""
    if value == ME:
        return queryset.filter(assignee=user if user.is_authenticated else None)
    if value == UNASSIGNED:
        return queryset.filter(assignee__isnull=True)
    return queryset.filter(assignee_id=int(value))


def filter_tags(queryset: QuerySet[Ticket], names: list[str]) -> QuerySet[Ticket]:
    """Tickets carrying any of the tags (case-insensitive), as the API's tags[] filter."""
    if not names:
        return queryset
    any_tag = Q()
    for name in names:
        any_tag |= Q(tag__name__iexact=name)
    return queryset.filter(pk__in=TaggedTicket.objects.filter(any_tag).values("content_object_id"))


def filter_active_state(queryset: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
    if value == ALL_STATES:
        return queryset
    return queryset.filter(active_state=value or ActiveState.ACTIVE)


# The midnights of the first and last dates may lie outside what a datetime holds once
# converted to UTC (or, for the end of the last date, at all). No ticket is that old or
# that new, so dates are clamped to these.
FIRST_DAY = datetime.date(1, 1, 2)
LAST_DAY = datetime.date(9999, 12, 30)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the current time zone."""
    day = min(max(day, FIRST_DAY), LAST_DAY)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day` (the start of the next day) in the current time zone."""
    return day_start(min(day, LAST_DAY - datetime.timedelta(days=1)) + datetime.timedelta(days=1))


def filter_created(
    queryset: QuerySet[Ticket], after: datetime.date | None, before: datetime.date | None
) -> QuerySet[Ticket]:
    """Tickets created on or after `after` and on or before `before` (whole days)."""
    if after:
        queryset = queryset.filter(created_at__gte=day_start(after))
    if before:
        queryset = queryset.filter(created_at__lt=day_end(before))
    return queryset


def filter_starred(queryset: QuerySet[Ticket], user) -> QuerySet[Ticket]:
    """The tickets `user` starred."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(pk__in=TicketStar.objects.filter(agent=user).values("ticket_id"))


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The status and assignee choices of TicketFilter (two queries)."""
    statuses = [(str(status.pk), status.title) for status in TicketStatus.objects.all()]
    agents = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("first_name", "last_name", "username")
    )
    return {
        "status": [(ANY_OPEN, "Any open"), (ANY_CLOSED, "Any closed"), *statuses],
        "assignee": [
            (ME, "Me"),
            (UNASSIGNED, "Unassigned"),
            *((str(agent.pk), agent.get_full_name() or agent.get_username()) for agent in agents),
        ],
    }


def order_tickets(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """Order by a sort key such as "updated" or "-priority"."""
    descending = sort.startswith("-")
    columns = SORT_COLUMNS.get(sort.lstrip("-"), SORT_COLUMNS["updated"])
    if sort.lstrip("-") not in SORT_COLUMNS:
        descending = True
    return queryset.order_by(*(f"-{column}" if descending else column for column in columns))


def sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key in SORT_COLUMNS:
        choices += [(key, f"{key} ascending"), (f"-{key}", f"{key} descending")]
    return choices


def canonical_query(params: QueryDict) -> str:
    """The queue filters of `params` as a query string: the known parameters only, in a
    fixed order, without the page, empty values or defaults. Equal filters, equal strings."""
    defaults = {"active_state": ActiveState.ACTIVE, "sort": DEFAULT_SORT}
    query = QueryDict(mutable=True)
    for name in TicketFilter.base_filters:
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


class TagsFilter(django_filters.Filter):
    field_class = CommaSeparatedField


class TicketFilter(django_filters.FilterSet):
    """The queue's filters. Missing values fall back to the active tickets, newest update first."""

    search = django_filters.CharFilter(method="apply_search", label="Search")
    status = django_filters.MultipleChoiceFilter(method="apply_status", label="Status")
    priority = django_filters.MultipleChoiceFilter(
        method="apply_priority",
        label="Priority",
        choices=[(priority.code, priority.label) for priority in Priority],
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
    tags = TagsFilter(
        method="apply_tags",
        label="Tags",
        help_text="Comma-separated; tickets with any of them.",
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
        method="apply_spam", label="Spam", choices=[("1", "Spam only")], empty_label="Not spam"
    )
    sort = django_filters.ChoiceFilter(
        method="apply_sort", label="Sort", choices=sort_choices(), empty_label=None
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = WorkspaceForm

    def __init__(
        self,
        data=None,
        *args,
        defer_search: bool = False,
        choices: dict[str, list[tuple[str, str]]] | None = None,
        **kwargs,
    ) -> None:
        # With defer_search the caller pages the search itself (see search_page).
        # `choices` (from filter_choices) spares their queries when building several filters.
        self.defer_search = defer_search
        data = data.copy() if data is not None else {}
        if not data.get("active_state"):
            data["active_state"] = ActiveState.ACTIVE
        if not data.get("sort"):
            data["sort"] = DEFAULT_SORT
        super().__init__(data, *args, **kwargs)
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
        self.filters["project"].queryset = projects

    def filter_queryset(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        queryset = super().filter_queryset(queryset)
        if "active_state" not in self.form.cleaned_data:
            # An unreadable value must not widen the queue to archived tickets.
            queryset = filter_active_state(queryset, ActiveState.ACTIVE)
        queryset = queryset.filter(is_spam=self.form.cleaned_data.get("spam") == "1")
        # The sort runs last whatever the order of the parameters.
        return order_tickets(queryset, self.form.cleaned_data.get("sort") or DEFAULT_SORT)

    @property
    def chosen_sort(self) -> str:
        self.is_valid()  # cleans the form; an invalid sort falls back to the default
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    def apply_search(self, queryset, name, value):
        return queryset if self.defer_search else filter_search(queryset, value)

    @property
    def search_text(self) -> str:
        self.is_valid()
        return self.form.cleaned_data.get("search") or ""

    def apply_status(self, queryset, name, value):
        return filter_status(queryset, value)

    def apply_priority(self, queryset, name, value):
        return filter_priority(queryset, value)

    def apply_assignee(self, queryset, name, value):
        return filter_assignee(queryset, value, self.request.user)

    def apply_tags(self, queryset, name, value):
        return filter_tags(queryset, value)

    def apply_active_state(self, queryset, name, value):
        return filter_active_state(queryset, value)

    def apply_created_after(self, queryset, name, value):
        return filter_created(queryset, value, None)

    def apply_created_before(self, queryset, name, value):
        return filter_created(queryset, None, value)

    def apply_starred(self, queryset, name, value):
        return filter_starred(queryset, self.request.user) if value else queryset

    def apply_spam(self, queryset, name, value):
        return queryset  # applied in filter_queryset

    def apply_sort(self, queryset, name, value):
        return queryset  # applied in filter_queryset
