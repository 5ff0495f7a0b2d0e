"""`GET /api/reports/tickets/<report>`: the ticket reports in the native API's envelope.

Authentication, the agent permission, the rate limit and the error envelope are
the API's (helpdesk/api.py). `?format=csv` returns the same figures as CSV.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import ApiView, data_response, validation_error
from helpdesk.api_access import AgentApiRequest
from tickets.api.schema import query_id

from .catalog import RANKING, Report
from .forms import TAG_PARAMETER, ReportParametersForm, time_zone_names
from .periods import ReportFilters


class CSVRenderer(BaseRenderer):
    """Renders the table a report view hands it: a list of rows, the header first."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(data)
        return buffer.getvalue().encode(self.charset)


def report_parameters(query_params) -> ReportFilters:
    form = ReportParametersForm(query_params)
    if not form.is_valid():
        raise validation_error(form.error_dict())
    return form.filters()


def report_data(report: Report, rows: list[dict[str, Any]]) -> dict[str, Any]:
    if report is RANKING:
        return {"ranking": rows}
    return {row["period"]: {name: row[name] for name in report.figures} for row in rows}


def report_table(report: Report, rows: list[dict[str, Any]]) -> list[list[Any]]:
    if report is RANKING:
        header = ["rank", "agent_id", "agent", *report.figures]
        return [header] + [
            [rank, row["agent"]["id"], row["agent"]["name"], *(row[f] for f in report.figures)]
            for rank, row in enumerate(rows, start=1)
        ]
    header = ["period", *report.figures]
    return [header] + [
        [row["period"], *("" if row[f] is None else row[f] for f in report.figures)] for row in rows
    ]


# The OpenAPI description -----------------------------------------------------

PARAMETERS = [
    OpenApiParameter(
        "date_from",
        OpenApiTypes.DATE,
        description="First day, YYYY-MM-DD, inclusive. Default: the first ticket's day.",
    ),
    OpenApiParameter(
        "date_to", OpenApiTypes.DATE, description="Last day, inclusive. Default: today."
    ),
    OpenApiParameter(
        "group_by",
        OpenApiTypes.STR,
        enum=["hour", "day", "week", "month"],
        description="Default: day, or hour when date_from equals date_to. "
        "Hour covers at most 31 days.",
    ),
    OpenApiParameter(
        "timezone",
        OpenApiTypes.STR,
        enum=sorted(time_zone_names()),
        description="An IANA time zone name for days and hours. Default: the site's.",
    ),
    query_id("agent", "An agent id: the assignee (ratings: the agent rated)."),
    query_id("department", "A department id."),
    query_id("client", "A client id."),
    query_id("team", "A team id: the ticket's team."),
    OpenApiParameter(
        TAG_PARAMETER,
        OpenApiTypes.STR,
        many=True,
        explode=True,
        description="Tag names; tickets with any of them.",
    ),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv for CSV."),
]

NUMBER_OR_NULL = {"type": "number", "nullable": True}
FIGURE_SCHEMAS = {
    "count": {"type": "integer"},
    "hours": NUMBER_OR_NULL,
    "median_hours": NUMBER_OR_NULL,
    "p90_hours": NUMBER_OR_NULL,
    "good": {"type": "integer"},
    "bad": {"type": "integer"},
    "total": {"type": "integer"},
    "score": {"type": "number"},
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array"}},
    },
}


def _figures_schema(report: Report) -> dict:
    return {
        "type": "object",
        "properties": {
            name: FIGURE_SCHEMAS.get(name, {"type": "integer"}) for name in report.figures
        },
    }


def _data_schema(report: Report) -> dict:
    if report is RANKING:
        entry = _figures_schema(report)
        entry["properties"]["agent"] = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "username": {"type": "string"},
                "name": {"type": "string"},
                "email": {"type": "string"},
            },
        }
        data = {"type": "object", "properties": {"ranking": {"type": "array", "items": entry}}}
    else:
        data = {
            "type": "object",
            "description": 'Keyed by period: "HH:MM" (hour; "YYYY-MM-DD HH:MM" over several '
            'days), "YYYY-MM-DD" (day), "YYYY-Www" (ISO week), "YYYY-MM" (month).',
            "additionalProperties": _figures_schema(report),
        }
    return {"type": "object", "properties": {"data": data}}


def _example(report: Report) -> dict:
    if report is RANKING:
        agent = {"id": 7, "username": "ann", "name": "Ann Able", "email": "ann@example.com"}
        return {
            "data": {"ranking": [{"agent": agent, "good": 2, "bad": 1, "total": 3, "score": 0.667}]}
        }
    samples = {
        "count": 5,
        "hours": 0.83,
        "median_hours": 0.5,
        "p90_hours": 2.1,
        "good": 4,
        "bad": 1,
        "total": 5,
        "web": 3,
        "email": 1,
        "api": 1,
        "portal": 2,
    }
    return {"data": {"2026-01-10": {name: samples[name] for name in report.figures}}}


def report_responses(report: Report) -> dict:
    return {
        (200, "application/json"): OpenApiResponse(
            _data_schema(report),
            description=report.description,
            examples=[OpenApiExample(report.title, value=_example(report))],
        ),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same as CSV."),
        401: OpenApiResponse(ERROR_SCHEMA, description="No or a bad API key."),
        403: OpenApiResponse(ERROR_SCHEMA, description="Not an agent."),
        422: OpenApiResponse(ERROR_SCHEMA, description="A bad parameter."),
    }


class ReportSchema(AutoSchema):
    """Documents each URL's operation from its view's report."""

    def get_operation_id(self) -> str:
        return f"reports_tickets_{view_report(self.view).slug}"

    def get_summary(self) -> str:
        return view_report(self.view).title

    # drf-spectacular's AutoSchema has its own signature for it, unlike DRF's stubbed base.
    def get_description(self) -> str:  # type: ignore[override]
        return view_report(self.view).description

    def get_tags(self) -> list[str]:
        return ["reports"]

    def get_override_parameters(self) -> list:
        return PARAMETERS

    # A dict of responses by status, which drf-spectacular documents but does not annotate.
    def get_response_serializers(self) -> dict:  # type: ignore[override]
        return report_responses(view_report(self.view))


# The view ---------------------------------------------------------------------


class ReportView(ApiView):
    """One ticket report: `ReportView.as_view(report=...)` per URL (reports/api_urls.py)."""

    report: Report | None = None
    renderer_classes = [JSONRenderer, CSVRenderer]
    schema = ReportSchema()

    def get(self, request: AgentApiRequest, *args: Any, **kwargs: Any) -> Response:
        report = view_report(self)
        filters = report_parameters(request.query_params)
        rows = report.function(filters)
        if request.accepted_renderer.format == CSVRenderer.format:
            filename = f"{report.slug}_{filters.date_from}_{filters.date_to}.csv"
            return Response(
                report_table(report, rows),
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return data_response(report_data(report, rows))


def view_report(view: APIView) -> Report:
    """The report of a ReportView, which each URL gives (`as_view(report=...)`)."""
    if not isinstance(view, ReportView) or view.report is None:
        raise ImproperlyConfigured("A report's view is ReportView.as_view(report=...).")
    return view.report
