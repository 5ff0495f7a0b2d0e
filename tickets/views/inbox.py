"""The bell's panel (notifications of mentions and clients' replies, tickets.inbox), marking
them read, and the usernames suggested as an agent types a mention."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tickets import inbox
from tickets.agents import AgentRequest, agents

from .access import agent_required, search_text, wants_fragment

TEMPLATE = "notifications/list.html"
# The suggester lists at most this many agents; typing more narrows them down.
SUGGESTIONS = 8


def _context(request: AgentRequest) -> dict:
    items = inbox.unread(request.user)
    count = len(items) if len(items) < inbox.PANEL_SIZE else inbox.unread_count(request.user)
    return {"notifications": items, "unread": count}


@require_GET
@agent_required
def notifications(request: AgentRequest) -> HttpResponse:
    """The unread notifications, newest first: the bell's panel (htmx) or a page."""
    template = f"{TEMPLATE}#panel" if wants_fragment(request) else TEMPLATE
    return render(request, template, _context(request))


@require_POST
@agent_required
def mark_all_read(request: AgentRequest) -> HttpResponse:
    inbox.mark_all_read(request.user)
    if not wants_fragment(request):
        return redirect("notifications")
    context = {**_context(request), "oob": True}
    return render(request, f"{TEMPLATE}#panel_and_count", context)


@require_GET
@agent_required
def mention_suggestions(request: AgentRequest) -> HttpResponse:
    """Active agents whose username or name starts with `q`, for the note's @ suggester."""
    prefix = search_text(request).lstrip("@")
    found = agents()
    if prefix:
        found = found.filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
    context = {"agents": list(found.exclude(pk=request.user.pk)[:SUGGESTIONS]), "prefix": prefix}
    return render(request, "notifications/mentions.html", context)
