"""The Tickets API of document 003: list, create, read, update, delete, status,
archive, restore and tags. Every change goes through tickets.services, on the
`api` channel with the key's agent as actor; the API sends no emails."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from helpdesk.api import ApiView, Page, data_response, validated
from helpdesk.api_access import AgentApiRequest
from helpdesk.idempotency import idempotent
from tickets import counts, services
from tickets.models import Channel, Ticket
from tickets.permissions import Action
from tickets.queries import get_ticket_for_agent, tag_names_for, tickets_for_agent
from tickets.search import search_page, search_total, serial_plans

from . import inputs
from .bodies import request_values, service_errors
from .filters import ApiTicketFilter
from .schema import IDEMPOTENCY_KEY, PAGE_PARAMETERS, path_id, query_id, responses
from .serializers import TicketSchema, ticket_data

TAG = ["Tickets"]
# Service errors name model fields; the API reports its own parameter names.
TICKET_PARAMETERS = {
    "client": "ticket_clientid",
    "department": "ticket_categoryid",
    "project": "ticket_projectid",
    "subject": "ticket_subject",
    "message": "ticket_message",
    "priority": "ticket_priority",
    "requester": "requester_id",
    "cc": "cc",
    "assignee": "assignee_id",
    "team": "team_id",
}


def ticket_response(
    request: AgentApiRequest, ticket: Ticket, code: int = status.HTTP_200_OK
) -> Response:
    """The ticket as it now is, read back with everything the object shows."""
    return data_response(ticket_data(get_ticket_for_agent(request.user, ticket.pk)), code)


LIST_PARAMETERS = [
    query_id("status", "A status id (1 Open ... 5 Customer Replied)."),
    OpenApiParameter("priority", str, enum=inputs.PRIORITY_CODES),
    query_id("category_id", "A department (category) id."),
    query_id("client_id"),
    query_id("project_id"),
    OpenApiParameter("active_state", str, enum=["active", "archived"]),
    OpenApiParameter(
        "search",
        str,
        description="Full-text search (PostgreSQL websearch syntax) over each ticket's whole "
        "conversation: subject, message, replies and notes.",
    ),
    OpenApiParameter(
        "tags[]",
        {"type": "array", "items": {"type": "string"}},
        description="Tickets with any of these tags.",
        style="form",
        explode=True,
    ),
    OpenApiParameter(
        "sort",
        str,
        enum=list(ApiTicketFilter.SORTS),
        description="ticket_last_updated by default. ticket_priority orders normal < high < "
        "urgent; ticket_status orders by status id. Ties: most recently updated first in asc, "
        "desc being the exact reverse of asc.",
    ),
    OpenApiParameter("order", str, enum=ApiTicketFilter.ORDERS, description="desc by default."),
    *PAGE_PARAMETERS,
]


class TicketListView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_list",
        summary="List / search tickets",
        parameters=LIST_PARAMETERS,
        responses=responses(200, TicketSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest) -> Response:
        # The CC contacts of a page in one query (a ticket alone reads its own).
        listed = tickets_for_agent(request.user).prefetch_related("cc")
        filterset = ApiTicketFilter(request.query_params, queryset=listed)
        unsearched, text = filterset.qs, filterset.search_text
        page = Page(request)
        if text:
            # An exact total (from the search terms when the search is the only filter),
            # and pages read the way that stays fast at a million tickets.
            tickets = unsearched.search(text)
            unfiltered = filterset.counted_filters(besides_search=True) == {}
            with serial_plans(tickets.db):
                total = search_total(unsearched, text, unfiltered=unfiltered)
                # Unfiltered, the total is how common the query is among all tickets.
                matches = total if unfiltered else None
                rows, meta = page.slice(
                    tickets,
                    total,
                    lambda start, stop: search_page(unsearched, text, start, stop, total=matches),
                )
        else:
            total = counts.total(unsearched, filterset.counted_filters())
            rows, meta = page.slice(unsearched, total)
        tag_names = tag_names_for(rows)
        data = [ticket_data(ticket, tag_names.get(ticket.pk, [])) for ticket in rows]
        return Response({"data": data, "meta": meta})

    @extend_schema(
        tags=TAG,
        operation_id="tickets_create",
        summary="Create a ticket",
        description=inputs.describe_custom_fields(),
        parameters=[IDEMPOTENCY_KEY],
        request=inputs.TicketInput,
        responses=responses(201, TicketSchema, 409, 422),
    )
    @idempotent
    def post(self, request: AgentApiRequest) -> Response:
        values = request_values(request)
        custom, custom_errors = inputs.custom_field_values(values)
        data = validated(inputs.TicketInput(data=values), custom_errors)
        with service_errors(TICKET_PARAMETERS):
            ticket = services.create_ticket(
                client=data["ticket_clientid"],
                department=data["ticket_categoryid"],
                project=data.get("ticket_projectid"),
                subject=data["ticket_subject"],
                message=data["ticket_message"],
                priority=data["ticket_priority"],
                tags=data.get("tags", ()),
                requester=data.get("requester_id"),
                cc=data.get("cc", ()),
                assignee=data.get("assignee_id"),
                team=data.get("team_id"),
                custom_field_values=custom,
                actor=request.user,
                channel=Channel.API,
            )
        # The service returns the ticket with its relations attached: no need to read it back.
        return data_response(ticket_data(ticket), status.HTTP_201_CREATED)


class TicketDetailView(ApiView):
    required_actions = {"DELETE": Action.DELETE_TICKET}

    @extend_schema(
        tags=TAG,
        operation_id="tickets_retrieve",
        summary="Get a ticket",
        parameters=[path_id()],
        responses=responses(200, TicketSchema, 404),
    )
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        return data_response(ticket_data(get_ticket_for_agent(request.user, pk)))

    @extend_schema(
        tags=TAG,
        operation_id="tickets_update",
        summary="Update a ticket",
        description="Changes the department, project, subject, message, priority, requester, "
        "CC contacts or custom fields; only the parameters given are changed. The status has "
        "its own setter. " + inputs.describe_custom_fields(),
        parameters=[path_id()],
        request=inputs.TicketUpdateInput,
        responses=responses(200, TicketSchema, 404, 422),
    )
    def patch(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        values = request_values(request)
        custom, custom_errors = inputs.custom_field_values(values, current=ticket.custom_fields)
        serializer = inputs.TicketUpdateInput(
            data=values, partial=True, context={"ticket": ticket, "custom_field_values": custom}
        )
        misplaced = {}
        if "status" in values:
            misplaced["status"] = [f"Change the status with PUT /api/tickets/{ticket.pk}/status."]
        if "ticket_clientid" in values:
            misplaced["ticket_clientid"] = ["A ticket's client is set when it is created."]
        data = validated(
            serializer,
            {**custom_errors, **misplaced},
        )
        changes = {
            name: data[parameter]
            for name, parameter in TICKET_PARAMETERS.items()
            if parameter in data
        }
        if custom:
            changes["custom_field_values"] = custom
        with service_errors(TICKET_PARAMETERS):
            services.update_ticket(
                ticket=ticket, actor=request.user, channel=Channel.API, **changes
            )
        return ticket_response(request, ticket)

    @extend_schema(
        tags=TAG,
        operation_id="tickets_destroy",
        summary="Delete a ticket",
        description="Deletes the ticket with its conversation and history.",
        parameters=[path_id()],
        responses=responses(204, None, 404),
    )
    def delete(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        services.delete_ticket(ticket=ticket, actor=request.user, channel=Channel.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketStatusView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_status",
        summary="Change status",
        parameters=[path_id()],
        request=inputs.StatusInput,
        responses=responses(200, TicketSchema, 404, 422),
    )
    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        data = validated(inputs.StatusInput(data=request_values(request)))
        services.change_status(
            ticket=ticket, status=data["status"], actor=request.user, channel=Channel.API
        )
        return ticket_response(request, ticket)


class TicketArchiveView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_archive",
        summary="Archive a ticket",
        description="409 when the ticket is already archived.",
        parameters=[path_id()],
        request=None,
        responses=responses(200, TicketSchema, 404, 409),
    )
    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        services.archive(ticket=ticket, actor=request.user, channel=Channel.API)
        return ticket_response(request, ticket)


class TicketRestoreView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_restore",
        summary="Restore an archived ticket",
        description="409 when the ticket is not archived.",
        parameters=[path_id()],
        request=None,
        responses=responses(200, TicketSchema, 404, 409),
    )
    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        services.restore(ticket=ticket, actor=request.user, channel=Channel.API)
        return ticket_response(request, ticket)


class TicketTagsView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="tickets_tags",
        summary="Set tags",
        description="Replaces the ticket's tags with exactly the set given; an empty set clears.",
        parameters=[path_id()],
        request=inputs.TagsInput,
        responses=responses(200, TicketSchema, 404, 422),
    )
    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk)
        data = validated(inputs.TagsInput(data=request_values(request)))
        with service_errors({}):
            services.set_tags(
                ticket=ticket, tags=data["tags"], actor=request.user, channel=Channel.API
            )
        return ticket_response(request, ticket)
