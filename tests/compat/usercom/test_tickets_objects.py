"""The ticket object of /compat/usercom/api/public/tickets/: every field of document 004,
with the document's shape."""

import datetime

import pytest

from tests import factories
from tickets.models import ActiveState, Priority
from tickets.statuses import FixedStatus

from .conftest import BASE, UserComClient, body
from .samples import DOCUMENT_LIST, DOCUMENT_TICKET, shape

pytestmark = pytest.mark.django_db

CREATED = datetime.datetime(2020, 11, 18, 8, 6, 56, 871986, tzinfo=datetime.UTC)
UPDATED = datetime.datetime(2020, 11, 18, 8, 6, 56, 872014, tzinfo=datetime.UTC)
DUE = datetime.datetime(2020, 11, 25, tzinfo=datetime.UTC)


@pytest.fixture
def full_ticket(agent, department, client_company):
    """A ticket with every field the object shows filled in."""
    bob = factories.AgentFactory(first_name="Agent", last_name="Bob", email="bob@example.com")
    person = factories.ContactFactory(client=client_company, name="Ann Lee", email="ann@a.example")
    copied = factories.ContactFactory(client=client_company, name="Cy", email="cy@a.example")
    ticket = factories.TicketFactory(
        department=department,
        client=client_company,
        subject="Ticket 1",
        message="Ticket description",
        status_id=FixedStatus.CLOSED,
        priority=Priority.HIGH,
        requester=person,
        assignee=bob,
        creator=bob,
        due_at=DUE,
        created_at=CREATED,
        updated_at=UPDATED,
    )
    ticket.cc.set([copied])
    return ticket


def fetched(usercom, ticket):
    response = usercom.get(f"{BASE}/tickets/{ticket.pk}/")
    assert response.status_code == 200, response.content
    return body(response)


class TestShape:
    def test_every_field_of_the_document_with_its_shape(self, usercom, full_ticket):
        factories.AttachmentFactory(ticket=full_ticket, reply=None, name="log.txt")
        written = fetched(usercom, full_ticket)

        assert list(written) == list(DOCUMENT_TICKET)
        expected = shape(DOCUMENT_TICKET)
        # The document's sample has neither a person, a company nor attachments.
        expected["person"] = {"id": "int", "name": "str", "email": "str"}
        expected["company"] = {"id": "int", "name": "str"}
        expected["participants"] = [{"id": "int", "name": "str", "email": "str"}]
        expected["attachments"] = [{"id": "int", "filename": "str", "url": "str"}]
        assert shape(written) == expected

    def test_the_list_envelope_has_the_documents_shape(self, usercom, full_ticket):
        listed = body(usercom.get(f"{BASE}/tickets/"))

        assert list(listed) == list(DOCUMENT_LIST)
        assert list(listed["results"][0]) == list(DOCUMENT_TICKET)

    def test_values(self, usercom, full_ticket, client_company):
        written = fetched(usercom, full_ticket)
        bob, person, copied = full_ticket.assignee, full_ticket.requester, full_ticket.cc.get()

        assert written["id"] == full_ticket.pk
        assert written["status"] == "closed"
        assert written["name"] == "Ticket 1"
        assert written["description"] == "Ticket description"
        # The document's own example times, written as it writes them.
        assert written["created_at"] == DOCUMENT_TICKET["created_at"]
        assert written["updated_at"] == DOCUMENT_TICKET["updated_at"]
        assert written["due_date"] == DOCUMENT_TICKET["due_date"]
        assert written["assigned_to"]["id"] == bob.pk
        assert written["assigned_to"]["name"] == "Agent Bob"
        assert written["assigned_to"]["avatar"].startswith("https://www.gravatar.com/avatar/")
        assert written["author"] == written["assigned_to"]
        assert written["person"] == {"id": person.pk, "name": "Ann Lee", "email": "ann@a.example"}
        assert written["company"] == {"id": client_company.pk, "name": "Acme Inc"}
        assert written["priority"] == {"id": 2, "name": "High", "order": 2}
        assert written["participants"] == [{"id": copied.pk, "name": "Cy", "email": "cy@a.example"}]
        assert written["attachments"] is None

    def test_times_in_another_time_zone_are_written_in_utc(self, usercom, full_ticket, settings):
        settings.TIME_ZONE = "Europe/Warsaw"

        assert fetched(usercom, full_ticket)["created_at"] == "2020-11-18T08:06:56.871986Z"

    def test_the_empty_ones(self, usercom, ticket):
        written = fetched(usercom, ticket)

        assert written["status"] == "active"
        assert written["due_date"] is None
        assert written["assigned_to"] is None
        assert written["person"] is None
        assert written["author"] is None
        assert written["participants"] == []
        assert written["attachments"] is None
        assert written["priority"] == {"id": 1, "name": "Normal", "order": 3}


