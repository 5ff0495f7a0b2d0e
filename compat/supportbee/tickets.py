"""GET/POST /compat/supportbee/tickets.json, GET /tickets/search.json and
/tickets/<id>.json: SupportBee's Tickets API (document 001) over our tickets, their
querysets and services.

The list reads a page the way LiveChat's does: its total from TicketCount where the
filters allow, a search paged by tickets.search, the page's rows by id.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from rest_framework import exceptions, status
from rest_framework.response import Response

from compat.departments import compat_department
from helpdesk.api_access import AgentApiRequest
from mail.requesters import requester_for
from tickets import changes, counts, services
from tickets.filters import ticket_queryset
from tickets.models import Category, Channel, Ticket
from tickets.queries import get_ticket_for_agent
from tickets.search import filtered_search_totals, search_page, serial_plans

from .api import SupportBeeView
from .bodies import TicketInput, checked, message_text, uploads
from .filters import SupportBeeSearchFilter, SupportBeeTicketFilter
from .objects import listed, ticket_objects


def ticket_object(request: AgentApiRequest, ticket_id: int) -> dict[str, Any]:
    """One ticket's object, read afresh."""
    tickets = list(listed(Ticket.objects.filter(pk=ticket_id)))
    return ticket_objects(request, tickets, request.user)[0]


def page_of(tickets: QuerySet[Ticket], start: int, stop: int) -> list[Ticket]:
    """Rows start:stop of `tickets`: the offset is walked on the ticket rows alone (an
    index of the order), and the relations are joined to the page's rows only."""
    page = tickets.values("pk")[start:stop]
    return list(listed(Ticket.objects.filter(pk__in=page)).order_by(*tickets.query.order_by))


def envelope(
    request: AgentApiRequest, filterset: SupportBeeTicketFilter, total: int, rows: list[Ticket]
) -> Response:
    return Response(
        {
            "total": total,
            "current_page": filterset.page_number,
            "per_page": filterset.page_size,
            "total_pages": max(1, math.ceil(total / filterset.page_size)),
            "tickets": ticket_objects(request, rows, request.user),
        }
    )


class TicketListView(SupportBeeView):
    def get(self, request: AgentApiRequest) -> Response:
        filterset = SupportBeeTicketFilter(
            request.query_params, queryset=Ticket.objects.for_agent(request.user), request=request
        )
        tickets = ticket_queryset(filterset.qs)
        start = (filterset.page_number - 1) * filterset.page_size
        total = counts.total(tickets, filterset.counted)
        rows = page_of(tickets, start, start + filterset.page_size) if start < total else []
        return envelope(request, filterset, total, rows)

    def post(self, request: AgentApiRequest) -> Response:
        data = checked(request.data, "ticket", TicketInput)
        content = data["content_attributes"]
        text = message_text(content)
        files = uploads(content, request.user)
        try:
            department = compat_department()
        except Category.DoesNotExist:
            raise DepartmentMissing from None
        with changes.atomic(), files.opened() as attachments:
            contact = requester_for(data["requester_email"], data["requester_name"].strip())
            ticket = services.create_ticket(
                client=contact.client,
                department=department,
                subject=data["subject"],
                message=text,
                actor=request.user,
                channel=Channel.API,
                requester=contact,
                attachments=attachments,
            )
            files.used()
        return Response({"ticket": ticket_object(request, ticket.pk)}, status=201)


class DepartmentMissing(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "No department takes tickets yet: an administrator must create one."


class TicketSearchView(SupportBeeView):
    def get(self, request: AgentApiRequest) -> Response:
        filterset = SupportBeeSearchFilter(
            request.query_params,
            queryset=listed(Ticket.objects.for_agent(request.user)),
            request=request,
        )
        unsearched, text = ticket_queryset(filterset.qs), filterset.search_text
        start = (filterset.page_number - 1) * filterset.page_size
        with serial_plans(unsearched.db):
            # The matches among all tickets, when counted, tell search_page how common
            # the query is (sparing it the planner's estimate).
            total, matches = filtered_search_totals(unsearched, text, filters=filterset.counted)
            rows = (
                search_page(unsearched, text, start, start + filterset.page_size, total=matches)
                if start < total
                else []
            )
        return envelope(request, filterset, total, rows)


class TicketDetailView(SupportBeeView):
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        return Response({"ticket": ticket_object(request, ticket.pk)})


urlpatterns = [
    path("tickets.json", TicketListView.as_view(), name="supportbee-tickets"),
    path("tickets/search.json", TicketSearchView.as_view(), name="supportbee-ticket-search"),
    path("tickets/<str:pk>.json", TicketDetailView.as_view(), name="supportbee-ticket"),
]
