"""What the portal's pages share: rendering with the brand and the viewer, the words a
status is told in, and the page of a limit reached."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tickets.models import TicketStatus

from ..access import viewer
from ..branding import brand


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    context = {"brand": brand(), "viewer": viewer(request), **(context or {})}
    response = render(request, template, context, status=status)
    # Pages show a requester's own conversations: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def too_many_requests(request: HttpRequest, what: str) -> HttpResponse:
    return render_page(request, "portal/too_many.html", {"what": what}, status=429)


def status_words(status: TicketStatus) -> str:
    """A status as a requester reads it, whatever the agents call it."""
    if status.is_closed:
        return "Solved"
    if status.use_for_team_replied:
        return "Waiting for your reply"
    if status.use_for_client_replied:
        return "Waiting for us"
    match status.category:
        case "pending":
            return "On hold"
        case "solved":
            return "Solved"
    return "Open: we are on it"


def is_solved(status: TicketStatus) -> bool:
    return status.is_closed
