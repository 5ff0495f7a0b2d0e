"""Forms of the agent workspace: sign-in, the reply box, the ticket side panel, new tickets.

Forms check the shape of the input; the rules of the domain stay in tickets.services,
whose ValidationError messages are put back on the fields by `add_service_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .attachments import AttachmentsField
from .models import (
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
)
from .queries import as_id

NOT_AN_AGENT = (
    "This account is not an agent account. Only active agents can sign in to the helpdesk."
)
CUSTOM_FIELD_PREFIX = "cf_"


# Signing in -------------------------------------------------------------------------


class AgentAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing users who are not active staff (agents)."""

    error_messages = {**AuthenticationForm.error_messages, "not_agent": NOT_AN_AGENT}

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_agent"], code="not_agent")


class AgentPasswordResetForm(PasswordResetForm):
    """Password reset emails go to agents only; the page never says whether one was sent."""

    def get_users(self, email: str):
        return (user for user in super().get_users(email) if user.is_staff)


# Helpers ------------------------------------------------------------------------------


def agents():
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("first_name", "last_name", "username")
    )


def departments():
    return Category.objects.filter(type=Category.Type.TICKET)


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


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


# Fast selects -------------------------------------------------------------------------


def option_tags(choices: Iterable[tuple[Any, str]], selected: set[str]) -> str:
    """`<option>` tags for (value, label) pairs; those whose value is in `selected` are chosen."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) in selected else "", label)
            for key, label in choices
        ),
    )


class FastSelect(forms.Select):
    """A <select> rendered in Python: Django renders each option through a template,
    which for a few hundred options costs more than every query of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = [(str(key), label) for key, label in self.choices]  # one query, once
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        return self.render_options(name, value, attrs, choices)

    def render_options(self, name, value, attrs, choices: list[tuple[str, str]]) -> str:
        selected = {str(item) for item in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        options = option_tags(choices, selected)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)

    def use_required_attribute(self, initial) -> bool:
        # Django reads the first choice (a query) to decide; the required fields here all
        # start with an empty choice, and every form is checked on the server.
        return True


# A client <select> offers at most this many clients; past it, a search box finds the rest.
CLIENT_CHOICES_SHOWN = 200


class ClientSelect(FastSelect):
    """The client <select>, for helpdesks with thousands of clients.

    With few clients it offers them all. With more than CLIENT_CHOICES_SHOWN it offers
    the first ones by name (and the chosen one), and a search box above it asks the
    server for the clients matching what is typed (`clients_options`), so that no page
    carries thousands of options. The box belongs to no form: it is never submitted.
    """

    def render(self, name, value, attrs=None, renderer=None):
        queryset = self.choices.queryset.order_by("name", "pk")
        clients = list(queryset[: CLIENT_CHOICES_SHOWN + 1])
        empty_label = self.choices.field.empty_label
        empty = [] if empty_label is None else [("", empty_label)]
        if len(clients) <= CLIENT_CHOICES_SHOWN:
            choices = [*empty, *((str(client.pk), str(client)) for client in clients)]
            return self.render_options(name, value, attrs, choices)
        clients = clients[:CLIENT_CHOICES_SHOWN]
        chosen = {str(pk) for pk in map(as_id, self.format_value(value)) if pk}
        missing = chosen - {str(client.pk) for client in clients}
        if missing:
            clients += list(queryset.filter(pk__in=missing))
        choices = [*empty, *((str(client.pk), str(client)) for client in clients)]
        empty_label = empty_label or ""
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        search = format_html(
            '<input type="search" form="client-search-no-form" class="client-search" '
            'name="q" placeholder="Type to find a client…" aria-label="Find a client" '
            'aria-controls="{}" autocomplete="off" maxlength="200" hx-get="{}" '
            'hx-vals=\'{}\' hx-target="#{}" hx-swap="innerHTML" '
            'hx-trigger="input changed delay:250ms, search">',
            select_id,
            reverse("clients_options"),
            json.dumps(
                {
                    "empty": empty_label,
                    "active": "1" if self.active_only else "",
                    "selected": ",".join(sorted(chosen)),
                }
            ),
            select_id,
        )
        return search + self.render_options(name, value, attrs, choices)

    def __init__(self, attrs=None, choices=(), *, active_only: bool = False) -> None:
        super().__init__(attrs, choices)
        self.active_only = active_only


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        if value is None:
            return []
        if not isinstance(value, (tuple, list)):
            value = [value]
        return [str(item) if item is not None else "" for item in value]


class WorkspaceForm(forms.Form):
    """The workspace's base form: its selects render fast (see FastSelect)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget_class = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}
            fast = widget_class.get(type(field.widget))
            if fast is not None:
                field.widget = fast(attrs=field.widget.attrs, choices=field.widget.choices)


class FilledSelect(FastSelect):
    """A select that always holds a value. Django would run the choices' query a second
    time to decide on the `required` attribute, which adds nothing here."""

    def use_required_attribute(self, initial) -> bool:
        return False


# Custom fields ------------------------------------------------------------------------


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


class CustomFieldsMixin:
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


# The conversation ---------------------------------------------------------------------


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


# The side panel: one form per action ----------------------------------------------------


class SubjectForm(WorkspaceForm):
    subject = forms.CharField(max_length=Ticket._meta.get_field("subject").max_length)


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
        self.fields["project"].queryset = Project.objects.filter(client=client)


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


# New tickets ------------------------------------------------------------------------


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
    subject = forms.CharField(max_length=Ticket._meta.get_field("subject").max_length)
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
        self.client = self.chosen_client()
        if self.client is not None:
            self.fields["requester"].queryset = Contact.objects.filter(client=self.client)
            self.fields["project"].queryset = Project.objects.filter(client=self.client)
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
