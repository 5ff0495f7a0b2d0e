"""An agent's own settings: which notification emails they want."""

from __future__ import annotations

from django import forms

from tickets.models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["on_assignment", "on_client_reply", "on_mention"]
