"""GET /compat/usercom/api/public/tickets/: DRF's page envelope, 100 a page, `page`,
`per_page` and `status`, newest first, in a fixed number of queries."""

import datetime

import pytest

from tests import factories
from tickets.models import ActiveState, Priority
from tickets.statuses import FixedStatus

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
URL = f"http://testserver{BASE}/tickets/"


def ticket_at(minutes: float, **fields):
    """A ticket created at `minutes` after T0 (and last changed long after)."""
    created = T0 + datetime.timedelta(minutes=minutes)
    return factories.TicketFactory(
        created_at=created, updated_at=T0 + datetime.timedelta(days=30 - minutes), **fields
    )


def listed(usercom, query: str = "") -> dict:
    response = usercom.get(f"{BASE}/tickets/{'?' + query if query else ''}")
    assert response.status_code == 200, response.content
    return body(response)


def listed_ids(usercom, query: str = "") -> list[int]:
    return [ticket["id"] for ticket in listed(usercom, query)["results"]]


class TestPages:
    def test_100_a_page_newest_first_with_full_links(self, usercom):
        tickets = [ticket_at(minutes) for minutes in range(101)]
        newest_first = [ticket.pk for ticket in reversed(tickets)]

        first = listed(usercom)
        second = listed(usercom, "page=2")

        assert first["count"] == second["count"] == 101
        assert [t["id"] for t in first["results"]] == newest_first[:100]
        assert first["previous"] is None
        assert first["next"] == f"{URL}?page=2"
        assert [t["id"] for t in second["results"]] == newest_first[100:]
        assert second["next"] is None
        assert second["previous"] == URL

    def test_per_page_and_the_links_keep_the_other_parameters(self, usercom):
        tickets = [ticket_at(minutes) for minutes in range(5)]

        middle = listed(usercom, "status=active&per_page=2&page=2")

        assert [t["id"] for t in middle["results"]] == [tickets[2].pk, tickets[1].pk]
        # DRF's links: the parameters in alphabetical order, no page=1.
        assert middle["next"] == f"{URL}?page=3&per_page=2&status=active"
        assert middle["previous"] == f"{URL}?per_page=2&status=active"
        last = listed(usercom, "status=active&per_page=2&page=3")
        assert [t["id"] for t in last["results"]] == [tickets[0].pk]
        assert last["next"] is None
        assert last["previous"] == f"{URL}?page=2&per_page=2&status=active"

    def test_per_page_up_to_100(self, usercom):
        ticket_at(0)

        assert listed(usercom, "per_page=100")["count"] == 1
        assert listed(usercom, "per_page=1")["next"] is None

    def test_the_same_time_newest_id_first(self, usercom):
        first, second = ticket_at(1), ticket_at(1)

        assert listed_ids(usercom) == [second.pk, first.pk]

    def test_no_ticket(self, usercom):
        assert listed(usercom) == {"count": 0, "next": None, "previous": None, "results": []}

    def test_a_page_past_the_end_is_a_404_as_drf_has_it(self, usercom):
        ticket_at(0)

        response = usercom.get(f"{BASE}/tickets/?page=2")

        assert response.status_code == 404
        assert body(response) == {"detail": "Invalid page."}

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("page=0", "page"),
            ("page=x", "page"),
            ("page=-1", "page"),
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
            ("per_page=many", "per_page"),
        ],
    )
    def test_a_bad_parameter_is_a_400_naming_it(self, usercom, query, field):
        response = usercom.get(f"{BASE}/tickets/?{query}")

        assert response.status_code == 400
        errors = body(response)
        assert list(errors) == [field]
        assert isinstance(errors[field], list)
        assert errors[field]
        assert all(isinstance(message, str) for message in errors[field])


