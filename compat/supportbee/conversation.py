"""GET/POST /compat/supportbee/tickets/<id>/replies.json (public replies) and
/comments.json (internal notes): beyond document 001, because SupportBee's clients use
them. Posted through tickets.services.post_reply on the channel `api`, as the calling
agent; like our own API, a reply posted here is not emailed to the requester.

A reply is `{"id", "created_at", "replier": <person>, "content": {…}}`, a comment the same
with `commenter`; `content` is as the ticket's (`body`, `html`, `attachments`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import path
from rest_framework.response import Response

from helpdesk.api_access import AgentApiRequest
from tickets import changes, services
from tickets.models import Attachment, Channel, Reply
from tickets.queries import get_ticket_for_agent

from .api import SupportBeeView, agent_person, contact_person, iso, person
from .bodies import MessageInput, checked, message_text, uploads
from .objects import attachment_object, text_as_html


def message_objects(request: Any, replies: list[Reply], author_key: str) -> list[dict[str, Any]]:
    """The objects of `replies` (authors joined), their files in one query."""
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for attachment in Attachment.objects.filter(reply__in=[reply.pk for reply in replies]):
        files[attachment.reply_id or 0].append(attachment_object(request, attachment))
    written = []
    for reply in replies:
        if reply.author_agent is not None:
            author = agent_person(reply.author_agent)
        elif reply.author_contact is not None:
            author = contact_person(reply.author_contact)
        else:  # its author was deleted
            author = person(0, "", "", agent=False)
        written.append(
            {
                "id": reply.pk,
                "created_at": iso(reply.created_at),
                author_key: author,
                "content": {
                    "body": reply.text,
                    "html": text_as_html(reply.text),
                    "attachments": files[reply.pk],
                },
            }
        )
    return written


class _MessagesView(SupportBeeView):
    kind: Reply.Kind
    wrapper: str  # the body's and the answer's object: reply or comment
    plural: str  # the list's key
    author_key: str

    def get(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        replies = list(
            Reply.objects.filter(ticket=ticket, kind=self.kind)
            .select_related("author_agent", "author_contact")
            .order_by("created_at", "id")
        )
        return Response({self.plural: message_objects(request, replies, self.author_key)})

    def post(self, request: AgentApiRequest, pk: str) -> Response:
        ticket = get_ticket_for_agent(request.user, pk, related=False)
        content = checked(request.data, self.wrapper, MessageInput)["content_attributes"]
        text = message_text(content)
        files = uploads(content, request.user)
        with changes.atomic(), files.opened() as attachments:
            reply = services.post_reply(
                ticket=ticket,
                text=text,
                kind=self.kind,
                author=request.user,
                channel=Channel.API,
                attachments=attachments,
            )
            files.used()
        reply = Reply.objects.select_related("author_agent", "author_contact").get(pk=reply.pk)
        written = message_objects(request, [reply], self.author_key)[0]
        return Response({self.wrapper: written}, status=201)


class RepliesView(_MessagesView):
    kind = Reply.Kind.REPLY
    wrapper = "reply"
    plural = "replies"
    author_key = "replier"


class CommentsView(_MessagesView):
    kind = Reply.Kind.NOTE
    wrapper = "comment"
    plural = "comments"
    author_key = "commenter"


urlpatterns = [
    path("tickets/<str:pk>/replies.json", RepliesView.as_view(), name="supportbee-replies"),
    path("tickets/<str:pk>/comments.json", CommentsView.as_view(), name="supportbee-comments"),
]
