"""Signing in and out, and password reset by email: Django's views with the agent rules."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from tickets.forms.auth import AgentAuthenticationForm, AgentPasswordResetForm

login = auth_views.LoginView.as_view(
    authentication_form=AgentAuthenticationForm, redirect_authenticated_user=True
)
# Django's LogoutView accepts POST only.
logout = auth_views.LogoutView.as_view()

password_reset = auth_views.PasswordResetView.as_view(
    form_class=AgentPasswordResetForm,
    success_url=reverse_lazy("password_reset_done"),
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
