"""Mounted at /reports/ by helpdesk/urls.py."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # The page's service levels, loaded after it (htmx), or a page of their own without JS.
    path("service-levels/", views.service_levels, name="service_levels"),
]
