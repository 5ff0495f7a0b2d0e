"""GET/POST /compat/usercom/api/public/tickets/, GET/PUT /tickets/<id>/: User.com's
public Tickets API (document 004) over our tickets, their querysets and services.

The list is DRF's page-number pagination as User.com answers it: `count`, `next` and
`previous` (full URLs, null at the ends), `results`; 100 per page unless `per_page`
(1 to 100) says otherwise, newest first. A page past the end is a 404, as DRF has it.

Writes go through tickets.services on the channel `api` with the key's agent as actor,
and send no email, as our own API does. PUT changes the fields it is given only.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import path
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from compat.departments import compat_department
from helpdesk.api import field_messages
from helpdesk.api_access import AgentApiRequest
from tickets import changes, counts, services
from tickets.agents import Agent, agents
from tickets.models import (
    ActiveState,
    Category,
    Channel,
    Client,
    Contact,
    Priority,
    Ticket,
    TicketStatus,
)
from tickets.queries import get_ticket_for_agent

from . import mappings
from .api import UserComView, invalid
from .objects import closed_by_status, listed, ticket_objects

PER_PAGE = 100
MAX_PER_PAGE = 100
NEWEST_FIRST = ("-created_at", "-id")
NO_DRAFTS = "We have no drafts: set active, closed or archived."

# Our services' field names -> User.com's, for the errors they raise.
FIELD_NAMES = {
    "subject": "name",
    "message": "description",
    "due_at": "due_date",
    "assignee": "assigned_to",
    "requester": "person",
    "client": "company",
}


# Parameters and bodies ---------------------------------------------------------------


class ListParameters(serializers.Serializer):
    status = serializers.ChoiceField(choices=mappings.STATUSES, required=False)
    page = serializers.IntegerField(min_value=1, default=1)
    per_page = serializers.IntegerField(min_value=1, max_value=MAX_PER_PAGE, default=PER_PAGE)


class TicketInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=mappings.STATUSES, required=False)
    due_date = serializers.DateTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.values, required=False)
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=agents(), required=False, allow_null=True
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False)

    def validate_status(self, value: str) -> str:
        if value == mappings.DRAFT:
            raise serializers.ValidationError(NO_DRAFTS)
        return value


def checked(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def in_usercom_words(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's validation error with its fields named as User.com names them."""
    return exceptions.ValidationError(
        {
            FIELD_NAMES.get(field, field): messages
            for field, messages in field_messages(error).items()
        }
    )


def check_person(person: Contact | None, company: Client) -> None:
    if person is not None and person.client_id != company.pk:
        raise invalid("person", "This person is not a contact of the company.")


# Pages -------------------------------------------------------------------------------


def page_of(tickets: QuerySet[Ticket], start: int, stop: int) -> list[dict[str, Any]]:
    """Rows start:stop of `tickets`, newest first: the offset is walked on the ticket rows
    alone (an index of the order), and the relations are joined to the page's rows only."""
    page = tickets.order_by(*NEWEST_FIRST).values("pk")[start:stop]
    return listed(Ticket.objects.filter(pk__in=page).order_by(*NEWEST_FIRST))


def page_links(url: str, page: int, pages: int) -> tuple[str | None, str | None]:
    """The previous and next pages' full URLs (None at the ends), as DRF writes them: the
    first page without `page`."""
    previous = None
    if page == 2:
        previous = remove_query_param(url, "page")
    elif page > 2:
        previous = replace_query_param(url, "page", page - 1)
    following = replace_query_param(url, "page", page + 1) if page < pages else None
    return previous, following


# Views -------------------------------------------------------------------------------


