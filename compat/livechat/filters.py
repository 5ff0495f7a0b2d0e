"""The parameters of GET /compat/livechat/tickets (document 000), as a django-filter
FilterSet over the rules of TicketQuerySet. They combine; a bad value is a 400 naming the
parameter.

- `date_from`, `date_to` (YYYY-MM-DD, days in our time zone): tickets with any activity on
  those days, their creation or anything their history records (a reply, a note, a change).
- `assigned` (0 or 1), `assignee` (an agent's login, former agents included), `status`
  (open, pending, solved or spam), `group` (a team id, 0 for none), `source` (mappings),
  `requester[mail]`, `tag` (or `tag[]`, any of them), `tagged` (1 or 0).
- `query`: our full-text search (as GET /api/tickets?search=); the view pages it.
- `order`: by the last modification, `desc` (the default) or `asc`, the id breaking ties.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from tickets.api.filters import TextListField
from tickets.days import day_end, day_start
from tickets.filters import ticket_queryset
from tickets.models import Contact, TaggedTicket, Team, Ticket, TicketEvent, TicketStatus

from . import mappings
from .api import LiveChatError

# LiveChat's parameter names that are not Python names -> the filters' names.
RENAMED = {"requester[mail]": "requester_mail", "tag[]": "tag"}
ORDERS = {"desc": ("-updated_at", "-id"), "asc": ("updated_at", "id")}
LARGEST_TEAM_ID = 2**31 - 1


def _choices(values: list[str]) -> dict[str, Any]:
    listed = ", ".join(values[:-1]) + f" or {values[-1]}"
    return {
        "choices": [(value, value) for value in values],
        "error_messages": {"invalid_choice": f"expected {listed}, got %(value)s."},
    }


class DayFilter(django_filters.DateFilter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("error_messages", {"invalid": "expected a date, YYYY-MM-DD."})
        super().__init__(method="keep", **kwargs)


class TagsFilter(django_filters.Filter):
    """`tag=a`, or several: `tag[]=a&tag[]=b`."""

    field_class = TextListField


class LiveChatTicketFilter(django_filters.FilterSet):
    date_from = DayFilter()
    date_to = DayFilter()
    assigned = django_filters.ChoiceFilter(method="filter_assigned", **_choices(["0", "1"]))
    assignee = django_filters.CharFilter(method="filter_assignee", max_length=254)
    status = django_filters.ChoiceFilter(method="filter_status", **_choices(mappings.STATUS_NAMES))
    group = django_filters.NumberFilter(
        method="filter_group",
        min_value=0,
        max_value=LARGEST_TEAM_ID,
        error_messages={"invalid": "expected a group id (0 for none)."},
    )
    source = django_filters.ChoiceFilter(
        method="filter_source",
        **_choices([*mappings.SOURCES, *sorted(mappings.UNMATCHED_SOURCES)]),
    )
    requester_mail = django_filters.CharFilter(method="filter_requester", max_length=254)
    tag = TagsFilter(method="filter_tag")
    tagged = django_filters.ChoiceFilter(method="filter_tagged", **_choices(["0", "1"]))
    query = django_filters.CharFilter(method="keep", max_length=200)
    order = django_filters.ChoiceFilter(method="keep", **_choices(list(ORDERS)))
    page = django_filters.NumberFilter(
        method="keep",
        min_value=1,
        max_value=10**9,
        error_messages={"invalid": "expected a page number, from 1."},
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            for theirs, ours in RENAMED.items():
                if theirs in data:
                    data.setlist(ours, data.getlist(ours) + data.getlist(theirs))
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            field.validators.append(ProhibitNullCharactersValidator())
        # The total is counted from TicketCount when only counted columns are filtered.
        self.counted: dict[str, object] | None = {}

    # Validation -----------------------------------------------------------------------

    def check(self) -> None:
        """Raise a 400 naming the first bad parameter."""
        if not self.is_valid():
            name, messages = next(iter(self.errors.items()))
            named = "requester[mail]" if name == "requester_mail" else name
            raise LiveChatError(f"{named}: {' '.join(messages)}")
        chosen = self.form.cleaned_data
        first, last = chosen.get("date_from"), chosen.get("date_to")
        if first and last and first > last:
            raise LiveChatError("date_from: after date_to.")

    @property
    def qs(self) -> QuerySet[Any]:
        self.check()
        return super().qs

    @property
    def chosen(self) -> dict[str, Any]:
        return self.form.cleaned_data

    @property
    def page_number(self) -> int:
        return int(self.chosen.get("page") or 1)

    @property
    def search_text(self) -> str:
        return (self.chosen.get("query") or "").strip()

    def only_search(self) -> bool:
        """Whether the search is the only filter (its total can come from the terms)."""
        filters = set(self.base_filters) - {"query", "order", "page"}
        return not any(self.chosen.get(name) not in (None, "", []) for name in filters)

    def _not_counted(self) -> None:
        self.counted = None

    def _count_by(self, **columns: object) -> None:
        if self.counted is not None:
            self.counted.update(columns)

    # Filters --------------------------------------------------------------------------

    def keep(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs  # read in filter_queryset (dates, order) or by the view (query, page)

    def filter_assigned(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._not_counted()
        return qs.filter(assignee__isnull=value == "0")

    def filter_assignee(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        login = value.strip()
        # Former agents too: imported tickets may be theirs.
        found = list(
            get_user_model()
            .objects.filter(is_staff=True)
            .filter(Q(email__iexact=login) | Q(username=login))
            .values_list("pk", flat=True)
        )
        if not found:
            raise LiveChatError(f"assignee: no agent has the login {login!r}.")
        self._not_counted()
        return qs.filter(assignee_id__in=found)

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == mappings.SPAM:
            self._count_by(is_spam=True)
            return qs.filter(is_spam=True)
        statuses = list(
            TicketStatus.objects.filter(category=mappings.STATUSES[value]).values_list(
                "pk", flat=True
            )
        )
        self._count_by(is_spam=False, status_id__in=statuses)
        return ticket_queryset(qs).not_spam().with_statuses(statuses)

    def filter_group(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        self._not_counted()
        group = int(value)
        if group == mappings.NO_GROUP:
            return qs.filter(team__isnull=True)
        if not Team.objects.filter(pk=group).exists():
            raise LiveChatError(f"group: no group has the id {group}.")
        return qs.filter(team_id=group)

    def filter_source(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._not_counted()
        if value in mappings.UNMATCHED_SOURCES:
            return qs.none()
        return qs.filter(source=mappings.SOURCES[value])

    def filter_requester(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._not_counted()
        contacts = Contact.objects.filter(email__iexact=value.strip()).values("pk")
        return qs.filter(requester_id__in=contacts)

    def filter_tag(self, qs: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        if not value:
            return qs
        self._not_counted()
        return ticket_queryset(qs).with_any_tag(value)

    def filter_tagged(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._not_counted()
        tagged = Exists(TaggedTicket.objects.filter(content_object=OuterRef("pk")))
        return qs.filter(tagged if value == "1" else ~tagged)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        first, last = self.chosen.get("date_from"), self.chosen.get("date_to")
        if first or last:
            self._not_counted()
            queryset = queryset.filter(active_between(first, last))
        return queryset.order_by(*ORDERS[self.chosen.get("order") or "desc"])


def active_between(first: Any, last: Any) -> Q:
    """Tickets with any activity from the day `first` to the day `last` (either may be
    None): created then, or with anything in their history then.

    The services move a ticket's last update with every change they record (an import sets
    it to LiveChat's `modified`, never back), so a ticket active since `first` was updated
    since, and one updated within the days was active then: the conditions walk the index on
    the last update, and only a ticket updated after the days and created before them is
    looked up in its history (by the history's index on ticket and time).
    """
    condition = Q()
    start = day_start(first) if first else None
    end = day_end(last) if last else None
    if start is not None:
        condition &= Q(updated_at__gte=start)
    if end is None:
        return condition
    condition &= Q(created_at__lt=end)
    in_history = TicketEvent.objects.filter(ticket=OuterRef("pk"), created_at__lt=end)
    if start is not None:
        in_history = in_history.filter(created_at__gte=start)
        return condition & (
            Q(updated_at__lt=end) | Q(created_at__gte=start) | Q(Exists(in_history))
        )
    # Every ticket created by then had its creation by then.
    return condition
