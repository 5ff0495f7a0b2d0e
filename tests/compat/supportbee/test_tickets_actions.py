"""replies.json, comments.json, archive/star/spam and assignments.json: beyond document
001, through the services on the channel `api`."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, Reply, Ticket, TicketEvent, TicketStar

from .conftest import BASE, body

pytestmark = pytest.mark.django_db


def url(ticket, name: str) -> str:
    return f"{BASE}/tickets/{ticket.pk}/{name}.json"


class TestReplies:
    def test_post_then_list(
        self, supportbee, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = supportbee.post(
                url(ticket, "replies"),
                {"reply": {"content_attributes": {"body": "Try again\nplease"}}},
                format="json",
            )

        assert response.status_code == 201, response.content
        written = body(response)["reply"]
        reply = Reply.objects.get()
        assert written["id"] == reply.pk
        assert written["replier"]["id"] == agent.pk and written["replier"]["agent"] is True
        assert written["content"] == {
            "body": "Try again\nplease",
            "html": "Try again<br>please",
            "attachments": [],
        }
        assert (reply.kind, reply.author_agent, reply.source) == (Reply.Kind.REPLY, agent, "api")
        ticket.refresh_from_db()
        assert ticket.replies_count == 1
        assert mailoutbox == []
        listed = body(supportbee.get(url(ticket, "replies")))
        assert listed == {"replies": [written]}
        assert body(supportbee.get(url(ticket, "comments"))) == {"comments": []}

    def test_a_requesters_reply_and_html(self, supportbee, ticket):
        mary = factories.ContactFactory(client=ticket.client, name="Mary")
        services.post_reply(ticket=ticket, text="Still broken", author=mary, channel=Channel.EMAIL)
        supportbee.post(
            url(ticket, "replies"),
            {"reply": {"content_attributes": {"body_html": "<p>Fixed <i>now</i></p>"}}},
            format="json",
        )

        replies = body(supportbee.get(url(ticket, "replies")))["replies"]

        assert replies[0]["replier"]["email"] == mary.email
        assert replies[0]["replier"]["agent"] is False
        assert replies[1]["content"]["body"].split() == ["Fixed", "now"]

    def test_with_an_uploaded_file(self, supportbee, ticket):
        uploaded = body(
            supportbee.post(
                f"{BASE}/attachments.json",
                {"files[]": [SimpleUploadedFile("a.txt", b"a", "text/plain")]},
                format="multipart",
            )
        )["attachments"][0]

        response = supportbee.post(
            url(ticket, "replies"),
            {"reply": {"content_attributes": {"body": "See", "attachment_ids": [uploaded["id"]]}}},
            format="json",
        )

        files = body(response)["reply"]["content"]["attachments"]
        assert [f["filename"] for f in files] == ["a.txt"]
        assert Reply.objects.get().attachments.get().name == "a.txt"

    @pytest.mark.parametrize(
        "sent",
        [{}, {"reply": {}}, {"reply": {"content_attributes": {"body": " "}}}, {"comment": {}}],
    )
    def test_a_bad_body_is_a_400(self, supportbee, ticket, sent):
        response = supportbee.post(url(ticket, "replies"), sent, format="json")

        assert response.status_code == 400
        assert set(body(response)) == {"error", "errors"}
        assert not Reply.objects.exists()


class TestComments:
    def test_post_then_list(self, supportbee, ticket, agent):
        response = supportbee.post(
            url(ticket, "comments"),
            {"comment": {"content_attributes": {"body": "Internal"}}},
            format="json",
        )

        assert response.status_code == 201, response.content
        written = body(response)["comment"]
        assert written["commenter"]["id"] == agent.pk
        note = Reply.objects.get()
        assert note.kind == Reply.Kind.NOTE
        ticket.refresh_from_db()
        assert ticket.replies_count == 0
        assert body(supportbee.get(url(ticket, "comments"))) == {"comments": [written]}
        assert body(supportbee.get(url(ticket, "replies"))) == {"replies": []}
        assert (
            body(supportbee.get(f"{BASE}/tickets/{ticket.pk}.json"))["ticket"]["comments_count"]
            == 1
        )

    def test_the_reply_body_is_refused_for_a_comment(self, supportbee, ticket):
        response = supportbee.post(
            url(ticket, "comments"),
            {"reply": {"content_attributes": {"body": "x"}}},
            format="json",
        )

        assert response.status_code == 400
        assert list(body(response)["errors"]) == ["comment"]


class TestToggles:
    def test_archive(self, supportbee, ticket, agent):
        assert supportbee.post(url(ticket, "archive")).status_code == 204
        ticket.refresh_from_db()
        assert ticket.active_state == ActiveState.ARCHIVED
        assert supportbee.post(url(ticket, "archive")).status_code == 204  # already

        assert supportbee.delete(url(ticket, "archive")).status_code == 204
        ticket.refresh_from_db()
        assert ticket.active_state == ActiveState.ACTIVE
        assert supportbee.delete(url(ticket, "archive")).status_code == 204
        kinds = list(ticket.events.values_list("kind", "channel", "actor"))
        assert kinds == [
            (TicketEvent.Kind.ARCHIVED, "api", agent.pk),
            (TicketEvent.Kind.RESTORED, "api", agent.pk),
        ]

    def test_star_is_the_calling_agents(
        self, supportbee, other_supportbee, ticket, agent, other_agent
    ):
        assert supportbee.post(url(ticket, "star")).status_code == 204

        assert list(TicketStar.objects.values_list("agent", flat=True)) == [agent.pk]
        assert (
            body(other_supportbee.get(f"{BASE}/tickets/{ticket.pk}.json"))["ticket"]["starred"]
            is False
        )
        assert other_supportbee.delete(url(ticket, "star")).status_code == 204
        assert TicketStar.objects.count() == 1
        assert supportbee.delete(url(ticket, "star")).status_code == 204
        assert not TicketStar.objects.exists()

    def test_spam(self, supportbee, ticket, agent):
        assert supportbee.post(url(ticket, "spam")).status_code == 204
        ticket.refresh_from_db()
        assert ticket.is_spam
        assert supportbee.delete(url(ticket, "spam")).status_code == 204
        ticket.refresh_from_db()
        assert not ticket.is_spam

    @pytest.mark.parametrize(
        "name", ["archive", "star", "spam", "replies", "comments", "assignments"]
    )
    def test_an_unknown_ticket_is_a_404(self, supportbee, name):
        response = supportbee.post(f"{BASE}/tickets/999999/{name}.json", {}, format="json")

        assert response.status_code == 404
        assert set(body(response)) == {"error"}


class TestAssignments:
    def test_to_an_agent(self, supportbee, ticket, agent, other_agent):
        response = supportbee.post(
            url(ticket, "assignments"), {"assignment": {"user_id": other_agent.pk}}, format="json"
        )

        assert response.status_code == 201, response.content
        assert body(response)["assignment"]["user"]["id"] == other_agent.pk
        ticket.refresh_from_db()
        assert ticket.assignee == other_agent
        event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
        assert (event.channel, event.actor) == ("api", agent)

    def test_to_a_group(self, supportbee, ticket):
        team = factories.TeamFactory(name="Billing")

        response = supportbee.post(
            url(ticket, "assignments"), {"assignment": {"group_id": team.pk}}, format="json"
        )

        assert response.status_code == 201
        assert body(response)["assignment"]["group"]["name"] == "Billing"
        ticket.refresh_from_db()
        assert ticket.team == team
        current = body(supportbee.get(f"{BASE}/tickets/{ticket.pk}.json"))["ticket"][
            "current_assignee"
        ]
        assert current["group"]["id"] == team.pk

    @pytest.mark.parametrize(
        ("sent", "field"),
        [
            ({}, "assignment"),
            ({"assignment": {}}, "assignment"),
            ({"assignment": {"user_id": 1, "group_id": 1}}, "assignment"),
            ({"assignment": {"user_id": 999999}}, "user_id"),
            ({"assignment": {"user_id": "x"}}, "user_id"),
            ({"assignment": {"group_id": 999999}}, "group_id"),
            ({"assignment": {"user_id": 2**31}}, "user_id"),
            ({"assignment": {"user_id": 2**64}}, "user_id"),
            ({"assignment": {"group_id": 2**63 - 1}}, "group_id"),
        ],
    )
    def test_a_bad_body_is_a_400(self, supportbee, ticket, sent, field):
        response = supportbee.post(url(ticket, "assignments"), sent, format="json")

        assert response.status_code == 400
        assert list(body(response)["errors"]) == [field]
        assert Ticket.objects.get().assignee is None

    def test_not_to_a_user_who_is_not_an_agent(self, supportbee, ticket, outsider):
        response = supportbee.post(
            url(ticket, "assignments"), {"assignment": {"user_id": outsider.pk}}, format="json"
        )

        assert response.status_code == 400


class TestPermissions:
    @pytest.mark.parametrize(
        ("method", "name"),
        [
            ("get", "replies"),
            ("post", "replies"),
            ("get", "comments"),
            ("post", "comments"),
            ("post", "archive"),
            ("delete", "archive"),
            ("post", "star"),
            ("delete", "star"),
            ("post", "spam"),
            ("delete", "spam"),
            ("post", "assignments"),
        ],
    )
    def test_anonymous_is_a_401(self, supportbee_anonymous, ticket, method, name):
        response = getattr(supportbee_anonymous, method)(url(ticket, name))

        assert response.status_code == 401
        assert set(body(response)) == {"error"}

    @pytest.mark.parametrize("method", ["put", "delete"])
    def test_a_wrong_method_is_a_405(self, supportbee, ticket, method):
        assert getattr(supportbee, method)(url(ticket, "replies")).status_code == 405


class TestFastPath:
    @pytest.mark.parametrize("count", [1, 10])
    @pytest.mark.parametrize(
        ("name", "kind"), [("replies", Reply.Kind.REPLY), ("comments", Reply.Kind.NOTE)]
    )
    def test_a_conversation_in_a_fixed_number_of_queries(
        self, supportbee, django_assert_num_queries, ticket, agent, count, name, kind
    ):
        mary = factories.ContactFactory(client=ticket.client)
        for index in range(count):
            # Notes are agents' only; replies alternate with the requester.
            author = agent if index % 2 or kind == Reply.Kind.NOTE else mary
            reply = factories.ReplyFactory(
                ticket=ticket,
                kind=kind,
                author_agent=author if author == agent else None,
                author_contact=author if author == mary else None,
            )
            factories.AttachmentFactory(ticket=ticket, reply=reply)
        supportbee.get(url(ticket, name))  # the key's time of use, written once a minute

        # The key, the ticket, the messages with their authors, their files.
        with django_assert_num_queries(4):
            response = supportbee.get(url(ticket, name))
        assert len(body(response)[name]) == count
        assert all(len(message["content"]["attachments"]) == 1 for message in body(response)[name])
