"""Mounted at /api/reports/ by helpdesk/urls.py."""

from django.urls import path

from .api import ReportView
from .catalog import REPORTS

urlpatterns = [
    path(f"tickets/{name}", ReportView.as_view(report=report), name=f"reports-api-{report.slug}")
    for name, report in REPORTS.items()
]
