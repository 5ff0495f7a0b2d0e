"""GET/POST /compat/livechat/tickets, GET /tickets/<id>, PUT /tickets/<id>/tags: LiveChat's
v2 Tickets API (document 000) over our tickets, their querysets and services.

Writes go through tickets.services on the channel `api` with the key's agent as actor, and
send no email, as our own API does. The list reads a page the way GET /api/tickets does:
its total from TicketCount where the filters allow, a search paged by tickets.search.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.urls import re_path
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from compat.departments import compat_department
from compat.models import TicketSourceUrl
from helpdesk.api_access import AgentApiRequest
from mail.requesters import requester_for
from tickets import changes, counts, services
from tickets.filters import ticket_queryset
from tickets.models import Category, Channel, Team, Ticket
from tickets.queries import get_ticket_for_agent
from tickets.search import search_page, search_total, serial_plans

from . import mappings
from .api import LiveChatError, LiveChatView, agent_with_login
from .filters import LiveChatTicketFilter
from .objects import listed, ticket_objects

PER_PAGE = 25
NO_SUBJECT = "(no subject)"


def ticket_object(ticket_id: int) -> dict[str, Any]:
    """One ticket's object, read afresh."""
    return ticket_objects(list(listed(Ticket.objects.filter(pk=ticket_id))))[0]


def page_of(tickets: QuerySet[Ticket], start: int, stop: int) -> list[Ticket]:
    """Rows start:stop of `tickets`: the offset is walked on the ticket rows alone (an
    index of the order), and the relations are joined to the page's rows only."""
    page = tickets.values("pk")[start:stop]
    return list(listed(Ticket.objects.filter(pk__in=page)).order_by(*tickets.query.order_by))


# Bodies ----------------------------------------------------------------------------------


def nested_values(data: Any) -> dict[str, Any]:
    """A form or JSON body as nested values: `requester[mail]=…` becomes
    `{"requester": {"mail": …}}` (as JSON writes it), `group[]` and repeated keys lists."""
    if isinstance(data, MultiValueDict):
        pairs = [(key, data.getlist(key)) for key in data]
    elif isinstance(data, dict):
        pairs = [(key, value) for key, value in data.items()]
    else:
        raise LiveChatError("The request body must be a JSON object or a form.")
    values: dict[str, Any] = {}
    for key, given in pairs:
        name, bracket, inner = key.partition("[")
        in_form = isinstance(data, MultiValueDict)
        if bracket and inner == "]":  # name[]: a list
            values[name] = given
        elif bracket and inner.endswith("]"):  # name[key]: part of an object
            part = values.setdefault(name, {})
            if not isinstance(part, dict):
                raise LiveChatError(f"{name}: expected an object.")
            part[inner[:-1]] = given[-1] if in_form else given
        elif in_form:
            values[key] = given[0] if len(given) == 1 else given
        elif isinstance(given, dict) and isinstance(values.get(key), dict):
            values[key].update(given)
        else:
            values[key] = given
    return values


def first_error(errors: Any, where: str = "") -> str:
    """The first of a serializer's errors, named by its parameter (`requester[mail]`)."""
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        named = key if not where else f"{where}[{key}]"
        return first_error(value, "" if key == "non_field_errors" else named)
    if isinstance(errors, list) and errors:
        return first_error(errors[0], where)
    return f"{where}: {errors}" if where else str(errors)


def checked(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise LiveChatError(first_error(serializer.errors))
    return serializer.validated_data


class RequesterInput(serializers.Serializer):
    mail = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AssigneeInput(serializers.Serializer):
    id = serializers.CharField(max_length=254)


class SourceInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=mappings.CREATABLE_SOURCES, default=mappings.DEFAULT_SOURCE
    )
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)


class GroupsField(serializers.ListField):
    """An array of group ids; one id alone (`group=3`) is read as an array of it."""

    child = serializers.IntegerField(min_value=0, max_value=2**31 - 1)

    def to_internal_value(self, data: Any) -> list[int]:
        return super().to_internal_value(data if isinstance(data, list) else [data])


