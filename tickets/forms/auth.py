"""Signing in and resetting a password: for agents only, with a limit on wrong passwords."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from helpdesk import sign_in
from tickets.agents import is_agent

NOT_AN_AGENT = (
    "This account is not an agent account. Only active agents can sign in to the helpdesk."
)


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, counting wrong passwords (helpdesk.sign_in): a locked account
    or address is refused before its password is checked."""

    # Set when this attempt was refused for a lockout: the view then answers 429.
    locked_seconds = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        self.locked_seconds = sign_in.locked_for(self.request, username)
        if self.locked_seconds:
            raise self._locked_error()
        try:
            cleaned_data = super().clean()
        except ValidationError:
            # A refusal with the right password (an inactive or non-agent account found
            # by its password) is no guess; only a wrong password counts.
            if self.user_cache is None:
                self.locked_seconds = sign_in.record_failure(self.request, username)
                if self.locked_seconds:
                    raise self._locked_error() from None
            raise
        sign_in.record_success(self.request, username)
        return cleaned_data

    def _locked_error(self) -> ValidationError:
        return ValidationError(sign_in.locked_message(self.locked_seconds), code="locked_out")


class AgentAuthenticationForm(LimitedAuthenticationForm):
    """The workspace's sign-in form, refusing users who are not active staff (agents)."""

    error_messages = {**AuthenticationForm.error_messages, "not_agent": NOT_AN_AGENT}

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not is_agent(user):
            raise ValidationError(self.error_messages["not_agent"], code="not_agent")


class LimitedAdminAuthenticationForm(LimitedAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in form, with the same limit on wrong passwords."""


class AgentPasswordResetForm(PasswordResetForm):
    """Password reset emails go to agents only; the page never says whether one was sent.
    The view queues the email (tickets.tasks.password_reset_requested) rather than calling
    save(), which would send it inside the request."""

    def get_users(self, email: str):
        return (user for user in super().get_users(email) if is_agent(user))
