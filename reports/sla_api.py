"""`GET /api/reports/sla/targets` and `GET /api/reports/sla/breaches`: the service level
reports (reports/sla.py) in the native API's envelopes.

Authentication, the agent permission, the rate limit and the error envelope are the API's
(helpdesk/api.py), and the parameters the ticket reports' (reports/api.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from helpdesk.api import ApiView, Page, data_response, iso, validation_error
from helpdesk.api_access import AgentApiRequest
from sla.models import SlaTargetKind, TicketSlaTarget
from tickets.api.schema import PAGE_PARAMETERS, query_id
from tickets.api.serializers import agent_data

from . import sla
from .api import ERROR_SCHEMA, NUMBER_OR_NULL, PARAMETERS, CSVRenderer, report_parameters
from .forms import SlaBreachesParametersForm

# The CSV of the targets report: a row per policy, kind and period.
TARGETS_HEADER = ["period", "policy_id", "policy", "kind", *sla.FIGURES]


def targets_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [TARGETS_HEADER] + [
        [
            period,
            row["policy"]["id"],
            row["policy"]["name"],
            row["kind"],
            *("" if figures[name] is None else figures[name] for name in sla.FIGURES),
        ]
        for row in rows
        for period, figures in row["periods"].items()
    ]


def breach_data(target: TicketSlaTarget) -> dict[str, Any]:
    ticket = target.ticket
    return {
        "ticket": {"id": ticket.pk, "subject": ticket.subject},
        "policy": {"id": target.policy.pk, "name": target.policy.name},
        "kind": target.kind,
        "due_at": iso(target.due_at),
        "breached_at": iso(target.breach_at),  # type: ignore[attr-defined]  # annotated
        "met_at": iso(target.met_at),
        "assignee": None if ticket.assignee is None else agent_data(ticket.assignee),
    }


# The OpenAPI description -----------------------------------------------------

KIND_SCHEMA = {"type": "string", "enum": SlaTargetKind.values}
POLICY_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
SLA_FIGURES: dict[str, Any] = {
    "met": {"type": "integer"},
    "breached": {"type": "integer"},
    "total": {"type": "integer"},
    "share_met": NUMBER_OR_NULL,
}
SLA_FIGURES_SCHEMA = {"type": "object", "properties": SLA_FIGURES}
TARGETS_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {
            "type": "object",
            "properties": {
                "targets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "policy": POLICY_SCHEMA,
                            "kind": KIND_SCHEMA,
                            **SLA_FIGURES,
                            "periods": {
                                "type": "object",
                                "description": "Keyed by period, as the ticket reports.",
                                "additionalProperties": SLA_FIGURES_SCHEMA,
                            },
                        },
                    },
                }
            },
        }
    },
}
TIME_OR_NULL = {"type": "string", "format": "date-time", "nullable": True}
AGENT_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "name": {"type": "string"},
        "email": {"type": "string"},
    },
}
BREACH_SCHEMA = {
    "type": "object",
    "properties": {
        "ticket": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "subject": {"type": "string"}},
        },
        "policy": POLICY_SCHEMA,
        "kind": KIND_SCHEMA,
        "due_at": TIME_OR_NULL,
        "breached_at": {"type": "string", "format": "date-time"},
        "met_at": TIME_OR_NULL,
        "assignee": AGENT_SCHEMA,
    },
}
BREACHES_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": BREACH_SCHEMA},
        "meta": {
            "type": "object",
            "properties": {
                name: {"type": "integer"}
                for name in ("current_page", "per_page", "total", "last_page")
            },
        },
    },
}
ERRORS = {
    401: OpenApiResponse(ERROR_SCHEMA, description="No or a bad API key."),
    403: OpenApiResponse(ERROR_SCHEMA, description="Not an agent."),
    422: OpenApiResponse(ERROR_SCHEMA, description="A bad parameter."),
}
FIGURES_EXAMPLE = {"met": 9, "breached": 1, "total": 10, "share_met": 0.9}
TARGETS_EXAMPLE = {
    "data": {
        "targets": [
            {
                "policy": {"id": 1, "name": "Standard"},
                "kind": "first_response",
                **FIGURES_EXAMPLE,
                "periods": {"2026-01-10": FIGURES_EXAMPLE},
            }
        ]
    }
}
BREACHES_EXAMPLE = {
    "data": [
        {
            "ticket": {"id": 32, "subject": "Cannot log in"},
            "policy": {"id": 1, "name": "Standard"},
            "kind": "first_response",
            "due_at": "2026-01-10T09:00:00Z",
            "breached_at": "2026-01-10T09:00:00Z",
            "met_at": "2026-01-10T09:40:00Z",
            "assignee": {
                "id": 7,
                "username": "ann",
                "name": "Ann Able",
                "email": "ann@example.com",
            },
        }
    ],
    "meta": {"current_page": 1, "per_page": 25, "total": 1, "last_page": 1},
}
# The ticket reports' parameters, but no grouping or CSV: a list of breaches has no periods.
BREACHES_PARAMETERS = [
    *(p for p in PARAMETERS if p.name not in ("group_by", "format")),
    query_id("policy", "An SLA policy id: its targets only."),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, enum=SlaTargetKind.values, description="This kind only."
    ),
    *PAGE_PARAMETERS,
]


# The views ---------------------------------------------------------------------


# The share of targets met (a comment, not a docstring: see ApiView).
class SlaTargetsView(ApiView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=["reports"],
        operation_id="reports_sla_targets",
        summary="SLA targets met",
        description="Per SLA policy and kind of target, the targets met and breached in the "
        "range and in each period, and the share met (met / total, 3 decimals; null "
        "without targets). A target counts in the period of its breach, else of its "
        "meeting; running targets count once they breach.",
        parameters=PARAMETERS,
        responses={
            (200, "application/json"): OpenApiResponse(
                TARGETS_SCHEMA,
                description="A row per policy and kind with targets in the range.",
                examples=[OpenApiExample("SLA targets", value=TARGETS_EXAMPLE)],
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="A row per policy, kind and period."
            ),
            **ERRORS,
        },
    )
    def get(self, request: AgentApiRequest, *args: Any, **kwargs: Any) -> Response:
        filters = report_parameters(request.query_params)
        rows = sla.sla_targets(filters)
        if request.accepted_renderer.format == CSVRenderer.format:
            filename = f"sla_targets_{filters.date_from}_{filters.date_to}.csv"
            return Response(
                targets_table(rows),
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return data_response({"targets": rows})


# The breaches, newest first, a page at a time (a comment, not a docstring: see ApiView).
class SlaBreachesView(ApiView):
    @extend_schema(
        tags=["reports"],
        operation_id="reports_sla_breaches",
        summary="SLA breaches",
        description="The SLA targets breached in the range, newest breach first: the "
        "ticket, the policy, the kind of target, its due time, when it breached (the "
        "recorded breach, or its due time if it was met late before that), when it was "
        "met (null: not yet) and the ticket's assignee.",
        parameters=BREACHES_PARAMETERS,
        responses={
            200: OpenApiResponse(
                BREACHES_SCHEMA,
                description="A page of breaches.",
                examples=[OpenApiExample("SLA breaches", value=BREACHES_EXAMPLE)],
            ),
            **ERRORS,
        },
    )
    def get(self, request: AgentApiRequest, *args: Any, **kwargs: Any) -> Response:
        form = SlaBreachesParametersForm(request.query_params)
        if not form.is_valid():
            raise validation_error(form.error_dict())
        rows, meta = Page(request).slice(sla.breaches(form.filters(), **form.breach_filters()))
        return Response({"data": [breach_data(target) for target in rows], "meta": meta})