class TestStatusAndPriority:
    @pytest.mark.parametrize(
        ("status", "active_state", "expected"),
        [
            (FixedStatus.OPEN, ActiveState.ACTIVE, "active"),
            (FixedStatus.ON_HOLD, ActiveState.ACTIVE, "active"),
            (FixedStatus.ANSWERED, ActiveState.ACTIVE, "active"),
            (FixedStatus.CUSTOMER_REPLIED, ActiveState.ACTIVE, "active"),
            (FixedStatus.CLOSED, ActiveState.ACTIVE, "closed"),
            (FixedStatus.OPEN, ActiveState.ARCHIVED, "archived"),
            (FixedStatus.CLOSED, ActiveState.ARCHIVED, "archived"),
        ],
    )
    def test_status(self, usercom, status, active_state, expected):
        ticket = factories.TicketFactory(status_id=status, active_state=active_state)

        assert fetched(usercom, ticket)["status"] == expected

    def test_a_status_of_an_administrators_own(self, usercom):
        waiting = factories.TicketStatusFactory(title="Waiting on parts", is_closed=False)
        done = factories.TicketStatusFactory(title="Done elsewhere", is_closed=True)

        assert fetched(usercom, factories.TicketFactory(status_id=waiting.pk))["status"] == "active"
        assert fetched(usercom, factories.TicketFactory(status_id=done.pk))["status"] == "closed"

    @pytest.mark.parametrize(
        ("priority", "expected"),
        [
            (Priority.URGENT, {"id": 3, "name": "Urgent", "order": 1}),
            (Priority.HIGH, {"id": 2, "name": "High", "order": 2}),
            (Priority.NORMAL, {"id": 1, "name": "Normal", "order": 3}),
        ],
    )
    def test_priority_order_1_is_the_most_urgent(self, usercom, priority, expected):
        ticket = factories.TicketFactory(priority=priority)

        assert fetched(usercom, ticket)["priority"] == expected


class TestAttachments:
    def test_the_opening_messages_files_with_their_download_url(self, usercom, ticket):
        first = factories.AttachmentFactory(ticket=ticket, reply=None, name="a.txt")
        second = factories.AttachmentFactory(ticket=ticket, reply=None, name="b.png")
        factories.AttachmentFactory(ticket=ticket, name="on-a-reply.txt")

        assert fetched(usercom, ticket)["attachments"] == [
            {
                "id": first.pk,
                "filename": "a.txt",
                "url": f"http://testserver/attachments/{first.pk}/",
            },
            {
                "id": second.pk,
                "filename": "b.png",
                "url": f"http://testserver/attachments/{second.pk}/",
            },
        ]


class TestSegments:
    def test_the_built_in_views_that_list_it(self, usercom, agent):
        mine = factories.TicketFactory(assignee=agent)
        closed = factories.TicketFactory(status_id=FixedStatus.CLOSED)
        archived = factories.TicketFactory(active_state=ActiveState.ARCHIVED)

        assert fetched(usercom, mine)["segments"] == [
            {"name": "My open tickets", "url": "/?assignee=me&status=open"},
            {"name": "All tickets", "url": "/?active_state=active"},
            {"name": "All open", "url": "/?status=open"},
        ]
        assert fetched(usercom, closed)["segments"] == [
            {"name": "All tickets", "url": "/?active_state=active"},
            {"name": "Closed", "url": "/?status=closed"},
        ]
        assert fetched(usercom, archived)["segments"] == [
            {"name": "Archived", "url": "/?active_state=archived"}
        ]

    def test_starred_and_mine_are_the_calling_agents(self, usercom, agent, other_agent):
        ticket = factories.TicketFactory(assignee=other_agent, status_id=FixedStatus.ON_HOLD)
        factories.TicketStarFactory(ticket=ticket, agent=other_agent)

        assert [segment["name"] for segment in fetched(usercom, ticket)["segments"]] == [
            "All tickets",
            "All open",
            "On hold",
        ]
        factories.TicketStarFactory(ticket=ticket, agent=agent)
        assert [segment["name"] for segment in fetched(usercom, ticket)["segments"]] == [
            "All tickets",
            "Starred",
            "All open",
            "On hold",
        ]

    def test_shared_saved_views_by_name_and_not_personal_ones(self, usercom, agent):
        urgent = factories.TicketFactory(priority=Priority.URGENT)
        factories.SavedViewFactory(name="Urgent ones", query="priority=urgent", is_shared=True)
        factories.SavedViewFactory(name="Mine only", query="priority=urgent", owner=agent)
        factories.SavedViewFactory(name="Everything", query="", is_shared=True)
        factories.SavedViewFactory(name="High ones", query="priority=high", is_shared=True)

        names = [segment["name"] for segment in fetched(usercom, urgent)["segments"]]

        assert names == ["All tickets", "Unassigned", "All open", "Everything", "Urgent ones"]
        assert fetched(usercom, urgent)["segments"][-1]["url"] == "/?priority=urgent"
        assert fetched(usercom, urgent)["segments"][-2]["url"] == "/"

    def test_two_agents_see_their_own_mine_and_starred(self, usercom, agent, other_agent):
        theirs = UserComClient(raw_key=factories.ApiKeyFactory(agent=other_agent).raw_key)
        ticket = factories.TicketFactory(assignee=agent)
        factories.TicketStarFactory(ticket=ticket, agent=other_agent)

        assert [s["name"] for s in fetched(usercom, ticket)["segments"]] == [
            "My open tickets",
            "All tickets",
            "All open",
        ]
        assert [s["name"] for s in fetched(theirs, ticket)["segments"]] == [
            "All tickets",
            "Starred",
            "All open",
        ]

    @pytest.mark.parametrize(
        ("query", "held"),
        [
            ("search=printer", True),
            ("search=kettle", False),
            ("team=999999", True),
            ("status=999&sort=nonsense", True),
            ("tags=billing", True),
            ("tags=other", False),
            ("assignee=me", True),
            ("created_after=2020-01-01", True),
        ],
    )
    def test_any_saved_query_is_checked_as_the_queue_reads_it(self, usercom, agent, query, held):
        """A filter the queue would ignore (a deleted team, an unknown status) is ignored
        here too; a search is the queue's search."""
        ticket = factories.TicketFactory(
            subject="The printer is on fire", assignee=agent, tags=["billing"]
        )
        factories.SavedViewFactory(name="Saved", query=query, is_shared=True)

        names = [segment["name"] for segment in fetched(usercom, ticket)["segments"]]

        assert ("Saved" in names) is held
