"""The ticket object of /compat/livechat/tickets: document 000's fields, from our ticket
and its history."""

import json
from pathlib import Path

import pytest

from compat.models import TicketSourceUrl
from tests import factories
from tickets import services
from tickets.models import Channel, Source
from tickets.statuses import FixedStatus

from .conftest import BASE, body
from .histories import at, conversation, status, unix

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "fixtures" / "livechat_sample.json"


def sample_ticket() -> dict:
    """The document's sample ticket (its `tags`, misplaced after the object, inside it)."""
    return json.loads(SAMPLE.read_text())["tickets"][0]


def person(user) -> dict:
    return {"id": user.email, "name": user.get_full_name()}


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support")


@pytest.fixture
def history(department, agent, other_agent):
    return conversation(department=department, agent=agent, other_agent=other_agent)


def read(livechat, ticket) -> dict:
    response = livechat.get(f"{BASE}/tickets/{ticket.pk}")
    assert response.status_code == 200, response.content
    return body(response)


class TestTheObject:
    def test_every_field_from_the_ticket_and_its_history(
        self, livechat, history, agent, other_agent
    ):
        mary = {"id": "mary.brown@shop.example", "name": "Mary Brown", "type": "client"}
        assert read(livechat, history) == {
            "id": str(history.pk),
            "subject": "My new shoes are broken",
            "status": "open",
            "modified": unix(7),
            "requester": {"mail": "mary.brown@shop.example", "name": "Mary Brown"},
            "assignee": person(other_agent),
            "groups": [0],
            "source": {"type": "mail"},
            "opened": [{"from": unix(0), "to": unix(5)}, {"from": unix(6)}],
            "firstResponse": {"date": unix(3), "author": person(other_agent)},
            "tags": ["Refund", "shoes"],
            "events": [
                {
                    "type": "message",
                    "author": mary,
                    "date": unix(0),
                    "is_private": False,
                    "message": "Hello,\n\nMy new shoes are broken.",
                    "source": {"type": "mail"},
                },
                {
                    "type": "assignee_changed",
                    "to": person(other_agent),
                    "author": person(agent),
                    "date": unix(1),
                },
                {
                    "type": "message",
                    "author": {**person(agent), "type": "agent"},
                    "date": unix(2),
                    "is_private": True,
                    "message": "Could you handle this one?",
                    "source": {"type": "agent-app-manual"},
                },
                {
                    "type": "message",
                    "author": {**person(other_agent), "type": "agent"},
                    "date": unix(3),
                    "is_private": False,
                    "message": "New shoes are on their way.",
                    "source": {"type": "agent-app-manual"},
                },
                {
                    "type": "message",
                    "author": mary,
                    "date": unix(4),
                    "is_private": False,
                    "message": "Thank you!",
                    "source": {"type": "mail"},
                },
            ],
        }

    def test_the_same_keys_as_the_documents_sample(self, livechat, history):
        sample, ours = sample_ticket(), read(livechat, history)

        assert set(ours) == set(sample)
        for key in ("assignee", "requester", "source"):
            assert set(ours[key]) == set(sample[key])
        assert set(ours["opened"][-1]) == set(sample["opened"][0])
        by_type = {}
        for event in sample["events"]:
            by_type.setdefault((event["type"], event.get("is_private")), event)
        for event in ours["events"]:
            theirs = by_type.get((event["type"], event.get("is_private")))
            if theirs is not None:
                assert set(event) == set(theirs)
                assert set(event["author"]) == set(theirs["author"])
        assert {type(ours[key]) for key in ("modified",)} == {int}
        assert isinstance(ours["id"], str)

    def test_a_new_ticket_without_assignee_response_or_tags(self, livechat, department):
        contact = factories.ContactFactory(email="sam@client.example", name="Sam")
        ticket = services.create_ticket(
            client=contact.client,
            department=department,
            subject="Hi",
            message="Hello",
            actor=None,
            channel=Channel.PORTAL,
            requester=contact,
            at=at(0),
        )

        written = read(livechat, ticket)

        assert "assignee" not in written
        assert written["firstResponse"] == {}
        assert written["tags"] == []
        assert written["source"] == {"type": "chat-window"}
        assert written["opened"] == [{"from": unix(0)}]
        assert [event["type"] for event in written["events"]] == ["message"]


