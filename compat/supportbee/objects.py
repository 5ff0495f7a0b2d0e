"""SupportBee's ticket object (document 001), written for a page of our tickets in a fixed
number of queries, however many tickets the page holds.

- `replies_count` counts public replies, `comments_count` internal notes.
- `unanswered`: no agent has replied yet, or the latest public reply is the requester's
  (a reply and an agent's reply of the same time count as answered).
- `starred`: for the calling agent (stars are per agent).
- `summary`: the start of the opening message, whitespace collapsed, at most 100 characters.
- `current_assignee`: `{"user": …}` when an agent has the ticket, else `{"group": …}` when a
  team does; absent when neither.
- `content`: the opening message as `body`, as `html` (escaped, line breaks as `<br>`: it
  is never HTML a client could have written) and its `attachments`, whose URLs download
  through this API's authentication.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils.html import escape

from tickets.agents import Agent
from tickets.models import ActiveState, Attachment, Reply, Team, Ticket, TicketStar
from tickets.queries import tag_names_for

from . import mappings
from .api import agent_person, contact_person, iso, person


def listed(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with the relations their objects show, joined; the rest is read by
    `ticket_objects`."""
    return tickets.select_related("assignee", "requester", "team")


def group_object(team: Team) -> dict[str, Any]:
    """A team as SupportBee's group; its pictures are the avatar service's, for the team."""
    digest = hashlib.md5(f"team:{team.pk}".encode(), usedforsecurity=False).hexdigest()
    return {
        "id": team.pk,
        "name": team.name,
        "picture": {
            f"thumb{size}": settings.COMPAT_AVATAR_URL.format(hash=digest, size=size)
            for size in mappings.GROUP_PICTURE_SIZES
        },
    }


def summary(text: str) -> str:
    return " ".join(text.split())[: mappings.SUMMARY_LENGTH]


def text_as_html(text: str) -> str:
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def attachment_object(request: Any, attachment: Attachment) -> dict[str, Any]:
    original = request.build_absolute_uri(
        reverse("supportbee-attachment", kwargs={"pk": attachment.pk})
    )
    return {
        "id": attachment.pk,
        "created_at": iso(attachment.created_at),
        "filename": attachment.name,
        "content_type": attachment.content_type,
        "url": {"original": original, "thumb": f"{original}?version=thumb"},
    }


def ticket_objects(request: Any, tickets: list[Ticket], agent: Agent) -> list[dict[str, Any]]:
    """The SupportBee objects of `tickets` (read through `listed`), in their order, as
    `agent` sees them: tags, CC, stars, reply figures and opening files in a query each."""
    if not tickets:
        return []
    ids = [ticket.pk for ticket in tickets]
    tags = tag_names_for(tickets)
    copied: dict[int, list[dict[str, Any]]] = defaultdict(list)
    cc_rows = Ticket.cc.through.objects.filter(ticket_id__in=ids).order_by("contact__email")
    for ticket_id, contact_id, email, name in cc_rows.values_list(
        "ticket_id", "contact_id", "contact__email", "contact__name"
    ):
        copied[ticket_id].append(person(contact_id, email, name, agent=False))
    starred = set(
        TicketStar.objects.filter(ticket_id__in=ids, agent=agent).values_list(
            "ticket_id", flat=True
        )
    )
    public = Q(kind=Reply.Kind.REPLY)
    figures: dict[int, dict[str, Any]] = {
        row["ticket_id"]: dict(row)
        for row in Reply.objects.filter(ticket_id__in=ids)
        .values("ticket_id")
        .annotate(
            notes=Count("pk", filter=Q(kind=Reply.Kind.NOTE)),
            last_reply=Max("created_at", filter=public),
            last_agent_reply=Max("created_at", filter=public & Q(author_agent__isnull=False)),
        )
        .order_by()
    }
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for attachment in Attachment.objects.filter(ticket_id__in=ids, reply__isnull=True):
        files[attachment.ticket_id].append(attachment_object(request, attachment))
    written = []
    for ticket in tickets:
        figure = figures.get(ticket.pk, {})
        last_reply, last_agent_reply = figure.get("last_reply"), figure.get("last_agent_reply")
        written.append(
            _ticket_object(
                ticket,
                comments_count=figure.get("notes", 0),
                unanswered=last_agent_reply is None or last_reply > last_agent_reply,
                starred=ticket.pk in starred,
                cc=copied[ticket.pk],
                labels=tags.get(ticket.pk, []),
                attachments=files[ticket.pk],
            )
        )
    return written


def _ticket_object(
    ticket: Ticket,
    *,
    comments_count: int,
    unanswered: bool,
    starred: bool,
    cc: list[dict[str, Any]],
    labels: list[str],
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    written: dict[str, Any] = {
        "id": ticket.pk,
        "subject": ticket.subject,
        "replies_count": ticket.replies_count,
        "comments_count": comments_count,
        "last_activity_at": iso(ticket.updated_at),
        "created_at": iso(ticket.created_at),
        "unanswered": unanswered,
        "archived": ticket.active_state == ActiveState.ARCHIVED,
        "spam": ticket.is_spam,
        "starred": starred,
        "summary": summary(ticket.message),
        "cc": cc,
        "labels": [{"name": name} for name in labels],
    }
    if ticket.assignee is not None:
        written["current_assignee"] = {"user": agent_person(ticket.assignee)}
    elif ticket.team is not None:
        written["current_assignee"] = {"group": group_object(ticket.team)}
    written["requester"] = contact_person(ticket.requester) if ticket.requester else None
    written["content"] = {
        "body": ticket.message,
        "html": text_as_html(ticket.message),
        "attachments": attachments,
    }
    return written
