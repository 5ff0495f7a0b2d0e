"""The parameters of GET /compat/supportbee/tickets.json and /tickets/search.json
(document 001), as a django-filter FilterSet over the rules of TicketQuerySet. They
combine; a bad value is a 400 naming the parameter.

- `per_page` (1 to 99, default 15), `page` (from 1).
- `spam`: true lists spam too; false (the default) leaves it out.
- `archived`: true, false (the default) or any.
- `replies`: true, only tickets with public replies; false, only those without.
- `max_replies`: at most that many public replies (not with `replies=false`).
- `assigned_user`: `me`, an agent's id, or `none` (unassigned).
- `assigned_group`: `mine` (the calling agent's teams) or a team id.
- `starred`: true, the calling agent's starred tickets; false, the tickets assigned to
  them that they have not starred.
- `label`: a tag (any case).
- `query` (search.json): our full-text search; the view pages it.

Newest activity first (the last update), the id breaking ties.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.http import QueryDict

from tickets import counts
from tickets.agents import agents_and_former_agents
from tickets.filters import ticket_queryset
from tickets.models import Team, Ticket, TicketStar

from . import mappings
from .api import SupportBeeError

ORDER = ("-updated_at", "-id")
LARGEST_ID = 2**31 - 1


def _choices(values: list[str]) -> dict[str, Any]:
    listed = ", ".join(values[:-1]) + f" or {values[-1]}"
    return {
        "choices": [(value, value) for value in values],
        "error_messages": {"invalid_choice": f"expected {listed}, got %(value)s."},
    }


BOOLEAN = _choices([mappings.TRUE, mappings.FALSE])


def _number(minimum: int, maximum: int, what: str) -> dict[str, Any]:
    return {
        "method": "keep",
        "min_value": minimum,
        "max_value": maximum,
        "error_messages": {"invalid": f"expected {what}."},
    }


class SupportBeeTicketFilter(django_filters.FilterSet):
    per_page = django_filters.NumberFilter(
        **_number(1, mappings.MAX_PER_PAGE, "a number of tickets")
    )
    page = django_filters.NumberFilter(**_number(1, 10**9, "a page number, from 1"))
    spam = django_filters.ChoiceFilter(method="keep", **BOOLEAN)
    archived = django_filters.ChoiceFilter(method="keep", **_choices(list(mappings.ARCHIVED)))
    replies = django_filters.ChoiceFilter(method="filter_replies", **BOOLEAN)
    max_replies = django_filters.NumberFilter(
        method="filter_max_replies",
        min_value=0,
        max_value=LARGEST_ID,
        error_messages={"invalid": "expected a number of replies."},
    )
    assigned_user = django_filters.CharFilter(method="filter_assigned_user", max_length=20)
    assigned_group = django_filters.CharFilter(method="filter_assigned_group", max_length=20)
    starred = django_filters.ChoiceFilter(method="filter_starred", **BOOLEAN)
    label = django_filters.CharFilter(method="filter_label", max_length=100)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            field.validators.append(ProhibitNullCharactersValidator())
        # The filters as counted columns (tickets.counts.total reads the total from the
        # counts kept by triggers when one table counts them all); None once a filter
        # has no such column (starred), and the list counts.
        self.counted: dict[str, object] | None = {}

    # Validation -----------------------------------------------------------------------

    def check(self) -> None:
        """Raise a 400 naming the first bad parameter."""
        if not self.is_valid():
            name, messages = next(iter(self.errors.items()))
            raise SupportBeeError(name, " ".join(messages))
        if (
            self.chosen.get("replies") == mappings.FALSE
            and self.chosen.get("max_replies") is not None
        ):
            raise SupportBeeError("max_replies", "cannot be used with replies=false.")

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
    def page_size(self) -> int:
        return int(self.chosen.get("per_page") or mappings.PER_PAGE)

    @property
    def agent(self) -> Any:
        return self.request.user  # type: ignore[union-attr]

    def _not_counted(self) -> None:
        self.counted = None

    # Filters --------------------------------------------------------------------------

    def keep(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs  # read in filter_queryset (spam, archived) or by the view (pages)

    def filter_replies(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == mappings.TRUE:
            self._count_by(replies_count__gt=0)
            return qs.filter(replies_count__gt=0)
        self._count_by(replies_count=0)
        return qs.filter(replies_count=0)

    def filter_max_replies(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        self._count_by(replies_count__lte=int(value))
        return qs.filter(replies_count__lte=int(value))

    def filter_assigned_user(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        chosen = value.strip().lower()
        if chosen == mappings.ME:
            self._count_by(assignee_id=self.agent.pk)
            return ticket_queryset(qs).assigned_to(self.agent)
        if chosen == mappings.NONE:
            self._count_by(assignee_id=None)
            return ticket_queryset(qs).assigned_to(None)
        # Former agents too: imported tickets may be theirs.
        found = chosen.isdigit() and agents_and_former_agents().filter(pk=int(chosen)).exists()
        if not found:
            raise SupportBeeError(name, f"expected me, none or an agent's id, got {value}.")
        self._count_by(assignee_id=int(chosen))
        return qs.filter(assignee_id=int(chosen))

    def filter_assigned_group(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        chosen = value.strip().lower()
        if chosen == mappings.MINE:
            teams = Team.objects.filter(members=self.agent).values("pk")
            self._count_by(team_id__in=teams)
            return qs.filter(team__in=teams)
        if not chosen.isdigit() or not Team.objects.filter(pk=int(chosen)).exists():
            raise SupportBeeError(name, f"expected mine or a group's id, got {value}.")
        self._count_by(team_id=int(chosen))
        return qs.filter(team_id=int(chosen))

    def filter_starred(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._not_counted()
        if value == mappings.TRUE:
            return ticket_queryset(qs).starred_by(self.agent)
        stars = TicketStar.objects.filter(agent=self.agent).values("ticket_id")
        return ticket_queryset(qs).assigned_to(self.agent).exclude(pk__in=stars)

    def filter_label(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value.strip():
            return qs
        self._count_by(**{counts.TAG_NAME: value.strip()})
        return ticket_queryset(qs).with_any_tag([value.strip()])

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.chosen.get("spam") != mappings.TRUE:
            queryset = queryset.filter(is_spam=False)
            self._count_by(is_spam=False)
        states = mappings.ARCHIVED[self.chosen.get("archived") or mappings.FALSE]
        if len(states) == 1:
            queryset = queryset.filter(active_state=states[0])
            self._count_by(active_state=states[0])
        return queryset.order_by(*ORDER)

    def _count_by(self, **columns: object) -> None:
        if self.counted is not None:
            self.counted.update(columns)


class SupportBeeSearchFilter(SupportBeeTicketFilter):
    """search.json: `query` (required), with the list's parameters and defaults (the document
    names the pages and `spam`; the others are accepted too)."""

    query = django_filters.CharFilter(method="keep", max_length=200)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def check(self) -> None:
        super().check()
        if not (self.chosen.get("query") or "").strip():
            raise SupportBeeError("query", "required.")

    @property
    def search_text(self) -> str:
        return (self.chosen.get("query") or "").strip()
