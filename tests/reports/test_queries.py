import datetime
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import queries
from reports.periods import ByPeriod, GroupBy, PreviousAndCurrent, ReportFilters, WholeRange
from tests import factories
from tickets.models import Rating, Ticket

from .scenario import Helpdesk, JanuaryScenario, at

pytestmark = pytest.mark.django_db

JAN_10 = datetime.date(2026, 1, 10)
JAN_12 = datetime.date(2026, 1, 12)


@pytest.fixture
def january():
    return JanuaryScenario()


def by_period(rows):
    return {row.pop("period"): row for row in rows}


def filters(**kwargs):
    kwargs.setdefault("date_from", JAN_10)
    kwargs.setdefault("date_to", JAN_12)
    return ReportFilters(**kwargs)


class TestJanuary:
    def test_new_tickets_counts_creations_inside_the_day_edges(self, january):
        assert by_period(queries.new_tickets(filters())) == {
            "2026-01-10": {"count": 5},
            "2026-01-11": {"count": 0},
            "2026-01-12": {"count": 2},
        }

    def test_solved_tickets_counts_the_final_close(self, january):
        assert by_period(queries.solved_tickets(filters())) == {
            "2026-01-10": {"count": 0},
            "2026-01-11": {"count": 1},
            "2026-01-12": {"count": 1},
        }

    def test_first_response_time_ignores_notes_client_replies_and_unanswered(self, january):
        assert by_period(queries.first_response_time(filters())) == {
            "2026-01-10": {"count": 5, "hours": 3.6, "median_hours": 2.0, "p90_hours": 7.6},
            "2026-01-11": {"count": 0, "hours": None, "median_hours": None, "p90_hours": None},
            "2026-01-12": {"count": 1, "hours": 14.0, "median_hours": 14.0, "p90_hours": 14.0},
        }

    def test_resolution_time_runs_from_creation_to_the_final_close(self, january):
        assert by_period(queries.resolution_time(filters())) == {
            "2026-01-10": {"count": 0, "hours": None, "median_hours": None, "p90_hours": None},
            "2026-01-11": {"count": 1, "hours": 24.0, "median_hours": 24.0, "p90_hours": 24.0},
            "2026-01-12": {"count": 1, "hours": 48.0, "median_hours": 48.0, "p90_hours": 48.0},
        }

    def test_ratings(self, january):
        assert by_period(queries.ratings(filters())) == {
            "2026-01-10": {"good": 1, "bad": 0, "total": 1},
            "2026-01-11": {"good": 0, "bad": 1, "total": 1},
            "2026-01-12": {"good": 1, "bad": 0, "total": 1},
        }

    def test_ratings_ranking_best_first(self, january):
        ranking = queries.ratings_ranking(filters())
        assert [(row["agent"]["id"], row["good"], row["bad"], row["total"], row["score"])
                for row in ranking] == [
            (january.agent.pk, 1, 0, 1, 1.0),
            (january.other_agent.pk, 1, 1, 2, 0.5),
        ]  # fmt: skip
        assert ranking[0]["agent"]["name"] == "Ann Able"

    def test_ticket_sources(self, january):
        assert by_period(queries.ticket_sources(filters())) == {
            "2026-01-10": {"web": 2, "email": 2, "api": 1, "portal": 0},
            "2026-01-11": {"web": 0, "email": 0, "api": 0, "portal": 0},
            "2026-01-12": {"web": 1, "email": 0, "api": 1, "portal": 0},
        }

    def test_backlog_counts_tickets_open_at_each_periods_end(self, january):
        # F was created before the range. A's first close (10th) was undone by the
        # reopening, so only its final close on the 12th is known (documented limit).
        assert by_period(queries.backlog(filters())) == {
            "2026-01-10": {"count": 6},
            "2026-01-11": {"count": 5},
            "2026-01-12": {"count": 6},
        }

    @pytest.mark.parametrize(
        "report_filters",
        [
            filters(),
            filters(date_from=JAN_12, date_to=JAN_12),
            filters(date_from=datetime.date(2026, 1, 13), date_to=datetime.date(2026, 1, 20)),
            filters(group_by=GroupBy.HOUR, timezone=ZoneInfo("America/New_York")),
        ],
        ids=["days", "last-day", "after", "hours-new-york"],
    )
    def test_backlog_from_counts_matches_the_backlog_report(self, january, report_filters):
        open_at_start = queries.tickets_open_at_start(report_filters)
        rebuilt = queries.backlog_from_counts(
            open_at_start,
            queries.new_tickets(report_filters),
            queries.solved_tickets(report_filters),
        )
        assert rebuilt == queries.backlog(report_filters)

    def test_whole_range_totals(self, january):
        whole = WholeRange(filters())
        assert queries.new_tickets(filters(), grouping=whole) == [{"period": "total", "count": 7}]
        assert queries.ratings(filters(), grouping=whole) == [
            {"period": "total", "good": 2, "bad": 1, "total": 3}
        ]
        empty = filters(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 1, 31))
        assert queries.new_tickets(empty, grouping=WholeRange(empty)) == [
            {"period": "total", "count": 0}
        ]

    def test_tickets_open_at_start(self, january):
        assert queries.tickets_open_at_start(filters()) == 1  # F
        assert queries.tickets_open_at_start(filters(date_from=JAN_12, date_to=JAN_12)) == 5
        assert queries.tickets_open_at_start(filters(agent=january.other_agent.pk)) == 0

    def test_previous_and_current(self, january):
        current = filters(date_from=JAN_12, date_to=JAN_12)
        grouping = PreviousAndCurrent(current)
        assert by_period(queries.new_tickets(current, grouping=grouping)) == {
            "previous": {"count": 0},
            "current": {"count": 2},
        }
        assert by_period(queries.first_response_time(current, grouping=grouping)) == {
            "previous": {"count": 0, "hours": None, "median_hours": None, "p90_hours": None},
            "current": {"count": 1, "hours": 14.0, "median_hours": 14.0, "p90_hours": 14.0},
        }
        assert by_period(queries.backlog(current, grouping=grouping)) == {
            "previous": {"count": 5},
            "current": {"count": 6},
        }

    def test_agent_filter(self, january):
        mine = filters(agent=january.agent.pk)
        assert by_period(queries.new_tickets(mine))["2026-01-10"] == {"count": 2}  # A, D
        assert by_period(queries.ratings(mine))["2026-01-12"] == {"good": 1, "bad": 0, "total": 1}
        assert by_period(queries.ratings(mine))["2026-01-10"]["total"] == 0

    def test_tag_filter_matches_any_tag(self, january):
        tagged = filters(tags=("billing", "login"))
        assert by_period(queries.new_tickets(tagged))["2026-01-10"] == {"count": 2}
        assert [row["agent"]["id"] for row in queries.ratings_ranking(tagged)] == [
            january.agent.pk,
            january.other_agent.pk,
        ]

    @pytest.mark.parametrize(
        "report",
        [
            queries.new_tickets,
            queries.solved_tickets,
            queries.first_response_time,
            queries.resolution_time,
            queries.ratings,
            queries.ratings_ranking,
            queries.ticket_sources,
            queries.backlog,
        ],
    )
    def test_each_report_is_one_query(self, january, report, django_assert_num_queries):
        with django_assert_num_queries(1):
            report(filters(tags=("billing",), agent=january.agent.pk))


