"""The queue's bulk action form: which tickets, which action, which value.

The value fields are plain text fields rendered as selects, and each is looked up only
when its action is chosen: a POST costs one query for its value, not one per list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict

from tickets.agents import agents
from tickets.models import Priority, Team, TicketStatus
from tickets.queries import as_id
from tickets.services.bulk import MAX_BULK_TICKETS, BulkAction, too_many_message

from .base import departments, split_tags
from .widgets import FastSelect

NONE = "none"  # the value of "Unassigned" and "No team", as distinct from no choice


class TicketIdsField(forms.Field):
    """The ids of the tickets ticked one by one: each checkbox sends one `ticket`; the
    delete confirmation sends them all in one, comma-separated (a form may send at most
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields, which a thousand ids would exceed)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = [part.strip() for item in value or [] for part in str(item).split(",")]
        values = [part for part in values if part]
        ids: list[int] = []
        bad: list[str] = []
        for item in values:
            pk = as_id(item)
            if pk is None:
                bad.append(item)
            else:
                ids.append(pk)
        if bad:
            raise ValidationError(f"Unknown tickets: {', '.join(bad)}.")
        if len(set(ids)) > MAX_BULK_TICKETS:
            raise ValidationError(too_many_message(len(set(ids))))
        return sorted(set(ids))


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Choose an action…"), *BulkAction.choices],
        error_messages={
            "required": "Choose an action.",
            "invalid_choice": "Unknown action: %(value)s.",
        },
        widget=FastSelect,
    )
    status = forms.CharField(required=False, widget=FastSelect)
    priority = forms.CharField(required=False, widget=FastSelect)
    assignee = forms.CharField(required=False, widget=FastSelect)
    team = forms.CharField(required=False, widget=FastSelect)
    department = forms.CharField(required=False, widget=FastSelect)
    tags = forms.CharField(
        required=False, max_length=1000, help_text="Comma-separated", label="Tags"
    )
    ticket = TicketIdsField(required=False)
    select_all = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The queue's filters, resolved again on the server when select_all is set.
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)

    def offer_choices(
        self,
        *,
        statuses: list[tuple[str, str]],
        assignees: list[tuple[str, str]],
    ) -> BulkActionForm:
        """Fill the value selects for showing the form. The status and agent lists come
        from the queue's filter, which has read them already."""
        choose = [("", "Choose…")]
        widgets = self.fields
        widgets["status"].widget.choices = [*choose, *statuses]
        widgets["priority"].widget.choices = [*choose, *Priority.choices]
        widgets["assignee"].widget.choices = [*choose, (NONE, "Unassigned"), *assignees]
        widgets["team"].widget.choices = [
            *choose,
            (NONE, "No team"),
            *Team.objects.values_list("pk", "name"),
        ]
        widgets["department"].widget.choices = [
            *choose,
            *departments().values_list("pk", "name"),
        ]
        return self

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action in BulkAction.values and action in VALUE_READERS:
            field = FIELD_OF.get(action, action)
            try:
                data["value"] = VALUE_READERS[action](data.get(field))
            except ValidationError as error:
                self.add_error(field, error)
        else:
            data["value"] = None
        if not data.get("select_all") and not data.get("ticket") and "ticket" not in self.errors:
            self.add_error(None, "Select at least one ticket.")
        return data

    @property
    def filter_params(self) -> QueryDict:
        """The queue's filters the selection was made under (without the page)."""
        params = QueryDict(self.cleaned_data.get("query") or "", mutable=True)
        params.pop("page", None)
        return params

    def error_text(self) -> str:
        """Every error in one line, for the messages area."""
        return " ".join(str(message) for errors in self.errors.values() for message in errors)


def _lookup(rows: QuerySet, label: str, text: str | None):
    pk = as_id(text)
    if not text:
        raise ValidationError(f"Choose {label}.")
    found = rows.filter(pk=pk).first() if pk else None
    if found is None:
        raise ValidationError(f"Unknown {label.split(' ', 1)[-1]}: {text}.")
    return found


def _priority(text: str | None) -> Priority:
    if not text:
        raise ValidationError("Choose a priority.")
    for priority in Priority:
        if text in (str(priority.value), priority.code):
            return priority
    raise ValidationError(f"Unknown priority: {text}.")


def _assignee(text: str | None):
    if text == NONE:
        return None
    return _lookup(agents(), "an agent", text)


def _team(text: str | None) -> Team | None:
    if text == NONE:
        return None
    return _lookup(Team.objects.all(), "a team", text)


def _tags(text: str | None) -> list[str]:
    tags = split_tags(text or "")
    if not tags:
        raise ValidationError("Enter at least one tag.")
    return tags


VALUE_READERS = {
    BulkAction.STATUS: lambda text: _lookup(TicketStatus.objects.all(), "a status", text),
    BulkAction.PRIORITY: _priority,
    BulkAction.ASSIGNEE: _assignee,
    BulkAction.TEAM: _team,
    BulkAction.DEPARTMENT: lambda text: _lookup(departments(), "a department", text),
    BulkAction.ADD_TAGS: _tags,
    BulkAction.REMOVE_TAGS: _tags,
}
# The form field holding each action's value.
FIELD_OF = {BulkAction.ADD_TAGS: "tags", BulkAction.REMOVE_TAGS: "tags"}
