"""Mounted at /api/reports/ by helpdesk/urls.py."""

from django.urls import path

from .api import VIEWS
from .catalog import REPORTS

urlpatterns = [
    path(f"tickets/{name}", VIEWS[name], name=f"reports-api-{report.slug}")
    for name, report in REPORTS.items()
]
