"""The reports dashboard for agents: tiles, a chart and a table per report, CSV links."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from tickets.models import Category, Client

from . import queries
from .api import report_table
from .catalog import RANKING, REPORTS
from .charts import Series, chart
from .forms import TAG_PARAMETER, ReportParametersForm
from .periods import ByPeriod, PreviousAndCurrent, ReportFilters

DEFAULT_DAYS = 30


def is_agent(user) -> bool:
    return user.is_active and user.is_staff


@dataclass(frozen=True)
class Tile:
    label: str
    current: float | int | None
    previous: float | int | None
    unit: str = ""
    lower_is_better: bool = False

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 2)

    @property
    def change_percent(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return round(100 * self.change / self.previous, 1)

    @property
    def trend(self) -> str:
        """better, worse or same, for colouring the change."""
        if not self.change:
            return "same"
        improved = (self.change < 0) if self.lower_is_better else (self.change > 0)
        return "better" if improved else "worse"


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    description: str
    svg: str
    legend: list[tuple[int, str]]
    table: list[list[Any]]
    csv_url: str


@login_required
@user_passes_test(is_agent)
def dashboard(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("date_from"):
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today.isoformat()
        try:
            end = datetime.date.fromisoformat(data["date_to"])
        except ValueError:
            end = today
        data["date_from"] = (end - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    form = ReportParametersForm(data)
    context: dict[str, Any] = {
        "form": form,
        "options": filter_options(),
        "data": data,
        "timezone_name": data.get("timezone") or settings.TIME_ZONE,
    }
    if form.is_valid():
        filters = form.filters()
        query = query_string(data)
        context.update(
            filters=filters,
            previous=filters.previous(),
            tiles=tiles(filters),
            panels=panels(filters, query),
            ranking=queries.ratings_ranking(filters),
            ranking_csv=csv_url(RANKING.name, query),
            selected_tags=data.getlist(TAG_PARAMETER),
        )
    status = 200 if form.is_valid() else 422
    return render(request, "reports/dashboard.html", context, status=status)


def filter_options() -> dict[str, Any]:
    return {
        "agents": get_user_model()
        .objects.filter(is_staff=True)
        .order_by("first_name", "last_name", "username")
        .only("pk", "username", "first_name", "last_name"),
        "departments": Category.objects.filter(type=Category.Type.TICKET).only("pk", "name"),
        "clients": Client.objects.order_by("name").only("pk", "name"),
        "tags": Tag.objects.order_by("name").values_list("name", flat=True),
        "group_by": ReportParametersForm.base_fields["group_by"].choices,
    }


def query_string(data) -> str:
    keys = ["date_from", "date_to", "group_by", "timezone", "agent", "department", "client"]
    pairs = [(key, data[key]) for key in keys if data.get(key)]
    pairs += [(TAG_PARAMETER, tag) for tag in data.getlist(TAG_PARAMETER) if tag]
    return urlencode(pairs)


def csv_url(name: str, query: str) -> str:
    path = reverse(f"reports-api-{REPORTS[name].slug}")
    return f"{path}?{query}&format=csv" if query else f"{path}?format=csv"


def tiles(filters: ReportFilters) -> list[Tile]:
    """The headline figures for the range and the same number of days before it."""
    split = PreviousAndCurrent(filters)

    def pair(rows, figure):
        by_key = {row["period"]: row[figure] for row in rows}
        return by_key["current"], by_key["previous"]

    ratings = {row["period"]: row for row in queries.ratings(filters, grouping=split)}
    score = {
        key: round(row["good"] / row["total"], 3) if row["total"] else None
        for key, row in ratings.items()
    }
    return [
        Tile("New tickets", *pair(queries.new_tickets(filters, grouping=split), "count")),
        Tile("Solved tickets", *pair(queries.solved_tickets(filters, grouping=split), "count")),
        Tile(
            "Median first response",
            *pair(queries.first_response_time(filters, grouping=split), "median_hours"),
            unit="h",
            lower_is_better=True,
        ),
        Tile(
            "Median resolution",
            *pair(queries.resolution_time(filters, grouping=split), "median_hours"),
            unit="h",
            lower_is_better=True,
        ),
        Tile("Rating score", score["current"], score["previous"]),
        Tile(
            "Backlog",
            *pair(queries.backlog(filters, grouping=split), "count"),
            lower_is_better=True,
        ),
    ]


# How each report is drawn: the figures plotted, the chart kind and the unit.
CHARTS = [
    ("new_tickets", ("count",), "bars", ""),
    ("solved_tickets", ("count",), "bars", ""),
    ("first_response_time", ("median_hours", "p90_hours"), "line", " h"),
    ("resolution_time", ("median_hours", "p90_hours"), "line", " h"),
    ("ratings", ("good", "bad"), "bars", ""),
    ("ticket_sources", ("web", "email", "api"), "bars", ""),
    ("backlog", ("count",), "line", ""),
]


def panels(filters: ReportFilters, query: str) -> list[Panel]:
    keys = ByPeriod(filters).keys
    result = []
    for name, figures, kind, unit in CHARTS:
        report = REPORTS[name]
        rows = report.function(filters)
        series = [Series(figure, [row[figure] for row in rows]) for figure in figures]
        result.append(
            Panel(
                name=report.slug,
                title=report.title,
                description=report.description,
                svg=chart(report.title, keys, series, kind=kind, unit=unit),
                legend=list(enumerate(figures)) if len(figures) > 1 else [],
                table=report_table(report, rows),
                csv_url=csv_url(name, query),
            )
        )
    return result
