"""The macro's pending changes posted with a reply (tickets.macros): each ticked box in the
reply box's canned response block posts one field of MacroForm (prefix "macro")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tickets.agents import agents
from tickets.macros import MacroChanges, PendingChange, describe
from tickets.models import Priority, Team, TicketStatus
from tickets.services.common import UNSET, normalize_tags

# The value that clears the assignee or the team.
NOBODY = "none"


class TagListField(forms.Field):
    """Several values of one name (one box per tag), as a normalized list of tags."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return normalize_tags(value or [])


class MacroForm(forms.Form):
    status = forms.ModelChoiceField(queryset=TicketStatus.objects.all(), required=False)
    priority = forms.TypedChoiceField(
        choices=Priority.choices, coerce=int, required=False, empty_value=None
    )
    assignee = forms.CharField(required=False, max_length=20)
    team = forms.CharField(required=False, max_length=20)
    add_tags = TagListField(required=False)
    remove_tags = TagListField(required=False)

    prefix = "macro"

    def clean_assignee(self) -> Any:
        value = self.cleaned_data["assignee"]
        if not value:
            return UNSET
        if value == NOBODY:
            return None
        agent = agents().filter(pk=value).first() if value.isdigit() else None
        if agent is None:
            raise ValidationError("Tickets can only be assigned to active agents.")
        return agent

    def clean_team(self) -> Any:
        value = self.cleaned_data["team"]
        if not value:
            return UNSET
        if value == NOBODY:
            return None
        team = Team.objects.filter(pk=value).first() if value.isdigit() else None
        if team is None:
            raise ValidationError("The team no longer exists.")
        return team

    def changes(self) -> MacroChanges:
        data = self.cleaned_data
        return MacroChanges(
            status=data["status"],
            priority=data["priority"],
            assignee=data["assignee"],
            team=data["team"],
            add_tags=tuple(data["add_tags"]),
            remove_tags=tuple(data["remove_tags"]),
        )

    def pending(self, agent: Any) -> list[PendingChange]:
        """The ticked changes again, for a reply box shown with errors."""
        if not self.is_bound or not self.is_valid():
            return []
        return describe(self.changes(), agent)

    def error_messages(self) -> list[str]:
        return [str(message) for messages in self.errors.values() for message in messages]