class TestFilters:
    def test_combined_filters(self):
        desk = Helpdesk()
        other_department = factories.CategoryFactory(name="Sales")
        other_client = factories.ClientFactory()
        desk.ticket(at(10, 1), tags=["vip"])  # matches all
        desk.ticket(at(10, 2), tags=["vip", "billing"])  # matches all, counted once
        desk.ticket(at(10, 3), tags=["billing"], department=other_department)
        desk.ticket(at(10, 4), tags=["vip"], client=other_client)
        desk.ticket(at(10, 5))  # no tag
        desk.ticket(at(10, 6), tags=["other"])
        spam = desk.ticket(at(10, 7), tags=["vip"])
        type(spam).objects.filter(pk=spam.pk).update(is_spam=True)  # spam is never reported

        combined = filters(
            date_to=JAN_10,
            department=desk.department.pk,
            client=desk.client.pk,
            tags=("vip", "billing"),
        )
        assert by_period(queries.new_tickets(combined)) == {"2026-01-10": {"count": 2}}
        assert by_period(queries.new_tickets(filters(date_to=JAN_10))) == {
            "2026-01-10": {"count": 6}
        }


class TestTimeZones:
    def test_day_edges_follow_the_requested_zone(self):
        desk = Helpdesk()
        desk.ticket(at(10, 3))  # 22:00 on the 9th in New York
        desk.ticket(at(10, 5))  # 00:00 on the 10th in New York
        new_york = filters(
            date_from=datetime.date(2026, 1, 9), timezone=ZoneInfo("America/New_York")
        )
        assert by_period(queries.new_tickets(new_york)) == {
            "2026-01-09": {"count": 1},
            "2026-01-10": {"count": 1},
            "2026-01-11": {"count": 0},
            "2026-01-12": {"count": 0},
        }

    def test_clocks_going_back_merge_the_repeated_hour(self):
        desk = Helpdesk()
        london = ZoneInfo("Europe/London")
        desk.ticket(at(24, 23, 30, month=10))  # 00:30 BST
        desk.ticket(at(25, 0, 30, month=10))  # 01:30 BST
        desk.ticket(at(25, 1, 30, month=10))  # 01:30 GMT, the same wall-clock hour
        desk.ticket(at(25, 2, 30, month=10))  # 02:30 GMT
        day = datetime.date(2026, 10, 25)
        rows = by_period(
            queries.new_tickets(
                filters(date_from=day, date_to=day, group_by=GroupBy.HOUR, timezone=london)
            )
        )
        assert len(rows) == 24
        assert rows["00:00"] == {"count": 1}
        assert rows["01:00"] == {"count": 2}
        assert rows["02:00"] == {"count": 1}

    def test_clocks_going_forward_skip_an_hour_and_shorten_the_day(self):
        desk = Helpdesk()
        london = ZoneInfo("Europe/London")
        first = desk.ticket(at(29, 0, 30, month=3))  # 00:30 GMT
        desk.ticket(at(29, 1, 30, month=3))  # 02:30 BST
        desk.ticket(at(29, 23, 30, month=3))  # 00:30 BST on the 30th
        desk.reply(first, at(29, 1, 30, month=3))  # 1 hour later, across the change
        day = datetime.date(2026, 3, 29)
        hourly = by_period(
            queries.new_tickets(
                filters(date_from=day, date_to=day, group_by=GroupBy.HOUR, timezone=london)
            )
        )
        assert len(hourly) == 23 and "01:00" not in hourly
        assert (hourly["00:00"], hourly["02:00"]) == ({"count": 1}, {"count": 1})
        daily = filters(date_from=day, date_to=datetime.date(2026, 3, 30), timezone=london)
        assert by_period(queries.new_tickets(daily)) == {
            "2026-03-29": {"count": 2},
            "2026-03-30": {"count": 1},
        }
        assert by_period(queries.first_response_time(daily))["2026-03-29"] == {
            "count": 1,
            "hours": 1.0,
            "median_hours": 1.0,
            "p90_hours": 1.0,
        }


