"""The activity log and the ticket page's collision warnings (presence polling).
Included at the root by tickets/urls.py."""

from django.urls import path

from .views import activity, presence

urlpatterns = [
    path("activity/", activity.activity, name="activity"),
    path("tickets/<int:pk>/presence/", presence.presence_status, name="ticket_presence"),
    path("tickets/<int:pk>/refresh/", presence.refresh, name="ticket_refresh"),
]
