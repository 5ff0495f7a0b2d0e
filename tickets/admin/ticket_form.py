"""The ticket admin's change form: the services' own checks, shown as form errors.

ModelAdmin.save_model runs only after the form is valid, so everything the services
would refuse is checked here first: the links between client, project, contacts,
department and assignee (services.check_ticket_fields), and the custom field values
(tickets.custom_fields). Custom fields get one typed form field each.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from taggit.utils import edit_string_for_tags, parse_tags

from tickets import custom_fields, services
from tickets.agents import agents
from tickets.forms.base import declared_as
from tickets.models import CustomField, Ticket

User = get_user_model()

CUSTOM_FIELD_PREFIX = "cf_"


def custom_field_form_field(definition: CustomField) -> forms.Field:
    """A form field for one custom field; the values are validated by tickets.custom_fields."""
    options: dict[str, Any] = {"label": definition.label, "required": definition.required}
    match definition.type:
        case CustomField.Type.DATE:
            return forms.DateField(widget=AdminDateWidget, **options)
        case CustomField.Type.CHOICE:
            return forms.ChoiceField(
                choices=[("", "---------"), *((c, c) for c in definition.choices)], **options
            )
        case CustomField.Type.CHECKBOX:
            return forms.BooleanField(**options)
        case CustomField.Type.NUMBER:
            return forms.CharField(
                widget=forms.TextInput(attrs={"inputmode": "decimal"}), **options
            )
    return forms.CharField(**options)


class TicketAdminForm(forms.ModelForm):
    """Validates a ticket with the services' own checks, so that saving cannot fail."""

    custom_field_definitions: tuple[CustomField, ...] = ()
    # The tags the administrator saw: saving applies only what they added and removed, so
    # that a tag someone else changed while the form was open is left as it is.
    tags_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Ticket
        fields = ()

    def tag_changes(self) -> tuple[list[str], list[str]] | None:
        """The tags added and removed against those the form showed; None if it did not say."""
        if "tags_seen" not in self.data:
            return None
        seen = {name.lower(): name for name in parse_tags(self.cleaned_data["tags_seen"])}
        wanted = {name.lower(): name for name in self.cleaned_data.get("tags") or ()}
        added = [name for key, name in wanted.items() if key not in seen]
        removed = [name for key, name in seen.items() if key not in wanted]
        return added, removed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            assignee = declared_as(self.fields, "assignee", forms.ModelChoiceField)
            assignee.queryset = agents()
        if self.instance.pk:
            for name, field in self.fields.items():
                # Compare with what the administrator saw rather than with the database at
                # saving time, so that a change someone made meanwhile is not undone. (The
                # tag field cannot round-trip its initial value through a hidden input.)
                field.show_hidden_initial = name not in ("tags", "tags_seen")
            self.initial["tags_seen"] = edit_string_for_tags(self.instance.tags.all())
            stored = self.instance.custom_fields
            for definition in self.custom_field_definitions:
                name = CUSTOM_FIELD_PREFIX + definition.key
                self.initial.setdefault(name, self._initial_value(definition, stored))
                value = stored.get(definition.key)
                if (
                    definition.type == CustomField.Type.CHOICE
                    and value not in (None, "")
                    and value not in definition.choices
                ):
                    # Keep a value whose choice was withdrawn visible (and unchanged).
                    field = declared_as(self.fields, name, forms.ChoiceField)
                    # The stubs give the getter the setter's types, callables among them.
                    field.choices = [*field.choices, (value, f"{value} (no longer offered)")]  # type: ignore[misc]
        self.changed_custom_fields: dict[str, Any] = {}

    @staticmethod
    def _initial_value(definition: CustomField, stored: dict[str, Any]) -> Any:
        value = stored.get(definition.key)
        if value is None:
            return None
        if definition.type == CustomField.Type.DATE:
            try:
                return datetime.date.fromisoformat(value)
            except (TypeError, ValueError):
                return None
        if definition.type == CustomField.Type.CHECKBOX:
            return bool(value)
        return str(value)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._clean_custom_fields(cleaned)
        return cleaned

    def _clean_custom_fields(self, cleaned: dict[str, Any]) -> None:
        names = {
            definition.key: CUSTOM_FIELD_PREFIX + definition.key
            for definition in self.custom_field_definitions
        }
        adding = self.instance.pk is None
        values = {
            key: cleaned.get(name)
            for key, name in names.items()
            if name in cleaned and (adding or name in self.changed_data)
        }
        if not values and not adding:
            return
        if any(name in self.errors for name in names.values()):
            return  # Shown already; the required check would only repeat it.
        try:
            custom_fields.validate_values(
                values,
                current=None if adding else self.instance.custom_fields,
                fields=self.custom_field_definitions,
            )
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                if key in names:
                    self.add_error(names[key], texts)
                else:
                    self.add_error(None, f"{key}: {' '.join(texts)}")
            return
        self.changed_custom_fields = values

    def _post_clean(self) -> None:
        # Ticket.clean() (run by super) checks some links; the services check the rest.
        super()._post_clean()  # type: ignore[misc]  # a private method of Django's, not in the stubs
        data = self.cleaned_data
        if not data.get("client") or not data.get("department"):
            return
        try:
            services.check_ticket_fields(
                client=data["client"],
                department=data["department"],
                project=data.get("project"),
                requester=data.get("requester"),
                cc=data.get("cc") or (),
                assignee=data.get("assignee"),
                tags=data.get("tags") or (),
            )
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                target = field if field in self.fields else None
                if target is None or target not in self.errors:
                    self.add_error(target, texts)