class TestPeriodKeys:
    def test_every_period_is_present_with_livechat_keys(self):
        Helpdesk().ticket(at(14, 15))
        january = filters(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31))
        weekly = by_period(queries.new_tickets(replace(january, group_by=GroupBy.WEEK)))
        assert list(weekly) == ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]
        assert weekly["2026-W03"] == {"count": 1}
        monthly = by_period(queries.new_tickets(filters(group_by=GroupBy.MONTH)))
        assert monthly == {"2026-01": {"count": 0}}
        hourly = queries.new_tickets(
            filters(
                date_from=datetime.date(2026, 1, 14),
                date_to=datetime.date(2026, 1, 15),
                group_by="hour",
            )
        )
        assert len(hourly) == 48
        assert hourly[15] == {"period": "2026-01-14 15:00", "count": 1}


class TestPercentilesMatchPercentileCont:
    def test_interpolation_over_many_values(self):
        desk = Helpdesk()
        # First responses after 1, 2, 3, ..., 7 minutes plus one after 10 hours.
        delays = [
            *(datetime.timedelta(minutes=n) for n in range(1, 8)),
            datetime.timedelta(hours=10),
        ]
        for n, delay in enumerate(delays):
            ticket = desk.ticket(at(10, 1, n))
            desk.reply(ticket, at(10, 1, n) + delay)
        rows = by_period(queries.first_response_time(filters(date_to=JAN_10)))
        seconds = sorted(d.total_seconds() for d in delays)
        median = seconds[3] + (seconds[4] - seconds[3]) * 0.5
        position = 0.9 * (len(seconds) - 1)
        p90 = seconds[6] + (seconds[7] - seconds[6]) * (position - 6)
        assert rows["2026-01-10"] == {
            "count": 8,
            "hours": round(sum(seconds) / 8 / 3600, 2),
            "median_hours": round(median / 3600, 2),
            "p90_hours": round(p90 / 3600, 2),
        }
        assert rows["2026-01-10"]["p90_hours"] == 3.08


