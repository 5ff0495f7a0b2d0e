"""Forms for clients, their contacts and their projects.

These are not ticket state, so plain ModelForms save them. Contacts and projects
belong to a client given by the page, not by the form; the form sets it before
validating, so that the model's rules that involve the client (one contact per
email, one project per name) are checked with the rest and shown next to the
field they are about.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tickets.models import Client, Contact, Project


def _constraint_message(model, name: str) -> str:
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return str(constraint.violation_error_message)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "email", "phone", "address", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "email": "The company's general address. People are added as contacts.",
            "is_active": "Inactive clients stay in the list and keep their tickets.",
        }


class ClientOwnedForm(forms.ModelForm):
    """A form for something that belongs to a client: a contact or a project."""

    # The field that a broken uniqueness rule is shown on, with its message.
    unique_field: str = ""
    unique_message: str = ""

    def __init__(self, *args, client: Client, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.client = client

    def _get_validation_exclusions(self) -> set[str]:
        # The client is not a form field, but the rules about it must run.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]  # a private method of Django's, not in the stubs
        exclusions.discard("client")
        return exclusions

    def validate_unique(self) -> None:
        self._check(lambda exclude: self.instance.validate_unique(exclude=exclude))

    def validate_constraints(self) -> None:
        self._check(lambda exclude: self.instance.validate_constraints(exclude=exclude))

    def _check(self, validate) -> None:
        try:
            validate(self._get_validation_exclusions())
        except ValidationError as error:
            self.add_uniqueness_error(error)

    def add_uniqueness_error(self, error: ValidationError | None = None) -> None:
        """Show a broken uniqueness rule on its field rather than at the top of the form."""
        errors = error.update_error_dict({}) if error is not None else {NON_FIELD_ERRORS: []}
        if NON_FIELD_ERRORS in errors and self.unique_field:
            del errors[NON_FIELD_ERRORS]
            if self.unique_field not in self.errors:
                self.add_error(self.unique_field, self.unique_message)
        if errors:
            self._update_errors(ValidationError(errors))  # type: ignore[attr-defined]  # a private method of Django's, not in the stubs


class ContactForm(ClientOwnedForm):
    unique_field = "email"
    unique_message = _constraint_message(Contact, "contact_unique_email_per_client")

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "sees_all_client_tickets"]
        help_texts = {"email": "Replies to this person's tickets are sent here."}


class ProjectForm(ClientOwnedForm):
    unique_field = "name"
    unique_message = "This client already has a project with this name."

    class Meta:
        model = Project
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
