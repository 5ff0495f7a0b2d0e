"""Collision warnings on the ticket page: who else has it open, and what changed meanwhile.

The page polls `presence` every few seconds (static/js/presence.js adds whether the agent
is typing). `refresh` brings the page up to date without touching the reply box, and
`held_reply` answers a reply written against an old version of the ticket: it is not
posted, the agent sees what changed and can send it anyway.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from tickets import presence
from tickets.agents import AgentRequest
from tickets.models import Reply, Ticket, TicketEvent
from tickets.queries import get_ticket_for_agent

from .access import agent_required, wants_fragment
from .ticket import TEMPLATE, ticket_context

PRESENCE_TEMPLATE = "tickets/presence.html"
# The regions a refresh brings up to date; never the reply box, which holds the agent's text.
REFRESH_REGIONS = ["summary", "conversation", "panel", "history"]


def signed_out_quietly(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A background poll of a signed-out session answers 401: sending the page to the
    sign-in form (as agent_required does for htmx) would throw away a reply being written."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return HttpResponse(status=401)
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@signed_out_quietly
@agent_required
def presence_status(request: AgentRequest, pk: int) -> HttpResponse:
    """Record that the agent has the ticket open; say who else has, and whether it changed."""
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    presence.record_presence(
        ticket=ticket, agent=request.user, is_replying=bool(request.POST.get("replying"))
    )
    presence.cleanup_stale()
    version = presence.parse_version(request.POST.get("version"))
    context = {
        "ticket": ticket,
        "others": presence.others_present(ticket, request.user),
        "changes": presence.changes_since(ticket, version, request.user) if version else [],
    }
    return render(request, f"{PRESENCE_TEMPLATE}#status", context)


@require_GET
@agent_required
def refresh(request: AgentRequest, pk: int) -> HttpResponse:
    """The ticket as it is now, swapped into the page; the reply box keeps its text and
    takes the new version, so a reply sent next is no longer held back."""
    ticket = get_ticket_for_agent(request.user, pk)
    if not wants_fragment(request):
        return redirect("ticket", pk=ticket.pk)
    context = {**ticket_context(request, ticket), "oob": True}
    html = [render_to_string(f"{TEMPLATE}#{name}", context, request) for name in REFRESH_REGIONS]
    version_context = {**context, "oob": False, "version_oob": True}
    for name in ("version", "news"):
        html.append(render_to_string(f"{PRESENCE_TEMPLATE}#{name}", version_context, request))
    return HttpResponse("".join(html))


def form_version(request: AgentRequest) -> datetime.datetime | None:
    """The version the reply form was written against, for `services.post_reply`.

    A form without a version (a client without the field) is not checked; an
    unreadable one is, against the newest changes, since nobody can tell what it saw.
    """
    raw = request.POST.get("version")
    if not raw:
        return None
    return presence.parse_version(raw) or presence.EARLIEST


def held_reply(
    request: AgentRequest,
    ticket: Ticket,
    form: Form,
    changes: list[TicketEvent],
    shown_again: dict | None = None,
) -> HttpResponse:
    """The reply is not posted: the page shows what changed, keeps the text (and
    `shown_again`, such as a macro's ticked changes), and carries the new version so that
    sending again ("Send anyway") posts it.

    422 like any form the server did not accept, so that htmx swaps it in.
    """
    ticket = get_ticket_for_agent(request.user, ticket.pk)
    context = ticket_context(request, ticket, reply_form=form, **(shown_again or {}))
    reply_ids = {
        event.new_value.get("reply_id")
        for event in changes
        if event.kind in (TicketEvent.Kind.REPLY_ADDED, TicketEvent.Kind.NOTE_ADDED)
        and isinstance(event.new_value, dict)
    }
    context["reply_conflict"] = {
        "changes": changes,
        "new_replies": [reply for reply in context["replies"] if reply.pk in reply_ids],
        "files_dropped": bool(request.FILES),
        "is_note": form.cleaned_data.get("kind") == Reply.Kind.NOTE,
    }
    messages.warning(
        request, "Not sent yet: the ticket changed while you were writing. Review it below."
    )
    if wants_fragment(request):
        context["oob"] = True
        html = [
            render_to_string(f"{TEMPLATE}#{name}", context, request)
            for name in ["summary", "conversation", "reply", "panel", "history"]
        ]
        html.append(render_to_string("layout.html#messages", context, request))
        # The warning says what changed: the page's notice of new activity would repeat it.
        news = {**context, "oob": False, "version_oob": True, "changes": []}
        html.append(render_to_string(f"{PRESENCE_TEMPLATE}#news", news, request))
        return HttpResponse("".join(html), status=422)
    return render(request, TEMPLATE, context, status=422)