class TestPeriodsAsRangesOfInstants:
    """On PostgreSQL, day, week and month periods are counted as ranges of instants (an
    index range each) instead of grouping every row by its local period; the figures
    must be the same either way."""

    REPORTS = [
        queries.new_tickets,
        queries.solved_tickets,
        queries.first_response_time,
        queries.resolution_time,
        queries.ratings,
        queries.ticket_sources,
        queries.backlog,
    ]

    @pytest.fixture
    def autumn(self):
        """Tickets around the end of summer time in Berlin (25 October 2026, 03:00 CEST
        becomes 02:00 CET), answered, closed and rated at varied delays."""
        desk = Helpdesk()
        good, bad = Rating.Value.GOOD, Rating.Value.BAD
        for n in range(40):
            created = datetime.datetime(2026, 10, 19, 21, tzinfo=datetime.UTC) + datetime.timedelta(
                hours=7 * n + n % 3
            )
            ticket = desk.ticket(created, channel=["web", "email", "api"][n % 3])
            if n % 4:
                desk.reply(ticket, created + datetime.timedelta(minutes=37 * n + 5))
            if n % 5 in (1, 2):
                desk.close(ticket, created + datetime.timedelta(hours=n + 1))
            if n % 5 == 1:
                desk.rate(ticket, created + datetime.timedelta(hours=n + 2), good if n % 2 else bad)
        return desk

    @pytest.mark.parametrize("group_by", [GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH])
    def test_the_same_figures_as_grouping_by_local_period(self, autumn, group_by, monkeypatch):
        berlin = filters(
            date_from=datetime.date(2026, 10, 21),
            date_to=datetime.date(2026, 11, 2),
            group_by=group_by,
            timezone=ZoneInfo("Europe/Berlin"),
        )
        with CaptureQueriesContext(connection) as ranged:
            by_ranges = [report(berlin) for report in self.REPORTS]
        monkeypatch.setattr(ByPeriod, "intervals", lambda self: None)
        with CaptureQueriesContext(connection) as grouped:
            by_grouping = [report(berlin) for report in self.REPORTS]

        assert by_ranges == by_grouping
        in_range = Ticket.objects.filter(created_at__gte=berlin.start, created_at__lt=berlin.end)
        assert sum(row["count"] for row in by_ranges[0]) == in_range.count() == 36
        postgresql = connection.vendor == "postgresql"
        assert all(("LATERAL" in q["sql"]) == postgresql for q in ranged.captured_queries)
        assert not any("LATERAL" in q["sql"] for q in grouped.captured_queries)

    def test_intervals_cover_the_range_from_its_first_instant_to_its_end(self):
        weeks = ByPeriod(
            filters(
                date_from=datetime.date(2026, 10, 21),  # a Wednesday
                date_to=datetime.date(2026, 11, 2),
                group_by=GroupBy.WEEK,
                timezone=ZoneInfo("Europe/Berlin"),
            )
        )
        berlin = ZoneInfo("Europe/Berlin")
        assert weeks.intervals() == [
            ("2026-W43", weeks.start, datetime.datetime(2026, 10, 26, tzinfo=berlin)),
            (
                "2026-W44",
                datetime.datetime(2026, 10, 26, tzinfo=berlin),
                datetime.datetime(2026, 11, 2, tzinfo=berlin),
            ),
            ("2026-W45", datetime.datetime(2026, 11, 2, tzinfo=berlin), weeks.end),
        ]
        assert weeks.start == datetime.datetime(2026, 10, 21, tzinfo=berlin)
        assert weeks.end == datetime.datetime(2026, 11, 3, tzinfo=berlin)

    def test_hours_and_skipped_midnights_are_grouped_instead(self):
        hours = filters(date_from=JAN_10, date_to=JAN_10, group_by=GroupBy.HOUR)
        assert ByPeriod(hours).intervals() is None
        # Chile moves its clocks from 00:00 to 01:00 on 6 September 2026: no instant is
        # that day's midnight, so its day is found by grouping, which is always exact.
        santiago = filters(
            date_from=datetime.date(2026, 9, 5),
            date_to=datetime.date(2026, 9, 7),
            timezone=ZoneInfo("America/Santiago"),
        )
        assert ByPeriod(santiago).intervals() is None

    def test_a_day_that_starts_at_one_in_the_morning(self):
        desk = Helpdesk()
        desk.ticket(datetime.datetime(2026, 9, 6, 3, 59, tzinfo=datetime.UTC))  # 23:59 on the 5th
        desk.ticket(datetime.datetime(2026, 9, 6, 4, tzinfo=datetime.UTC))  # 01:00 on the 6th
        desk.ticket(datetime.datetime(2026, 9, 7, 2, 59, tzinfo=datetime.UTC))  # 23:59 on the 6th
        santiago = filters(
            date_from=datetime.date(2026, 9, 5),
            date_to=datetime.date(2026, 9, 7),
            timezone=ZoneInfo("America/Santiago"),
        )
        assert by_period(queries.new_tickets(santiago)) == {
            "2026-09-05": {"count": 1},
            "2026-09-06": {"count": 2},
            "2026-09-07": {"count": 0},
        }

    @pytest.mark.parametrize(
        "narrowing",
        [
            {"agent": 1},
            {"department": 1},
            {"client": 1},
            {"team": 1},
            {"team": 0},
            {"tags": ("vip",)},
        ],
    )
    def test_a_filter_groups_instead(self, narrowing):
        # The covering indexes hold the range, not the filtered columns: checking them
        # row by row in each range took ten times as long as grouping, at a million.
        narrowed = filters(**narrowing)
        assert narrowed.narrowed and not filters().narrowed
        assert ByPeriod(narrowed).intervals() is None
        assert PreviousAndCurrent(narrowed).intervals() is None
        assert WholeRange(narrowed).intervals() is None
        assert WholeRange(filters()).intervals() == [("total", filters().start, filters().end)]
        with CaptureQueriesContext(connection) as captured:
            queries.new_tickets(narrowed)
            queries.backlog(narrowed)
        assert not any("LATERAL" in q["sql"] for q in captured.captured_queries)


