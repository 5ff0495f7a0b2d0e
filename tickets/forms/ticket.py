"""The ticket page: the reply box and the side panel, one form per action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from tickets.agents import agents
from tickets.attachments import AttachmentsField
from tickets.models import (
    Client,
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
from .widgets import FilledSelect


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
