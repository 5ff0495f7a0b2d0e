"""Changes made on the ticket page: the reply box and each field of the side panel.

One URL per action, POST only. With htmx the response swaps the changed regions in
place (out-of-band, by id); without JavaScript it redirects back to the ticket page.
Invalid input answers 422 with the errors next to the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mail.requesters import contact_in_client
from tickets import changes, custom_fields, services
from tickets.agents import AgentRequest, agent_name
from tickets.forms.base import CUSTOM_FIELD_PREFIX, add_service_errors
from tickets.forms.macros import MacroForm
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
from tickets.macros import MacroChanges, describe
from tickets.models import Channel, Contact, Reply, Ticket
from tickets.queries import get_ticket_for_agent

from .access import agent_required, render_fragments, wants_fragment
from .presence import form_version, held_reply
from .ticket import TEMPLATE, ticket_context

# The regions of the ticket page a change can alter, by partial name.
# A panel change also clears the reply box's last confirmation, as a reply clears the panel's.
PANEL_REGIONS = ["summary", "panel", "history", "reply_status"]
REPLY_REGIONS = ["summary", "conversation", "reply", "panel", "history"]
# A new requester also changes the requester's other tickets beside the conversation.
REQUESTER_REGIONS = [*PANEL_REGIONS, "requester_tickets"]

Apply = Callable[[Ticket, dict], str]


def respond(
    request: AgentRequest,
    ticket: Ticket,
    *,
    regions: list[str],
    form_name: str,
    form: forms.Form,
    anchor: str = "",
    shown_again: dict | None = None,
) -> HttpResponse:
    """The answer to a change: fresh regions on success, the form with its errors otherwise
    (with `shown_again`, more of what the agent had entered, such as a macro's changes)."""
    if form.errors:
        ticket = get_ticket_for_agent(request.user, ticket.pk)
        context = ticket_context(request, ticket, **{form_name: form}, **(shown_again or {}))
        if wants_fragment(request):
            region = "reply" if form_name == "reply_form" else "panel"
            return render_fragments(request, TEMPLATE, [region], context, status=422)
        return render(request, TEMPLATE, context, status=422)
    if not wants_fragment(request):
        return redirect(reverse("ticket", args=[ticket.pk]) + anchor)
    ticket = get_ticket_for_agent(request.user, ticket.pk)
    return render_fragments(request, TEMPLATE, regions, ticket_context(request, ticket))


def change(
    request: AgentRequest,
    pk: int,
    form_name: str,
    make_form: Callable,
    apply: Apply,
    *,
    regions: list[str] = PANEL_REGIONS,
) -> HttpResponse:
    """Validate a side-panel form and apply it through the services."""
    # The field's URL name: its form on the page shows the confirmation (messages_at).
    place = f"ticket_{form_name.removesuffix('_form')}"
    ticket = get_ticket_for_agent(request.user, pk)
    form = make_form(ticket, request.POST)
    if form.is_valid():
        try:
            with changes.atomic():
                message = apply(ticket, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, {})
        except services.Conflict as conflict:
            form.add_error(None, str(conflict))
        else:
            messages.success(request, message, extra_tags=place)
    return respond(
        request,
        ticket,
        regions=regions,
        form_name=form_name,
        form=form,
        anchor=f"#{place}-form",
    )


def panel_form(form_class: type[forms.Form]) -> Callable:
    return lambda ticket, data: form_class(data, auto_id="panel_%s")


def web(request: AgentRequest) -> dict:
    return {"actor": request.user, "channel": Channel.WEB}


@require_POST
@agent_required
def post_reply(request: AgentRequest, pk: int) -> HttpResponse:
    """A public reply or an internal note, optionally followed by a status change and the
    changes of the canned response (macro) it was written with, all in one change."""
    ticket = get_ticket_for_agent(request.user, pk)
    form = ReplyForm(request.POST, request.FILES, auto_id="reply_%s")
    macro_form = MacroForm(request.POST)
    anchor = "#conversation"
    macro = macro_problems(form, macro_form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with changes.atomic():
                # New addresses become contacts of the client by the new-requester rule,
                # in the reply's transaction: a reply that fails makes none.
                cc = copied_contacts(ticket, data["cc"])
                reply = services.post_reply(
                    ticket=ticket,
                    text=data["text"],
                    kind=data["kind"],
                    author=request.user,
                    channel=Channel.WEB,
                    attachments=data["attachments"],
                    seen_version=form_version(request),
                    cc=cc,
                )
                if data["status"] is not None:
                    services.change_status(ticket=ticket, status=data["status"], **web(request))
                if macro:
                    services.apply_macro(ticket=ticket, macro=macro, **web(request))
        except services.Stale as stale:
            # Someone replied or changed the ticket since the agent's page loaded.
            pending = {"macro_pending": macro_form.pending(request.user)}
            return held_reply(request, ticket, form, stale.changes, shown_again=pending)
        except ValidationError as error:
            add_service_errors(form, error, {"author": "__all__"})
        else:
            sent = "Note added." if reply.kind == Reply.Kind.NOTE else "Reply sent."
            if cc:
                sent += f" Copied: {', '.join(contact.email for contact in cc)}."
            if data["status"] is not None:
                sent += f" Status set to {data['status'].title}."
            if macro:
                done = [change.label for change in describe(macro, request.user)]
                sent += f" Canned response: {'; '.join(done)}."
            # Shown in the reply box (ticket.html), below the new entry the page lands on.
            messages.success(request, sent, extra_tags="reply")
            anchor = f"#reply-{reply.pk}"
    return respond(
        request,
        ticket,
        regions=REPLY_REGIONS,
        form_name="reply_form",
        form=form,
        anchor=anchor,
        shown_again={"macro_pending": macro_form.pending(request.user)},
    )


def macro_problems(form: ReplyForm, macro_form: MacroForm) -> MacroChanges:
    """The macro's changes posted with a reply; a problem with them is the reply form's
    error, so that nothing is sent (and the changes are shown again, still ticked)."""
    reply_valid = form.is_valid()
    if not macro_form.is_valid():
        for message in macro_form.error_messages():
            form.add_error(None, f"The canned response's changes: {message}")
        return MacroChanges()
    macro = macro_form.changes()
    chosen = form.cleaned_data.get("status") if reply_valid else None
    if chosen is not None and macro.status is not None and chosen != macro.status:
        form.add_error(
            "status",
            f"The canned response sets the status to {macro.status.title}: choose Default "
            "here, or untick its status change.",
        )
    return macro


@require_POST
@agent_required
def change_subject(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.update_ticket(ticket=ticket, subject=data["subject"], **web(request))
        return "Subject saved."

    return change(request, pk, "subject_form", panel_form(SubjectForm), apply)


@require_POST
@agent_required
def change_status(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.change_status(ticket=ticket, status=data["status"], **web(request))
        return f"Status set to {data['status'].title}."

    return change(request, pk, "status_form", panel_form(StatusForm), apply)


@require_POST
@agent_required
def change_priority(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.update_ticket(ticket=ticket, priority=data["priority"], **web(request))
        return f"Priority set to {ticket.get_priority_display()}."

    return change(request, pk, "priority_form", panel_form(PriorityForm), apply)


@require_POST
@agent_required
def change_department(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.update_ticket(ticket=ticket, department=data["department"], **web(request))
        return f"Department set to {data['department'].name}."

    return change(request, pk, "department_form", panel_form(DepartmentForm), apply)


@require_POST
@agent_required
def change_assignee(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.assign(ticket=ticket, assignee=data["assignee"], **web(request))
        if data["assignee"] is None:
            return "The ticket is now unassigned."
        return f"Assigned to {agent_name(data['assignee'])}."

    return change(request, pk, "assignee_form", panel_form(AssigneeForm), apply)


@require_POST
@agent_required
def change_team(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.set_team(ticket=ticket, team=data["team"], **web(request))
        return f"Team set to {data['team'].name}." if data["team"] else "Team removed."

    return change(request, pk, "team_form", panel_form(TeamForm), apply)


@require_POST
@agent_required
def change_tags(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.set_tags(ticket=ticket, tags=data["tags"], **web(request))
        return "Tags saved."

    return change(request, pk, "tags_form", panel_form(TagsForm), apply)


@require_POST
@agent_required
def change_project(request: AgentRequest, pk: int) -> HttpResponse:
    def make_form(ticket, data):
        return ProjectForm(data, client=ticket.client, auto_id="panel_%s")

    def apply(ticket, data):
        services.update_ticket(ticket=ticket, project=data["project"], **web(request))
        return f"Project set to {data['project'].name}." if data["project"] else "Project removed."

    return change(request, pk, "project_form", make_form, apply)


@require_POST
@agent_required
def change_due_date(request: AgentRequest, pk: int) -> HttpResponse:
    def apply(ticket, data):
        services.update_ticket(ticket=ticket, due_at=data["due_at"], **web(request))
        return "Due date saved." if data["due_at"] else "Due date cleared."

    return change(request, pk, "due_date_form", panel_form(DueDateForm), apply)


@require_POST
@agent_required
def change_custom_fields(request: AgentRequest, pk: int) -> HttpResponse:
    def make_form(ticket, data):
        return CustomFieldsForm(
            data,
            definitions=custom_fields.enabled_fields(),
            values=ticket.custom_fields,
            auto_id="panel_%s",
        )

    def apply(ticket, data):
        values = {
            name.removeprefix(CUSTOM_FIELD_PREFIX): value
            for name, value in data.items()
            if name.startswith(CUSTOM_FIELD_PREFIX)
        }
        services.update_ticket(ticket=ticket, custom_field_values=values, **web(request))
        return "Custom fields saved."

    return change(request, pk, "custom_fields_form", make_form, apply)


def copied_contacts(ticket: Ticket, addresses: list[str]) -> list[Contact]:
    """The contacts of the ticket's client at `addresses`, made for those it has none (a
    person copied on a ticket joins its client, as one copied on its mail does)."""
    return [contact_in_client(address, "", ticket.client) for address in addresses]


@require_POST
@agent_required
def change_requester(request: AgentRequest, pk: int) -> HttpResponse:
    def make_form(ticket, data):
        return RequesterForm(data, ticket=ticket, auto_id="panel_%s")

    def apply(ticket, data):
        services.update_ticket(ticket=ticket, requester=data["requester"], **web(request))
        return (
            f"Requester set to {data['requester'].name}."
            if data["requester"]
            else ("Requester removed.")
        )

    return change(request, pk, "requester_form", make_form, apply, regions=REQUESTER_REGIONS)


@require_POST
@agent_required
def add_cc(request: AgentRequest, pk: int) -> HttpResponse:
    """Copy a contact of the client, and new addresses (made contacts), on the ticket."""

    def make_form(ticket, data):
        return CcAddForm(data, ticket=ticket, auto_id="cc_%s")

    def apply(ticket, data):
        contacts = [data["contact"]] if data["contact"] else []
        contacts += copied_contacts(ticket, data["addresses"])
        services.change_cc(ticket=ticket, add=contacts, **web(request))
        return f"Copied: {', '.join(contact.name for contact in contacts)}."

    return change(request, pk, "cc_form", make_form, apply)


@require_POST
@agent_required
def remove_cc(request: AgentRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Stop copying one contact on the ticket (nothing changes if it is not copied)."""

    def apply(ticket, data):
        contact = get_object_or_404(ticket.cc, pk=contact_pk)
        services.change_cc(ticket=ticket, remove=[contact], **web(request))
        return f"{contact.name} is no longer copied."

    return change(request, pk, "cc_form", lambda ticket, data: forms.Form(data), apply)
