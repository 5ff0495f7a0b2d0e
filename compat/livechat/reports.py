"""GET /compat/livechat/reports/tickets/<report>: the seven ticket reports of LiveChat's v2
API (document 002), shaped as LiveChat shaped them.

A thin adapter: the parameters are read by the native reports' form (reports/forms.py) with
LiveChat's names, the figures come from the native report queries (reports/queries.py), and
this module only renames and reshapes them (the table REPORTS below).

- Keys: "HH:MM" by hour (over several days each hour of the day adds up every day),
  "YYYY-MM-DD" by day, "YYYY-MM" by month; every period is present.
- Parameters: `date_from` (default: the first ticket's day), `date_to` (default: today),
  `group_by` (hour, day or month; default day, or hour when the two dates are equal),
  `timezone` (an IANA name; default the site's), `group` (a team id; 0: tickets without a
  team, as in the ticket object's `groups`), `tag[]` (tickets with any of the tags), and
  `agent` (a login: the assignee) for the reports where document 002 lists it. An unknown
  agent or group is a 400, and so is `agent` for a report that does not take it (LiveChat's
  figures for everyone would be wrong for the agent asked about).
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.urls import URLPattern, re_path
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from reports import catalog
from reports.forms import ReportParametersForm
from reports.periods import NO_TEAM, GroupBy, ReportFilters
from tickets.agents import agents_and_former_agents
from tickets.models import Team

from .api import LiveChatError, LiveChatView
from .mappings import REPORT_SOURCES

Row = dict[str, Any]
Shape = Callable[[list[Row], ReportFilters], dict[str, Any]]

# The choices of LiveChat's group_by (no week).
GROUP_BY_CHOICES = (GroupBy.HOUR, GroupBy.DAY, GroupBy.MONTH)
AGENT = "agent"


class LiveChatReportParameters(ReportParametersForm):
    """The native reports' parameters with LiveChat's names and choices: `agent` is a login,
    `group` a team id; no department, client or week."""

    group_by = forms.ChoiceField(
        required=False,
        choices=[("", "Automatic")] + [(choice, choice.title()) for choice in GROUP_BY_CHOICES],
        error_messages={"invalid_choice": "Select hour, day or month."},
    )
    agent = forms.CharField(required=False, max_length=254)  # type: ignore[assignment]
    group = forms.IntegerField(
        required=False, min_value=0, error_messages={"invalid": "Enter a group id."}
    )
    # Hours of the day over any range: 24 periods, whatever its length.
    max_hour_range_days = None

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for native_only in ("department", "client", "team"):
            del self.fields[native_only]

    def clean_agent(self) -> int | None:
        login = self.cleaned_data.get("agent")
        if not login:
            return None
        # A former agent's login still names their past work, as the native `agent` id does.
        pk = (
            agents_and_former_agents()
            .filter(Q(email__iexact=login) | Q(username=login))
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise forms.ValidationError("There is no agent with that login.")
        return pk

    def clean_group(self) -> int | None:
        group = self.cleaned_data.get("group")
        if group is None or group == NO_TEAM:
            return group
        if not Team.objects.filter(pk=group).exists():
            raise forms.ValidationError("There is no such group.")
        return group

    def filters(self) -> ReportFilters:
        filters = super().filters()
        group_by = filters.group_by
        if group_by == GroupBy.HOUR and filters.days > 1:
            group_by = GroupBy.HOUR_OF_DAY
        return replace(filters, group_by=group_by, team=self.cleaned_data.get("group"))

    def first_error(self) -> str:
        field, messages = next(iter(self.error_dict().items()))
        return messages[0] if field == NON_FIELD_ERRORS else f"{field}: {messages[0]}"


# The shapes ------------------------------------------------------------------


def counted_as(name: str) -> Shape:
    def shape(rows: list[Row], filters: ReportFilters) -> dict[str, Any]:
        return {row["period"]: {name: row["count"]} for row in rows}

    return shape


def durations(rows: list[Row], filters: ReportFilters) -> dict[str, Any]:
    # `hours` is the mean, null without tickets, as the native report gives it.
    return {row["period"]: {"count": row["count"], "hours": row["hours"]} for row in rows}


def ratings(rows: list[Row], filters: ReportFilters) -> dict[str, Any]:
    report = {}
    for row in rows:
        bucket: dict[str, Any] = {"good": row["good"], "bad": row["bad"]}
        if filters.group_by == GroupBy.MONTH:
            begin, end = month_within_range(row["period"], filters)
            bucket.update(begin=begin.isoformat(), end=end.isoformat())
        report[row["period"]] = bucket
    return report


def month_within_range(key: str, filters: ReportFilters) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month `key` ("YYYY-MM") that the range covers."""
    year, month = (int(part) for part in key.split("-"))
    last_day = calendar.monthrange(year, month)[1]
    begin = max(datetime.date(year, month, 1), filters.date_from)
    end = min(datetime.date(year, month, last_day), filters.date_to)
    return begin, end


