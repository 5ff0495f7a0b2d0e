"""The ticket page: the reply box and the side panel, one form per action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse

from mail.requesters import agent_with_address
from tickets.agents import agents
from tickets.attachments import AttachmentsField
from tickets.models import (
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

from .base import (
    AgentChoiceField,
    CustomFieldsMixin,
    WorkspaceForm,
    declared_as,
    departments,
    split_tags,
)
from .widgets import ContactSelect, FilledSelect

# At most this many addresses are copied at once.
MAX_CC_ADDRESSES = 20


class AddressesField(forms.CharField):
    """Email addresses, separated by commas, semicolons or spaces: a list of distinct
    addresses (whatever their case), none of them an agent's."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value) -> list[str]:  # a list of addresses, not the text
        text = super().clean(value)
        addresses = list(
            {
                part.lower(): part for part in text.replace(";", ",").replace(",", " ").split()
            }.values()
        )
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            raise ValidationError(f"Not an email address: {', '.join(wrong)}.")
        if len(addresses) > MAX_CC_ADDRESSES:
            raise ValidationError(f"Copy at most {MAX_CC_ADDRESSES} addresses at once.")
        agents_ = [address for address in addresses if agent_with_address(address)]
        if agents_:
            raise ValidationError(
                f"An agent's address is not copied (agents follow tickets in the workspace): "
                f"{', '.join(agents_)}."
            )
        return addresses


def contact_field_for(form: forms.Form, name: str, ticket: Ticket) -> None:
    """Make `form`'s contact choice `name` offer the contacts of the ticket's client."""
    field = declared_as(form.fields, name, forms.ModelChoiceField)
    field.queryset = Contact.objects.filter(client_id=ticket.client_id)
    field.widget = ContactSelect(
        attrs=field.widget.attrs, options_url=reverse("ticket_contact_options", args=[ticket.pk])
    )
    field.widget.choices = field.choices


class ReplyForm(WorkspaceForm):
    text = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 6}))
    kind = forms.ChoiceField(
        label="Send as",
        choices=[(Reply.Kind.REPLY, "Public reply"), (Reply.Kind.NOTE, "Internal note")],
        initial=Reply.Kind.REPLY,
        widget=forms.RadioSelect,
    )
    status = forms.ModelChoiceField(
        label="and set status",
        queryset=TicketStatus.objects.all(),
        required=False,
        empty_label="Default",
        help_text="By default a public reply moves the ticket to Answered and a note keeps its status.",
    )
    attachments = AttachmentsField()
    # Extra recipients of a public reply: they join the ticket's CC contacts, new
    # addresses as contacts of its client (mail.requesters.contact_in_client).
    cc = AddressesField(
        label="CC",
        help_text="Email addresses to copy on this reply and the ticket's next emails, "
        "separated by commas; new ones become contacts of the client.",
    )

    def clean(self):
        data = super().clean()
        if data.get("cc") and data.get("kind") == Reply.Kind.NOTE:
            self.add_error("cc", "Notes are not sent: copy addresses on a public reply.")
        return data


class RequesterForm(WorkspaceForm):
    """The ticket's requester: a contact of its client, or none."""

    requester = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, empty_label="No requester"
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        contact_field_for(self, "requester", ticket)


class CcAddForm(WorkspaceForm):
    """Contacts to copy on the ticket: one of its client's, and new addresses."""

    contact = forms.ModelChoiceField(
        label="Copy a contact",
        queryset=Contact.objects.none(),
        required=False,
        empty_label="Choose a contact",
    )
    addresses = AddressesField(
        label="or email addresses",
        help_text="Separated by commas; new ones become contacts of the client.",
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        contact_field_for(self, "contact", ticket)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("contact") and not data.get("addresses"):
            raise ValidationError("Choose a contact or type an email address to copy.")
        return data


class SubjectForm(WorkspaceForm):
    subject = forms.CharField(max_length=max_length(Ticket, "subject"))


class StatusForm(WorkspaceForm):
    status = forms.ModelChoiceField(
        queryset=TicketStatus.objects.all(), empty_label=None, widget=FilledSelect
    )


class PriorityForm(WorkspaceForm):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)


class DepartmentForm(WorkspaceForm):
    department = forms.ModelChoiceField(
        queryset=departments(), empty_label=None, widget=FilledSelect
    )


class AssigneeForm(WorkspaceForm):
    assignee = AgentChoiceField(
        queryset=agents(), required=False, empty_label="Unassigned", label="Assignee"
    )


class TeamForm(WorkspaceForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="No team"
    )


class TagsForm(WorkspaceForm):
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Separate tags with commas; leave empty to remove all.",
    )

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["tags"])


class ProjectForm(WorkspaceForm):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="No project"
    )

    def __init__(self, *args, client: Client, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        project = declared_as(self.fields, "project", forms.ModelChoiceField)
        project.queryset = Project.objects.filter(client=client)


class DueDateForm(WorkspaceForm):
    due_at = forms.DateTimeField(
        label="Due date",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to clear.",
    )


class CustomFieldsForm(CustomFieldsMixin, WorkspaceForm):
    def __init__(
        self, *args, definitions: Iterable[CustomField], values: dict[str, Any], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_custom_fields(definitions, values)
