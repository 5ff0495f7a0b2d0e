"""The Reports page's service levels: the share of SLA targets met per policy and kind of
target (a table and a chart per policy) and a page of the breaches (reports/sla.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from sla.models import SlaTargetKind, TicketSlaTarget

from . import sla
from .charts import Series, chart
from .periods import ByPeriod, ReportFilters

# Breaches shown at a time; `breaches_page` turns the pages.
BREACHES_PER_PAGE = 20
BREACHES_PAGE = "breaches_page"


def breaches_page_number(data) -> int:
    """The page of breaches asked for: a whole number from 1; anything else is the first."""
    try:
        return max(1, int(data.get(BREACHES_PAGE, 1)))
    except ValueError:
        return 1


def breaches_page(filters: ReportFilters, number: int) -> list[TicketSlaTarget]:
    """One query: the page's breaches. Their total is the targets report's (no COUNT)."""
    start = (number - 1) * BREACHES_PER_PAGE
    page: QuerySet[TicketSlaTarget] = sla.breaches(filters)[start : start + BREACHES_PER_PAGE]
    return list(page)


@dataclass(frozen=True)
class PolicyChart:
    policy: dict[str, Any]
    svg: SafeString
    legend: list[tuple[int, str]]


@dataclass(frozen=True)
class SlaSection:
    targets: list[dict[str, Any]]
    charts: list[PolicyChart]
    breaches: list[TicketSlaTarget]
    breaches_total: int
    page: int
    csv_url: str
    query: str

    @property
    def last_page(self) -> int:
        return max(1, -(-self.breaches_total // BREACHES_PER_PAGE))

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * BREACHES_PER_PAGE + 1 if self.breaches else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.breaches) - 1 if self.breaches else 0

    def page_url(self, number: int) -> str:
        pairs = f"{self.query}&" if self.query else ""
        return f"?{pairs}{BREACHES_PAGE}={number}#report-sla"

    @property
    def newer_url(self) -> str | None:
        return self.page_url(self.page - 1) if self.page > 1 else None

    @property
    def older_url(self) -> str | None:
        return self.page_url(self.page + 1) if self.page < self.last_page else None


def percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def sla_section(
    filters: ReportFilters,
    targets: list[dict[str, Any]],
    breaches: list[TicketSlaTarget],
    page: int,
    query: str,
) -> SlaSection:
    keys = ByPeriod(filters).keys
    labels = dict(SlaTargetKind.choices)
    charts = []
    for policy_id in dict.fromkeys(row["policy"]["id"] for row in targets):
        rows = [row for row in targets if row["policy"]["id"] == policy_id]
        title = f"{rows[0]['policy']['name']}: share of targets met"
        kinds = [labels.get(row["kind"], row["kind"]) for row in rows]
        series = [
            Series(kind, [percent(row["periods"][key]["share_met"]) for key in keys])
            for kind, row in zip(kinds, rows, strict=True)
        ]
        charts.append(
            PolicyChart(
                policy=rows[0]["policy"],
                svg=chart(title, keys, series, kind="line", unit="%"),
                legend=list(enumerate(kinds)),
            )
        )
    path = reverse("reports-api-sla_targets")
    return SlaSection(
        targets=[
            {
                **row,
                "kind_label": labels.get(row["kind"], row["kind"]),
                "percent": percent(row["share_met"]),
            }
            for row in targets
        ],
        charts=charts,
        breaches=breaches,
        breaches_total=sum(row["breached"] for row in targets),
        page=page,
        csv_url=f"{path}?{query}&format=csv" if query else f"{path}?format=csv",
        query=query,
    )
