"""An agent's profile page: the notification emails they want."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tickets.agents import AgentRequest
from tickets.forms.profile import NotificationSettingsForm
from tickets.models import NotificationSettings

from .access import agent_required


@require_http_methods(["GET", "POST"])
@agent_required
def profile(request: AgentRequest) -> HttpResponse:
    settings = NotificationSettings.objects.filter(agent=request.user).first()
    settings = settings or NotificationSettings(agent=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your notification settings are saved.")
        return redirect("profile")
    return render(request, "tickets/profile.html", {"form": form})