class TestStatus:
    @pytest.mark.parametrize(
        ("fixed", "theirs"),
        [
            (FixedStatus.OPEN, "open"),
            (FixedStatus.CUSTOMER_REPLIED, "open"),
            (FixedStatus.ANSWERED, "pending"),
            (FixedStatus.ON_HOLD, "pending"),
            (FixedStatus.CLOSED, "solved"),
        ],
    )
    def test_the_category_of_the_status(self, livechat, ticket, fixed, theirs):
        ticket.status_id = fixed
        ticket.save()

        assert read(livechat, ticket)["status"] == theirs

    def test_a_status_an_administrator_added_by_its_category(self, livechat, ticket):
        waiting = factories.TicketStatusFactory(title="Waiting for parts", category="pending")
        ticket.status = waiting
        ticket.save()

        assert read(livechat, ticket)["status"] == "pending"

    def test_spam_whatever_the_status(self, livechat, ticket, agent):
        services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)

        assert read(livechat, ticket)["status"] == "spam"

    def test_opened_periods_end_at_each_solved_status(self, livechat, department, agent):
        contact = factories.ContactFactory()
        ticket = services.create_ticket(
            client=contact.client,
            department=department,
            subject="Hi",
            message="Hello",
            actor=agent,
            channel=Channel.WEB,
            requester=contact,
            status=status(FixedStatus.CLOSED),
            at=at(0),
        )
        waiting = factories.TicketStatusFactory(title="Waiting", category="pending")
        for minutes, new in [(1, waiting), (2, status(FixedStatus.ON_HOLD)), (3, status(2))]:
            services.change_status(
                ticket=ticket, status=new, actor=agent, channel=Channel.WEB, at=at(minutes)
            )

        # Created closed: no period until it was reopened (pending is not solved).
        assert read(livechat, ticket)["opened"] == [{"from": unix(1), "to": unix(3)}]


class TestSourcesAndGroups:
    @pytest.mark.parametrize(
        ("ours", "theirs"),
        [
            (Source.EMAIL, "mail"),
            (Source.WEB, "agent-app-manual"),
            (Source.PORTAL, "chat-window"),
            (Source.API, "lc2"),
        ],
    )
    def test_each_source_of_the_ticket_and_its_replies(self, livechat, ticket, agent, ours, theirs):
        ticket.source = ours
        ticket.save()
        factories.ReplyFactory(ticket=ticket, author_agent=agent, source=ours)

        written = read(livechat, ticket)

        assert written["source"] == {"type": theirs}
        assert [event["source"] for event in written["events"]] == [{"type": theirs}] * 2

    def test_the_kept_url(self, livechat, ticket):
        TicketSourceUrl.objects.create(ticket=ticket, url="https://shop.example/help")

        assert read(livechat, ticket)["source"] == {
            "type": "agent-app-manual",
            "url": "https://shop.example/help",
        }

    def test_the_team_is_the_group(self, livechat, ticket):
        ticket.team = factories.TeamFactory()
        ticket.save()

        assert read(livechat, ticket)["groups"] == [ticket.team.pk]


class TestEvents:
    def test_an_assignment_made_with_the_ticket_is_dated_at_its_creation(
        self, livechat, department, agent, other_agent
    ):
        contact = factories.ContactFactory()
        ticket = services.create_ticket(
            client=contact.client,
            department=department,
            subject="Hi",
            message="Hello",
            actor=agent,
            channel=Channel.WEB,
            requester=contact,
            assignee=other_agent,
            at=at(0),
        )
        services.assign(ticket=ticket, assignee=agent, actor=None, channel=Channel.WEB, at=at(1))
        services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB, at=at(2))

        events = read(livechat, ticket)["events"][1:]

        # The unassignment is left out; the system's assignment has no author.
        assert events == [
            {
                "type": "assignee_changed",
                "to": person(other_agent),
                "author": person(agent),
                "date": unix(0),
            },
            {"type": "assignee_changed", "to": person(agent), "date": unix(1)},
        ]

    def test_events_of_the_same_second_keep_the_historys_order(
        self, livechat, department, agent, other_agent
    ):
        contact = factories.ContactFactory()
        ticket = services.create_ticket(
            client=contact.client,
            department=department,
            subject="Hi",
            message="Hello",
            actor=None,
            channel=Channel.EMAIL,
            requester=contact,
            at=at(0),
        )
        services.post_reply(
            ticket=ticket, text="Later", author=agent, channel=Channel.WEB, at=at(1)
        )
        services.assign(
            ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB, at=at(1)
        )
        services.post_reply(
            ticket=ticket, text="Last", author=other_agent, channel=Channel.WEB, at=at(1)
        )

        events = read(livechat, ticket)["events"]

        assert [event.get("message", event["type"]) for event in events] == [
            "Hello",
            "Later",
            "assignee_changed",
            "Last",
        ]

    def test_a_ticket_an_agent_opened_without_requester(self, livechat, department, agent):
        ticket = services.create_ticket(
            client=factories.ClientFactory(),
            department=department,
            subject="Call back",
            message="Phoned in",
            actor=agent,
            channel=Channel.WEB,
            at=at(0),
        )

        written = read(livechat, ticket)

        assert written["requester"] == {}
        assert written["events"][0]["author"] == {**person(agent), "type": "agent"}
