"""The LiveChat ticket reports: shapes, groupings, parameters and defaults."""

import pytest
from freezegun import freeze_time

from compat.livechat import reports
from tests import factories
from tests.reports.scenario import JanuaryScenario, at

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2026-01-10", "date_to": "2026-01-12"}
HOURS = [f"{hour:02d}:00" for hour in range(24)]


def url(report):
    return f"{BASE}/reports/tickets/{report}"


@pytest.fixture
def january():
    return JanuaryScenario()


def get(livechat, report, params):
    response = livechat.get(url(report), params)
    assert response.status_code == 200, response.content[:300]
    return body(response)


class TestShapes:
    """Each report as document 002 and LiveChat's documentation shape it."""

    def test_new_tickets(self, livechat, january):
        assert get(livechat, "new_tickets", RANGE) == {
            "2026-01-10": {"new_tickets": 5},
            "2026-01-11": {"new_tickets": 0},
            "2026-01-12": {"new_tickets": 2},
        }

    def test_solved_tickets(self, livechat, january):
        assert get(livechat, "solved_tickets", RANGE) == {
            "2026-01-10": {"solved_tickets": 0},
            "2026-01-11": {"solved_tickets": 1},
            "2026-01-12": {"solved_tickets": 1},
        }

    def test_first_response_time_hours_are_the_mean_and_null_without_tickets(
        self, livechat, january
    ):
        assert get(livechat, "first_response_time", RANGE) == {
            "2026-01-10": {"count": 5, "hours": 3.6},
            "2026-01-11": {"count": 0, "hours": None},
            "2026-01-12": {"count": 1, "hours": 14.0},
        }

    def test_resolution_time(self, livechat, january):
        assert get(livechat, "resolution_time", RANGE) == {
            "2026-01-10": {"count": 0, "hours": None},
            "2026-01-11": {"count": 1, "hours": 24.0},
            "2026-01-12": {"count": 1, "hours": 48.0},
        }

    def test_ratings(self, livechat, january):
        assert get(livechat, "ratings", RANGE) == {
            "2026-01-10": {"good": 1, "bad": 0},
            "2026-01-11": {"good": 0, "bad": 1},
            "2026-01-12": {"good": 1, "bad": 0},
        }

    def test_ranking_best_score_first_named_by_login(self, livechat, january):
        # LiveChat's score (a Wilson lower bound) weighs how many ratings there are: one good
        # of two ranks above one good of one.
        assert get(livechat, "ratings/ranking", RANGE) == {
            "ranking": [
                {
                    "good": 1,
                    "bad": 1,
                    "total": 2,
                    "score": 0.1548,
                    "name": january.other_agent.email,
                },
                {"good": 1, "bad": 0, "total": 1, "score": 0.1214, "name": january.agent.email},
            ]
        }

    @pytest.mark.parametrize(
        ("good", "bad", "score"),
        [
            (10, 2, 0.5194200469),
            (2, 0, 0.3312764381),
            (0, 1, 0.0),
            (0, 3, 0.1493896952),
            (0, 0, 0.0),
        ],
    )
    def test_the_score_is_livechats_wilson_score(self, good, bad, score):
        # Anna and Jake, the two examples of https://www.livechat.com/help/agent-rankings/,
        # and the formula as that page writes it (with its n in the root: not quite Wilson's).
        assert reports.wilson_score(good, bad) == pytest.approx(score, abs=1e-9)

    def test_ranking_names_an_agent_without_email_by_username(self, livechat, january):
        type(january.agent).objects.filter(pk=january.agent.pk).update(email="")
        ranking = get(livechat, "ratings/ranking", RANGE)["ranking"]
        names = {(row["good"], row["bad"]): row["name"] for row in ranking}
        assert names == {(1, 0): january.agent.username, (1, 1): january.other_agent.email}

    def test_ticket_sources(self, livechat, january):
        # Chat window: portal; mail: email; chat: made by agents in the web app or the API.
        portal = january.desk.ticket(at(11, 9), channel="portal")
        assert portal.source == "portal"
        assert get(livechat, "ticket_sources", RANGE) == {
            "2026-01-10": {
                "tickets_from_chat_window": 0,
                "tickets_from_mail": 2,
                "tickets_from_chat": 3,
            },
            "2026-01-11": {
                "tickets_from_chat_window": 1,
                "tickets_from_mail": 0,
                "tickets_from_chat": 0,
            },
            "2026-01-12": {
                "tickets_from_chat_window": 0,
                "tickets_from_mail": 0,
                "tickets_from_chat": 2,
            },
        }

    @pytest.mark.parametrize("report", ["new_tickets", "ratings/ranking", "ticket_sources"])
    def test_a_trailing_slash_works_too(self, livechat, january, report):
        assert get(livechat, f"{report}/", RANGE) == get(livechat, report, RANGE)

    def test_bearer_authentication(self, livechat_bearer, january):
        assert get(livechat_bearer, "new_tickets", RANGE)["2026-01-10"] == {"new_tickets": 5}


