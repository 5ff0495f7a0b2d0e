"""The portal's forms: signing in, replying, a new ticket, the contact form and a rating."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from tickets.attachments import AttachmentsField
from tickets.forms.base import CustomFieldsMixin
from tickets.models import Category, CustomField, Rating, Ticket, max_length

from . import tokens

SUBJECT_LENGTH = max_length(Ticket, "subject")
MESSAGE_LENGTH = 20_000


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


def _message_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReplyForm(forms.Form):
    text = _message_field("Your reply")
    attachments = AttachmentsField()


def public_departments():
    return Category.objects.filter(type=Category.Type.TICKET, is_public=True)


class CustomFieldsForm(CustomFieldsMixin, forms.Form):
    def __init__(self, *args, definitions: Iterable[CustomField], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_custom_fields(definitions)


class NewTicketForm(CustomFieldsForm):
    department = forms.ModelChoiceField(
        label="What is it about?", queryset=public_departments(), empty_label="Choose a topic"
    )
    subject = forms.CharField(max_length=SUBJECT_LENGTH)
    message = _message_field("Message")
    attachments = AttachmentsField()

    field_order = ["department", "subject", "message"]


class ContactForm(CustomFieldsForm):
    """For people without a sign-in. `website` is a trap for robots: people never see it,
    and a form that fills it in is dropped. `started` is when the form was shown: a form
    sent back sooner than a person could write one is refused."""

    name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="Your email address", max_length=254)
    subject = forms.CharField(max_length=SUBJECT_LENGTH)
    message = _message_field("Message")
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    field_order = ["name", "email", "subject", "message"]

    TOO_FAST = "Please take a moment to check your message, then send it again."

    @property
    def is_robot(self) -> bool:
        """The trap field was filled in (read before validation)."""
        return bool(self.data.get("website", "").strip())

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        try:
            elapsed = tokens.seconds_since_form_started(cleaned.get("started") or "")
        except tokens.InvalidToken:
            elapsed = -1.0
        if elapsed < settings.PORTAL_CONTACT_MIN_SECONDS:
            raise ValidationError(self.TOO_FAST, code="too_fast")
        return cleaned


class RatingForm(forms.Form):
    value = forms.ChoiceField(
        label="Your rating",
        choices=[
            (Rating.Value.GOOD, "Good, I'm satisfied"),
            (Rating.Value.BAD, "Bad, I'm not satisfied"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
