"""The ticket object of /compat/supportbee/tickets/<id>.json: document 001's fields, from
our ticket, compared with the document's samples."""

import datetime
import hashlib
import json
from pathlib import Path

import pytest

from mail.requesters import requester_for
from tests import factories
from tickets import services
from tickets.models import Channel, Reply

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def pictures(key: str, sizes=(20, 24, 32, 48, 64, 128)) -> dict:
    digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    return {
        f"thumb{size}": f"https://secure.gravatar.com/avatar/{digest}.png?d=identicon&r=PG&s={size}"
        for size in sizes
    }


def read(client, ticket) -> dict:
    response = client.get(f"{BASE}/tickets/{ticket.pk}.json")
    assert response.status_code == 200, response.content
    answer = body(response)
    assert list(answer) == ["ticket"]
    return answer["ticket"]


def shape(value):
    """A JSON value's shape: objects by their keys, lists by their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def opened(department, agent):
    """Mary writes in at T0 with a file and Bob in CC; `agent` replies (+2) and notes (+3)."""
    mary = requester_for("Mary.Brown@shop.example", "Mary Brown")
    bob = factories.ContactFactory(client=mary.client, name="Bob", email="bob@shop.example")
    ticket = services.create_ticket(
        client=mary.client,
        department=department,
        subject="My new shoes are broken",
        message="Hello,\n\n  My new   shoes <b>are</b> broken.",
        actor=None,
        channel=Channel.EMAIL,
        requester=mary,
        cc=[bob],
        tags=["billing"],
        at=at(0),
    )
    factories.AttachmentFactory(ticket=ticket, reply=None, created_at=at(0), name="logo.jpg")
    services.post_reply(ticket=ticket, text="On it", author=agent, channel=Channel.API, at=at(2))
    services.post_reply(
        ticket=ticket,
        text="Check stock",
        kind=Reply.Kind.NOTE,
        author=agent,
        channel=Channel.API,
        at=at(3),
    )
    return ticket


class TestTheObject:
    def test_every_field(self, supportbee, opened, agent):
        attachment = opened.attachments.get()
        url = f"http://testserver/compat/supportbee/attachments/{attachment.pk}"

        assert read(supportbee, opened) == {
            "id": opened.pk,
            "subject": "My new shoes are broken",
            "replies_count": 1,
            "comments_count": 1,
            "last_activity_at": "2026-03-02T09:03:00Z",
            "created_at": "2026-03-02T09:00:00Z",
            "unanswered": False,
            "archived": False,
            "spam": False,
            "starred": False,
            "summary": "Hello, My new shoes <b>are</b> broken.",
            "cc": [
                {
                    "id": opened.cc.get().pk,
                    "email": "bob@shop.example",
                    "name": "Bob",
                    "agent": False,
                    "picture": pictures("bob@shop.example"),
                }
            ],
            "labels": [{"name": "billing"}],
            "requester": {
                "id": opened.requester_id,
                "email": opened.requester.email,
                "name": "Mary Brown",
                "agent": False,
                "picture": pictures("mary.brown@shop.example"),
            },
            "content": {
                "body": "Hello,\n\n  My new   shoes <b>are</b> broken.",
                "html": "Hello,<br><br>  My new   shoes &lt;b&gt;are&lt;/b&gt; broken.",
                "attachments": [
                    {
                        "id": attachment.pk,
                        "created_at": "2026-03-02T09:00:00Z",
                        "filename": "logo.jpg",
                        "content_type": "text/plain",
                        "url": {"original": url, "thumb": f"{url}?version=thumb"},
                    }
                ],
            },
        }

    def test_the_shape_of_the_documents_sample(self, supportbee, opened):
        sample = json.loads((FIXTURES / "supportbee_list_sample.json").read_text())
        # The sample's cc and labels are empty: their items are people and names.
        sampled = sample["tickets"][0]
        sampled["cc"], sampled["labels"] = [sampled["requester"]], [{"name": "billing"}]
        page = body(supportbee.get(f"{BASE}/tickets.json"))

        assert shape(page) == shape(sample)

    def test_current_assignee_an_agent_as_the_documents_sample(self, supportbee, opened, agent):
        services.assign(ticket=opened, assignee=agent, actor=agent, channel=Channel.API)
        samples = json.loads((FIXTURES / "supportbee_assignee_samples.json").read_text())

        written = read(supportbee, opened)["current_assignee"]

        assert shape(written) == shape(samples["user"]["current_assignee"])
        assert written["user"]["id"] == agent.pk
        assert written["user"]["agent"] is True
        assert written["user"]["picture"] == pictures(agent.email.lower())

    def test_current_assignee_a_team_when_no_agent(self, supportbee, opened, agent):
        team = factories.TeamFactory(name="Group 1")
        services.set_team(ticket=opened, team=team, actor=agent, channel=Channel.API)
        samples = json.loads((FIXTURES / "supportbee_assignee_samples.json").read_text())

        written = read(supportbee, opened)["current_assignee"]

        assert shape(written) == shape(samples["group"]["current_assignee"])
        assert written == {
            "group": {
                "id": team.pk,
                "name": "Group 1",
                "picture": pictures(f"team:{team.pk}", (20, 24, 32, 48, 256)),
            }
        }
        services.assign(ticket=opened, assignee=agent, actor=agent, channel=Channel.API)
        assert list(read(supportbee, opened)["current_assignee"]) == ["user"]

    def test_no_current_assignee_when_neither(self, supportbee, opened):
        assert "current_assignee" not in read(supportbee, opened)


class TestFields:
    def test_unanswered_until_an_agent_replies_and_again_after_the_requester(
        self, supportbee, department, agent
    ):
        mary = requester_for("mary@shop.example", "Mary")
        ticket = services.create_ticket(
            client=mary.client,
            department=department,
            subject="Help",
            message="Help",
            actor=None,
            channel=Channel.EMAIL,
            requester=mary,
            at=at(0),
        )
        assert read(supportbee, ticket)["unanswered"] is True
        services.post_reply(
            ticket=ticket, text="A note", kind=Reply.Kind.NOTE, author=agent, channel=Channel.API
        )
        assert read(supportbee, ticket)["unanswered"] is True
        services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.API, at=at(1))
        assert read(supportbee, ticket)["unanswered"] is False
        services.post_reply(
            ticket=ticket, text="Thanks", author=mary, channel=Channel.EMAIL, at=at(2)
        )
        assert read(supportbee, ticket)["unanswered"] is True

    def test_starred_for_the_calling_agent(self, supportbee, other_supportbee, ticket, agent):
        services.set_star(ticket=ticket, agent=agent, starred=True)

        assert read(supportbee, ticket)["starred"] is True
        assert read(other_supportbee, ticket)["starred"] is False

    def test_archived_and_spam(self, supportbee, ticket, agent):
        services.archive(ticket=ticket, actor=agent, channel=Channel.API)
        services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.API)

        written = read(supportbee, ticket)
        assert (written["archived"], written["spam"]) == (True, True)

    def test_summary_at_most_100_characters_whitespace_collapsed(self, supportbee, department):
        ticket = factories.TicketFactory(department=department, message="word\n\t " * 40)

        written = read(supportbee, ticket)["summary"]

        assert written == ("word " * 40)[:100]
        assert len(written) == 100

    def test_times_in_utc_with_z(self, supportbee, department):
        local = datetime.datetime(
            2026, 3, 2, 12, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
        )
        ticket = factories.TicketFactory(department=department, created_at=local, updated_at=local)

        written = read(supportbee, ticket)
        assert (written["created_at"], written["last_activity_at"]) == ("2026-03-02T09:00:05Z",) * 2

    def test_no_requester_is_null(self, supportbee, ticket):
        assert read(supportbee, ticket)["requester"] is None


class TestAttachmentDownload:
    def test_through_the_token(self, supportbee, opened):
        attachment = opened.attachments.get()
        url = read(supportbee, opened)["content"]["attachments"][0]["url"]["original"]

        response = supportbee.get(url.removeprefix("http://testserver"))

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"Some notes.\n"
        assert attachment.name in response["Content-Disposition"]

    def test_anonymous_is_a_401(self, supportbee_anonymous, opened):
        attachment = opened.attachments.get()

        response = supportbee_anonymous.get(f"{BASE}/attachments/{attachment.pk}")

        assert response.status_code == 401

    @pytest.mark.parametrize("attachment_id", ["999999", "abc"])
    def test_unknown_is_a_404(self, supportbee, attachment_id):
        assert supportbee.get(f"{BASE}/attachments/{attachment_id}").status_code == 404
