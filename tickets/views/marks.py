"""An agent's own marks on a ticket (star, pin) and the spam mark, from the ticket page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from tickets import counts, services
from tickets.agents import AgentRequest
from tickets.models import Channel, Ticket, TicketPin, TicketStar
from tickets.queries import get_ticket_for_agent

from .access import agent_required, render_fragments, wants_fragment

TEMPLATE = "tickets/includes/ticket_marks.html"


def marks_context(request: AgentRequest, ticket: Ticket) -> dict:
    """Whether the agent starred and pinned the ticket (the ticket page's buttons)."""
    return {
        "ticket": ticket,
        "is_starred": TicketStar.objects.filter(ticket=ticket, agent=request.user).exists(),
        "is_pinned": TicketPin.objects.filter(ticket=ticket, agent=request.user).exists(),
    }


def marked(request: AgentRequest, ticket: Ticket, message: str) -> HttpResponse:
    messages.success(request, message)
    if wants_fragment(request):
        return render_fragments(request, TEMPLATE, ["marks"], marks_context(request, ticket))
    return redirect("ticket", pk=ticket.pk)


def set_star(request: AgentRequest, pk: int, starred: bool) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    services.set_star(ticket=ticket, agent=request.user, starred=starred)
    counts.forget_starred_count(request.user)
    return marked(request, ticket, "Ticket starred." if starred else "Star removed.")


def set_pin(request: AgentRequest, pk: int, pinned: bool) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    services.set_pin(ticket=ticket, agent=request.user, pinned=pinned)
    return marked(
        request,
        ticket,
        "Ticket pinned to the top of your queue." if pinned else "Ticket unpinned.",
    )


@require_POST
@agent_required
def star(request: AgentRequest, pk: int) -> HttpResponse:
    return set_star(request, pk, True)


@require_POST
@agent_required
def unstar(request: AgentRequest, pk: int) -> HttpResponse:
    return set_star(request, pk, False)


@require_POST
@agent_required
def pin(request: AgentRequest, pk: int) -> HttpResponse:
    return set_pin(request, pk, True)


@require_POST
@agent_required
def unpin(request: AgentRequest, pk: int) -> HttpResponse:
    """Also the queue's unpin button, which comes back to the queue."""
    response = set_pin(request, pk, False)
    if request.POST.get("next") == "queue":
        return redirect("queue")
    return response


def set_spam(request: AgentRequest, pk: int, is_spam: bool) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    services.mark_spam(ticket=ticket, is_spam=is_spam, actor=request.user, channel=Channel.WEB)
    if is_spam:
        messages.success(request, f"Ticket #{ticket.pk} marked as spam: it now shows only in Spam.")
    else:
        messages.success(request, f"Ticket #{ticket.pk} is not spam: it is back in the queue.")
    return redirect("ticket", pk=ticket.pk)


@require_POST
@agent_required
def mark_spam(request: AgentRequest, pk: int) -> HttpResponse:
    return set_spam(request, pk, True)


@require_POST
@agent_required
def unmark_spam(request: AgentRequest, pk: int) -> HttpResponse:
    return set_spam(request, pk, False)