# LiveChat ranks agents by the lower bound of the Wilson score interval of their good ratings,
# at this confidence, not by the share of good ratings: 10 good and 2 bad (0.519) rank above
# 2 good and none bad (0.331). https://www.livechat.com/help/agent-rankings/
WILSON_Z = 2.69


def wilson_score(good: int, bad: int) -> float:
    """LiveChat's ranking score of an agent with these ratings, as it writes the formula."""
    total = good + bad
    if total == 0:
        return 0.0
    share = good / total
    zzfn = WILSON_Z * WILSON_Z / (4 * total)
    spread = WILSON_Z * math.sqrt((zzfn / total + share * (1 - share)) / total)
    return (share + 2 * zzfn - spread) / (1 + 4 * zzfn)


def ranking(rows: list[Row], filters: ReportFilters) -> dict[str, Any]:
    # The native rows, scored and ordered as LiveChat did: best score first, then the most
    # ratings, then by username; `name` is the agent's login (api.login_of).
    ranked = sorted(
        rows,
        key=lambda row: (
            -wilson_score(row["good"], row["bad"]),
            -row["total"],
            row["agent"]["username"],
        ),
    )
    return {
        "ranking": [
            {
                "good": row["good"],
                "bad": row["bad"],
                "total": row["total"],
                "score": round(wilson_score(row["good"], row["bad"]), 4),
                "name": row["agent"]["email"] or row["agent"]["username"],
            }
            for row in ranked
        ]
    }


def ticket_sources(rows: list[Row], filters: ReportFilters) -> dict[str, Any]:
    return {
        row["period"]: {
            name: sum(row[source] for source in sources) for name, sources in REPORT_SOURCES.items()
        }
        for row in rows
    }


@dataclass(frozen=True)
class LiveChatReport:
    native: catalog.Report
    shape: Shape
    # Whether document 002 lists `agent` among the report's parameters.
    takes_agent: bool = False


REPORTS = {
    "new_tickets": LiveChatReport(catalog.REPORTS["new_tickets"], counted_as("new_tickets")),
    "solved_tickets": LiveChatReport(
        catalog.REPORTS["solved_tickets"], counted_as("solved_tickets")
    ),
    "first_response_time": LiveChatReport(
        catalog.REPORTS["first_response_time"], durations, takes_agent=True
    ),
    "resolution_time": LiveChatReport(catalog.REPORTS["resolution_time"], durations),
    "ratings": LiveChatReport(catalog.REPORTS["ratings"], ratings),
    "ratings/ranking": LiveChatReport(catalog.RANKING, ranking),
    "ticket_sources": LiveChatReport(catalog.REPORTS["ticket_sources"], ticket_sources),
}


class LiveChatReportView(LiveChatView):
    def get(self, request: Request, report: str) -> Response:
        livechat_report = REPORTS.get(report)
        if livechat_report is None:
            raise exceptions.NotFound(f"There is no report {report!r}.")
        if request.query_params.get(AGENT) and not livechat_report.takes_agent:
            raise LiveChatError(f"agent: the {report} report does not take an agent.")
        form = LiveChatReportParameters(request.query_params)
        if not form.is_valid():
            raise LiveChatError(form.first_error())
        filters = form.filters()
        rows = livechat_report.native.function(filters)
        return Response(livechat_report.shape(rows, filters))


urlpatterns: list[URLPattern] = [
    # Any name, so that an unknown report gets LiveChat's 404 body; the slash is optional.
    re_path(
        r"^reports/tickets/(?P<report>.+?)/?$",
        LiveChatReportView.as_view(),
        name="livechat-reports",
    ),
]
