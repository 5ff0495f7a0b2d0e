"""POST/DELETE /compat/supportbee/tickets/<id>/archive.json, star.json and spam.json (204),
and POST /tickets/<id>/assignments.json (201): beyond document 001, because SupportBee's
clients use them. Each goes through tickets.services on the channel `api`.

POST sets, DELETE clears; either is a 204 when the ticket is already so (as SupportBee
answers). A star is the calling agent's own. An assignment names an agent (`user_id`: the
ticket's assignee) or a team (`group_id`), one of them.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response

from helpdesk.api_access import AgentApiRequest
from tickets import services
from tickets.agents import agents
from tickets.models import ActiveState, Channel, Team, Ticket
from tickets.queries import get_ticket_for_agent

from .api import SupportBeeView, agent_person, invalid
from .bodies import LARGEST_ID, checked
from .objects import group_object


class _ToggleView(SupportBeeView):
    def toggle(self, request: AgentApiRequest, ticket: Ticket, on: bool) -> None:
        raise NotImplementedError

    def post(self, request: AgentApiRequest, pk: str) -> Response:
        self.toggle(request, get_ticket_for_agent(request.user, pk, related=False), on=True)
        return Response(status=204)

    def delete(self, request: AgentApiRequest, pk: str) -> Response:
        self.toggle(request, get_ticket_for_agent(request.user, pk, related=False), on=False)
        return Response(status=204)


class ArchiveView(_ToggleView):
    def toggle(self, request: AgentApiRequest, ticket: Ticket, on: bool) -> None:
        if (ticket.active_state == ActiveState.ARCHIVED) == on:
            return
        change = services.archive if on else services.restore
        change(ticket=ticket, actor=request.user, channel=Channel.API)


class StarView(_ToggleView):
    def toggle(self, request: AgentApiRequest, ticket: Ticket, on: bool) -> None:
        services.set_star(ticket=ticket, agent=request.user, starred=on)


class SpamView(_ToggleView):
    def toggle(self, request: AgentApiRequest, ticket: Ticket, on: bool) -> None:
        services.mark_spam(ticket=ticket, is_spam=on, actor=request.user, channel=Channel.API)


class AssignmentInput(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, max_value=LARGEST_ID, required=False)
    group_id = serializers.IntegerField(min_value=1, max_value=LARGEST_ID, required=False)


class AssignmentsView(SupportBeeView):
    def post(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        data = checked(request.data, "assignment", AssignmentInput)
        if ("user_id" in data) == ("group_id" in data):
            raise invalid({"assignment": ["give one of user_id or group_id."]})
        written: dict[str, Any]
        if "user_id" in data:
            agent = agents().filter(pk=data["user_id"]).first()
            if agent is None:
                raise invalid({"user_id": [f"no agent has the id {data['user_id']}."]})
            services.assign(ticket=ticket, assignee=agent, actor=request.user, channel=Channel.API)
            written = {"user": agent_person(agent)}
        else:
            team = Team.objects.filter(pk=data["group_id"]).first()
            if team is None:
                raise invalid({"group_id": [f"no group has the id {data['group_id']}."]})
            services.set_team(ticket=ticket, team=team, actor=request.user, channel=Channel.API)
            written = {"group": group_object(team)}
        return Response({"assignment": written}, status=201)


urlpatterns = [
    path("tickets/<str:pk>/archive.json", ArchiveView.as_view(), name="supportbee-archive"),
    path("tickets/<str:pk>/star.json", StarView.as_view(), name="supportbee-star"),
    path("tickets/<str:pk>/spam.json", SpamView.as_view(), name="supportbee-spam"),
    path(
        "tickets/<str:pk>/assignments.json",
        AssignmentsView.as_view(),
        name="supportbee-assignments",
    ),
]