class TicketListView(UserComView):
    def get(self, request: AgentApiRequest) -> Response:
        parameters = checked(ListParameters(data=request.query_params))
        closed = closed_by_status()
        columns = (
            mappings.status_columns(parameters["status"], closed)
            if "status" in parameters
            else {"is_spam": False}
        )
        tickets = (
            Ticket.objects.for_agent(request.user).filter(**columns)
            if columns is not None
            else Ticket.objects.none()
        )
        total = counts.total(tickets, columns)
        page, per_page = parameters["page"], parameters["per_page"]
        pages = max(1, math.ceil(total / per_page))
        if page > pages:
            raise exceptions.NotFound("Invalid page.")
        start = (page - 1) * per_page
        rows = page_of(tickets, start, start + per_page) if total else []
        previous, following = page_links(request.build_absolute_uri(), page, pages)
        return Response(
            {
                "count": total,
                "next": following,
                "previous": previous,
                "results": ticket_objects(rows, request, closed),
            }
        )

    def post(self, request: AgentApiRequest) -> Response:
        data = checked(TicketInput(data=request.data))
        person, company = data.get("person"), data.get("company")
        if company is None:
            if person is None:
                raise invalid("company", "Give the person or the company the ticket is for.")
            company = person.client
        check_person(person, company)
        try:
            department = compat_department()
        except Category.DoesNotExist:
            raise DepartmentMissing from None
        wanted = data.get("status", mappings.ACTIVE)
        closed_status = (
            TicketStatus.objects.get(pk=mappings.CLOSED_STATUS)
            if wanted == mappings.CLOSED
            else None
        )
        try:
            with changes.atomic():
                ticket = services.create_ticket(
                    client=company,
                    department=department,
                    subject=data["name"],
                    message=data["description"],
                    priority=Priority(data.get("priority", Priority.NORMAL)),
                    actor=request.user,
                    channel=Channel.API,
                    requester=person,
                    assignee=data.get("assigned_to"),
                    due_at=data.get("due_date"),
                    status=closed_status,
                )
                if wanted == mappings.ARCHIVED:
                    services.archive(ticket=ticket, actor=request.user, channel=Channel.API)
        except DjangoValidationError as error:
            raise in_usercom_words(error) from None
        return Response(ticket_object(ticket.pk, request), status=status.HTTP_201_CREATED)


class DepartmentMissing(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "No department takes tickets yet: an administrator must create one."


class TicketDetailView(UserComView):
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        return Response(ticket_object(ticket.pk, request))

    def put(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        data = checked(TicketInput(data=request.data, partial=True))
        if "person" in data:
            check_person(data["person"], data.get("company") or ticket.client)
        try:
            with changes.atomic():
                update(ticket, data, request.user)
        except DjangoValidationError as error:
            raise in_usercom_words(error) from None
        return Response(ticket_object(ticket.pk, request))


def update(ticket: Ticket, data: dict[str, Any], actor: Agent) -> None:
    """Apply a PUT's fields, each through its service (which records it in the history)."""
    fields: dict[str, Any] = {}
    for name, ours in (
        ("name", "subject"),
        ("description", "message"),
        ("due_date", "due_at"),
        ("person", "requester"),
        ("company", "client"),
    ):
        if name in data:
            fields[ours] = data[name]
    if "priority" in data:
        fields["priority"] = Priority(data["priority"])
    if fields:
        services.update_ticket(ticket=ticket, actor=actor, channel=Channel.API, **fields)
    if "assigned_to" in data:
        services.assign(
            ticket=ticket, assignee=data["assigned_to"], actor=actor, channel=Channel.API
        )
    if "status" in data:
        change_status(ticket, data["status"], actor)


def change_status(ticket: Ticket, wanted: str, actor: Agent) -> None:
    """Bring the ticket to a User.com status (see mappings): archive or restore it, and
    close or reopen it."""
    archived = ticket.active_state == ActiveState.ARCHIVED
    if wanted == mappings.ARCHIVED:
        if not archived:
            services.archive(ticket=ticket, actor=actor, channel=Channel.API)
        return
    if archived:
        services.restore(ticket=ticket, actor=actor, channel=Channel.API)
    is_closed = TicketStatus.objects.filter(pk=ticket.status_id or 0, is_closed=True).exists()
    if wanted == mappings.CLOSED and not is_closed:
        target = mappings.CLOSED_STATUS
    elif wanted == mappings.ACTIVE and is_closed:
        target = mappings.REOPENED_STATUS
    else:
        return
    services.change_status(
        ticket=ticket,
        status=TicketStatus.objects.get(pk=target),
        actor=actor,
        channel=Channel.API,
    )


def ticket_object(ticket_id: int, request: Any) -> dict[str, Any]:
    """One ticket's object, read afresh."""
    return ticket_objects(listed(Ticket.objects.filter(pk=ticket_id)), request)[0]


urlpatterns = [
    path("tickets/", TicketListView.as_view(), name="usercom-tickets"),
    path("tickets/<str:pk>/", TicketDetailView.as_view(), name="usercom-ticket"),
]