class TicketInput(serializers.Serializer):
    message = serializers.CharField()
    requester = RequesterInput()
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = AssigneeInput(required=False)
    # DRF takes declared fields off the class; mypy sees Field.source, a field's own setting.
    source = SourceInput(required=False)  # type: ignore[assignment]
    group = GroupsField(required=False)


class TagsInput(serializers.Serializer):
    tag = serializers.ListField(child=serializers.CharField(allow_blank=True), allow_empty=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict) and isinstance(data.get("tag"), str):
            data = {**data, "tag": [data["tag"]]}  # one tag, as a form sends it
        return super().to_internal_value(data)


# Views -----------------------------------------------------------------------------------


class TicketListView(LiveChatView):
    def get(self, request: AgentApiRequest) -> Response:
        filterset = LiveChatTicketFilter(
            request.query_params, queryset=listed(Ticket.objects.for_agent(request.user))
        )
        unsearched, text = ticket_queryset(filterset.qs), filterset.search_text
        start = (filterset.page_number - 1) * PER_PAGE
        stop = start + PER_PAGE
        if text:
            only_search = filterset.only_search()
            with serial_plans(unsearched.db):
                total = search_total(unsearched, text, unfiltered=only_search)
                rows = (
                    search_page(unsearched, text, start, stop, total=total if only_search else None)
                    if start < total
                    else []
                )
        else:
            total = counts.total(unsearched, filterset.counted)
            rows = page_of(unsearched, start, stop) if start < total else []
        return Response(
            {
                "pages": max(1, math.ceil(total / PER_PAGE)),
                "total": total,
                "tickets": ticket_objects(rows),
            }
        )

    def post(self, request: AgentApiRequest) -> Response:
        data = checked(TicketInput(data=nested_values(request.data)))
        assignee = None
        if data.get("assignee"):
            assignee = agent_with_login(data["assignee"]["id"].strip())
            if assignee is None:
                raise LiveChatError("assignee[id]: no agent has this login.")
        source = data.get("source") or {"type": mappings.DEFAULT_SOURCE}
        team = _team(data.get("group") or [mappings.NO_GROUP])
        try:
            department = compat_department()
        except Category.DoesNotExist:
            raise DepartmentMissing from None
        requester = data["requester"]
        with changes.atomic():
            contact = requester_for(requester["mail"], requester["name"].strip())
            ticket = services.create_ticket(
                client=contact.client,
                department=department,
                subject=data["subject"].strip() or NO_SUBJECT,
                message=data["message"],
                actor=request.user,
                channel=Channel.API,
                source=mappings.SOURCES[source["type"]],
                requester=contact,
                assignee=assignee,
                team=team,
            )
            if source.get("url"):
                TicketSourceUrl.objects.create(ticket=ticket, url=source["url"])
        return Response(ticket_object(ticket.pk))


class DepartmentMissing(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "No department takes tickets yet: an administrator must create one."


def _team(groups: list[int]) -> Team | None:
    """A ticket's one team from LiveChat's groups ([0]: none)."""
    chosen = set(groups)
    if len(chosen) > 1:
        raise LiveChatError("group: a ticket is in one group; give one group id.")
    group = chosen.pop()
    if group == mappings.NO_GROUP:
        return None
    team = Team.objects.filter(pk=group).first()
    if team is None:
        raise LiveChatError(f"group: no group has the id {group}.")
    return team


class TicketDetailView(LiveChatView):
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        return Response(ticket_object(ticket.pk))


class TicketTagsView(LiveChatView):
    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        data = checked(TagsInput(data=nested_values(request.data)))
        tags = [tag.strip() for tag in data["tag"] if tag.strip()]
        services.set_tags(ticket=ticket, tags=tags, actor=request.user, channel=Channel.API)
        return Response(ticket_object(ticket.pk))


# No trailing slash needed; one works too.
urlpatterns = [
    re_path(r"^tickets/?$", TicketListView.as_view(), name="livechat-tickets"),
    re_path(r"^tickets/(?P<pk>[^/]+)/?$", TicketDetailView.as_view(), name="livechat-ticket"),
    re_path(
        r"^tickets/(?P<pk>[^/]+)/tags/?$", TicketTagsView.as_view(), name="livechat-ticket-tags"
    ),
]
