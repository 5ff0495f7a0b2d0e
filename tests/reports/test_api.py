import csv
import datetime
import io

import pytest
from django.core.cache import cache
from freezegun import freeze_time
from rest_framework.test import APIClient

from reports.catalog import RANKING, REPORTS
from tests import factories
from tickets.api.serializers import AgentSchema

from .scenario import JanuaryScenario

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2026-01-10", "date_to": "2026-01-12"}


def url(report):
    return f"/api/reports/tickets/{report}"


@pytest.fixture
def january():
    return JanuaryScenario()


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


class TestAuthentication:
    def test_anonymous_gets_401_envelope(self, client):
        response = client.get(url("new_tickets"), RANGE)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}

    def test_api_key(self, client, agent):
        key = factories.ApiKeyFactory(agent=agent)
        response = client.get(url("new_tickets"), RANGE, HTTP_AUTHORIZATION=f"Bearer {key.raw_key}")
        assert response.status_code == 200

    def test_agent_session(self, client, agent):
        client.force_login(agent)
        assert client.get(url("ratings/ranking"), RANGE).status_code == 200

    def test_non_agent_is_refused(self, client, outsider):
        client.force_login(outsider)
        response = client.get(url("new_tickets"), RANGE)
        assert response.status_code == 403
        assert response.json() == {"message": "Only agents can use the API."}

    def test_one_rate_limit_with_the_tickets_api(self, api, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": "3/minute"},
        }
        cache.clear()
        try:
            assert api.get("/api/statuses").status_code == 200
            assert api.get(url("new_tickets"), RANGE).status_code == 200
            assert api.get(url("ratings/ranking"), RANGE).status_code == 200
            response = api.get(url("new_tickets"), {**RANGE, "format": "csv"})
            assert response.status_code == 429
            assert int(response["Retry-After"]) > 0
            assert response["Content-Type"] == "application/json"
            assert "throttled" in response.json()["message"].lower()
        finally:
            cache.clear()


class TestReports:
    def test_envelope_keyed_by_day(self, api, january):
        response = api.get(url("first_response_time"), RANGE)
        assert response.status_code == 200
        assert response.json() == {
            "data": {
                "2026-01-10": {"count": 5, "hours": 3.6, "median_hours": 2.0, "p90_hours": 7.6},
                "2026-01-11": {"count": 0, "hours": None, "median_hours": None, "p90_hours": None},
                "2026-01-12": {"count": 1, "hours": 14.0, "median_hours": 14.0, "p90_hours": 14.0},
            }
        }

    def test_ranking(self, api, january):
        response = api.get(url("ratings/ranking"), RANGE)
        ranking = response.json()["data"]["ranking"]
        assert [(row["agent"]["id"], row["good"], row["bad"], row["total"], row["score"])
                for row in ranking] == [
            (january.agent.pk, 1, 0, 1, 1.0),
            (january.other_agent.pk, 1, 1, 2, 0.5),
        ]  # fmt: skip
        assert ranking[1]["agent"]["name"] == "Bob Baker"

    def test_filters_from_the_query_string(self, api, january):
        params = {**RANGE, "agent": january.agent.pk, "tag[]": ["billing", "nothing"]}
        response = api.get(url("new_tickets"), params)
        assert response.json()["data"]["2026-01-10"] == {"count": 1}

    def test_every_report_answers(self, api, january):
        for name in REPORTS:
            assert api.get(url(name), RANGE).status_code == 200, name

    @pytest.mark.parametrize("name", list(REPORTS))
    def test_one_query_per_report(self, api, january, name, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api.get(url(name), {**RANGE, "tag[]": "billing"}).status_code == 200


class TestPeriodKeys:
    @pytest.mark.parametrize(
        ("params", "keys"),
        [
            ({"date_from": "2026-01-10", "date_to": "2026-01-10"}, ["00:00", "01:00", "23:00"]),
            (
                {"date_from": "2026-01-10", "date_to": "2026-01-11", "group_by": "hour"},
                ["2026-01-10 00:00", "2026-01-11 23:00"],
            ),
            (RANGE, ["2026-01-10", "2026-01-11", "2026-01-12"]),
            (
                {"date_from": "2025-12-29", "date_to": "2026-01-12", "group_by": "week"},
                ["2026-W01", "2026-W02", "2026-W03"],
            ),
            (
                {"date_from": "2025-12-31", "date_to": "2026-02-01", "group_by": "month"},
                ["2025-12", "2026-01", "2026-02"],
            ),
        ],
    )
    def test_keys(self, api, params, keys):
        data = api.get(url("new_tickets"), params).json()["data"]
        periods = list(data)
        assert all(key in periods for key in keys)
        assert (periods[0], periods[-1]) == (keys[0], keys[-1])

    def test_defaults_are_first_ticket_day_to_today_by_day(self, api, department, client_company):
        factories.TicketFactory(
            department=department,
            client=client_company,
            created_at=datetime.datetime(2026, 1, 3, 12, tzinfo=datetime.UTC),
        )
        with freeze_time("2026-01-05 10:00"):
            data = api.get(url("new_tickets")).json()["data"]
        assert data == {
            "2026-01-03": {"count": 1},
            "2026-01-04": {"count": 0},
            "2026-01-05": {"count": 0},
        }


class TestBadParameters:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"date_from": "2026-13-01"}, "date_from"),
            ({"date_to": "yesterday"}, "date_to"),
            ({"date_from": "2026-01-12", "date_to": "2026-01-10"}, "date_from"),
            ({"group_by": "year"}, "group_by"),
            ({"group_by": "hour", "date_from": "2026-01-01", "date_to": "2026-03-01"}, "group_by"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"timezone": "../etc/passwd"}, "timezone"),
            ({"agent": "abc"}, "agent"),
            ({"agent": "999999"}, "agent"),
            ({"department": "0"}, "department"),
            ({"client": "999999"}, "client"),
            ({"date_from": "1066-10-14"}, "date_from"),
        ],
    )
    def test_422_with_the_error_envelope(self, api, params, field):
        response = api.get(url("new_tickets"), params)
        assert response.status_code == 422
        body = response.json()
        assert field in body["errors"]
        assert body["message"] == body["errors"][field][0]

    def test_outsider_is_not_an_agent_filter(self, api, outsider):
        response = api.get(url("new_tickets"), {"agent": outsider.pk})
        assert response.status_code == 422

    def test_csv_errors_are_json(self, api):
        response = api.get(url("new_tickets"), {"group_by": "year", "format": "csv"})
        assert response.status_code == 422
        assert response["Content-Type"] == "application/json"


