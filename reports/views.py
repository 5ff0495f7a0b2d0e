"""The reports dashboard for agents: tiles, a chart and a table per report, CSV links."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db import connection, connections
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from tickets.agents import AgentRequest, agents_and_former_agents
from tickets.forms.base import declared_as
from tickets.forms.widgets import ClientSelect
from tickets.models import Category, Client, Source
from tickets.views.access import agent_required

from . import queries, sla, sla_panels
from .api import report_table
from .catalog import RANKING, REPORTS
from .charts import Series, chart
from .forms import TAG_PARAMETER, DashboardParametersForm, ReportParametersForm, time_zone_names
from .periods import ByPeriod, PreviousAndCurrent, ReportFilters, WholeRange
from .sla_panels import breaches_page_number, sla_section

DEFAULT_DAYS = 30


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

    @property
    def headings(self) -> list[Any]:
        return self.table[0]

    @property
    def body(self) -> SafeString:
        """The table's rows as HTML. A year by day is thousands of cells per table, which
        the template engine, or format_html, renders several times slower than joining
        escaped strings (see docs/reports.md)."""
        return mark_safe(  # noqa: S308 (every cell is escaped)
            "".join(
                f'<tr><th scope="row">{escape(str(period))}</th>'
                + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells)
                + "</tr>"
                for period, *cells in self.table[1:]
            )
        )


@agent_required
def dashboard(request: AgentRequest) -> HttpResponse:
    data = with_default_period(request.GET.copy())
    form = DashboardParametersForm(data)
    context: dict[str, Any] = {
        "form": form,
        "options": filter_options(data),
        "data": data,
        "timezone_name": data["timezone"],
    }
    if form.is_valid():
        filters = form.filters()
        query = query_string(data)
        results = run_reports(filters)
        series = report_series(results)
        context.update(
            filters=filters,
            previous=filters.previous(),
            tiles=tiles(results, series),
            panels=panels(filters, series, query),
            ranking=results["ranking"],
            ranking_csv=csv_url(RANKING.name, query),
            selected_tags=data.getlist(TAG_PARAMETER),
            # Loaded after the page: the ticket reports stay within their second.
            sla_url=f"{reverse('reports:service_levels')}?{request.GET.urlencode()}",
        )
    status = 200 if form.is_valid() else 422
    return render(request, "reports/dashboard.html", context, status=status)


@agent_required
def service_levels(request: AgentRequest) -> HttpResponse:
    """The Reports page's service levels for the same parameters: the share of SLA targets
    met and a page of the breaches. The page loads them after itself (htmx); without
    JavaScript its link opens them as a page of their own."""
    data = with_default_period(request.GET.copy())
    form = DashboardParametersForm(data)
    if not form.is_valid():
        return render(request, "reports/service_levels.html", {"form": form}, status=422)
    filters = form.filters()
    page = breaches_page_number(request.GET)
    results = run_concurrently(
        {
            "targets": lambda: sla.sla_targets(filters),
            "breaches": lambda: sla_panels.breaches_page(filters, page),
        }
    )
    section = sla_section(
        filters, results["targets"], results["breaches"], page, query_string(data)
    )
    context = {"form": form, "filters": filters, "sla": section}
    if request.headers.get("HX-Request"):
        return render(request, "reports/includes/service_levels.html", context)
    return render(request, "reports/service_levels.html", context)


def with_default_period(data):
    """The page opens on the last 30 days (the API's default start is the first ticket),
    in the agent's time zone (the API's default is the site's)."""
    data["timezone"] = data.get("timezone") or timezone.get_current_timezone_name()
    if not data.get("date_from"):
        data["date_to"] = data.get("date_to") or timezone.localdate().isoformat()
        try:
            end = datetime.date.fromisoformat(data["date_to"])
        except ValueError:
            return data  # the form reports the bad date
        data["date_from"] = (end - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    return data


def filter_options(data) -> dict[str, Any]:
    return {
        "agents": agents_and_former_agents().only("pk", "username", "first_name", "last_name"),
        "departments": Category.objects.filter(type=Category.Type.TICKET).only("pk", "name"),
        "client_select": client_select(data.get("client")),
        "tags": Tag.objects.order_by("name").values_list("name", flat=True),
        "timezones": sorted(time_zone_names()),
        "group_by": declared_as(
            ReportParametersForm.base_fields, "group_by", forms.ChoiceField
        ).choices,
    }


def client_select(value: str | None) -> str:
    """The queue's client <select>: past CLIENT_CHOICES_SHOWN clients, the first ones,
    the chosen one and a box that finds the others."""
    field = forms.ModelChoiceField(
        queryset=Client.objects.all(), empty_label="All clients", widget=ClientSelect()
    )
    return field.widget.render("client", value, attrs={"id": "id_client"})


def query_string(data) -> str:
    keys = ["date_from", "date_to", "group_by", "timezone", "agent", "department", "client"]
    pairs = [(key, data[key]) for key in keys if data.get(key)]
    pairs += [(TAG_PARAMETER, tag) for tag in data.getlist(TAG_PARAMETER) if tag]
    return urlencode(pairs)


def csv_url(name: str, query: str) -> str:
    path = reverse(f"reports-api-{REPORTS[name].slug}")
    return f"{path}?{query}&format=csv" if query else f"{path}?format=csv"


def run_reports(filters: ReportFilters) -> dict[str, Any]:
    """The page's ten report calls: four for the charts (new tickets are the sum
    of the sources, solved tickets the count of the resolution times, the backlog
    follows from both and the tickets open at the start), the ranking, and for the
    tiles the medians of the previous and the current range and the totals of the
    previous range (the current ones are the sums of the charts' rows). The service
    levels come after the page (`service_levels`)."""
    split = PreviousAndCurrent(filters)
    previous = filters.previous()
    previous_total = WholeRange(previous)
    # The longest first, so that no long query starts last while the others are done.
    return run_concurrently(
        {
            "first_response_split": lambda: queries.median_by_range(
                filters, "first_response_time", split
            ),
            "resolution_split": lambda: queries.median_by_range(filters, "resolution_time", split),
            "first_response_time": lambda: queries.first_response_time(filters),
            "resolution_time": lambda: queries.resolution_time(filters),
            "ticket_sources": lambda: queries.ticket_sources(filters),
            "ranking": lambda: queries.ratings_ranking(filters),
            "ratings": lambda: queries.ratings(filters),
            "open_at_start": lambda: queries.tickets_open_at_start(filters),
            "new_previous": lambda: queries.new_tickets(previous, grouping=previous_total),
            "ratings_previous": lambda: queries.ratings(previous, grouping=previous_total),
        }
    )


def run_concurrently(calls: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run independent queries at once, each thread on its own connection, so the
    page takes about as long as its slowest query rather than all of them.

    Only on PostgreSQL and outside a transaction: other threads could not see
    uncommitted rows (as in tests), and SQLite serializes work on its file anyway.
    At most REPORTS_QUERY_THREADS (default 4) connections per page view.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: call() for name, call in calls.items()}

    def in_own_connection(call: Callable[[], Any]) -> Any:
        try:
            return call()
        finally:
            connections.close_all()  # this worker thread's connections only

    threads = min(len(calls), getattr(settings, "REPORTS_QUERY_THREADS", 4))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = {name: pool.submit(in_own_connection, call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def report_series(results: dict[str, Any]) -> dict[str, list[dict]]:
    """Every charted report's rows."""
    sources, resolution = results["ticket_sources"], results["resolution_time"]
    new_tickets = [
        {"period": row["period"], "count": sum(row[s] for s in Source.values)} for row in sources
    ]
    solved_tickets = [{"period": row["period"], "count": row["count"]} for row in resolution]
    return {
        "new_tickets": new_tickets,
        "solved_tickets": solved_tickets,
        "first_response_time": results["first_response_time"],
        "resolution_time": resolution,
        "ratings": results["ratings"],
        "ticket_sources": sources,
        "backlog": queries.backlog_from_counts(
            results["open_at_start"], new_tickets, solved_tickets
        ),
    }


def tiles(results: dict[str, Any], series: dict[str, list[dict]]) -> list[Tile]:
    """The headline figures for the range and the same number of days before it."""

    def total(rows: list[dict], figure: str) -> int:
        return sum(row[figure] for row in rows)

    def pair(name: str, figure: str) -> tuple[Any, Any]:
        by_key = {row["period"]: row[figure] for row in results[name]}
        return by_key["current"], by_key["previous"]

    def score(good: int, total: int) -> int | None:
        """The share of good ratings in percent, as people read a score."""
        return round(100 * good / total) if total else None

    (ratings_previous,) = results["ratings_previous"]
    (new_previous,) = results["new_previous"]
    return [
        Tile("New tickets", total(series["new_tickets"], "count"), new_previous["count"]),
        Tile("Solved tickets", *pair("resolution_split", "count")),
        Tile(
            "Median first response",
            *pair("first_response_split", "median_hours"),
            unit="h",
            lower_is_better=True,
        ),
        Tile(
            "Median resolution",
            *pair("resolution_split", "median_hours"),
            unit="h",
            lower_is_better=True,
        ),
        Tile(
            "Rating score",
            score(total(series["ratings"], "good"), total(series["ratings"], "total")),
            score(ratings_previous["good"], ratings_previous["total"]),
            unit="%",
        ),
        Tile(
            "Backlog",
            series["backlog"][-1]["count"],
            results["open_at_start"],
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
    ("ticket_sources", ("web", "email", "api", "portal"), "bars", ""),
    ("backlog", ("count",), "line", ""),
]


def panels(filters: ReportFilters, series: dict[str, list[dict]], query: str) -> list[Panel]:
    keys = ByPeriod(filters).keys
    result = []
    for name, figures, kind, unit in CHARTS:
        report = REPORTS[name]
        rows = series[name]
        result.append(
            Panel(
                name=report.slug,
                title=report.title,
                description=report.description,
                svg=chart(
                    report.title,
                    keys,
                    [Series(figure, [row[figure] for row in rows]) for figure in figures],
                    kind=kind,
                    unit=unit,
                ),
                legend=list(enumerate(figures)) if len(figures) > 1 else [],
                table=report_table(report, rows),
                csv_url=csv_url(name, query),
            )
        )
    return result
