"""POST /compat/livechat/tickets and PUT /compat/livechat/tickets/<id>/tags: form or JSON
bodies, through the services on the channel `api`, silently."""

import json

import pytest

from compat.models import TicketSourceUrl
from tests import factories
from tickets.models import Client, Contact, Source, Ticket, TicketEvent

from .conftest import BASE, body
from .test_tickets_objects import sample_ticket

pytestmark = pytest.mark.django_db

FORM = {
    "subject": "I have a problem",
    "message": "Hi, I have a problem with my shoes. Could you please advise?",
    "requester[mail]": "mary.brown@email.com",
    "requester[name]": "Mary Brown",
}
JSON = {
    "subject": "I have a problem",
    "message": "Hi, I have a problem with my shoes. Could you please advise?",
    "requester": {"mail": "mary.brown@email.com", "name": "Mary Brown"},
}


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


def post_form(livechat, values):
    return livechat.post(f"{BASE}/tickets", values)  # multipart, as a form may be sent


def post_urlencoded(livechat, values):
    from urllib.parse import urlencode

    return livechat.post(
        f"{BASE}/tickets",
        urlencode(values, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def post_json(livechat, values):
    return livechat.post(f"{BASE}/tickets", json.dumps(values), content_type="application/json")


class TestCreate:
    @pytest.mark.parametrize(
        ("send", "values"),
        [(post_urlencoded, FORM), (post_form, FORM), (post_json, JSON)],
        ids=["urlencoded", "multipart", "json"],
    )
    def test_the_documents_request(
        self,
        livechat,
        agent,
        department,
        mailoutbox,
        send,
        values,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = send(livechat, values)

        assert response.status_code == 200, response.content
        written = body(response)
        ticket = Ticket.objects.get()
        assert written["id"] == str(ticket.pk)
        assert set(written) == set(sample_ticket()) - {"assignee"}
        assert written["subject"] == "I have a problem"
        assert written["status"] == "open"
        assert written["requester"] == {"mail": "mary.brown@email.com", "name": "Mary Brown"}
        assert written["source"] == {"type": "lc2"}
        assert written["groups"] == [0]
        assert written["events"][0]["author"] == {
            "id": "mary.brown@email.com",
            "name": "Mary Brown",
            "type": "client",
        }
        assert ticket.source == Source.API
        assert ticket.department == department
        assert ticket.creator == agent
        assert ticket.client.name == "Mary Brown"
        assert ticket.requester.email == "mary.brown@email.com"
        created = ticket.events.get()
        assert (created.kind, created.channel, created.actor) == (
            TicketEvent.Kind.CREATED,
            "api",
            agent,
        )
        assert mailoutbox == []

    def test_the_new_requester_rule(self, livechat):
        known = factories.ContactFactory(email="mary.brown@email.com")
        domain = factories.ClientDomainFactory(domain="acme.example")

        post_json(livechat, JSON)
        post_json(livechat, {**JSON, "requester": {"mail": "new@acme.example"}})

        first, second = Ticket.objects.order_by("pk")
        assert first.requester == known and first.client == known.client
        assert second.client == domain.client
        assert second.requester.name == "new@acme.example"

    def test_defaults(self, livechat):
        response = post_urlencoded(
            livechat, {"message": "Hello", "requester[mail]": "sam@client.example"}
        )

        written = body(response)
        assert written["subject"] == "(no subject)"
        assert written["source"] == {"type": "lc2"}
        assert written["groups"] == [0]
        assert written["requester"] == {"mail": "sam@client.example", "name": "sam@client.example"}

    def test_assignee_group_and_source(self, livechat, agent, other_agent):
        team = factories.TeamFactory()

        response = post_urlencoded(
            livechat,
            {
                **FORM,
                "assignee[id]": other_agent.username,
                "group[]": [str(team.pk)],
                "source[type]": "chat-window",
                "source[url]": "https://shop.example/contact",
            },
        )

        written = body(response)
        assert written["assignee"] == {"id": other_agent.email, "name": other_agent.get_full_name()}
        assert written["groups"] == [team.pk]
        assert written["source"] == {"type": "chat-window", "url": "https://shop.example/contact"}
        assert written["events"][1] == {
            "type": "assignee_changed",
            "to": written["assignee"],
            "author": {"id": agent.email, "name": agent.get_full_name()},
            "date": written["events"][0]["date"],
        }
        ticket = Ticket.objects.get()
        assert ticket.source == Source.PORTAL
        assert TicketSourceUrl.objects.get(ticket=ticket).url == "https://shop.example/contact"

    @pytest.mark.parametrize(("source", "ours"), [("mail", Source.EMAIL), ("lc2", Source.API)])
    def test_each_source_in_json(self, livechat, source, ours):
        response = post_json(livechat, {**JSON, "source": {"type": source}, "group": [0]})

        assert body(response)["source"] == {"type": source}
        assert Ticket.objects.get().source == ours

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            (lambda v: v.pop("message"), "message: This field is required."),
            (lambda v: v.update(message="  "), "message: This field may not be blank."),
            (lambda v: v.pop("requester"), "requester: This field is required."),
            (
                lambda v: v.update(requester={"name": "x"}),
                "requester[mail]: This field is required.",
            ),
            (
                lambda v: v.update(requester={"mail": "nope"}),
                "requester[mail]: Enter a valid email",
            ),
            (lambda v: v.update(assignee={"id": "ghost@x.example"}), "assignee[id]: no agent"),
            (lambda v: v.update(source={"type": "facebook"}), "source[type]: "),
            (lambda v: v.update(source={"type": "agent-app-manual"}), "source[type]: "),
            (lambda v: v.update(source={"url": "not a url"}), "source[url]: "),
            (lambda v: v.update(group=[1, 2]), "group: a ticket is in one group"),
            (lambda v: v.update(group=[424242]), "group: no group has the id 424242."),
            (lambda v: v.update(group=["x"]), "group[0]: "),
            (lambda v: v.update(subject="x" * 300), "Ensure"),
        ],
    )
    def test_a_bad_value_is_a_400_and_nothing_is_made(self, livechat, change, error):
        values = json.loads(json.dumps(JSON))
        change(values)

        response = post_json(livechat, values)

        assert response.status_code == 400, response.content
        assert body(response)["error"].startswith(error) or error in body(response)["error"]
        assert not Ticket.objects.exists()
        assert not Contact.objects.exists() and not Client.objects.exists()

    def test_a_body_that_is_not_an_object(self, livechat):
        response = livechat.post(f"{BASE}/tickets", "[1]", content_type="application/json")

        assert response.status_code == 400
        assert "JSON object" in body(response)["error"]

    def test_malformed_json(self, livechat):
        response = livechat.post(f"{BASE}/tickets", "{", content_type="application/json")

        assert response.status_code == 400
        assert body(response)["error"]

    @pytest.mark.parametrize(
        ("raw", "says"),
        [
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            ('{"message": "Hello \\ud800", "requester": {"mail": "a@b.example"}}', "surrogate"),
        ],
    )
    def test_json_that_cannot_be_stored(self, livechat, raw, says):
        response = livechat.post(f"{BASE}/tickets", raw, content_type="application/json")

        assert response.status_code == 400
        assert says in body(response)["error"]

    def test_no_department_yet(self, livechat, department):
        department.delete()

        response = post_json(livechat, JSON)

        assert response.status_code == 503
        assert "department" in body(response)["error"]


class TestTags:
    def url(self, ticket):
        return f"{BASE}/tickets/{ticket.pk}/tags"

    def test_form_replaces_the_set(self, livechat, ticket, agent):
        ticket.tags.set(["old"])

        response = livechat.put(
            self.url(ticket),
            "tag[]=sales&tag[]=support&tag[]=feedback",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 200
        written = body(response)
        assert written["id"] == str(ticket.pk)
        assert written["tags"] == ["feedback", "sales", "support"]
        event = ticket.events.get(kind=TicketEvent.Kind.TAGS_CHANGED)
        assert (event.channel, event.actor) == ("api", agent)

    def test_json(self, livechat, ticket):
        response = livechat.put(self.url(ticket), {"tag": ["sales", "support"]}, format="json")

        assert body(response)["tags"] == ["sales", "support"]

    def test_more_than_the_most_tags_is_a_400(self, livechat, ticket):
        tags = [f"tag{n}" for n in range(51)]

        response = livechat.put(self.url(ticket), {"tag": tags}, format="json")

        assert response.status_code == 400
        assert "at most 50 tags" in body(response)["error"]
        assert list(ticket.tags.names()) == []

    def test_empty_clears(self, livechat, ticket):
        ticket.tags.set(["old"])

        response = livechat.put(self.url(ticket), {"tag": []}, format="json")

        assert body(response)["tags"] == []
        assert list(ticket.tags.names()) == []

    def test_one_tag_in_a_form(self, livechat, ticket):
        response = livechat.put(
            self.url(ticket) + "/", "tag=vip", content_type="application/x-www-form-urlencoded"
        )

        assert body(response)["tags"] == ["vip"]

    @pytest.mark.parametrize("values", [{}, {"tag": "x" * 101}, {"tag": [1, {"a": 2}]}])
    def test_a_bad_body_is_a_400(self, livechat, ticket, values):
        response = livechat.put(self.url(ticket), values, format="json")

        assert response.status_code == 400
        assert "tag" in body(response)["error"].lower()

    def test_an_unknown_ticket_is_a_404(self, livechat):
        response = livechat.put(f"{BASE}/tickets/999999/tags", {"tag": []}, format="json")

        assert response.status_code == 404
        assert "error" in body(response)


class TestOddBodies:
    """Whatever the body, a 400 and never a 500."""

    @pytest.mark.parametrize(
        "values",
        [
            {"message": 5, "requester": {"mail": ["a@b.example"]}},
            {**JSON, "group": {"a": 1}},
            {**JSON, "group": [True]},
            {**JSON, "group": [2**40]},
            {**JSON, "assignee": "someone"},
            {**JSON, "source": "mail"},
            {**JSON, "requester": "mary.brown@email.com"},
            {**JSON, "message": "a\x00b"},
            {**JSON, "subject": None},
            {**JSON, "requester[mail]": "x@y.example", "requester": "x"},
            "just text",
            None,
        ],
    )
    def test_json(self, livechat, values):
        response = post_json(livechat, values)

        assert response.status_code == 400, response.content
        assert set(body(response)) == {"error"}
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize(
        "form",
        [
            "message=hi&requester=x",
            "message=hi&requester[mail]=a@b.example&requester[mail]=c@d.example&group=1&group=2",
            "message=hi&requester[mail]=a%00@b.example",
            "message=hi&requester[mail]=a@b.example&source[type]=facebook",
        ],
    )
    def test_forms(self, livechat, form):
        response = livechat.post(
            f"{BASE}/tickets", form, content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code == 400, response.content
        assert set(body(response)) == {"error"}

    @pytest.mark.parametrize("values", ['"x"', "[]", '{"tag": null}', '{"tag": "a\\u0000"}'])
    def test_tags(self, livechat, ticket, values):
        response = livechat.put(
            f"{BASE}/tickets/{ticket.pk}/tags", values, content_type="application/json"
        )

        assert response.status_code == 400, response.content
        assert set(body(response)) == {"error"}
