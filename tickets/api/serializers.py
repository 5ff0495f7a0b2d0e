"""How API objects are written, and the shapes the OpenAPI schema documents.

Each object has a Serializer class that declares its fields for the schema and,
below it, the plain function that writes it (`ticket_data`, `reply_data`, ...).
The function is what runs: a list page writes up to 100 tickets, and a dict built
by hand costs a fraction of a DRF serializer. `SCHEMAS` pairs them, and
tests/tickets/api/test_schema.py checks that every key a function writes, nested
ones too, is declared in the same order with a matching type.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from taggit.models import Tag

from helpdesk.api import iso
from tickets.agents import Agent, agent_name
from tickets.models import (
    ActiveState,
    Category,
    Client,
    Contact,
    Priority,
    Project,
    Reply,
    Source,
    Ticket,
    TicketStatus,
)


def _ref(obj: Any, name: str = "name") -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, name: getattr(obj, name)}


class StatusRefSchema(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class RefSchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RequesterSchema(RefSchema):
    email = serializers.CharField()


class TicketDatesSchema(serializers.Serializer):
    created = serializers.DateTimeField()
    last_updated = serializers.DateTimeField()
    status_changed = serializers.DateTimeField(allow_null=True)


class TicketSchema(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    message = serializers.CharField()
    status = StatusRefSchema(
        help_text="1 Open, 2 Closed, 3 On Hold, 4 Answered, 5 Customer Replied."
    )
    priority = serializers.ChoiceField(choices=[priority.code for priority in Priority])
    # A declared field, which DRF's metaclass takes out of the class: not Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Source.values, help_text="Set automatically."
    )
    active_state = serializers.ChoiceField(choices=ActiveState.values)
    department = RefSchema(help_text="The category (of type ticket).")
    client = RefSchema()
    project_id = serializers.IntegerField(allow_null=True)
    creator_id = serializers.IntegerField(allow_null=True, help_text="The agent who created it.")
    dates = TicketDatesSchema()
    replies_count = serializers.IntegerField(help_text="Public replies; notes are not counted.")
    tags = serializers.ListField(child=serializers.CharField(), help_text="Tag titles.")
    assignee = RefSchema(allow_null=True)
    team = RefSchema(allow_null=True)
    requester = RequesterSchema(allow_null=True)
    cc = serializers.ListField(
        child=RequesterSchema(), help_text="The contacts copied on the ticket's emails."
    )
    due_date = serializers.DateTimeField(allow_null=True)
    sla_due = serializers.DateTimeField(
        allow_null=True,
        help_text="When the ticket's next SLA target is due (null when none runs); in the "
        "past for a breached ticket.",
    )
    custom_fields = serializers.DictField(help_text="Custom field values by key.")
    archived = serializers.BooleanField()
    spam = serializers.BooleanField()


def ticket_data(ticket: Ticket, tag_names: list[str] | None = None) -> dict[str, Any]:
    """A ticket fetched by `tickets_for_agent`, with its tag titles (or its tags
    prefetched, as `get_ticket_for_agent` does): no further query is made."""
    if tag_names is None:
        tag_names = sorted((tag.name for tag in ticket.tags.all()), key=str.lower)
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "message": ticket.message,
        "status": _ref(ticket.status, "title"),
        "priority": Priority(ticket.priority).code,
        "source": ticket.source,
        "active_state": ticket.active_state,
        "department": _ref(ticket.department),
        "client": _ref(ticket.client),
        "project_id": ticket.project_id,
        "creator_id": ticket.creator_id,
        "dates": {
            "created": iso(ticket.created_at),
            "last_updated": iso(ticket.updated_at),
            "status_changed": iso(ticket.status_changed_at),
        },
        "replies_count": ticket.replies_count,
        "tags": tag_names,
        "assignee": {"id": ticket.assignee.pk, "name": agent_name(ticket.assignee)}
        if ticket.assignee
        else None,
        "team": _ref(ticket.team),
        "requester": {
            "id": ticket.requester.pk,
            "name": ticket.requester.name,
            "email": ticket.requester.email,
        }
        if ticket.requester
        else None,
        "cc": [
            {"id": contact.pk, "name": contact.name, "email": contact.email}
            for contact in ticket.cc.all()
        ],
        "due_date": iso(ticket.due_at),
        "sla_due": iso(ticket.sla_due_at),
        "custom_fields": ticket.custom_fields,
        "archived": ticket.active_state == "archived",
        "spam": ticket.is_spam,
    }


class AuthorSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["agent", "contact"])
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReplySchema(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    text = serializers.CharField()
    type = serializers.ChoiceField(choices=Reply.Kind.values)
    author = AuthorSchema(allow_null=True, help_text="Null when the author was deleted.")
    created = serializers.DateTimeField()


def reply_data(reply: Reply) -> dict[str, Any]:
    author: dict[str, Any] | None = None
    if (agent := reply.author_agent) is not None:
        author = {"type": "agent", "id": agent.pk, "name": agent_name(agent)}
    elif (contact := reply.author_contact) is not None:
        author = {"type": "contact", "id": contact.pk, "name": contact.name}
    return {
        "id": reply.pk,
        "ticket_id": reply.ticket_id,
        "text": reply.text,
        "type": reply.kind,
        "author": author,
        "created": iso(reply.created_at),
    }


class StatusSchema(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField()
    colour = serializers.CharField()
    is_closed = serializers.BooleanField()


def status_data(status: TicketStatus) -> dict[str, Any]:
    return {
        "id": status.pk,
        "title": status.title,
        "position": status.position,
        "colour": status.colour,
        "is_closed": status.is_closed,
    }


class CategorySchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Category.Type.values)
    position = serializers.IntegerField()
    created = serializers.DateTimeField()


def category_data(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "type": category.type,
        "position": category.position,
        "created": iso(category.created_at),
    }


class ClientSchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    active = serializers.BooleanField()
    created = serializers.DateTimeField()


def client_data(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "name": client.name,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "active": client.is_active,
        "created": iso(client.created_at),
    }


class ContactSchema(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    created = serializers.DateTimeField()


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "client_id": contact.client_id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "created": iso(contact.created_at),
    }


class ProjectSchema(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    created = serializers.DateTimeField()


def project_data(project: Project) -> dict[str, Any]:
    return {
        "id": project.pk,
        "client_id": project.client_id,
        "name": project.name,
        "description": project.description,
        "created": iso(project.created_at),
    }


class AgentSchema(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()


def agent_data(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.pk,
        "username": agent.get_username(),
        "name": agent_name(agent),
        "email": agent.email,
    }


class TagSchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tickets_count = serializers.IntegerField()


def tag_data(tag: Tag) -> dict[str, Any]:
    return {"id": tag.pk, "name": tag.name, "tickets_count": tag.tickets_count}


SCHEMAS = {
    ticket_data: TicketSchema,
    reply_data: ReplySchema,
    status_data: StatusSchema,
    category_data: CategorySchema,
    client_data: ClientSchema,
    contact_data: ContactSchema,
    project_data: ProjectSchema,
    agent_data: AgentSchema,
    tag_data: TagSchema,
}
"""Each writer function and the serializer documenting its output (checked by the tests)."""
