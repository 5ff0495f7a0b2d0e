"""Sticky notes on the ticket page: add, change, remove. POST only, one URL per action.

With htmx the answer swaps the sticky notes block, the summary (last updated) and the
history in place; without JavaScript it redirects back to the ticket. Empty or too
long text answers 422 with the service's message next to the field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from tickets import services
from tickets.agents import AgentRequest
from tickets.forms.base import add_service_errors
from tickets.forms.sticky_notes import StickyNoteForm
from tickets.models import Channel, StickyNote, Ticket
from tickets.queries import get_sticky_note_for_agent, get_ticket_for_agent

from .access import agent_required, render_fragments, wants_fragment
from .ticket import TEMPLATE, ticket_context

BLOCK = "tickets/includes/sticky_notes.html#sticky_notes"


def respond(
    request: AgentRequest,
    ticket: Ticket,
    form: StickyNoteForm,
    note: StickyNote | None = None,
) -> HttpResponse:
    """Fresh regions after a change; the block with the form's errors (422) otherwise.

    `note` is the note being edited, so that its errors show beside it."""
    ticket = get_ticket_for_agent(request.user, ticket.pk)
    failed = bool(form.errors)
    extra: dict[str, Any] = {}
    if failed:
        extra = {"sticky_form": form} if note is None else {"sticky_edit": (note.pk, form)}
    context = ticket_context(request, ticket, **extra)
    status = 422 if failed else 200
    if not wants_fragment(request):
        if failed:
            return render(request, TEMPLATE, context, status=status)
        return redirect(reverse("ticket", args=[ticket.pk]) + "#sticky-notes")
    regions = [] if failed else ["summary", "history"]
    response = render_fragments(request, TEMPLATE, regions, context, status=status)
    block = render_to_string(BLOCK, {**context, "oob": True}, request)
    response.content = block.encode() + response.content
    return response


@require_POST
@agent_required
def add_sticky_note(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    form = StickyNoteForm(request.POST, auto_id="sticky_%s")
    if form.is_valid():
        try:
            services.add_sticky_note(
                ticket=ticket,
                text=form.cleaned_data["text"],
                actor=request.user,
                channel=Channel.WEB,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, "Sticky note added.")
    return respond(request, ticket, form)


@require_POST
@agent_required
def change_sticky_note(request: AgentRequest, pk: int, note_pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    note = get_sticky_note_for_agent(request.user, ticket, note_pk)
    form = StickyNoteForm(request.POST, auto_id=f"sticky_{note.pk}_%s")
    if form.is_valid():
        try:
            services.change_sticky_note(
                note=note, text=form.cleaned_data["text"], actor=request.user, channel=Channel.WEB
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        except services.Conflict as conflict:
            messages.error(request, str(conflict))
        else:
            messages.success(request, "Sticky note saved.")
    return respond(request, ticket, form, note)


@require_POST
@agent_required
def remove_sticky_note(request: AgentRequest, pk: int, note_pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    note = get_sticky_note_for_agent(request.user, ticket, note_pk)
    try:
        services.remove_sticky_note(note=note, actor=request.user, channel=Channel.WEB)
    except services.Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, "Sticky note removed.")
    return respond(request, ticket, StickyNoteForm())
