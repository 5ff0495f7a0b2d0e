"""What the workspace's forms share: the fast base form, agent and department choices,
service errors shown on fields, tags typed as text, and custom fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tickets.agents import agent_name
from tickets.models import Category, CustomField

from .widgets import FastSelect, FastSelectMultiple

CUSTOM_FIELD_PREFIX = "cf_"


class WorkspaceForm(forms.Form):
    """The workspace's base form: its selects render fast (see FastSelect)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget_class = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}
            fast = widget_class.get(type(field.widget))
            if fast is not None:
                field.widget = fast(attrs=field.widget.attrs, choices=field.widget.choices)


def declared_as[T](fields: Mapping[str, object], name: str, kind: type[T]) -> T:
    """A form's field or a FilterSet's filter, `fields[name]`, as the kind it is declared:
    the stubs type a form's fields as plain Fields and a FilterSet's filters as Filters."""
    field = fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}.")
    return field


def departments():
    return Category.objects.filter(type=Category.Type.TICKET)


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return agent_name(obj)


def add_service_errors(form: forms.Form, error: ValidationError, names: dict[str, str]) -> None:
    """Show a service's ValidationError on the form: by field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = names.get(key, key)
        if name not in form.fields and f"{CUSTOM_FIELD_PREFIX}{key}" in form.fields:
            name = f"{CUSTOM_FIELD_PREFIX}{key}"
        form.add_error(name if name in form.fields else None, messages)


def split_tags(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def custom_form_field(definition: CustomField, value: Any) -> forms.Field:
    """A form field for a custom field definition, showing the stored `value`."""
    common = {"label": definition.label, "required": definition.required, "initial": value}
    match definition.type:
        case CustomField.Type.NUMBER:
            return forms.DecimalField(**common)
        case CustomField.Type.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case CustomField.Type.CHOICE:
            choices = [("", "—"), *((choice, choice) for choice in definition.choices)]
            return forms.ChoiceField(choices=choices, widget=FastSelect, **common)
        case CustomField.Type.CHECKBOX:
            return forms.BooleanField(**{**common, "initial": bool(value)})
    return forms.CharField(max_length=1000, **common)


class CustomFieldsMixin(forms.BaseForm):
    """Adds one form field per enabled custom field, named cf_<key>."""

    def add_custom_fields(
        self, definitions: Iterable[CustomField], values: dict[str, Any] | None = None
    ) -> None:
        self.custom_definitions = list(definitions)
        for definition in self.custom_definitions:
            self.fields[CUSTOM_FIELD_PREFIX + definition.key] = custom_form_field(
                definition, (values or {}).get(definition.key)
            )

    @property
    def custom_field_names(self) -> list[str]:
        return [CUSTOM_FIELD_PREFIX + definition.key for definition in self.custom_definitions]

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_field_names]

    def custom_values(self) -> dict[str, Any]:
        """The cleaned values by key, as tickets.custom_fields.validate_values expects them."""
        return {
            definition.key: self.cleaned_data.get(CUSTOM_FIELD_PREFIX + definition.key)
            for definition in self.custom_definitions
        }
