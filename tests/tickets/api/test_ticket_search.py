"""GET /api/tickets?search=: ticket-level matches, exact totals, a fixed number of queries."""

import pytest
from django.db import connection

from tests import factories
from tickets.statuses import FixedStatus

from .conftest import body

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def listed(api, query: str) -> tuple[set[int], int]:
    response = api.get(f"/api/tickets?{query}&limit=100")
    assert response.status_code == 200, response.content
    content = body(response)
    return {row["id"] for row in content["data"]}, content["meta"]["total"]


@pytest.fixture
def conversations():
    """Printer tickets, some with a refund in a reply, over two statuses and a tag."""
    made = []
    for n in range(12):
        ticket = factories.TicketFactory(
            subject=f"Printer {n}" if n % 2 else f"Scanner {n}",
            message="It is broken.",
            status_id=FixedStatus.OPEN if n % 3 else FixedStatus.CLOSED,
            tags=["vip"] if n % 4 == 0 else [],
        )
        if n % 3 == 0:
            factories.ReplyFactory(ticket=ticket, text="A refund was sent.")
        made.append(ticket)
    return made


@pytest.mark.parametrize(
    "query",
    [
        "search=printer",
        "search=printer+refund",
        "search=zebra",
        "search=the+of",
        "search=%22refund+was+sent%22",
        "search=printer+or+refund",
        "search=printer+-refund",
        "search=printer&status=1",
        "search=refund&tags[]=vip",
        "search=printer+refund&status=2&tags[]=vip",
    ],
)
def test_totals_are_the_number_of_matches(api, conversations, query):
    found, total = listed(api, query)
    assert total == len(found)


def test_words_may_sit_in_different_parts(api, conversations):
    found, total = listed(api, "search=printer+refund")
    # Odd tickets say "printer", every third one has the refund reply: 3 and 9.
    assert found == {conversations[3].pk, conversations[9].pk}
    assert total == len(found)


def test_search_runs_a_fixed_number_of_queries(api, django_assert_num_queries):
    factories.TicketFactory(subject="Lonely webhook")
    url = "/api/tickets?search=webhook&limit=100"
    api.get(url)  # the first request of a key also records its last use
    # key, total, page, CC contacts and tags (no team or requester to prefetch); PostgreSQL also parses
    # the query, plans the documents' size (for the page's plan) and lists the candidate
    # ids, in a transaction (here a savepoint and its release) without parallel workers
    expected = 11 if POSTGRESQL else 5
    with django_assert_num_queries(expected):
        assert body(api.get(url))["meta"]["total"] == 1
    factories.TicketFactory.create_batch(60, subject="Webhook failing")
    with django_assert_num_queries(expected):
        assert body(api.get(url))["meta"]["total"] == 61
