"""The team filter and the hour-of-day grouping (which the LiveChat reports use)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from reports import queries
from reports.periods import NO_TEAM, ByPeriod, GroupBy, ReportFilters
from tests import factories
from tickets.models import Rating

from .scenario import Helpdesk, at

pytestmark = pytest.mark.django_db

JAN_10 = datetime.date(2026, 1, 10)
JAN_12 = datetime.date(2026, 1, 12)
HOURS = [f"{hour:02d}:00" for hour in range(24)]


def by_period(rows):
    return {row.pop("period"): row for row in rows}


def filters(**kwargs):
    kwargs.setdefault("date_from", JAN_10)
    kwargs.setdefault("date_to", JAN_12)
    return ReportFilters(**kwargs)


class TestTeamFilter:
    @pytest.fixture
    def desk(self):
        desk = Helpdesk()
        desk.blue = factories.TeamFactory(name="Blue")
        desk.red = factories.TeamFactory(name="Red")
        blue_ticket = desk.ticket(at(10, 8), team=desk.blue, assignee=desk.agent)
        desk.ticket(at(10, 9), team=desk.blue)
        red_ticket = desk.ticket(at(10, 10), team=desk.red, assignee=desk.agent)
        desk.ticket(at(11, 10))  # no team
        desk.rate(blue_ticket, at(11, 9), Rating.Value.GOOD)
        desk.rate(red_ticket, at(11, 10), Rating.Value.BAD)
        return desk

    def test_tickets_of_the_team(self, desk):
        blue = filters(team=desk.blue.pk)
        assert by_period(queries.new_tickets(blue)) == {
            "2026-01-10": {"count": 2},
            "2026-01-11": {"count": 0},
            "2026-01-12": {"count": 0},
        }
        assert by_period(queries.ticket_sources(filters(team=desk.red.pk)))["2026-01-10"] == {
            "web": 1,
            "email": 0,
            "api": 0,
            "portal": 0,
        }

    def test_tickets_without_a_team(self, desk):
        assert by_period(queries.new_tickets(filters(team=NO_TEAM))) == {
            "2026-01-10": {"count": 0},
            "2026-01-11": {"count": 1},
            "2026-01-12": {"count": 0},
        }

    def test_ratings_of_the_rated_tickets_team(self, desk):
        assert by_period(queries.ratings(filters(team=desk.red.pk)))["2026-01-11"] == {
            "good": 0,
            "bad": 1,
            "total": 1,
        }
        ranking = queries.ratings_ranking(filters(team=desk.blue.pk))
        assert [(row["agent"]["id"], row["good"], row["bad"]) for row in ranking] == [
            (desk.agent.pk, 1, 0)
        ]
        assert queries.ratings_ranking(filters(team=NO_TEAM)) == []

    def test_the_api_takes_a_team_id(self, desk, agent):
        api = APIClient()
        api.force_authenticate(agent)
        params = {"date_from": "2026-01-10", "date_to": "2026-01-10", "group_by": "day"}
        response = api.get("/api/reports/tickets/new_tickets", {**params, "team": desk.red.pk})
        assert response.json() == {"data": {"2026-01-10": {"count": 1}}}
        unknown = api.get("/api/reports/tickets/new_tickets", {**params, "team": desk.red.pk + 9})
        assert unknown.status_code == 422
        assert unknown.json()["errors"] == {"team": ["There is no such team."]}
        assert api.get("/api/reports/tickets/new_tickets", {**params, "team": 0}).status_code == 422


class TestHourOfDay:
    def test_each_hour_adds_up_every_day(self):
        desk = Helpdesk()
        desk.ticket(at(10, 8, 5))
        desk.ticket(at(11, 8, 59))
        desk.ticket(at(12, 8))
        desk.ticket(at(12, 23, 59, 59))
        desk.ticket(at(13, 8))  # after the range
        rows = queries.new_tickets(filters(group_by=GroupBy.HOUR_OF_DAY))
        assert [row["period"] for row in rows] == HOURS
        counts = {row["period"]: row["count"] for row in rows}
        assert counts["08:00"] == 3
        assert counts["23:00"] == 1
        assert sum(counts.values()) == 4

    def test_hours_are_local_to_the_zone(self):
        desk = Helpdesk()
        desk.ticket(at(10, 3))  # 22:00 on the 9th in New York: outside the range
        desk.ticket(at(10, 13))  # 08:00 in New York
        desk.ticket(at(11, 13, 30))  # 08:30 in New York
        new_york = filters(group_by=GroupBy.HOUR_OF_DAY, timezone=ZoneInfo("America/New_York"))
        counts = {row["period"]: row["count"] for row in queries.new_tickets(new_york)}
        assert counts["08:00"] == 2
        assert sum(counts.values()) == 2

    def test_durations_are_averaged_over_every_day(self):
        desk = Helpdesk()
        first = desk.ticket(at(10, 8))
        second = desk.ticket(at(11, 6))
        desk.reply(first, at(10, 9))  # answered at 09:00 after 1 hour
        desk.reply(second, at(11, 9, 30))  # answered at 09:30 after 3.5 hours
        rows = by_period(queries.first_response_time(filters(group_by=GroupBy.HOUR_OF_DAY)))
        assert rows["09:00"] == {"count": 2, "hours": 2.25, "median_hours": 2.25, "p90_hours": 3.25}
        assert rows["10:00"] == {"count": 0, "hours": None, "median_hours": None, "p90_hours": None}

    def test_ratings_and_sources_by_hour_of_day(self):
        desk = Helpdesk()
        ticket = desk.ticket(at(10, 7), channel="email")
        desk.ticket(at(12, 7), channel="api")
        desk.rate(ticket, at(11, 7, 45), Rating.Value.GOOD)
        hourly = filters(group_by=GroupBy.HOUR_OF_DAY)
        assert by_period(queries.ticket_sources(hourly))["07:00"] == {
            "web": 0,
            "email": 1,
            "api": 1,
            "portal": 0,
        }
        assert by_period(queries.ratings(hourly))["07:00"] == {"good": 1, "bad": 0, "total": 1}

    def test_grouped_rather_than_counted_per_range_of_instants(self):
        assert ByPeriod(filters(group_by=GroupBy.HOUR_OF_DAY)).intervals() is None
        assert ByPeriod(filters(group_by=GroupBy.HOUR_OF_DAY)).keys == HOURS

    def test_the_native_api_does_not_offer_it(self, agent):
        api = APIClient()
        api.force_authenticate(agent)
        response = api.get("/api/reports/tickets/new_tickets", {"group_by": "hour_of_day"})
        assert response.status_code == 422
