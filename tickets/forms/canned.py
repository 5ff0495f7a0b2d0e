"""Forms for canned responses, in the workspace and in the admin.

A canned response is not ticket state, so a ModelForm saves it. Its owner is set by
the page (the agent, or nobody for a shared one), not typed in; the form sets it
before validating so that the unique-title rules run and show on the title.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tickets.agents import agents_and_former_agents
from tickets.canned import check_placeholders, valid_placeholders
from tickets.models import AssignAction, CannedResponse, Category, Priority, TeamAction
from tickets.permissions import Action, may
from tickets.services.common import normalize_tags

from .base import AgentChoiceField, declared_as, split_tags

TEXT_HELP = (
    f"Placeholders, filled in for the ticket when you insert the response: {valid_placeholders()}. "
    "Write {{ or }} for a literal brace."
)


def _checked_text(text: str) -> str:
    check_placeholders(text)
    return text


# The macro's actions (tickets.macros), after the text in both forms.
MACRO_FIELDS = [
    "set_status",
    "set_priority",
    "assign",
    "assignee",
    "set_team",
    "team",
    "add_tags",
    "remove_tags",
]
TAGS_HELP = "Separate tags with commas."


class MacroFieldsMixin(forms.ModelForm):
    """The actions of a canned response: tags typed as text, the assignee among the agents
    (a former one stays selectable so that the model's clean() says why it is refused)."""

    add_tags = forms.CharField(
        label="Then add tags", required=False, max_length=1000, help_text=TAGS_HELP
    )
    remove_tags = forms.CharField(
        label="Then remove tags", required=False, max_length=1000, help_text=TAGS_HELP
    )
    assignee = AgentChoiceField(
        queryset=agents_and_former_agents(),
        required=False,
        empty_label="—",
        help_text="The agent, when “then assign” is “to an agent”.",
    )

    def setup_macro_fields(self) -> None:
        leave = [("", "Leave as it is")]
        declared_as(self.fields, "set_status", forms.ModelChoiceField).empty_label = leave[0][1]
        declared_as(self.fields, "set_priority", forms.ChoiceField).choices = [
            *leave,
            *Priority.choices,
        ]
        declared_as(self.fields, "assign", forms.ChoiceField).choices = [
            *leave,
            *AssignAction.choices,
        ]
        declared_as(self.fields, "set_team", forms.ChoiceField).choices = [
            *leave,
            *TeamAction.choices,
        ]
        for name in ("add_tags", "remove_tags"):
            if not self.is_bound:
                self.initial[name] = ", ".join(getattr(self.instance, name) or [])

    def response_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in MACRO_FIELDS]

    def macro_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name in MACRO_FIELDS]

    def _tags(self, name: str) -> list[str]:
        try:
            return normalize_tags(split_tags(self.cleaned_data[name]))
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean_add_tags(self) -> list[str]:
        return self._tags("add_tags")

    def clean_remove_tags(self) -> list[str]:
        return self._tags("remove_tags")


class CannedResponseForm(MacroFieldsMixin):
    shared = forms.BooleanField(
        label="Shared with all agents",
        required=False,
        help_text="Leave unticked for a personal response only you see.",
    )

    class Meta:
        model = CannedResponse
        fields = ["title", "text", "department", *MACRO_FIELDS]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"text": TEXT_HELP}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        department = declared_as(self.fields, "department", forms.ModelChoiceField)
        department.queryset = Category.objects.filter(type=Category.Type.TICKET)
        department.empty_label = "Every department"
        self.setup_macro_fields()
        # The scope is chosen once, when the response is written.
        if self.instance.pk is not None or not may(user, Action.ADD_SHARED_CANNED):
            del self.fields["shared"]
        if self.instance.pk is None:
            self.instance.owner = user
            self.instance.created_by = user

    def clean_text(self) -> str:
        return _checked_text(self.cleaned_data["text"])

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk is None:
            self.instance.owner = None if cleaned.get("shared") else self.user
        return cleaned

    def _get_validation_exclusions(self) -> set[str]:
        # The owner is not a form field, but the unique-title rules are about it.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]  # a private method of Django's, not in the stubs
        exclusions.discard("owner")
        return exclusions

    def add_twin_error(self) -> None:
        """The unique-title message, for a twin saved by someone else after the check."""
        name = (
            "canned_shared_title_unique"
            if self.instance.is_shared
            else "canned_personal_title_unique"
        )
        constraint = next(c for c in CannedResponse._meta.constraints if c.name == name)
        self.add_error("title", str(constraint.violation_error_message))

    def validate_constraints(self) -> None:
        try:
            self.instance.validate_constraints(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            errors = error.update_error_dict({})
            title_errors = errors.pop(NON_FIELD_ERRORS, [])
            if title_errors and "title" not in self.errors:
                self.add_error("title", title_errors)
            if errors:
                self._update_errors(ValidationError(errors))  # type: ignore[attr-defined]  # a private method of Django's, not in the stubs


class CannedResponseAdminForm(MacroFieldsMixin):
    """The admin's form: the owner is a field there, so the unique-title rules run as is."""

    class Meta:
        model = CannedResponse
        fields = ["title", "text", "owner", "department", *MACRO_FIELDS]
        help_texts = {"text": TEXT_HELP}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_macro_fields()
        if "owner" in self.fields:
            owner = declared_as(self.fields, "owner", forms.ModelChoiceField)
            owner.queryset = agents_and_former_agents()

    def clean_text(self) -> str:
        return _checked_text(self.cleaned_data["text"])
