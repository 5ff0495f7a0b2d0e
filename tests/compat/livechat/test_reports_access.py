"""The LiveChat ticket reports: who may read them, errors, query counts, and the same
figures as the native reports."""

from collections import defaultdict

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from compat.livechat.reports import wilson_score
from portal.access import SESSION_CONTACT
from reports.catalog import REPORTS as NATIVE_REPORTS
from tests import factories
from tests.reports.scenario import JanuaryScenario, at
from tickets.models import Channel

from .conftest import BASE, LiveChatClient, body

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2026-01-10", "date_to": "2026-01-12"}
LIVECHAT_REPORTS = [
    "new_tickets",
    "first_response_time",
    "resolution_time",
    "solved_tickets",
    "ratings",
    "ratings/ranking",
    "ticket_sources",
]


def url(report):
    return f"{BASE}/reports/tickets/{report}"


@pytest.fixture
def january():
    return JanuaryScenario()


class TestAccess:
    """Any agent reads the reports, as the native reports (an agent's API key or session)."""

    def test_anonymous_gets_401(self, livechat_anonymous):
        response = livechat_anonymous.get(url("new_tickets"), RANGE)
        assert response.status_code == 401
        assert body(response) == {"error": "Unauthenticated."}
        assert response["WWW-Authenticate"].startswith("Basic")

    def test_a_bad_key_gets_401(self, agent):
        response = LiveChatClient(login=agent.email, raw_key="not-a-key").get(url("ratings"))
        assert response.status_code == 401

    def test_a_requesters_portal_session_is_refused(self, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        client = LiveChatClient()
        session = client.session
        session[SESSION_CONTACT] = contact.pk
        session.save()
        assert client.get(url("new_tickets"), RANGE).status_code == 401

    def test_a_user_who_is_not_an_agent_is_refused(self, outsider):
        client = LiveChatClient()
        client.force_login(outsider)  # no session counts: only LiveChat's credentials
        assert client.get(url("new_tickets"), RANGE).status_code == 401
        key = factories.ApiKeyFactory(agent=outsider)
        basic = LiveChatClient(login=outsider.email, raw_key=key.raw_key)
        assert basic.get(url("new_tickets"), RANGE).status_code == 401
        bearer = LiveChatClient(raw_key=key.raw_key, bearer=True)
        assert bearer.get(url("new_tickets"), RANGE).status_code == 401

    @pytest.mark.parametrize("role", ["agent", "supervisor", "administrator"])
    @pytest.mark.parametrize("report", LIVECHAT_REPORTS)
    def test_every_agent_reads_every_report(self, role, report):
        user = (factories.AdminFactory if role == "administrator" else factories.AgentFactory)()
        if role == "supervisor":
            user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
        key = factories.ApiKeyFactory(agent=user)
        response = LiveChatClient(login=user.email, raw_key=key.raw_key).get(url(report), RANGE)
        assert response.status_code == 200


class TestErrors:
    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"date_from": "2026-13-01"}, "date_from: Enter a date as YYYY-MM-DD."),
            ({"date_to": "yesterday"}, "date_to: Enter a date as YYYY-MM-DD."),
            (
                {"date_from": "2026-01-12", "date_to": "2026-01-10"},
                "date_from: The start date must not be after the end date.",
            ),
            ({"date_from": "1066-10-14"}, "date_from: Enter a date between 1970 and 2199."),
            ({"group_by": "week"}, "group_by: Select hour, day or month."),
            ({"group_by": "year"}, "group_by: Select hour, day or month."),
            (
                {"timezone": "Mars/Olympus"},
                "timezone: Enter a time zone name such as Europe/London.",
            ),
            ({"group": "blue"}, "group: Enter a group id."),
            ({"group": "-1"}, "group: Ensure this value is greater than or equal to 0."),
            ({"group": "999999"}, "group: There is no such group."),
            ({"group": "99999999999999999999"}, "group: There is no such group."),
            ({"tag[]": "x" * 101}, "tag[]: A tag has at most 100 characters."),
            ({"agent": "nobody@example.com"}, "agent: There is no agent with that login."),
        ],
    )
    def test_a_bad_parameter_is_a_400(self, livechat, params, message):
        response = livechat.get(url("first_response_time"), params)
        assert response.status_code == 400
        assert body(response) == {"error": message}

    def test_an_outsider_is_no_agent(self, livechat, outsider):
        response = livechat.get(url("first_response_time"), {"agent": outsider.email})
        assert response.status_code == 400

    @pytest.mark.parametrize("report", [r for r in LIVECHAT_REPORTS if r != "first_response_time"])
    def test_agent_only_where_document_002_lists_it(self, livechat, agent, report):
        response = livechat.get(url(report), {**RANGE, "agent": agent.email})
        assert response.status_code == 400
        assert body(response) == {"error": f"agent: the {report} report does not take an agent."}

    @pytest.mark.parametrize("report", ["backlog", "chats/total_chats", "ratings/ranking/x", "%"])
    def test_an_unknown_report_is_a_404(self, livechat, report):
        response = livechat.get(url(report), RANGE)
        assert response.status_code == 404
        assert body(response) == {"error": f"There is no report {report!r}."}

    def test_the_version_header_is_required(self, agent, api_key):
        client = LiveChatClient(login=agent.email, raw_key=api_key.raw_key)
        response = client.get(url("new_tickets"), RANGE, HTTP_X_API_VERSION="1")
        assert response.status_code == 400
        assert body(response) == {"error": "Send the header X-API-Version: 2."}

    def test_jsonp_is_refused(self, livechat):
        response = livechat.get(url("new_tickets"), {**RANGE, "callback": "steal"})
        assert response.status_code == 400
        assert "JSONP" in body(response)["error"]

    @pytest.mark.parametrize("method", ["post", "put", "delete"])
    def test_reports_are_read_only(self, livechat, method):
        assert getattr(livechat, method)(url("new_tickets")).status_code == 405


