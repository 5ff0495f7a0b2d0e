"""What an integration needs besides tickets: statuses, categories, agents and tags.

Clients, their contacts and projects are in tickets.api.clients.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from taggit.models import Tag

from helpdesk.api import ApiView, data_response, paginated_response, validated
from helpdesk.api_access import AgentApiRequest
from tickets.agents import BY_NAME, agents
from tickets.models import Category, TicketStatus
from tickets.permissions import Action
from tickets.queries import get_category_for_agent
from tickets.services import Conflict

from . import inputs
from .bodies import request_values
from .filters import ApiFilterSet, CategoryFilter, TagFilter
from .schema import PAGE_PARAMETERS, path_id, responses
from .serializers import (
    AgentSchema,
    CategorySchema,
    StatusSchema,
    TagSchema,
    agent_data,
    category_data,
    status_data,
    tag_data,
)


# GET a filtered, paginated list (comment, not docstring: see ApiView).
class LookupListView(ApiView):
    filterset_class: type[ApiFilterSet] | None = None
    input_class: type | None = None

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def serialize(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request: AgentApiRequest, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        if self.filterset_class is not None:
            queryset = self.filterset_class(request.query_params, queryset=queryset).qs
        return paginated_response(request, queryset, self.serialize)


class CategoryListView(LookupListView):
    filterset_class = CategoryFilter
    required_actions = {"POST": Action.ADD_CATEGORY}

    def get_queryset(self) -> QuerySet:
        return Category.objects.order_by("type", "position", "name", "id")

    def serialize(self, obj: Category) -> dict[str, Any]:
        return category_data(obj)

    @extend_schema(
        tags=["Categories"],
        operation_id="categories_list",
        summary="List categories",
        description="A department is a category of type ticket.",
        parameters=[
            OpenApiParameter("type", str, enum=Category.Type.values, description="Only this type."),
            *PAGE_PARAMETERS,
        ],
        responses=responses(200, CategorySchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)

    @extend_schema(
        tags=["Categories"],
        operation_id="categories_create",
        summary="Create a category",
        request=inputs.CategoryInput,
        responses=responses(201, CategorySchema, 409, 422),
    )
    def post(self, request: AgentApiRequest) -> Response:
        data = validated(inputs.CategoryInput(data=request_values(request)))
        category = Category.objects.create(**data)
        return data_response(category_data(category), status.HTTP_201_CREATED)


def refuse_if_used(message: str, *uses: QuerySet) -> None:
    """Deleting or changing something tickets still use is a conflict, never a cascade."""
    if any(use.exists() for use in uses):
        raise Conflict(message)


def update_fields(obj: Model, data: dict[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)
    if data:
        obj.save(update_fields=list(data))


CATEGORY_ID = path_id(description="The category id.")


@extend_schema_view(
    get=extend_schema(
        operation_id="categories_retrieve",
        summary="Get a category",
        parameters=[CATEGORY_ID],
        responses=responses(200, CategorySchema, 404),
    ),
    patch=extend_schema(
        operation_id="categories_update",
        summary="Update a category",
        description="Only the parameters given change. 409 when tickets use it as their "
        "department and the type would change.",
        parameters=[CATEGORY_ID],
        request=inputs.CategoryInput,
        responses=responses(200, CategorySchema, 404, 409, 422),
    ),
    delete=extend_schema(
        operation_id="categories_destroy",
        summary="Delete a category",
        description="409 while tickets use it.",
        parameters=[CATEGORY_ID],
        responses=responses(204, None, 404, 409),
    ),
)
@extend_schema(tags=["Categories"])
class CategoryDetailView(ApiView):
    required_actions = {"PATCH": Action.CHANGE_CATEGORY, "DELETE": Action.DELETE_CATEGORY}

    def get(self, request: AgentApiRequest, pk: str) -> Response:
        return data_response(category_data(get_category_for_agent(request.user, pk)))

    def patch(self, request: AgentApiRequest, pk: str) -> Response:
        category = get_category_for_agent(request.user, pk)
        data = validated(inputs.CategoryInput(category, data=request_values(request), partial=True))
        if data.get("type", category.type) != Category.Type.TICKET:
            refuse_if_used(
                "Tickets use this category as their department, so it must stay of type ticket.",
                category.tickets.all(),
            )
        update_fields(category, data)
        return data_response(category_data(category))

    def delete(self, request: AgentApiRequest, pk: str) -> Response:
        category = get_category_for_agent(request.user, pk)
        refuse_if_used(
            "Tickets still use this category; move them to another department first.",
            category.tickets.all(),
        )
        category.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatusListView(LookupListView):
    def get_queryset(self) -> QuerySet:
        return TicketStatus.objects.order_by("position", "id")

    def serialize(self, obj: TicketStatus) -> dict[str, Any]:
        return status_data(obj)

    @extend_schema(
        tags=["Statuses"],
        operation_id="statuses_list",
        summary="List statuses",
        description="Ids 1-5 are fixed: 1 Open, 2 Closed, 3 On Hold, 4 Answered, "
        "5 Customer Replied. Statuses are read-only in the API.",
        parameters=PAGE_PARAMETERS,
        responses=responses(200, StatusSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)


class AgentListView(LookupListView):
    def get_queryset(self) -> QuerySet:
        return agents().order_by(*BY_NAME, "id")

    def serialize(self, obj: Any) -> dict[str, Any]:
        return agent_data(obj)

    @extend_schema(
        tags=["Agents"],
        operation_id="agents_list",
        summary="List agents",
        description="The active agents, e.g. to resolve a ticket's creator_id or a reply's author.",
        parameters=PAGE_PARAMETERS,
        responses=responses(200, AgentSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)


class TagListView(LookupListView):
    filterset_class = TagFilter

    def get_queryset(self) -> QuerySet:
        return Tag.objects.annotate(tickets_count=Count("tickets_taggedticket_items")).order_by(
            "name", "id"
        )

    def serialize(self, obj: Tag) -> dict[str, Any]:
        return tag_data(obj)

    @extend_schema(
        tags=["Tags"],
        operation_id="tags_list",
        summary="List tags",
        description="Every tag, with the number of tickets that carry it.",
        parameters=[
            OpenApiParameter("search", str, description="Part of the tag's title."),
            *PAGE_PARAMETERS,
        ],
        responses=responses(200, TagSchema, 422, many=True),
    )
    def get(self, request: AgentApiRequest, **kwargs: Any) -> Response:
        return super().get(request, **kwargs)
