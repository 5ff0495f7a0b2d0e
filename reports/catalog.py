"""The reports the API and the dashboard offer, by their LiveChat names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tickets.models import Source

from . import queries

DURATION_FIGURES = ("count", "hours", "median_hours", "p90_hours")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    function: Callable
    figures: tuple[str, ...]

    @property
    def slug(self) -> str:
        return self.name.replace("/", "_")


REPORTS = {
    report.name: report
    for report in [
        Report(
            "new_tickets",
            "New tickets",
            "Tickets created in each period.",
            queries.new_tickets,
            ("count",),
        ),
        Report(
            "solved_tickets",
            "Solved tickets",
            "Tickets that reached a closed status in each period (by their final close).",
            queries.solved_tickets,
            ("count",),
        ),
        Report(
            "first_response_time",
            "First response time",
            "Tickets first answered by an agent in each period: their count and the mean, "
            "median and 90th percentile of hours from creation to the first public agent reply.",
            queries.first_response_time,
            DURATION_FIGURES,
        ),
        Report(
            "resolution_time",
            "Resolution time",
            "Tickets solved in each period: their count and the mean, median and 90th "
            "percentile of hours from creation to the final close.",
            queries.resolution_time,
            DURATION_FIGURES,
        ),
        Report(
            "ratings",
            "Ratings",
            "Good and bad ratings given in each period.",
            queries.ratings,
            ("good", "bad", "total"),
        ),
        Report(
            "ratings/ranking",
            "Ratings ranking",
            "Agents ranked by score = good / total ratings in the range, best first.",
            queries.ratings_ranking,
            ("good", "bad", "total", "score"),
        ),
        Report(
            "ticket_sources",
            "Ticket sources",
            "Tickets created in each period, per source.",
            queries.ticket_sources,
            tuple(Source.values),
        ),
        Report(
            "backlog",
            "Backlog",
            "Tickets open at the end of each period: created by then and not resolved by then.",
            queries.backlog,
            ("count",),
        ),
    ]
}
RANKING = REPORTS["ratings/ranking"]