class TestStoredDurations:
    def test_the_database_keeps_each_tickets_durations(self):
        desk = Helpdesk()
        ticket = desk.ticket(at(10, 8))
        ticket.refresh_from_db()
        assert (ticket.first_response_seconds, ticket.resolution_seconds) == (None, None)
        desk.reply(ticket, at(10, 9, 30))
        desk.close(ticket, at(11, 8, 0, 1))
        ticket.refresh_from_db()
        assert ticket.first_response_seconds == pytest.approx(5400, abs=0.001)
        assert ticket.resolution_seconds == pytest.approx(86401, abs=0.001)


class TestMedianByRange:
    @pytest.mark.parametrize("delays", [[1, 2, 3, 7, 11], [1, 2, 3, 7, 11, 13]])
    def test_the_median_of_each_range_as_percentile_cont(self, delays):
        # Odd and even counts: the middle row, or halfway between the two middle rows.
        desk = Helpdesk()
        for n, minutes in enumerate(delays):
            ticket = desk.ticket(at(11, 8, n))
            desk.reply(ticket, at(11, 8, n) + datetime.timedelta(minutes=minutes * 60))
        earlier = desk.ticket(at(10, 8))
        desk.reply(earlier, at(10, 9))
        report = filters(date_from=datetime.date(2026, 1, 11), date_to=datetime.date(2026, 1, 11))
        rows = queries.median_by_range(report, "first_response_time", PreviousAndCurrent(report))
        middle = len(delays) // 2
        expected = delays[middle] if len(delays) % 2 else (delays[middle - 1] + delays[middle]) / 2
        assert rows == [
            {"period": "previous", "count": 1, "median_hours": 1.0},
            {"period": "current", "count": len(delays), "median_hours": expected},
        ]
        by_percentile_cont = queries.first_response_time(report, grouping=WholeRange(report))
        assert by_percentile_cont[0]["median_hours"] == expected

    def test_an_empty_range_has_no_median(self):
        rows = queries.median_by_range(filters(), "resolution_time", WholeRange(filters()))
        assert rows == [{"period": "total", "count": 0, "median_hours": None}]