class TestStatus:
    @pytest.fixture
    def tickets(self):
        return {
            "open": ticket_at(1),
            "on_hold": ticket_at(2, status_id=FixedStatus.ON_HOLD),
            "closed": ticket_at(3, status_id=FixedStatus.CLOSED),
            "archived_open": ticket_at(4, active_state=ActiveState.ARCHIVED),
            "archived_closed": ticket_at(
                5, status_id=FixedStatus.CLOSED, active_state=ActiveState.ARCHIVED
            ),
            "spam": ticket_at(6, is_spam=True),
        }

    def test_without_a_status_every_ticket_but_spam(self, usercom, tickets):
        names = ["archived_closed", "archived_open", "closed", "on_hold", "open"]

        assert listed_ids(usercom) == [tickets[name].pk for name in names]
        assert listed(usercom)["count"] == 5

    @pytest.mark.parametrize(
        ("status", "names"),
        [
            ("active", ["on_hold", "open"]),
            ("closed", ["closed"]),
            ("archived", ["archived_closed", "archived_open"]),
            ("draft", []),
        ],
    )
    def test_each_status(self, usercom, tickets, status, names):
        answer = listed(usercom, f"status={status}")

        assert [t["id"] for t in answer["results"]] == [tickets[name].pk for name in names]
        assert answer["count"] == len(names)
        assert {t["status"] for t in answer["results"]} <= {status}

    def test_a_status_of_an_administrators_own_is_by_whether_it_is_closed(self, usercom):
        done = factories.TicketStatusFactory(title="Done elsewhere", is_closed=True)
        ticket = ticket_at(0, status_id=done.pk)

        assert listed_ids(usercom, "status=closed") == [ticket.pk]
        assert listed_ids(usercom, "status=active") == []

    def test_an_empty_status_is_no_filter_as_drf_reads_it(self, usercom, tickets):
        assert listed(usercom, "status=")["count"] == 5

    @pytest.mark.parametrize("status", ["open", "Active", "spam", "active,closed"])
    def test_another_status_is_a_400(self, usercom, status):
        response = usercom.get(f"{BASE}/tickets/?status={status}")

        assert response.status_code == 400
        errors = body(response)
        assert list(errors) == ["status"]
        assert errors["status"][0]


class TestQueries:
    """The page costs the same queries for one ticket and for a hundred: the key (read,
    and its last use written: once a minute, here the first request), the statuses, the
    total, the page's tickets, their CC contacts and opening files, and the segments (the
    shared views, the filters' statuses and agents, one check for all)."""

    QUERIES = 11

    def filled(self, count: int, agent, **fields) -> None:
        factories.SavedViewFactory(name="Urgent", query="priority=urgent", is_shared=True)
        for minutes in range(count):
            ticket = ticket_at(
                minutes,
                requester=factories.ContactFactory(),
                assignee=agent,
                creator=agent,
                priority=Priority.URGENT,
                **fields,
            )
            ticket.cc.set([factories.ContactFactory(client=ticket.client)])
            factories.AttachmentFactory(ticket=ticket, reply=None)

    @pytest.mark.parametrize("count", [1, 30])
    def test_a_fixed_number(self, usercom, agent, django_assert_num_queries, count):
        self.filled(count, agent)

        with django_assert_num_queries(self.QUERIES):
            answer = listed(usercom, "per_page=100")

        assert len(answer["results"]) == count
        assert all(t["participants"] and t["attachments"] for t in answer["results"])
        assert all(
            [s["name"] for s in t["segments"]]
            == [
                "My open tickets",
                "All tickets",
                "All open",
                "Urgent",
            ]
            for t in answer["results"]
        )

    @pytest.mark.parametrize(
        ("status", "fields"),
        [
            ("active", {}),
            ("closed", {"status_id": FixedStatus.CLOSED}),
            ("archived", {"active_state": ActiveState.ARCHIVED}),
        ],
    )
    def test_with_a_status(self, usercom, agent, django_assert_num_queries, status, fields):
        self.filled(3, agent, **fields)

        with django_assert_num_queries(self.QUERIES):
            answer = listed(usercom, f"status={status}")

        assert len(answer["results"]) == 3

    def test_drafts_read_no_ticket(self, usercom, agent, django_assert_num_queries):
        self.filled(3, agent)

        # The key (read and written) and the statuses.
        with django_assert_num_queries(3):
            assert listed(usercom, "status=draft")["results"] == []

    def test_one_ticket(self, usercom, agent, django_assert_num_queries):
        self.filled(1, agent)
        ticket_id = listed_ids(usercom)[0]

        # The key (its last use was written by the list), the ticket checked, then read
        # with its relations, its CC contacts, its files, the statuses, and the segments'
        # four.
        with django_assert_num_queries(10):
            response = usercom.get(f"{BASE}/tickets/{ticket_id}/")
        assert response.status_code == 200
