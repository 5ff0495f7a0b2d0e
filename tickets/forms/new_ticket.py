"""The new-ticket form."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from tickets.attachments import AttachmentsField
from tickets.models import Client, Contact, CustomField, Priority, Project, Ticket, max_length

from .base import CustomFieldsMixin, WorkspaceForm, declared_as, departments, split_tags
from .widgets import ClientSelect


class NewTicketForm(CustomFieldsMixin, WorkspaceForm):
    client = forms.ModelChoiceField(
        queryset=Client.objects.active(),
        empty_label="Choose a client",
        widget=ClientSelect(active_only=True),
    )
    requester = forms.ModelChoiceField(
        label="Requester contact",
        queryset=Contact.objects.none(),
        required=False,
        empty_label="No contact",
    )
    department = forms.ModelChoiceField(queryset=departments(), empty_label="Choose a department")
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="No project"
    )
    subject = forms.CharField(max_length=max_length(Ticket, "subject"))
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    tags = forms.CharField(required=False, max_length=1000, help_text="Separate tags with commas.")
    attachments = AttachmentsField()

    def __init__(self, *args, definitions: Iterable[CustomField], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].widget.attrs.update(
            {
                "hx-get": reverse("new_ticket_client_fields"),
                "hx-trigger": "change",
                "hx-target": "#client-fields",
                "hx-swap": "outerHTML",
            }
        )
        client = self.chosen_client()
        if client is not None:
            requester = declared_as(self.fields, "requester", forms.ModelChoiceField)
            requester.queryset = Contact.objects.filter(client=client)
            project = declared_as(self.fields, "project", forms.ModelChoiceField)
            project.queryset = Project.objects.filter(client=client)
        self.add_custom_fields(definitions)

    def chosen_client(self) -> Client | None:
        """The client picked so far, which narrows the requester and project choices."""
        raw = self.data.get("client") if self.is_bound else self.initial.get("client")
        if isinstance(raw, Client):
            return raw
        try:
            return self.fields["client"].clean(raw)
        except ValidationError:
            return None

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["tags"])
