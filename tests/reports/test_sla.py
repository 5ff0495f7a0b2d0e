"""The service level reports: the share of SLA targets met per policy, kind and period, and
the breaches, in reports.sla, the API and the Reports page."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from reports import sla
from reports.periods import GroupBy, ReportFilters
from reports.sla_panels import BREACHES_PER_PAGE
from sla.models import TargetState
from tests import factories

from .scenario import at
from .sla_scenario import FIRST, RESOLUTION, SlaScenario

pytestmark = pytest.mark.django_db

JAN_10 = datetime.date(2026, 1, 10)
JAN_12 = datetime.date(2026, 1, 12)
RANGE = {"date_from": "2026-01-10", "date_to": "2026-01-12", "timezone": "UTC"}
TARGETS_URL = "/api/reports/sla/targets"
BREACHES_URL = "/api/reports/sla/breaches"


@pytest.fixture
def scenario():
    return SlaScenario()


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


def filters(**kwargs):
    kwargs.setdefault("date_from", JAN_10)
    kwargs.setdefault("date_to", JAN_12)
    return ReportFilters(**kwargs)


def figures(met, breached):
    total = met + breached
    return {
        "met": met,
        "breached": breached,
        "total": total,
        "share_met": round(met / total, 3) if total else None,
    }


def summary(rows):
    """(policy name, kind) -> (met, breached, share met, {period: (met, breached)})."""
    return {
        (row["policy"]["name"], row["kind"]): (
            row["met"],
            row["breached"],
            row["share_met"],
            {key: (p["met"], p["breached"]) for key, p in row["periods"].items()},
        )
        for row in rows
    }


class TestTargetsMet:
    def test_per_policy_kind_and_day(self, scenario):
        rows = sla.sla_targets(filters())
        assert [(row["policy"], row["kind"]) for row in rows] == [
            ({"id": scenario.standard.pk, "name": "Standard"}, FIRST),
            ({"id": scenario.standard.pk, "name": "Standard"}, RESOLUTION),
            ({"id": scenario.vip.pk, "name": "VIP"}, FIRST),
        ]
        assert summary(rows) == {
            ("Standard", FIRST): (
                1,
                2,
                0.333,
                {"2026-01-10": (1, 1), "2026-01-11": (0, 1), "2026-01-12": (0, 0)},
            ),
            ("Standard", RESOLUTION): (
                1,
                1,
                0.5,
                {"2026-01-10": (0, 0), "2026-01-11": (1, 0), "2026-01-12": (0, 1)},
            ),
            ("VIP", FIRST): (
                1,
                0,
                1.0,
                {"2026-01-10": (0, 0), "2026-01-11": (0, 0), "2026-01-12": (1, 0)},
            ),
        }
        # An empty period has no share; a period's figures are complete.
        assert rows[0]["periods"]["2026-01-12"] == figures(0, 0)
        assert rows[0]["periods"]["2026-01-10"] == figures(1, 1)
        assert rows[0]["total"] == 3

    def test_periods_are_local_to_the_time_zone(self, scenario):
        # In New York (UTC-5) the 13th's first UTC instant is the 12th's evening, and the
        # 10th starts at 05:00 UTC.
        rows = summary(sla.sla_targets(filters(timezone=ZoneInfo("America/New_York"))))
        assert rows[("VIP", FIRST)][:3] == (2, 0, 1.0)
        assert rows[("VIP", FIRST)][3]["2026-01-12"] == (2, 0)

    def test_by_week_and_by_month(self, scenario):
        weeks = summary(sla.sla_targets(filters(group_by=GroupBy.WEEK)))
        assert weeks[("Standard", FIRST)][3] == {"2026-W02": (1, 2), "2026-W03": (0, 0)}
        assert weeks[("Standard", RESOLUTION)][3] == {"2026-W02": (1, 0), "2026-W03": (0, 1)}
        months = summary(sla.sla_targets(filters(group_by=GroupBy.MONTH)))
        assert months[("Standard", FIRST)][3] == {"2026-01": (1, 2)}

    def test_by_hour(self, scenario):
        one_day = filters(date_from=JAN_10, date_to=JAN_10, group_by=GroupBy.HOUR)
        periods = summary(sla.sla_targets(one_day))[("Standard", FIRST)][3]
        assert len(periods) == 24
        assert (periods["08:00"], periods["10:00"], periods["09:00"]) == ((1, 0), (0, 1), (0, 0))

    def test_filters_are_the_ticket_reports(self, scenario):
        ann = summary(sla.sla_targets(filters(agent=scenario.ann.pk)))
        assert list(ann) == [("Standard", FIRST)]
        assert ann[("Standard", FIRST)][:3] == (0, 1, 0.0)
        sales = summary(sla.sla_targets(filters(department=scenario.sales.pk)))
        assert {key: value[:2] for key, value in sales.items()} == {
            ("Standard", RESOLUTION): (0, 1)
        }
        billing = summary(sla.sla_targets(filters(tags=("billing",))))
        assert {key: value[:2] for key, value in billing.items()} == {("Standard", FIRST): (1, 0)}

    def test_spam_running_and_stopped_targets_are_not_counted(self, scenario):
        # t10 (spam) breached on the 10th, t5 runs, t11 stopped: none of them counts.
        rows = summary(sla.sla_targets(filters()))
        assert rows[("Standard", FIRST)][3]["2026-01-10"] == (1, 1)
        assert rows[("Standard", RESOLUTION)][:2] == (1, 1)
        scenario.t5.breached_at = at(12, 23)  # the running target breaches: now it counts
        scenario.t5.save(update_fields=["breached_at"])
        rows = summary(sla.sla_targets(filters()))
        assert rows[("Standard", FIRST)][3]["2026-01-12"] == (0, 1)
        # A policy and kind with only spam tickets' targets has no row.
        factories.TicketSlaTargetFactory(
            ticket=factories.TicketFactory(is_spam=True),
            policy=scenario.vip,
            kind=RESOLUTION,
            due_at=at(11),
            breached_at=at(11),
        )
        assert ("VIP", RESOLUTION) not in summary(sla.sla_targets(filters()))
        assert sla.breaches(filters()).count() == 4  # t5, t6, t4, t2
        scenario.t11.state = TargetState.ACTIVE
        scenario.t11.save(update_fields=["state"])
        assert summary(sla.sla_targets(filters()))[("Standard", RESOLUTION)][:2] == (1, 1)

    def test_no_targets(self, db):
        assert sla.sla_targets(filters()) == []

    def test_one_query_and_one_for_the_policies(self, scenario, django_assert_num_queries):
        with django_assert_num_queries(2):
            sla.sla_targets(filters(tags=("billing",)))
        with django_assert_num_queries(2):
            sla.sla_targets(filters())
        with django_assert_num_queries(1):
            assert sla.sla_targets(filters(tags=("nothing",))) == []


class TestBreaches:
    def test_newest_first_with_when_they_breached(self, scenario):
        breaches = list(sla.breaches(filters()))
        assert [target.pk for target in breaches] == [
            scenario.t6.pk,
            scenario.t4.pk,
            scenario.t2.pk,
        ]
        # t4 was met late before its breach was recorded: it breached when it was due.
        assert [target.breach_at for target in breaches] == [at(12, 8), at(11, 9), at(10, 10)]

    def test_filters(self, scenario):
        def pks(**kwargs):
            policy_and_kind = {key: kwargs.pop(key) for key in ("policy", "kind") if key in kwargs}
            return [t.pk for t in sla.breaches(filters(**kwargs), **policy_and_kind)]

        assert pks(agent=scenario.ann.pk) == [scenario.t2.pk]
        assert pks(department=scenario.sales.pk) == [scenario.t6.pk]
        assert pks(kind=RESOLUTION) == [scenario.t6.pk]
        assert pks(policy=scenario.vip.pk) == []
        assert pks(policy=scenario.vip.pk, date_from=datetime.date(2026, 1, 9)) == [scenario.t9.pk]

    def test_one_query_for_the_rows_and_their_ticket_assignee_and_policy(
        self, scenario, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = [
                (t.ticket.subject, t.policy.name, t.ticket.assignee and t.ticket.assignee.username)
                for t in sla.breaches(filters())
            ]
        assert rows == [
            (scenario.t6.ticket.subject, "Standard", None),
            (scenario.t4.ticket.subject, "Standard", "bob"),
            ("Printer on fire", "Standard", "ann"),
        ]


class TestApi:
    def test_targets(self, api, scenario):
        response = api.get(TARGETS_URL, RANGE)
        assert response.status_code == 200
        targets = response.json()["data"]["targets"]
        assert targets[0] == {
            "policy": {"id": scenario.standard.pk, "name": "Standard"},
            "kind": "first_response",
            **figures(1, 2),
            "periods": {
                "2026-01-10": figures(1, 1),
                "2026-01-11": figures(0, 1),
                "2026-01-12": figures(0, 0),
            },
        }
        assert [(row["policy"]["name"], row["kind"], row["share_met"]) for row in targets] == [
            ("Standard", "first_response", 0.333),
            ("Standard", "resolution", 0.5),
            ("VIP", "first_response", 1.0),
        ]

    def test_targets_csv(self, api, scenario):
        response = api.get(TARGETS_URL, {**RANGE, "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="sla_targets_2026-01-10_2026-01-12.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        standard = str(scenario.standard.pk)
        assert rows[:4] == [
            ["period", "policy_id", "policy", "kind", "met", "breached", "total", "share_met"],
            ["2026-01-10", standard, "Standard", "first_response", "1", "1", "2", "0.5"],
            ["2026-01-11", standard, "Standard", "first_response", "0", "1", "1", "0.0"],
            ["2026-01-12", standard, "Standard", "first_response", "0", "0", "0", ""],
        ]
        assert len(rows) == 1 + 3 * 3

    def test_breaches_page(self, api, scenario):
        response = api.get(BREACHES_URL, {**RANGE, "limit": 2})
        assert response.status_code == 200
        body = response.json()
        assert body["meta"] == {"current_page": 1, "per_page": 2, "total": 3, "last_page": 2}
        assert [row["ticket"]["id"] for row in body["data"]] == [
            scenario.t6.ticket_id,
            scenario.t4.ticket_id,
        ]
        assert body["data"][1] == {
            "ticket": {"id": scenario.t4.ticket_id, "subject": scenario.t4.ticket.subject},
            "policy": {"id": scenario.standard.pk, "name": "Standard"},
            "kind": "first_response",
            "due_at": "2026-01-11T09:00:00Z",
            "breached_at": "2026-01-11T09:00:00Z",
            "met_at": "2026-01-11T09:30:00Z",
            "assignee": {"id": scenario.bob.pk, "username": "bob", "name": "Bob Baker",
                         "email": scenario.bob.email},
        }  # fmt: skip
        assert body["data"][0]["assignee"] is None
        assert body["data"][0]["met_at"] is None
        second = api.get(BREACHES_URL, {**RANGE, "limit": 2, "page": 2}).json()
        assert [row["ticket"]["subject"] for row in second["data"]] == ["Printer on fire"]

    def test_breaches_filters(self, api, scenario):
        params = {**RANGE, "policy": scenario.standard.pk, "kind": "resolution"}
        data = api.get(BREACHES_URL, params).json()["data"]
        assert [row["ticket"]["id"] for row in data] == [scenario.t6.ticket_id]
        data = api.get(BREACHES_URL, {**RANGE, "agent": scenario.ann.pk}).json()["data"]
        assert [row["ticket"]["subject"] for row in data] == ["Printer on fire"]

    @pytest.mark.parametrize(
        ("url", "params", "field"),
        [
            (TARGETS_URL, {"group_by": "year"}, "group_by"),
            (TARGETS_URL, {"timezone": "Mars/Olympus"}, "timezone"),
            (BREACHES_URL, {"policy": "999999"}, "policy"),
            (BREACHES_URL, {"policy": "x"}, "policy"),
            (BREACHES_URL, {"kind": "lunch"}, "kind"),
            (BREACHES_URL, {"date_from": "2026-01-12", "date_to": "2026-01-10"}, "date_from"),
            (BREACHES_URL, {"limit": "1000"}, "limit"),
            (BREACHES_URL, {"format": "csv"}, "format"),
        ],
    )
    def test_bad_parameters_are_422(self, api, url, params, field):
        response = api.get(url, params)
        assert response.status_code == 422
        assert field in response.json()["errors"]

    def test_a_long_range_of_breaches_is_not_limited_like_hours(self, api, scenario):
        params = {"date_from": "2025-01-01", "date_to": "2026-12-31", "group_by": "hour"}
        assert api.get(BREACHES_URL, params).json()["meta"]["total"] == 4

    def test_query_counts(self, api, scenario, django_assert_num_queries):
        # The targets and their policies' names.
        with django_assert_num_queries(2):
            assert api.get(TARGETS_URL, {**RANGE, "tag[]": "billing"}).status_code == 200
        with django_assert_num_queries(2):
            assert api.get(TARGETS_URL, {**RANGE, "format": "csv"}).status_code == 200
        # The count and the page; a filter by policy checks that it exists.
        with django_assert_num_queries(2):
            assert api.get(BREACHES_URL, RANGE).status_code == 200
        with django_assert_num_queries(3):
            params = {**RANGE, "policy": scenario.standard.pk}
            assert api.get(BREACHES_URL, params).status_code == 200

    def test_agents_only(self, client, outsider):
        assert client.get(TARGETS_URL, RANGE).status_code == 401
        client.force_login(outsider)
        assert client.get(BREACHES_URL, RANGE).status_code == 403

    def test_in_the_openapi_schema_with_the_shapes_answered(self, api, scenario):
        from drf_spectacular.generators import SchemaGenerator

        from .test_api import assert_documented

        schema = SchemaGenerator().get_schema(request=None, public=True)
        targets = schema["paths"][TARGETS_URL]["get"]
        assert {p["name"] for p in targets["parameters"]} >= {
            "date_from", "date_to", "group_by", "timezone", "agent", "department", "tag[]",
        }  # fmt: skip
        documented = targets["responses"]["200"]["content"]["application/json"]["schema"]
        data = api.get(TARGETS_URL, RANGE).json()["data"]
        row_schema = documented["properties"]["data"]["properties"]["targets"]["items"]
        properties = dict(row_schema["properties"])
        period_schema = properties.pop("periods")["additionalProperties"]
        assert data["targets"]
        for row in data["targets"]:
            periods = row.pop("periods")
            assert_documented(row, {**row_schema, "properties": properties}, "targets")
            for figures_of_period in periods.values():
                assert_documented(figures_of_period, period_schema, "period")

        breaches = schema["paths"][BREACHES_URL]["get"]
        assert {p["name"] for p in breaches["parameters"]} >= {
            "date_from", "policy", "kind", "page", "limit", "agent",
        }  # fmt: skip
        assert "group_by" not in {p["name"] for p in breaches["parameters"]}
        documented = breaches["responses"]["200"]["content"]["application/json"]["schema"]
        body = api.get(BREACHES_URL, RANGE).json()
        assert body["data"]
        for row in body["data"]:
            assert_documented(row, documented["properties"]["data"]["items"], "breach")
        assert_documented(body["meta"], documented["properties"]["meta"], "meta")


class TestDashboard:
    """The Reports page loads its service levels after itself, from their own URL (a page
    of its own without JavaScript), so that the ticket reports stay within their second."""

    URL = "/reports/service-levels/"

    def test_the_reports_page_loads_them_after_itself(self, client, scenario):
        client.force_login(scenario.ann)
        content = client.get("/reports/", RANGE).content.decode()
        assert 'id="report-sla"' in content
        assert 'hx-trigger="load"' in content
        assert 'hx-get="/reports/service-levels/?date_from=2026-01-10' in content
        assert "<td>33.3%</td>" not in content
        fragment = client.get(self.URL, RANGE, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert fragment.content.decode().startswith(
            '\n<section class="card report-panel" id="report-sla"'
        )
        assert "<html" not in fragment.content.decode()
        assert "<td>33.3%</td>" in fragment.content.decode()

    def test_share_met_per_policy_and_the_breaches(self, client, scenario):
        client.force_login(scenario.ann)
        response = client.get(self.URL, RANGE)
        assert response.status_code == 200
        section = response.context["sla"]
        assert [(row["policy"]["name"], row["kind_label"], row["percent"]) for row in section.targets] == [
            ("Standard", "First response", 33.3),
            ("Standard", "Resolution", 50.0),
            ("VIP", "First response", 100.0),
        ]  # fmt: skip
        assert [chart.policy["name"] for chart in section.charts] == ["Standard", "VIP"]
        assert [t.pk for t in section.breaches] == [scenario.t6.pk, scenario.t4.pk, scenario.t2.pk]
        assert section.breaches_total == 3
        content = response.content.decode()
        assert '<section class="card report-panel" id="report-sla"' in content
        assert "<td>33.3%</td>" in content
        assert (
            f'href="/tickets/{scenario.t2.ticket_id}/">#{scenario.t2.ticket_id} Printer on fire</a>'
            in content
        )
        assert "/api/reports/sla/targets?date_from=2026-01-10" in content
        assert content.count('<svg class="chart"') == 2

    def test_bad_parameters_are_a_422_that_says_why(self, client, agent):
        client.force_login(agent)
        response = client.get(self.URL, {"date_from": "2026-13-40"})
        assert response.status_code == 422
        assert "These report parameters are not valid" in response.content.decode()

    def test_query_count(self, client, scenario, django_assert_num_queries):
        client.force_login(scenario.ann)
        # session, user; the targets, the SLA policies' names, the page of breaches
        with django_assert_num_queries(5):
            response = client.get(
                self.URL, {**RANGE, "tag[]": "billing"}, headers={"HX-Request": "true"}
            )
            assert response.status_code == 200

    def test_breaches_in_pages(self, client, scenario):
        policy = factories.SlaPolicyFactory(name="Busy", position=5)
        for minute in range(BREACHES_PER_PAGE):
            factories.TicketSlaTargetFactory(
                policy=policy, due_at=at(11, 10, minute), breached_at=at(11, 10, minute)
            )
        client.force_login(scenario.ann)
        first = client.get(self.URL, RANGE).context["sla"]
        assert (first.breaches_total, len(first.breaches), first.last_page) == (23, 20, 2)
        assert first.newer_url is None
        assert first.older_url.endswith("breaches_page=2#report-sla")
        second = client.get(self.URL, {**RANGE, "breaches_page": 2}).context["sla"]
        assert [t.pk for t in second.breaches[1:]] == [scenario.t4.pk, scenario.t2.pk]
        assert (second.first_shown, second.last_shown) == (21, 23)
        assert second.older_url is None
        assert client.get(self.URL, {**RANGE, "breaches_page": "x"}).context["sla"].page == 1

    def test_no_targets(self, client, agent):
        client.force_login(agent)
        content = client.get(self.URL, RANGE).content.decode()
        assert "No SLA targets met or breached in this period." in content
        assert "No breaches in this period." in content
