"""Clients, their contacts, and projects: what a ticket is filed for."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from helpdesk.api import ApiView, data_response, validated
from helpdesk.api_access import AgentApiRequest
from tickets.models import Client, Contact, Project
from tickets.permissions import Action
from tickets.queries import (
    get_client_for_agent,
    get_contact_for_agent,
    get_project_for_agent,
)

from . import inputs
from .bodies import request_values
from .filters import ClientFilter, ProjectFilter
from .lookups import LookupListView, refuse_if_used, update_fields
from .schema import PAGE_PARAMETERS, path_id, query_id, responses
from .serializers import (
    ClientSchema,
    ContactSchema,
    ProjectSchema,
    client_data,
    contact_data,
    project_data,
)


def client_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "active" in fields:
        fields["is_active"] = fields.pop("active")
    return fields


class ClientListView(LookupListView):
    filterset_class = ClientFilter
    required_actions = {"POST": Action.ADD_CLIENT}

    def get_queryset(self) -> QuerySet:
        return Client.objects.order_by("name", "id")

    def serialize(self, obj: Client) -> dict[str, Any]:
        return client_data(obj)

    @extend_schema(
        tags=["Clients"],
        operation_id="clients_list",
        summary="List clients",
        parameters=[
            OpenApiParameter("search", str, description="Part of the client's name or email."),
            *PAGE_PARAMETERS,
        ],
        responses=responses(200, ClientSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)

    @extend_schema(
        tags=["Clients"],
        operation_id="clients_create",
        summary="Create a client",
        request=inputs.ClientInput,
        responses=responses(201, ClientSchema, 422),
    )
    def post(self, request: AgentApiRequest) -> Response:
        data = validated(inputs.ClientInput(data=request_values(request)))
        client = Client.objects.create(**client_fields(data))
        return data_response(client_data(client), status.HTTP_201_CREATED)


CLIENT_ID = path_id(description="The client id.")


@extend_schema_view(
    get=extend_schema(
        operation_id="clients_retrieve",
        summary="Get a client",
        parameters=[CLIENT_ID],
        responses=responses(200, ClientSchema, 404),
    ),
    patch=extend_schema(
        operation_id="clients_update",
        summary="Update a client",
        description="Only the parameters given change.",
        parameters=[CLIENT_ID],
        request=inputs.ClientInput,
        responses=responses(200, ClientSchema, 404, 422),
    ),
    delete=extend_schema(
        operation_id="clients_destroy",
        summary="Delete a client",
        description="409 while it has tickets, projects or contacts.",
        parameters=[CLIENT_ID],
        responses=responses(204, None, 404, 409),
    ),
)
@extend_schema(tags=["Clients"])
class ClientDetailView(ApiView):
    required_actions = {"PATCH": Action.CHANGE_CLIENT, "DELETE": Action.DELETE_CLIENT}

    def get(self, request: AgentApiRequest, pk: str) -> Response:
        return data_response(client_data(get_client_for_agent(request.user, pk)))

    def patch(self, request: AgentApiRequest, pk: str) -> Response:
        client = get_client_for_agent(request.user, pk)
        data = validated(inputs.ClientInput(client, data=request_values(request), partial=True))
        update_fields(client, client_fields(data))
        return data_response(client_data(client))

    def delete(self, request: AgentApiRequest, pk: str) -> Response:
        client = get_client_for_agent(request.user, pk)
        refuse_if_used(
            "This client still has tickets, projects or contacts; it cannot be deleted. "
            "Mark it inactive instead (active=false).",
            client.tickets.all(),
            client.projects.all(),
            client.contacts.all(),
        )
        client.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactListView(LookupListView):
    required_actions = {"POST": Action.ADD_CONTACT}

    def get_queryset(self) -> QuerySet:
        return Contact.objects.filter(client=self.client_obj).order_by("name", "id")

    def serialize(self, obj: Contact) -> dict[str, Any]:
        return contact_data(obj)

    @extend_schema(
        tags=["Clients"],
        operation_id="contacts_list",
        summary="List a client's contacts",
        parameters=[CLIENT_ID, *PAGE_PARAMETERS],
        responses=responses(200, ContactSchema, 404, 422, many=True),
    )
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        self.client_obj = get_client_for_agent(request.user, pk)
        return super().get(request)

    @extend_schema(
        tags=["Clients"],
        operation_id="contacts_create",
        summary="Add a contact to a client",
        parameters=[CLIENT_ID],
        request=inputs.ContactInput,
        responses=responses(201, ContactSchema, 404, 409, 422),
    )
    def post(self, request: AgentApiRequest, pk: str) -> Response:
        client = get_client_for_agent(request.user, pk)
        data = validated(
            inputs.ContactInput(data=request_values(request), context={"client": client})
        )
        contact = Contact.objects.create(client=client, **data)
        return data_response(contact_data(contact), status.HTTP_201_CREATED)


CONTACT_PARAMETERS = [CLIENT_ID, path_id("contact_id", "The contact id.")]


@extend_schema_view(
    get=extend_schema(
        operation_id="contacts_retrieve",
        summary="Get a contact",
        parameters=CONTACT_PARAMETERS,
        responses=responses(200, ContactSchema, 404),
    ),
    patch=extend_schema(
        operation_id="contacts_update",
        summary="Update a contact",
        description="Only the parameters given change.",
        parameters=CONTACT_PARAMETERS,
        request=inputs.ContactInput,
        responses=responses(200, ContactSchema, 404, 409, 422),
    ),
    delete=extend_schema(
        operation_id="contacts_destroy",
        summary="Delete a contact",
        description="409 while tickets use it (as requester, copied contact or reply author).",
        parameters=CONTACT_PARAMETERS,
        responses=responses(204, None, 404, 409),
    ),
)
@extend_schema(tags=["Clients"])
class ContactDetailView(ApiView):
    required_actions = {"PATCH": Action.CHANGE_CONTACT, "DELETE": Action.DELETE_CONTACT}

    def _contact(self, request: AgentApiRequest, pk: str, contact_id: str) -> Contact:
        client = get_client_for_agent(request.user, pk)
        return get_contact_for_agent(request.user, client, contact_id)

    def get(self, request: AgentApiRequest, pk: str, contact_id: str) -> Response:
        return data_response(contact_data(self._contact(request, pk, contact_id)))

    def patch(self, request: AgentApiRequest, pk: str, contact_id: str) -> Response:
        contact = self._contact(request, pk, contact_id)
        serializer = inputs.ContactInput(
            contact, data=request_values(request), partial=True, context={"client": contact.client}
        )
        update_fields(contact, validated(serializer))
        return data_response(contact_data(contact))

    def delete(self, request: AgentApiRequest, pk: str, contact_id: str) -> Response:
        contact = self._contact(request, pk, contact_id)
        refuse_if_used(
            "Tickets still use this contact (as requester, copied contact or reply author); "
            "it cannot be deleted.",
            contact.requested_tickets.all(),
            contact.copied_tickets.all(),
            contact.replies.all(),
        )
        contact.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectListView(LookupListView):
    filterset_class = ProjectFilter
    required_actions = {"POST": Action.ADD_PROJECT}

    def get_queryset(self) -> QuerySet:
        return Project.objects.order_by("name", "id")

    def serialize(self, obj: Project) -> dict[str, Any]:
        return project_data(obj)

    @extend_schema(
        tags=["Projects"],
        operation_id="projects_list",
        summary="List projects",
        parameters=[
            query_id("client_id", "Only this client's projects."),
            *PAGE_PARAMETERS,
        ],
        responses=responses(200, ProjectSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)

    @extend_schema(
        tags=["Projects"],
        operation_id="projects_create",
        summary="Create a project",
        request=inputs.ProjectInput,
        responses=responses(201, ProjectSchema, 409, 422),
    )
    def post(self, request: AgentApiRequest) -> Response:
        data = validated(inputs.ProjectInput(data=request_values(request)))
        project = Project.objects.create(
            client=data["client_id"], name=data["name"], description=data.get("description", "")
        )
        return data_response(project_data(project), status.HTTP_201_CREATED)


PROJECT_ID = path_id(description="The project id.")


@extend_schema_view(
    get=extend_schema(
        operation_id="projects_retrieve",
        summary="Get a project",
        parameters=[PROJECT_ID],
        responses=responses(200, ProjectSchema, 404),
    ),
    patch=extend_schema(
        operation_id="projects_update",
        summary="Update a project",
        description="Only the parameters given change. 409 when tickets use it and the client "
        "would change.",
        parameters=[PROJECT_ID],
        request=inputs.ProjectInput,
        responses=responses(200, ProjectSchema, 404, 409, 422),
    ),
    delete=extend_schema(
        operation_id="projects_destroy",
        summary="Delete a project",
        description="409 while tickets use it.",
        parameters=[PROJECT_ID],
        responses=responses(204, None, 404, 409),
    ),
)
@extend_schema(tags=["Projects"])
class ProjectDetailView(ApiView):
    required_actions = {"PATCH": Action.CHANGE_PROJECT, "DELETE": Action.DELETE_PROJECT}

    def get(self, request: AgentApiRequest, pk: str) -> Response:
        return data_response(project_data(get_project_for_agent(request.user, pk)))

    def patch(self, request: AgentApiRequest, pk: str) -> Response:
        project = get_project_for_agent(request.user, pk)
        data = validated(inputs.ProjectInput(project, data=request_values(request), partial=True))
        if "client_id" in data:
            client = data.pop("client_id")
            if client.pk != project.client_id:
                refuse_if_used(
                    "Tickets use this project, so it must stay with its client.",
                    project.tickets.all(),
                )
            data["client"] = client
        update_fields(project, data)
        return data_response(project_data(project))

    def delete(self, request: AgentApiRequest, pk: str) -> Response:
        project = get_project_for_agent(request.user, pk)
        refuse_if_used(
            "Tickets still use this project; it cannot be deleted.", project.tickets.all()
        )
        project.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
