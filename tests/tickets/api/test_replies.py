"""The conversation: list, post and delete replies and notes."""

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from tests import factories
from tickets.models import Reply
from tickets.statuses import FixedStatus

from .conftest import body

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 22, 10, 15, tzinfo=datetime.UTC)


@pytest.fixture
def ticket(department, client_company):
    return factories.TicketFactory(
        department=department, client=client_company, created_at=T0 - datetime.timedelta(hours=1)
    )


def post_form(api, url, data):
    return api.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


class TestList:
    def test_lists_replies_and_notes_oldest_first(self, api, ticket):
        contact = factories.ContactFactory(client=ticket.client, name="Jane Client")
        first = factories.ReplyFactory(
            ticket=ticket, author_agent=None, author_contact=contact, created_at=T0
        )
        note = factories.ReplyFactory(
            ticket=ticket, kind="note", created_at=T0 + datetime.timedelta(1)
        )
        factories.ReplyFactory()  # another ticket's
        data = body(api.get(f"/api/tickets/{ticket.pk}/replies"))
        assert [row["id"] for row in data["data"]] == [first.pk, note.pk]
        assert data["meta"]["total"] == 2
        assert data["data"][0] == {
            "id": first.pk,
            "ticket_id": ticket.pk,
            "text": first.text,
            "type": "reply",
            "author": {"type": "contact", "id": contact.pk, "name": "Jane Client"},
            "created": "2026-11-22T10:15:00Z",
        }
        agent = note.author_agent
        assert data["data"][1]["type"] == "note"
        assert data["data"][1]["author"] == {
            "type": "agent",
            "id": agent.pk,
            "name": agent.get_full_name(),
        }

    def test_paginated(self, api, ticket):
        factories.ReplyFactory.create_batch(3, ticket=ticket)
        data = body(api.get(f"/api/tickets/{ticket.pk}/replies?limit=2&page=2"))
        assert len(data["data"]) == 1
        assert data["meta"] == {"current_page": 2, "per_page": 2, "total": 3, "last_page": 2}
        assert api.get(f"/api/tickets/{ticket.pk}/replies?limit=500").status_code == 422

    def test_fixed_number_of_queries(self, api, ticket):
        factories.ReplyFactory(ticket=ticket)
        url = f"/api/tickets/{ticket.pk}/replies?limit=100"
        api.get(url)
        with CaptureQueriesContext(connection) as few:
            api.get(url)
        factories.ReplyFactory.create_batch(30, ticket=ticket)
        with CaptureQueriesContext(connection) as many:
            api.get(url)
        assert len(few) == len(many) == 4

    def test_unknown_ticket_is_404(self, api):
        assert api.get("/api/tickets/999/replies").status_code == 404


class TestPost:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_posts_a_reply_with_201_and_updates_the_ticket(self, api, agent, ticket, fmt):
        url = f"/api/tickets/{ticket.pk}/replies"
        with freeze_time(T0):
            if fmt == "form":
                response = post_form(api, url, {"ticketreply_text": "We are looking into this."})
            else:
                response = api.post(
                    url,
                    json.dumps({"ticketreply_text": "We are looking into this."}),
                    content_type="application/json",
                )
        assert response.status_code == 201, response.content
        reply = Reply.objects.get()
        assert body(response) == {
            "data": {
                "id": reply.pk,
                "ticket_id": ticket.pk,
                "text": "We are looking into this.",
                "type": "reply",
                "author": {"type": "agent", "id": agent.pk, "name": agent.get_full_name()},
                "created": "2026-11-22T10:15:00Z",
            }
        }
        assert reply.source == "api"
        ticket.refresh_from_db()
        assert ticket.updated_at == T0
        assert ticket.replies_count == 1
        assert ticket.first_response_at == T0
        assert ticket.status_id == FixedStatus.ANSWERED
        kinds = list(ticket.events.order_by("id").values_list("kind", "actor_id", "channel"))
        assert kinds == [("status_changed", agent.pk, "api"), ("reply_added", agent.pk, "api")]

    def test_a_note_changes_neither_status_nor_count(self, api, agent, ticket):
        with freeze_time(T0):
            response = post_form(
                api,
                f"/api/tickets/{ticket.pk}/replies",
                {"ticketreply_text": "Internal", "ticketreply_type": "note"},
            )
        assert body(response)["data"]["type"] == "note"
        ticket.refresh_from_db()
        assert (ticket.status_id, ticket.replies_count, ticket.first_response_at) == (1, 0, None)
        assert ticket.updated_at == T0
        assert list(ticket.events.values_list("kind", flat=True)) == ["note_added"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({}, "ticketreply_text"),
            ({"ticketreply_text": "  "}, "ticketreply_text"),
            ({"ticketreply_text": "x", "ticketreply_type": "email"}, "ticketreply_type"),
        ],
    )
    def test_invalid_is_422(self, api, ticket, params, field):
        response = post_form(api, f"/api/tickets/{ticket.pk}/replies", params)
        assert response.status_code == 422
        assert field in body(response)["errors"]
        assert not Reply.objects.exists()

    def test_unknown_ticket_is_404(self, api):
        response = post_form(api, "/api/tickets/999/replies", {"ticketreply_text": "x"})
        assert response.status_code == 404


class TestDelete:
    def test_deletes_and_recounts(self, api, agent, ticket):
        post_form(api, f"/api/tickets/{ticket.pk}/replies", {"ticketreply_text": "One"})
        reply = Reply.objects.get()
        response = api.delete(f"/api/tickets/{ticket.pk}/replies/{reply.pk}")
        assert (response.status_code, response.content) == (204, b"")
        ticket.refresh_from_db()
        assert ticket.replies_count == 0
        event = ticket.events.order_by("id").last()
        assert (event.kind, event.actor, event.channel) == ("reply_deleted", agent, "api")

    def test_reply_of_another_ticket_is_404(self, api, ticket):
        other = factories.ReplyFactory()
        response = api.delete(f"/api/tickets/{ticket.pk}/replies/{other.pk}")
        assert response.status_code == 404
        assert body(response) == {"message": "This ticket has no reply with this id."}
        assert Reply.objects.filter(pk=other.pk).exists()

    def test_unknown_reply_is_404(self, api, ticket):
        assert api.delete(f"/api/tickets/{ticket.pk}/replies/999").status_code == 404
