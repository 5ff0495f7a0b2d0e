"""The request bodies the API accepts, validated by DRF serializers.

Field names are the API's parameter names, so a 422 names the parameter that
was wrong. Referenced objects are looked up here: a missing one is a 422.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from tickets import custom_fields
from tickets.agents import Agent, agents
from tickets.models import (
    Category,
    Client,
    Contact,
    CustomField,
    Priority,
    Project,
    Reply,
    Team,
    Ticket,
    TicketStatus,
    max_length,
)
from tickets.queries import MAX_ID
from tickets.services import Conflict

from .bodies import FormValues

PRIORITY_CODES = [p.code for p in Priority]


def from_json(field: serializers.Field) -> bool:
    """Whether the field's value came in a JSON body, which keeps its types, rather than in
    a form, where every value is text."""
    return not isinstance(getattr(field.root, "initial_data", None), FormValues)


class TextField(serializers.CharField):
    """Text, and only text: DRF's CharField would store a JSON number or boolean as its digits."""

    default_error_messages = {"invalid": "Enter text."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextEmailField(serializers.EmailField):
    default_error_messages = {"invalid": "Enter a valid email address."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """A whole number; in JSON a number (not `"5"`, not `true`), in a form its digits."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or (from_json(self) and not isinstance(data, (int, float))):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """In JSON `true` or `false`; in a form `true`/`false`, `1`/`0`, `yes`/`no`..."""

    def to_internal_value(self, data: Any) -> bool:
        if from_json(self) and not isinstance(data, bool):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class IdField(WholeNumberField):
    """An id: a whole number from 1 to the largest the database holds; "" means none."""

    default_error_messages = {"invalid": "Enter a whole number (an id)."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data == "" and self.allow_null:
            data = None
        return super().validate_empty_values(data)


class PriorityField(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": "The priority must be normal, high or urgent."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PRIORITY_CODES, **kwargs)

    # A code in, a Priority out (DRF's stubs expect a ChoiceField to give its choice back).
    def to_internal_value(self, data: Any) -> Priority:  # type: ignore[override]
        code = super().to_internal_value(str(data).strip().lower())
        return Priority.from_code(code)


class TagListField(serializers.ListField):
    """A list of tag titles; a single form value counts as a list of one; empty ones are dropped."""

    child = TextField(max_length=100, allow_blank=True)

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str) and not from_json(self):
            data = [data]
        return [name for name in super().to_internal_value(data) if name]


class IdListField(serializers.ListField):
    """A list of ids: `cc[]=4&cc[]=7` in a form (`cc[]=` alone for none), an array of
    numbers in JSON."""

    child = IdField()

    def to_internal_value(self, data: Any) -> list[int]:
        if not from_json(self):
            data = [value for value in ([data] if isinstance(data, str) else data) if value != ""]
        return list(dict.fromkeys(super().to_internal_value(data)))


def _exists(model, pk: int, message: str, **conditions: Any):
    obj = model.objects.filter(pk=pk, **conditions).first()
    if obj is None:
        raise serializers.ValidationError(message)
    return obj


class TicketInput(serializers.Serializer):
    """POST /api/tickets. Custom fields are accepted by key besides these."""

    ticket_clientid = IdField(help_text="An existing client.")
    ticket_categoryid = IdField(help_text="A department: a category of type ticket.")
    ticket_projectid = IdField(
        required=False, allow_null=True, help_text="A project of the client; empty for none."
    )
    ticket_subject = TextField(max_length=max_length(Ticket, "subject"))
    ticket_message = TextField()
    ticket_priority = PriorityField(help_text="normal, high or urgent.")
    tags = TagListField(
        required=False, help_text="Tag titles: `tags[]=a&tags[]=b` in a form, an array in JSON."
    )
    # Extras beyond document 003 (docs/api.md): who the ticket is for and who works on it.
    assignee_id = IdField(
        required=False, allow_null=True, help_text="An active agent; empty for none."
    )
    team_id = IdField(required=False, allow_null=True, help_text="A team; empty for none.")
    requester_id = IdField(
        required=False, allow_null=True, help_text="A contact of the client; empty for none."
    )
    cc = IdListField(
        required=False,
        allow_empty=True,
        help_text="Contacts of the client copied on the ticket's emails, by id: "
        "`cc[]=4&cc[]=7` in a form (`cc[]=` for none), an array in JSON.",
    )

    def validate_assignee_id(self, pk: int | None) -> Agent | None:
        if pk is None:
            return None
        agent = agents().filter(pk=pk).first()
        if agent is None:
            raise serializers.ValidationError("No active agent has this id.")
        return agent

    def validate_team_id(self, pk: int | None) -> Team | None:
        return None if pk is None else _exists(Team, pk, "No team has this id.")

    def validate_requester_id(self, pk: int | None) -> Contact | None:
        return None if pk is None else _exists(Contact, pk, "No contact has this id.")

    def validate_cc(self, ids: list[int]) -> list[Contact]:
        contacts = Contact.objects.in_bulk(ids)
        missing = [str(pk) for pk in ids if pk not in contacts]
        if missing:
            raise serializers.ValidationError(f"No contact has the id {', '.join(missing)}.")
        return [contacts[pk] for pk in ids]

    def validate_ticket_clientid(self, pk: int) -> Client:
        return _exists(Client, pk, "No client has this id.")

    def validate_ticket_categoryid(self, pk: int) -> Category:
        category = _exists(Category, pk, "No category has this id.")
        if category.type != Category.Type.TICKET:
            raise serializers.ValidationError("The department must be a category of type ticket.")
        return category

    def validate_ticket_projectid(self, pk: int | None) -> Project | None:
        return None if pk is None else _exists(Project, pk, "No project has this id.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ticket: Ticket | None = self.context.get("ticket")
        client = attrs.get("ticket_clientid") or (ticket.client if ticket else None)
        project = attrs.get("ticket_projectid")
        errors: dict[str, list[str]] = {}
        if project is not None and client is not None and project.client_id != client.pk:
            errors["ticket_projectid"] = ["The project does not belong to the ticket's client."]
        requester = attrs.get("requester_id")
        if requester is not None and client is not None and requester.client_id != client.pk:
            errors["requester_id"] = ["The requester must be a contact of the ticket's client."]
        cc = attrs.get("cc", [])
        if client is not None and any(contact.client_id != client.pk for contact in cc):
            errors["cc"] = ["Copied contacts must be contacts of the ticket's client."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TicketUpdateInput(TicketInput):
    """PATCH /api/tickets/{id}: any of these, and custom fields; only those given change."""

    # None removes the parent's field (DRF's declared fields, which the stubs cannot follow).
    ticket_clientid = None  # type: ignore[assignment]  # a ticket's client is set when it is created
    tags = None  # type: ignore[assignment]  # tags have their own setter, PUT /api/tickets/{id}/tags
    assignee_id = None  # type: ignore[assignment]  # not changed by PATCH (document 003)
    team_id = None  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs and not self.context.get("custom_field_values"):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give at least one of ticket_categoryid, ticket_projectid, "
                        "ticket_subject, ticket_message, ticket_priority, requester_id, cc "
                        "or a custom field."
                    ]
                }
            )
        return super().validate(attrs)


def custom_field_values(
    values: dict[str, Any], *, current: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The custom field values of a ticket body, and the problems with them.

    Values come as top-level keys of enabled fields, or in the `custom_fields`
    object (`custom_fields[key]=...` in a form). They are checked here, with the
    other parameters, so that one 422 lists every problem; the service checks
    them again when it stores them.
    """
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    nested = values.get("custom_fields", {})
    if not isinstance(nested, dict):
        errors["custom_fields"] = ["Give custom fields as an object of values by key."]
        nested = {}
    fields = custom_fields.enabled_fields()
    enabled_keys = {field.key for field in fields}
    given.update({key: value for key, value in values.items() if key in enabled_keys})
    given.update(nested)
    for key, value in given.items():
        if isinstance(value, (dict, list)):
            errors[key] = ["Give a single value."]
        elif isinstance(value, str) and "\x00" in value:
            errors[key] = ["Null characters are not allowed."]
    if not errors:
        try:
            custom_fields.validate_values(given, current=current, fields=fields)
        except DjangoValidationError as error:
            errors.update(error.message_dict)
    return given, errors


class StatusInput(serializers.Serializer):
    status = IdField(help_text="1 Open, 2 Closed, 3 On Hold, 4 Answered, 5 Customer Replied.")

    def validate_status(self, pk: int) -> TicketStatus:
        return _exists(TicketStatus, pk, "No status has this id.")


class TagsInput(serializers.Serializer):
    tags = TagListField(
        allow_empty=True,
        help_text="The full set of tag titles. `tags[]=` (form) or `[]` (JSON) clears them.",
        error_messages={
            "required": "Give the full set of tags; send tags[]= (or a JSON []) to clear them."
        },
    )


class ReplyInput(serializers.Serializer):
    ticketreply_text = TextField(help_text="The message.")
    ticketreply_type = serializers.ChoiceField(
        choices=Reply.Kind.values,
        default=Reply.Kind.REPLY,
        error_messages={"invalid_choice": "The type must be reply or note."},
    )


class UpdatableInput(serializers.Serializer):
    """The input of a resource that PATCH changes (partial=True): a PATCH that gives none of
    its fields is a 422 that names them, as a ticket's is, never a 200 that changes nothing."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        if self.partial and not attrs:
            names = [name for name, field in self.fields.items() if not field.read_only]
            listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
            raise serializers.ValidationError(
                {"non_field_errors": [f"Give at least one of {listed}."]}
            )
        return attrs


class CategoryInput(UpdatableInput):
    name = TextField(max_length=100)
    type = serializers.ChoiceField(
        choices=Category.Type.values,
        default=Category.Type.TICKET,
        error_messages={"invalid_choice": "The type must be ticket, project or client."},
    )
    position = WholeNumberField(min_value=0, max_value=2**31 - 1, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        category: Category | None = self.instance
        name = attrs.get("name", category.name if category else None)
        type_ = attrs.get("type", category.type if category else Category.Type.TICKET)
        others = Category.objects.filter(type=type_, name__iexact=name)
        if category is not None:
            others = others.exclude(pk=category.pk)
        if others.exists():
            raise Conflict("A category of this type with this name already exists.")
        return attrs


class ClientInput(UpdatableInput):
    name = TextField(max_length=200)
    email = TextEmailField(required=False, allow_blank=True, max_length=254)
    phone = TextField(required=False, allow_blank=True, max_length=50)
    address = TextField(required=False, allow_blank=True)
    active = JsonBooleanField(required=False, default=True)


class ContactInput(UpdatableInput):
    name = TextField(max_length=200)
    email = TextEmailField(required=False, allow_blank=True, max_length=254)
    phone = TextField(required=False, allow_blank=True, max_length=50)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        contact: Contact | None = self.instance
        client: Client = self.context["client"]
        email = attrs.get("email", contact.email if contact else "")
        if email:
            others = Contact.objects.filter(client=client, email__iexact=email)
            if contact is not None:
                others = others.exclude(pk=contact.pk)
            if others.exists():
                raise Conflict("This client already has a contact with this email.")
        return attrs


class ProjectInput(UpdatableInput):
    client_id = IdField(help_text="The client the project is for.")
    name = TextField(max_length=200)
    description = TextField(required=False, allow_blank=True)

    def validate_client_id(self, pk: int) -> Client:
        return _exists(Client, pk, "No client has this id.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project: Project | None = self.instance
        client = attrs.get("client_id") or (project.client if project else None)
        name = attrs.get("name", project.name if project else None)
        others = Project.objects.filter(client=client, name__iexact=name)
        if project is not None:
            others = others.exclude(pk=project.pk)
        if others.exists():
            raise Conflict("This client already has a project with this name.")
        return attrs


def describe_custom_fields() -> str:
    """For the schema: custom fields are configured per installation."""
    types = ", ".join(CustomField.Type.values)
    return (
        "Enabled ticket custom fields are accepted by key, as top-level parameters "
        "(`order_number=42`) or in a `custom_fields` object (`custom_fields[order_number]=42`). "
        f"Values are checked against the field's type ({types}); required fields must be given."
    )
