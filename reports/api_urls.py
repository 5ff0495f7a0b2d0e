"""Mounted at /api/reports/ by helpdesk/urls.py."""

from django.urls import path

from .api import ReportView
from .catalog import REPORTS
from .sla_api import SlaBreachesView, SlaTargetsView

urlpatterns = [
    path(f"tickets/{name}", ReportView.as_view(report=report), name=f"reports-api-{report.slug}")
    for name, report in REPORTS.items()
] + [
    path("sla/targets", SlaTargetsView.as_view(), name="reports-api-sla_targets"),
    path("sla/breaches", SlaBreachesView.as_view(), name="reports-api-sla_breaches"),
]
