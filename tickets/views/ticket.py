"""The ticket page: the conversation, the side panel, the history; archive, restore, delete."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sla.models import SlaTargetKind
from tickets import custom_fields, inbox, services, visits
from tickets.agents import AgentRequest
from tickets.attachments import attach_files
from tickets.forms import widgets
from tickets.forms.sticky_notes import StickyNoteForm
from tickets.forms.ticket import (
    AssigneeForm,
    CcAddForm,
    CustomFieldsForm,
    DepartmentForm,
    DueDateForm,
    PriorityForm,
    ProjectForm,
    ReplyForm,
    RequesterForm,
    StatusForm,
    SubjectForm,
    TagsForm,
    TeamForm,
)
from tickets.models import Channel, Contact, Ticket, history
from tickets.permissions import Action, may, require
from tickets.queries import as_id, get_ticket_for_agent

from . import canned, marks
from .access import agent_required, search_text

TEMPLATE = "tickets/ticket.html"


SLA_KIND_ORDER = {kind: number for number, kind in enumerate(SlaTargetKind.values)}


def panel_forms(ticket: Ticket, definitions) -> dict:
    """The side panel's forms, showing the ticket's current values."""
    return {
        "subject_form": SubjectForm(initial={"subject": ticket.subject}, auto_id="panel_%s"),
        "requester_form": RequesterForm(
            initial={"requester": ticket.requester_id}, ticket=ticket, auto_id="panel_%s"
        ),
        "cc_form": CcAddForm(ticket=ticket, auto_id="cc_%s"),
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


def sla_context(ticket: Ticket) -> dict:
    """The ticket's SLA targets (the sla app) and its policy: one query, for a ticket that
    has a policy only."""
    if ticket.sla_policy_id is None:
        return {"sla_targets": [], "sla_policy": None}
    targets = sorted(
        ticket.sla_targets.select_related("policy"),
        key=lambda target: SLA_KIND_ORDER.get(target.kind, len(SLA_KIND_ORDER)),
    )
    policy = next((t.policy for t in targets if t.policy_id == ticket.sla_policy_id), None)
    return {"sla_targets": targets, "sla_policy": policy}


def ticket_context(request: AgentRequest, ticket: Ticket, **bound_forms) -> dict:
    """Everything the ticket page shows, in a fixed number of queries.

    `bound_forms` replaces a form by one carrying the agent's input and its errors.
    """
    definitions = custom_fields.enabled_fields()
    stored = ticket.custom_fields or {}
    context = {
        "ticket": ticket,
        "replies": list(ticket.replies.select_related("author_agent", "author_contact")),
        "events": events_of(ticket),
        "copied": list(ticket.cc.all()),
        "custom_values": [
            (definition, stored.get(definition.key))
            for definition in definitions
            if definition.key in stored
        ],
        "reply_form": ReplyForm(auto_id="reply_%s"),
        "macro_pending": [],  # a canned response's changes, ticked in the reply box
        "sticky_notes": list(ticket.sticky_notes.select_related("author")),
        "sticky_form": StickyNoteForm(auto_id="sticky_%s"),
        # Only agents who may delete see the button (two permission queries, once per
        # request, for an agent who is not a superuser).
        "can_delete": may(request.user, Action.DELETE_TICKET),
        **sla_context(ticket),
        **panel_forms(ticket, definitions),
    }
    context["opening_files"] = attach_files(ticket, context["replies"])
    context.update(bound_forms)
    return context


def events_of(ticket: Ticket) -> list:
    """The ticket's history, its CC changes naming their contacts."""
    events = list(ticket.events.select_related("actor", "actor_contact"))
    history.name_copied_contacts(events)
    return events


@require_GET
@agent_required
def ticket_page(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    # Seen: the bell no longer counts the agent's notifications of this ticket.
    inbox.mark_ticket_read(request.user, ticket)
    context = {**ticket_context(request, ticket), **marks.marks_context(request, ticket)}
    if request.GET:
        context |= canned.picker_without_javascript(request, ticket)
    # The queue's unread mark goes once the assignee has seen the latest message.
    visits.record_visit(ticket=ticket, agent=request.user)
    return render(request, TEMPLATE, context)


@require_GET
@agent_required
def ticket_history(request: AgentRequest, pk: int) -> HttpResponse:
    ticket = get_ticket_for_agent(request.user, pk)
    return render(request, "tickets/history.html", {"ticket": ticket, "events": events_of(ticket)})


# How many of the requester's and of the client's other tickets the ticket page lists.
RECENT_TICKETS = 5


@require_GET
@agent_required
def requester_tickets(request: AgentRequest, pk: int) -> HttpResponse:
    """Beside the conversation, fetched after the page: the requester's and the client's
    other recent tickets (spam left out), each list a link away from the whole of it in
    the queue. Three queries besides the session's, whatever their numbers."""
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    ticket = Ticket.objects.select_related("requester", "client").get(pk=ticket.pk)
    others = (
        Ticket.objects.for_agent(request.user)
        .not_spam()
        .exclude(pk=ticket.pk)
        .select_related("status")
        .only("pk", "subject", "updated_at", "status__title", "status__is_closed")
        .order_by("-updated_at", "-id")
    )
    requester = ticket.requester
    from_requester = list(others.filter(requester=requester)[:RECENT_TICKETS]) if requester else []
    from_client = list(others.filter(client_id=ticket.client_id)[:RECENT_TICKETS])
    context = {
        "ticket": ticket,
        "from_requester": from_requester,
        "from_client": from_client,
    }
    return render(request, "tickets/ticket.html#requester_tickets_loaded", context)


@require_GET
@agent_required
def contact_options(request: AgentRequest, pk: int) -> HttpResponse:
    """The <option>s of a contact select of the ticket's client for what was typed (see
    tickets.forms.widgets.ContactSelect): the empty choice, the chosen contact, then the
    first contacts matching by name or email."""
    ticket = get_ticket_for_agent(request.user, pk, related=False)
    text = search_text(request)
    contacts = Contact.objects.filter(client_id=ticket.client_id)
    chosen_ids = [as_id(value) for value in request.GET.get("selected", "").split(",")[:10]]
    chosen = list(contacts.filter(pk__in=[pk for pk in chosen_ids if pk]).order_by("name", "pk"))
    matches = contacts.exclude(pk__in=[contact.pk for contact in chosen])
    if text:
        matches = matches.filter(Q(name__icontains=text) | Q(email__icontains=text))
    choices = [
        ("", request.GET.get("empty", "")[:100]),
        *((contact.pk, str(contact)) for contact in chosen),
        *(
            (contact.pk, str(contact))
            for contact in matches.order_by("name", "pk")[: widgets.CONTACT_CHOICES_SHOWN]
        ),
    ]
    return HttpResponse(
        widgets.option_tags(choices, selected={str(contact.pk) for contact in chosen})
    )


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
