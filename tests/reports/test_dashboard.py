import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from freezegun import freeze_time

from reports.charts import Series, chart, nice_ceiling
from reports.views import Panel, Tile
from tests import factories
from tickets.forms import widgets as tickets_forms

from .scenario import JanuaryScenario

pytestmark = pytest.mark.django_db

URL = "/reports/"
JAN_12 = {"date_from": "2026-01-12", "date_to": "2026-01-12", "group_by": "hour"}


@pytest.fixture
def january():
    return JanuaryScenario()


class TestAccess:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))

    def test_non_agent_is_refused_like_in_the_workspace(self, client, outsider):
        client.force_login(outsider)
        response = client.get(URL)
        assert response.status_code == 403
        assert "not an agent account" in response.content.decode()

    def test_inactive_staff_is_refused(self, client, agent):
        agent.is_active = False
        agent.save(update_fields=["is_active"])
        client.force_login(agent)
        # Django signs inactive users out: they are sent to sign in, as in the workspace.
        assert client.get(URL).status_code == 302

    def test_agent_sees_the_dashboard(self, client, agent):
        client.force_login(agent)
        response = client.get(URL)
        assert response.status_code == 200
        assert b"<svg" in response.content


class TestDashboard:
    def test_tiles_compare_with_the_previous_period(self, client, january):
        client.force_login(january.agent)
        response = client.get(URL, JAN_12)
        tiles = {tile.label: tile for tile in response.context["tiles"]}
        assert (tiles["New tickets"].current, tiles["New tickets"].previous) == (2, 0)
        assert (tiles["Solved tickets"].current, tiles["Solved tickets"].previous) == (1, 1)
        assert tiles["Median first response"].current == 14.0
        assert tiles["Median first response"].previous is None
        assert (tiles["Median resolution"].current, tiles["Median resolution"].previous) == (
            48.0,
            24.0,
        )
        assert (tiles["Rating score"].current, tiles["Rating score"].previous) == (100, 0)
        assert (tiles["Backlog"].current, tiles["Backlog"].previous) == (6, 5)
        assert tiles["Backlog"].trend == "worse"
        assert tiles["Median resolution"].change_percent == 100.0

    def test_a_chart_table_and_csv_link_per_report(self, client, january):
        client.force_login(january.agent)
        response = client.get(URL, JAN_12)
        content = response.content.decode()
        assert content.count('<svg class="chart"') == 7
        assert "/api/reports/tickets/new_tickets?date_from=2026-01-12" in content
        assert "format=csv" in content
        new_tickets = response.context["panels"][0]
        assert new_tickets.table[0] == ["period", "count"]
        assert new_tickets.table[11] == ["10:00", 1]
        assert '<tr><th scope="row">10:00</th><td>1</td></tr>' in content
        first_response = response.context["panels"][2]
        assert first_response.table[0] == ["period", "count", "hours", "median_hours", "p90_hours"]
        assert '<tr><th scope="row">09:00</th><td>0</td><td></td><td></td><td></td></tr>' in content
        assert [row["agent"]["name"] for row in response.context["ranking"]] == ["Ann Able"]

    def test_table_cells_are_escaped(self):
        panel = Panel("x", "X", "", "", [], [["period", "count"], ["<b>", "a&b"]], "")
        assert panel.body == '<tr><th scope="row">&lt;b&gt;</th><td>a&amp;b</td></tr>'

    def test_bad_parameters_show_errors(self, client, agent):
        client.force_login(agent)
        response = client.get(URL, {"date_from": "2026-02-30", "timezone": "Nowhere"})
        assert response.status_code == 422
        assert b"Enter a valid date." in response.content
        assert b"Enter a time zone name" in response.content
        assert "tiles" not in response.context

    def test_query_count(self, client, january, django_assert_num_queries):
        client.force_login(january.agent)
        # session + user, 4 filter option lists, 5 charts, the ranking; for the tiles,
        # 2 totals of the previous range and the medians: a count in each of the 4 ranges
        # and the middle rows of the only one with tickets; the bell's unread count (the
        # service levels load after the page: tests/reports/test_sla.py).
        with django_assert_num_queries(20):
            assert client.get(URL, {**JAN_12, "tag[]": "billing"}).status_code == 200


