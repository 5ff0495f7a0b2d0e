"""The conversation of a ticket: list, post and delete replies and notes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from helpdesk.api import ApiView, data_response, paginated_response, validated
from helpdesk.api_access import AgentApiRequest
from helpdesk.idempotency import idempotent
from tickets import services
from tickets.models import Channel, Reply
from tickets.permissions import Action
from tickets.queries import get_reply_for_agent, get_ticket_for_agent

from . import inputs
from .bodies import request_values, service_errors
from .schema import IDEMPOTENCY_KEY, PAGE_PARAMETERS, path_id, responses
from .serializers import ReplySchema, reply_data

TAG = ["Replies"]
REPLY_PARAMETERS = {"text": "ticketreply_text", "kind": "ticketreply_type"}


class ReplyListView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="replies_list",
        summary="List the conversation",
        description="Replies and notes, oldest first.",
        parameters=[path_id(), *PAGE_PARAMETERS],
        responses=responses(200, ReplySchema, 404, 422, many=True),
    )
    def get(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        replies = (
            Reply.objects.filter(ticket=ticket)
            .select_related("author_agent", "author_contact")
            .order_by("created_at", "id")
        )
        return paginated_response(request, replies, reply_data)

    @extend_schema(
        tags=TAG,
        operation_id="replies_create",
        summary="Post a reply",
        description="A reply moves the ticket to the Answered status, counts in replies_count "
        "and stamps the first response; a note is internal and changes neither. Either updates "
        "the ticket's last-updated time. No email is sent.",
        parameters=[path_id(), IDEMPOTENCY_KEY],
        request=inputs.ReplyInput,
        responses=responses(201, ReplySchema, 404, 409, 422),
    )
    @idempotent
    def post(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        data = validated(inputs.ReplyInput(data=request_values(request)))
        with service_errors(REPLY_PARAMETERS):
            reply = services.post_reply(
                ticket=ticket,
                text=data["ticketreply_text"],
                kind=data["ticketreply_type"],
                author=request.user,
                channel=Channel.API,
            )
        return data_response(reply_data(reply), status.HTTP_201_CREATED)


class ReplyDetailView(ApiView):
    required_actions = {"DELETE": Action.DELETE_REPLY}

    @extend_schema(
        tags=TAG,
        operation_id="replies_destroy",
        summary="Delete a reply",
        description="404 when the reply does not belong to this ticket.",
        parameters=[path_id(), path_id("reply_id", "The reply id.")],
        responses=responses(204, None, 404),
    )
    def delete(self, request: AgentApiRequest, pk: str, reply_id: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        reply = get_reply_for_agent(request.user, ticket, reply_id)
        services.delete_reply(reply=reply, actor=request.user, channel=Channel.API)
        return Response(status=status.HTTP_204_NO_CONTENT)