class TestQueryCounts:
    """The API key (with its agent), each looked-up filter, the default start, the report."""

    @pytest.mark.parametrize("report", LIVECHAT_REPORTS)
    def test_two_queries_for_a_range(self, livechat, january, report, django_assert_num_queries):
        with django_assert_num_queries(2):
            assert livechat.get(url(report), {**RANGE, "tag[]": "billing"}).status_code == 200

    @pytest.mark.parametrize("report", LIVECHAT_REPORTS)
    def test_three_queries_from_the_first_ticket(
        self, livechat, january, report, django_assert_num_queries
    ):
        with django_assert_num_queries(3):
            assert livechat.get(url(report), {"group": 0}).status_code == 200

    def test_a_team_and_an_agent_are_one_query_each(
        self, livechat, january, django_assert_num_queries
    ):
        team = factories.TeamFactory()
        params = {**RANGE, "group": team.pk, "agent": january.agent.email, "group_by": "hour"}
        with django_assert_num_queries(4):
            assert livechat.get(url("first_response_time"), params).status_code == 200


# The same figures as the native reports -----------------------------------------------


def tally(bucket):
    """How many tickets (or ratings) a period counts, in either API's shape."""
    for name in ("count", "new_tickets", "solved_tickets", "total"):
        if name in bucket:
            return bucket[name]
    return sum(bucket.values())  # good and bad, or the sources


