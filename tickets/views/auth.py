"""Signing in and out, and password reset by email: Django's views with the agent rules,
a limit on wrong passwords (helpdesk.sign_in) and on reset requests."""

from __future__ import annotations

import time
from functools import partial

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy

from helpdesk import ratelimit, sign_in
from tickets import tasks
from tickets.forms.auth import AgentAuthenticationForm, AgentPasswordResetForm

login = sign_in.with_lockout_status(
    auth_views.LoginView.as_view(
        authentication_form=AgentAuthenticationForm, redirect_authenticated_user=True
    )
)
# Django's LogoutView accepts POST only.
logout = auth_views.LogoutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, with its email queued (never sent inside the request: a slow
    mail server would tell known addresses from unknown ones by the time taken) and a rate
    limit per address asked and per client address."""

    form_class = AgentPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        if not ratelimit.allowed(
            "password-reset",
            address=email,
            request=self.request,
            per_address=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            per_ip=settings.PASSWORD_RESET_RATE_PER_IP,
        ):
            wait = _seconds_to_next_window()
            message = f"Too many password reset requests. Try again in {sign_in.in_minutes(wait)}."
            form.add_error(None, ValidationError(message, code="rate_limited"))
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        # The same work for every address: whether it is an agent's is read by the task.
        transaction.on_commit(partial(tasks.password_reset_requested, email), robust=True)
        return HttpResponseRedirect(self.get_success_url())


def _seconds_to_next_window() -> int:
    """When the longer of the two limits' windows (helpdesk.ratelimit's fixed ones) ends."""
    seconds = max(
        ratelimit.parse_rate(rate)[1]
        for rate in (settings.PASSWORD_RESET_RATE_PER_ADDRESS, settings.PASSWORD_RESET_RATE_PER_IP)
    )
    return seconds - int(time.time()) % seconds


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
