"""The ticket page: the conversation, the side panel, the history; archive, restore, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tickets import custom_fields, services, visits
from tickets.agents import AgentRequest
from tickets.attachments import attach_files
from tickets.forms.sticky_notes import StickyNoteForm
from tickets.forms.ticket import (
    AssigneeForm,
    CustomFieldsForm,
    DepartmentForm,
    DueDateForm,
    PriorityForm,
    ProjectForm,
    ReplyForm,
    StatusForm,
    SubjectForm,
    TagsForm,
    TeamForm,
)
from tickets.models import Channel, Ticket
from tickets.permissions import Action, may, require
from tickets.queries import get_ticket_for_agent

from . import marks
from .access import agent_required

TEMPLATE = "tickets/ticket.html"


def panel_forms(ticket: Ticket, definitions) -> dict:
    """The side panel's forms, showing the ticket's current values."""
    return {
        "subject_form": SubjectForm(initial={"subject": ticket.subject}, auto_id="panel_%s"),
        "status_form": StatusForm(initial={"status": ticket.status_id}, auto_id="panel_%s"),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}, auto_id="panel_%s"),
        "department_form": DepartmentForm(
            initial={"department": ticket.department_id}, auto_id="panel_%s"
        ),
        "assignee_form": AssigneeForm(initial={"assignee": ticket.assignee_id}, auto_id="panel_%s"),
        "team_form": TeamForm(initial={"team": ticket.team_id}, auto_id="panel_%s"),
        "tags_form": TagsForm(
            initial={"tags": ", ".join(tag.name for tag in ticket.tags.all())},
            auto_id="panel_%s",
        ),
        "project_form": ProjectForm(
            initial={"project": ticket.project_id}, client=ticket.client, auto_id="panel_%s"
        ),
        "due_date_form": DueDateForm(initial={"due_at": ticket.due_at}, auto_id="panel_%s"),
        "custom_fields_form": CustomFieldsForm(
            definitions=definitions, values=ticket.custom_fields, auto_id="panel_%s"
        ),
    }


def ticket_context(request: AgentRequest, ticket: Ticket, **bound_forms) -> dict:
    """Everything the ticket page shows, in a fixed number of queries.

    `bound_forms` replaces a form by one carrying the agent's input and its errors.
    """
    definitions = custom_fields.enabled_fields()
    stored = ticket.custom_fields or {}
    context = {
        "ticket": ticket,
        "replies": list(ticket.replies.select_related("author_agent", "author_contact")),
        "events": list(ticket.events.select_related("actor", "actor_contact")),
        "custom_values": [
            (definition, stored.get(definition.key))
            for definition in definitions
            if definition.key in stored
        ],
        "reply_form": ReplyForm(auto_id="reply_%s"),
        "sticky_notes": list(ticket.sticky_notes.select_related("author")),
        "sticky_form": StickyNoteForm(auto_id="sticky_%s"),
        # Only agents who may delete see the button (two permission queries, once per
        # request, for an agent who is not a superuser).
        "can_delete": may(request.user, Action.DELETE_TICKET),
        **panel_forms(ticket, definitions),
    }
    context["opening_files"] = attach_files(ticket, context["replies"])
    context.update(bound_forms)
    return context


@require_GET
@agent_required
def ticket_page(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    context = {**ticket_context(request, ticket), **marks.marks_context(request, ticket)}
    # The queue's unread mark goes once the assignee has seen the latest message.
    visits.record_visit(ticket=ticket, agent=request.user)
    return render(request, TEMPLATE, context)


@require_GET
@agent_required
def ticket_history(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    events = list(ticket.events.select_related("actor", "actor_contact"))
    return render(request, "tickets/history.html", {"ticket": ticket, "events": events})


@require_POST
@agent_required
def archive_ticket(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    try:
        services.archive(ticket=ticket, actor=request.user, channel=Channel.WEB)
    except services.Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, f"Ticket #{ticket.pk} archived.")
    return redirect("ticket", pk=ticket.pk)


@require_POST
@agent_required
def restore_ticket(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    try:
        services.restore(ticket=ticket, actor=request.user, channel=Channel.WEB)
    except services.Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, f"Ticket #{ticket.pk} restored.")
    return redirect("ticket", pk=ticket.pk)


@require_http_methods(["GET", "POST"])
@agent_required
def delete_ticket(request: AgentRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the ticket with its conversation and history."""
    require(request.user, Action.DELETE_TICKET)
    ticket = get_ticket_for_agent(request.user, pk)
    if request.method == "POST":
        label = str(ticket)
        services.delete_ticket(ticket=ticket, actor=request.user, channel=Channel.WEB)
        messages.success(request, f"Ticket {label} deleted.")
        return redirect(reverse("queue"))
    return render(request, "tickets/delete.html", {"ticket": ticket})