class TestCSV:
    def test_same_figures_as_csv(self, api, january):
        response = api.get(url("resolution_time"), {**RANGE, "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            'filename="resolution_time_2026-01-10_2026-01-12.csv"'
            in (response["Content-Disposition"])
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == [
            ["period", "count", "hours", "median_hours", "p90_hours"],
            ["2026-01-10", "0", "", "", ""],
            ["2026-01-11", "1", "24.0", "24.0", "24.0"],
            ["2026-01-12", "1", "48.0", "48.0", "48.0"],
        ]

    def test_ranking_csv(self, api, january):
        response = api.get(url("ratings/ranking"), {**RANGE, "format": "csv"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == [
            ["rank", "agent_id", "agent", "good", "bad", "total", "score"],
            ["1", str(january.agent.pk), "Ann Able", "1", "0", "1", "1.0"],
            ["2", str(january.other_agent.pk), "Bob Baker", "1", "1", "2", "0.5"],
        ]


def test_reports_are_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for name in REPORTS:
        operation = schema["paths"][f"/api/reports/tickets/{name}"]["get"]
        assert {p["name"] for p in operation["parameters"]} >= {
            "date_from",
            "date_to",
            "group_by",
            "timezone",
            "agent",
            "department",
            "client",
            "tag[]",
        }
        assert "422" in operation["responses"]


JSON_TYPES = {"integer": int, "number": (int, float), "string": str}


def assert_documented(value, documented: dict, where: str) -> None:
    if value is None:
        assert documented.get("nullable"), where
    elif documented["type"] == "object":
        assert set(value) == set(documented["properties"]), where
        for key, item in value.items():
            assert_documented(item, documented["properties"][key], f"{where}.{key}")
    else:
        assert isinstance(value, JSON_TYPES[documented["type"]]), where
        assert not isinstance(value, bool), where


def test_reports_answer_their_documented_shapes(api, january):
    """Each report's data has the keys and types its OpenAPI operation documents; the
    ranking's agent is the agent object of the Tickets API."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for name, report in REPORTS.items():
        operation = schema["paths"][url(name)]["get"]
        content = operation["responses"]["200"]["content"]["application/json"]
        documented = content["schema"]["properties"]["data"]
        data = api.get(url(name), RANGE).json()["data"]
        if report is RANKING:
            entry = documented["properties"]["ranking"]["items"]
            assert list(entry["properties"]["agent"]["properties"]) == list(AgentSchema().fields)
            assert data["ranking"]
            for row in data["ranking"]:
                assert_documented(row, entry, name)
        else:
            assert data
            for period, figures in data.items():
                assert_documented(figures, documented["additionalProperties"], f"{name} {period}")
