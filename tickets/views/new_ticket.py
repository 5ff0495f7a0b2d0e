"""Opening a ticket for a client from the workspace."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tickets import custom_fields, services
from tickets.agents import AgentRequest
from tickets.forms.base import add_service_errors
from tickets.forms.new_ticket import NewTicketForm
from tickets.models import Channel

from .access import agent_required, wants_fragment

TEMPLATE = "tickets/new_ticket.html"


@require_http_methods(["GET", "POST"])
@agent_required
def new_ticket(request: AgentRequest) -> HttpResponse:
    definitions = custom_fields.enabled_fields()
    if request.method != "POST":
        form = NewTicketForm(definitions=definitions, initial={"client": request.GET.get("client")})
        return render(request, TEMPLATE, {"form": form})
    form = NewTicketForm(request.POST, request.FILES, definitions=definitions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.create_ticket(
                client=data["client"],
                requester=data["requester"],
                department=data["department"],
                project=data["project"],
                subject=data["subject"],
                message=data["message"],
                priority=data["priority"],
                tags=data["tags"],
                custom_field_values=form.custom_values(),
                attachments=data["attachments"],
                actor=request.user,
                channel=Channel.WEB,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, f"Ticket #{ticket.pk} created.")
            return redirect("ticket", pk=ticket.pk)
    return render(request, TEMPLATE, {"form": form}, status=422)


@require_GET
@agent_required
def client_fields(request: AgentRequest) -> HttpResponse:
    """The requester and project choices of the chosen client, swapped into the form."""
    form = NewTicketForm(definitions=[], initial={"client": request.GET.get("client")})
    template = f"{TEMPLATE}#client_fields" if wants_fragment(request) else TEMPLATE
    return render(request, template, {"form": form})
