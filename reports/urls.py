"""Mounted at /reports/ by helpdesk/urls.py."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [path("", views.dashboard, name="dashboard")]
