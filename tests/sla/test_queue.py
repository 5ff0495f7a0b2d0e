"""The queue and the API by SLA: sorted by next breach (tickets without a running target
last), filtered breached or due within an hour, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.tickets.api.conftest import KeyClient

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def tickets(db):
    """Tickets by name: overdue, due in 30 minutes, due in 3 hours, and one without SLA."""
    now = timezone.now()
    return {
        "overdue": factories.TicketFactory(subject="overdue", sla_due_at=now - 5 * MINUTE),
        "soon": factories.TicketFactory(subject="soon", sla_due_at=now + 30 * MINUTE),
        "later": factories.TicketFactory(subject="later", sla_due_at=now + 180 * MINUTE),
        "none": factories.TicketFactory(subject="none"),
    }


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def api(agent):
    factories.join(agent, "Administrator")
    return KeyClient(factories.ApiKeyFactory(agent=agent, name="Tests").raw_key)


def subjects(response) -> list[str]:
    return [ticket.subject for ticket in response.context["tickets"]]


def api_subjects(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [ticket["subject"] for ticket in response.json()["data"]]


class TestQueue:
    def test_sorted_by_next_breach_without_sla_last(self, signed_in, tickets):
        # Every active ticket (a sort alone shows the agent's own open work).
        everything = {"active_state": "active"}
        response = signed_in.get(reverse("queue"), {**everything, "sort": "breach"})
        assert subjects(response) == ["overdue", "soon", "later", "none"]
        response = signed_in.get(reverse("queue"), {**everything, "sort": "-breach"})
        assert subjects(response) == ["later", "soon", "overdue", "none"]
        html = response.content.decode()
        assert "SLA due" in html
        assert "overdue</time>" in html and "data-countdown" in html

    @pytest.mark.parametrize(
        ("sla", "expected"), [("breached", ["overdue"]), ("due_soon", ["soon"])]
    )
    def test_filters(self, signed_in, tickets, sla, expected):
        response = signed_in.get(reverse("queue"), {"sla": sla, "sort": "breach"})
        assert subjects(response) == expected

    def test_an_unknown_sla_filter_is_ignored_and_said(self, signed_in, tickets):
        response = signed_in.get(reverse("queue"), {"sla": "whenever"})
        assert len(subjects(response)) == 4
        assert "This filter was ignored" in response.content.decode()

    def test_a_fixed_number_of_queries(self, signed_in, django_assert_num_queries):
        params = {"sort": "breach", "sla": "breached"}
        now = timezone.now()
        factories.TicketFactory.create_batch(2, sla_due_at=now - MINUTE)
        with CaptureQueriesContext(connection) as small:
            signed_in.get(reverse("queue"), params)
        factories.TicketFactory.create_batch(30, sla_due_at=now - MINUTE)
        with django_assert_num_queries(len(small.captured_queries)):
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["tickets"]) == 25


class TestApi:
    def test_sorted_by_next_breach(self, api, tickets):
        response = api.get("/api/tickets", {"sort": "sla_due", "order": "asc"})
        assert api_subjects(response) == ["overdue", "soon", "later", "none"]
        response = api.get("/api/tickets", {"sort": "sla_due"})  # desc by default
        assert api_subjects(response) == ["later", "soon", "overdue", "none"]
        assert response.json()["data"][0]["sla_due"] == tickets["later"].sla_due_at.isoformat(
            timespec="seconds"
        ).replace("+00:00", "Z")

    @pytest.mark.parametrize(
        ("sla", "expected"), [("breached", ["overdue"]), ("due_soon", ["soon"])]
    )
    def test_filters(self, api, tickets, sla, expected):
        response = api.get("/api/tickets", {"sla": sla})
        assert api_subjects(response) == expected
        assert response.json()["meta"]["total"] == 1

    def test_an_unknown_sla_filter_is_a_422(self, api, tickets):
        response = api.get("/api/tickets", {"sla": "whenever"})
        assert response.status_code == 422
        assert "breached" in str(response.json())

    def test_a_fixed_number_of_queries(self, api, django_assert_num_queries):
        params = {"sort": "sla_due", "order": "asc", "sla": "breached"}
        now = timezone.now()
        factories.TicketFactory.create_batch(2, sla_due_at=now - MINUTE)
        api.get("/api/tickets", params)  # the key's first use is recorded once
        with CaptureQueriesContext(connection) as small:
            api.get("/api/tickets", params)
        factories.TicketFactory.create_batch(10, sla_due_at=now - MINUTE)
        with django_assert_num_queries(len(small.captured_queries)):
            response = api.get("/api/tickets", params)
        assert len(response.json()["data"]) == 12