class TestCharts:
    def test_nice_ceiling(self):
        assert [nice_ceiling(v) for v in (0, 0.3, 7, 12, 26, 980)] == [1, 0.5, 10, 20, 50, 1000]

    def test_stacked_bars_escape_labels(self):
        svg = chart("<b>", ["a<", "b"], [Series("x", [1, 2]), Series("y", [3, None])])
        assert "<b>" not in svg and "&lt;b&gt;" in svg
        assert svg.count("<rect") == 3

    def test_a_line_through_one_value_shows_a_dot(self):
        svg = chart("x", ["a", "b", "c"], [Series("share", [None, 50, None])], kind="line")
        assert svg.count("<circle") == 1
        assert "<title>b: share 50</title>" in svg
        two = chart("x", ["a", "b"], [Series("share", [10, 50])], kind="line")
        assert "<circle" not in two

    def test_tile_trend(self):
        assert Tile("x", 3, 5, lower_is_better=True).trend == "better"
        assert Tile("x", 3, 5).trend == "worse"
        assert Tile("x", 3, 0).change_percent is None


def test_the_page_opens_on_the_last_30_days(client, agent):
    client.force_login(agent)
    with freeze_time("2026-03-15 12:00"):
        filters = client.get(URL).context["filters"]
    assert (filters.date_from, filters.date_to) == (
        datetime.date(2026, 2, 14),
        datetime.date(2026, 3, 15),
    )
    assert filters.group_by == "day"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_queries_run_concurrently_with_the_same_figures(client):
    # On PostgreSQL the page's queries run in threads here (nothing uncommitted
    # to hide from them); on SQLite in turn. The figures are the same either way.
    january = JanuaryScenario()
    client.force_login(january.agent)
    response = client.get(URL, JAN_12)
    tiles = {tile.label: (tile.current, tile.previous) for tile in response.context["tiles"]}
    assert tiles == {
        "New tickets": (2, 0),
        "Solved tickets": (1, 1),
        "Median first response": (14.0, None),
        "Median resolution": (48.0, 24.0),
        "Rating score": (100, 0),
        "Backlog": (6, 5),
    }
    assert response.context["panels"][0].table[11] == ["10:00", 1]


class TestClientFilter:
    """The client filter is the queue's client select: at thousands of clients it offers
    the first ones, the chosen one and a box that finds the others."""

    def test_few_clients_are_all_offered(self, client, agent):
        names = ["Bravo Inc", "Alpha Ltd"]
        for name in names:
            factories.ClientFactory(name=name)
        client.force_login(agent)
        html = client.get(URL).content.decode()
        select = re.search(
            r'<select name="client"[^>]*id="id_client"[^>]*>(.*?)</select>', html, re.S
        )
        assert re.findall(r">([^<]*)</option>", select.group(1)) == [
            "All clients",
            "Alpha Ltd",
            "Bravo Inc",
        ]
        assert "Find a client" not in html

    def test_many_clients_offer_the_first_the_chosen_and_a_search(self, client, agent, monkeypatch):
        monkeypatch.setattr(tickets_forms, "CLIENT_CHOICES_SHOWN", 2)
        clients = [factories.ClientFactory(name=name) for name in ["Alpha", "Bravo", "Charlie"]]
        client.force_login(agent)
        html = client.get(URL, {"client": clients[2].pk}).content.decode()
        select = re.search(
            r'<select name="client"[^>]*id="id_client"[^>]*>(.*?)</select>', html, re.S
        )
        assert re.findall(r">([^<]*)</option>", select.group(1)) == [
            "All clients",
            "Alpha",
            "Bravo",
            "Charlie",
        ]
        assert f'<option value="{clients[2].pk}" selected>' in html
        assert 'aria-label="Find a client"' in html
        assert "&quot;empty&quot;: &quot;All clients&quot;" in html