class TestGrouping:
    def test_one_day_is_by_hour(self, livechat, january):
        data = get(livechat, "new_tickets", {"date_from": "2026-01-10", "date_to": "2026-01-10"})
        assert list(data) == HOURS
        assert data["08:00"] == {"new_tickets": 4}
        assert data["09:00"] == {"new_tickets": 1}
        assert sum(bucket["new_tickets"] for bucket in data.values()) == 5

    def test_by_hour_over_several_days_adds_up_each_hour(self, livechat, january):
        data = get(livechat, "new_tickets", {**RANGE, "group_by": "hour"})
        assert list(data) == HOURS
        counts = {key: bucket["new_tickets"] for key, bucket in data.items()}
        assert (counts["08:00"], counts["09:00"], counts["10:00"], counts["23:00"]) == (4, 1, 1, 1)
        assert sum(counts.values()) == 7

    def test_by_hour_over_more_than_a_month(self, livechat, january):
        # The native API's hours stop at 31 days; hours of the day have no such limit.
        params = {"date_from": "2025-01-01", "date_to": "2026-01-31", "group_by": "hour"}
        data = get(livechat, "new_tickets", params)
        counts = {key: bucket["new_tickets"] for key, bucket in data.items()}
        assert list(counts) == HOURS
        assert (counts["00:00"], counts["08:00"], counts["23:00"]) == (1, 4, 2)
        assert sum(counts.values()) == 9

    def test_durations_by_hour_average_every_day(self, livechat, january):
        data = get(livechat, "first_response_time", {**RANGE, "group_by": "hour"})
        # Answered at 00:00 (F, 1 h), 09:00 (A, 1 h), 10:00 (B, 2 h), 12:00 (C, 4 h),
        # 18:00 (D, 10 h) on the 10th and 23:59:59 (G, 14 h) on the 12th.
        assert data["09:00"] == {"count": 1, "hours": 1.0}
        assert data["23:00"] == {"count": 1, "hours": 14.0}
        assert data["05:00"] == {"count": 0, "hours": None}
        assert sum(bucket["count"] for bucket in data.values()) == 6

    def test_by_day_every_day_is_present(self, livechat, january):
        data = get(livechat, "solved_tickets", {"date_from": "2025-12-30", "date_to": "2026-01-02"})
        assert list(data) == ["2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"]
        assert all(bucket == {"solved_tickets": 0} for bucket in data.values())

    def test_by_month(self, livechat, january):
        params = {"date_from": "2025-12-15", "date_to": "2026-02-10", "group_by": "month"}
        assert get(livechat, "new_tickets", params) == {
            "2025-12": {"new_tickets": 0},
            "2026-01": {"new_tickets": 9},
            "2026-02": {"new_tickets": 0},
        }

    def test_ratings_by_month_have_begin_and_end_clipped_to_the_range(self, livechat, january):
        params = {"date_from": "2025-12-15", "date_to": "2026-02-10", "group_by": "month"}
        assert get(livechat, "ratings", params) == {
            "2025-12": {"good": 0, "bad": 0, "begin": "2025-12-15", "end": "2025-12-31"},
            "2026-01": {"good": 3, "bad": 1, "begin": "2026-01-01", "end": "2026-01-31"},
            "2026-02": {"good": 0, "bad": 0, "begin": "2026-02-01", "end": "2026-02-10"},
        }

    def test_ratings_by_month_within_one_month(self, livechat, january):
        data = get(livechat, "ratings", {**RANGE, "group_by": "month"})
        assert data == {
            "2026-01": {"good": 2, "bad": 1, "begin": "2026-01-10", "end": "2026-01-12"}
        }

    def test_february_of_a_leap_year_ends_on_the_29th(self, livechat):
        params = {"date_from": "2028-02-01", "date_to": "2028-03-31", "group_by": "month"}
        data = get(livechat, "ratings", params)
        assert data["2028-02"]["end"] == "2028-02-29"

    def test_ratings_by_day_have_no_begin_or_end(self, livechat, january):
        assert all(
            set(bucket) == {"good", "bad"} for bucket in get(livechat, "ratings", RANGE).values()
        )


