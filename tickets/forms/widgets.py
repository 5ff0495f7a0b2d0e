"""Selects rendered in Python, and the client select that scales to thousands of clients."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tickets.queries import as_id


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


class FilledSelect(FastSelect):
    """A select that always holds a value. Django would run the choices' query a second
    time to decide on the `required` attribute, which adds nothing here."""

    def use_required_attribute(self, initial) -> bool:
        return False


# A contact <select> offers at most this many contacts; past it, a search box finds the rest.
CONTACT_CHOICES_SHOWN = 200


class ContactSelect(FastSelect):
    """The <select> of a ticket's client's contacts (its requester, a contact to copy).

    A client that writes by email may gather thousands of contacts: past
    CONTACT_CHOICES_SHOWN it offers the first ones by name (and the chosen one), and a
    search box above it asks `options_url` for the contacts matching what is typed, as
    ClientSelect does for clients. The box belongs to no form: it is never submitted.
    """

    def __init__(self, attrs=None, choices=(), *, options_url: str = "") -> None:
        super().__init__(attrs, choices)
        self.options_url = options_url

    def render(self, name, value, attrs=None, renderer=None):
        queryset = self.choices.queryset.order_by("name", "pk")
        contacts = list(queryset[: CONTACT_CHOICES_SHOWN + 1])
        empty_label = self.choices.field.empty_label
        empty = [] if empty_label is None else [("", empty_label)]
        chosen = {str(pk) for pk in map(as_id, self.format_value(value)) if pk}
        many = len(contacts) > CONTACT_CHOICES_SHOWN
        contacts = contacts[:CONTACT_CHOICES_SHOWN]
        missing = chosen - {str(contact.pk) for contact in contacts}
        if many and missing:
            contacts += list(queryset.filter(pk__in=missing))
        choices = [*empty, *((str(contact.pk), str(contact)) for contact in contacts)]
        select = self.render_options(name, value, attrs, choices)
        if not many:
            return select
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        search = format_html(
            '<input type="search" form="contact-search-no-form" class="client-search" '
            'name="q" placeholder="Type to find a contact…" aria-label="Find a contact" '
            'aria-controls="{}" autocomplete="off" maxlength="200" hx-get="{}" '
            'hx-vals=\'{}\' hx-target="#{}" hx-swap="innerHTML" '
            'hx-trigger="input changed delay:250ms, search">',
            select_id,
            self.options_url,
            json.dumps({"empty": empty_label or "", "selected": ",".join(sorted(chosen))}),
            select_id,
        )
        return search + select