def native_shape(report, data):
    """The native report's data as the LiveChat report writes it (see docs/compat.md)."""
    if report == "ratings/ranking":
        # Scored and ordered by LiveChat's Wilson score instead of our share of good ratings.
        rows = sorted(
            data["ranking"],
            key=lambda row: (
                -wilson_score(row["good"], row["bad"]),
                -row["total"],
                row["agent"]["username"],
            ),
        )
        return {
            "ranking": [
                {
                    **{k: row[k] for k in ("good", "bad", "total")},
                    "score": round(wilson_score(row["good"], row["bad"]), 4),
                    "name": row["agent"]["email"],
                }
                for row in rows
            ]
        }
    shaped = {}
    for period, figures in data.items():
        if report in ("new_tickets", "solved_tickets"):
            shaped[period] = {report: figures["count"]}
        elif report in ("first_response_time", "resolution_time"):
            shaped[period] = {"count": figures["count"], "hours": figures["hours"]}
        elif report == "ratings":
            shaped[period] = {"good": figures["good"], "bad": figures["bad"]}
        else:
            shaped[period] = {
                "tickets_from_chat_window": figures["portal"],
                "tickets_from_mail": figures["email"],
                "tickets_from_chat": figures["web"] + figures["api"],
            }
    return shaped


@pytest.fixture
def busy_january(january):
    """January with a team, a portal ticket and a tagged, rated ticket of the team."""
    desk = january.desk
    team = factories.TeamFactory()
    teamed = desk.ticket(at(11, 6), team=team, tags=["billing"], assignee=january.other_agent)
    desk.ticket(at(11, 7), channel=Channel.PORTAL, team=team)
    desk.reply(teamed, at(11, 9))
    desk.close(teamed, at(12, 1))
    desk.rate(teamed, at(12, 2), "good")
    january.team = team
    return january


class TestSameFiguresAsTheNativeReports:
    @pytest.fixture
    def native(self, agent):
        client = APIClient()
        client.force_authenticate(agent)
        return client

    @pytest.mark.parametrize("report", LIVECHAT_REPORTS)
    @pytest.mark.parametrize(
        "params",
        [
            RANGE,
            {"date_from": "2025-12-20", "date_to": "2026-02-03", "group_by": "month"},
            {"date_from": "2026-01-10", "date_to": "2026-01-10"},
            {**RANGE, "timezone": "America/New_York"},
            {**RANGE, "tag[]": ["billing", "login"]},
            {**RANGE, "group": "team"},
        ],
        ids=["days", "months", "hours", "zone", "tags", "team"],
    )
    def test_figures(self, livechat, native, busy_january, report, params):
        if params.get("group") == "team":
            params = {**params, "group": busy_january.team.pk}
        native_params = {("team" if k == "group" else k): v for k, v in params.items()}
        expected = native_shape(
            report,
            native.get(f"/api/reports/tickets/{report}", native_params).json()["data"],
        )
        data = body(livechat.get(url(report), params))
        if report == "ratings" and params.get("group_by") == "month":
            data = {key: {"good": b["good"], "bad": b["bad"]} for key, b in data.items()}
        assert data == expected

    def test_agent_filter(self, livechat, native, busy_january):
        agent = busy_january.other_agent
        native_data = native.get(
            "/api/reports/tickets/first_response_time", {**RANGE, "agent": agent.pk}
        ).json()["data"]
        data = body(livechat.get(url("first_response_time"), {**RANGE, "agent": agent.email}))
        assert data == native_shape("first_response_time", native_data)
        assert data["2026-01-11"]["count"] == 1

    @pytest.mark.parametrize("report", [r for r in LIVECHAT_REPORTS if r != "ratings/ranking"])
    def test_hours_of_the_day_add_up_the_native_hours(self, livechat, native, busy_january, report):
        params = {**RANGE, "group_by": "hour"}
        hourly = native.get(f"/api/reports/tickets/{report}", params).json()["data"]
        added_up = defaultdict(int)
        for period, figures in hourly.items():  # "YYYY-MM-DD HH:MM"
            added_up[period[-5:]] += tally(figures)
        data = body(livechat.get(url(report), params))
        assert {key: tally(bucket) for key, bucket in data.items()} == added_up
        assert sum(added_up.values()) > 0

    def test_every_livechat_report_is_a_native_one(self):
        assert set(LIVECHAT_REPORTS) <= set(NATIVE_REPORTS)