class TestParameters:
    def test_defaults_are_the_first_ticket_to_today_by_day(self, livechat, january):
        with freeze_time("2026-01-14 10:00"):
            data = get(livechat, "new_tickets", {})
        assert list(data) == [f"2026-01-{day:02d}" for day in range(9, 15)]
        assert data["2026-01-09"] == {"new_tickets": 1}
        assert data["2026-01-13"] == {"new_tickets": 1}

    def test_without_any_ticket_the_default_range_is_today(self, livechat):
        with freeze_time("2026-01-14 10:00"):
            data = get(livechat, "new_tickets", {})
        assert list(data) == HOURS

    def test_timezone(self, livechat, january):
        params = {"date_from": "2026-01-10", "date_to": "2026-01-10"}
        data = get(livechat, "new_tickets", {**params, "timezone": "America/New_York"})
        # 08:00 and 09:00 UTC are 03:00 and 04:00 in New York; F (23:00 UTC on the 9th) is
        # 18:00 on the 9th there.
        assert (data["03:00"], data["04:00"]) == ({"new_tickets": 4}, {"new_tickets": 1})
        assert sum(bucket["new_tickets"] for bucket in data.values()) == 5
        by_day = get(livechat, "new_tickets", {**RANGE, "timezone": "Asia/Tokyo"})
        # 23:59:59 UTC on the 12th (H) is the 13th in Tokyo, 23:00 on the 9th (F) the 10th.
        assert by_day == {
            "2026-01-10": {"new_tickets": 6},
            "2026-01-11": {"new_tickets": 0},
            "2026-01-12": {"new_tickets": 1},
        }

    def test_group_is_a_team(self, livechat, january):
        team = factories.TeamFactory()
        january.desk.ticket(at(11, 5), team=team)
        assert get(livechat, "new_tickets", {**RANGE, "group": team.pk}) == {
            "2026-01-10": {"new_tickets": 0},
            "2026-01-11": {"new_tickets": 1},
            "2026-01-12": {"new_tickets": 0},
        }

    def test_group_zero_is_the_tickets_without_a_team(self, livechat, january):
        january.desk.ticket(at(11, 5), team=factories.TeamFactory())
        data = get(livechat, "new_tickets", {**RANGE, "group": 0})
        assert data["2026-01-11"] == {"new_tickets": 0}
        assert data["2026-01-10"] == {"new_tickets": 5}

    def test_group_of_the_rated_ticket(self, livechat, january):
        team = factories.TeamFactory()
        type(january.b).objects.filter(pk=january.b.pk).update(team=team)
        data = get(livechat, "ratings", {**RANGE, "group": team.pk})
        assert data["2026-01-11"] == {"good": 0, "bad": 1}
        assert data["2026-01-10"] == data["2026-01-12"] == {"good": 0, "bad": 0}
        ranking = get(livechat, "ratings/ranking", {**RANGE, "group": team.pk})["ranking"]
        assert [row["name"] for row in ranking] == [january.other_agent.email]

    @pytest.mark.parametrize("login", ["email", "username", "upper-case email"])
    def test_agent_is_a_login(self, livechat, january, login):
        agent = january.agent
        value = {"email": agent.email, "username": agent.username}.get(login) or agent.email.upper()
        data = get(livechat, "first_response_time", {**RANGE, "agent": value})
        # F, A and D are the agent's: answered after 1, 1 and 10 hours on the 10th.
        assert data["2026-01-10"] == {"count": 3, "hours": 4.0}
        assert data["2026-01-12"] == {"count": 0, "hours": None}

    def test_a_former_agents_login_still_names_their_work(self, livechat, january):
        type(january.agent).objects.filter(pk=january.agent.pk).update(is_active=False)
        data = get(livechat, "first_response_time", {**RANGE, "agent": january.agent.email})
        assert data["2026-01-10"] == {"count": 3, "hours": 4.0}

    def test_tags_match_any(self, livechat, january):
        params = {**RANGE, "tag[]": ["billing", "login", "nothing"]}
        assert get(livechat, "new_tickets", params)["2026-01-10"] == {"new_tickets": 2}
        ranking = get(livechat, "ratings/ranking", {**RANGE, "tag[]": "login"})["ranking"]
        assert ranking == [
            {"good": 0, "bad": 1, "total": 1, "score": 0.0, "name": january.other_agent.email}
        ]

    def test_filters_combine(self, livechat, january):
        params = {**RANGE, "tag[]": "billing", "group": 0, "agent": january.agent.email}
        data = get(livechat, "first_response_time", params)
        assert data["2026-01-10"] == {"count": 1, "hours": 1.0}  # A only

    def test_ranking_takes_the_range(self, livechat, january):
        ranking = get(livechat, "ratings/ranking", {"date_from": "2026-01-13"})["ranking"]
        assert ranking == [
            {"good": 1, "bad": 0, "total": 1, "score": 0.1214, "name": january.agent.email}
        ]

    def test_spam_is_left_out(self, livechat, january):
        type(january.a).objects.filter(pk=january.a.pk).update(is_spam=True)
        assert get(livechat, "new_tickets", RANGE)["2026-01-10"] == {"new_tickets": 4}
