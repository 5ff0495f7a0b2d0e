"""Signing in and resetting a password: for agents only."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from tickets.agents import is_agent

NOT_AN_AGENT = (
    "This account is not an agent account. Only active agents can sign in to the helpdesk."
)


class AgentAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing users who are not active staff (agents)."""

    error_messages = {**AuthenticationForm.error_messages, "not_agent": NOT_AN_AGENT}

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not is_agent(user):
            raise ValidationError(self.error_messages["not_agent"], code="not_agent")


class AgentPasswordResetForm(PasswordResetForm):
    """Password reset emails go to agents only; the page never says whether one was sent."""

    def get_users(self, email: str):
        return (user for user in super().get_users(email) if is_agent(user))
