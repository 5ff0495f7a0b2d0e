"""A change by each channel publishes, and its event reaches the receiver after the
commit: the web workspace, the API, the portal, email and the admin. Real commits (a
transactional test): the immediate task backend sends as the transaction commits."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mail import ingest
from portal.access import SESSION_CONTACT
from tests import factories
from tests.mail.conftest import make_email
from tests.tickets.test_admin import form_data
from tickets.models import Reply, Ticket
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def subscribed(endpoint):
    endpoint.events = ["ticket.created", "reply.added", "note.added"]
    endpoint.save()
    return endpoint


def events_received(receiver) -> list[tuple[str, str]]:
    assert all(r.signature_valid for r in receiver.received)
    return [(r.payload["type"], r.payload["changes"][0]["channel"]) for r in receiver.received]


def test_a_reply_in_the_workspace(subscribed, receiver, ticket, agent):
    client = Client()
    client.force_login(agent)
    response = client.post(
        reverse("ticket_reply", args=[ticket.pk]), {"text": "On it", "kind": "reply"}
    )
    assert response.status_code == 302
    assert events_received(receiver) == [("reply.added", "web")]
    reply = Reply.objects.get()
    assert receiver.received[0].payload["reply"]["id"] == reply.pk
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


def test_a_note_through_the_api(subscribed, receiver, ticket, agent):
    key = factories.ApiKeyFactory(agent=agent)
    client = Client(headers={"Authorization": f"Bearer {key.raw_key}"})
    response = client.post(
        f"/api/tickets/{ticket.pk}/replies",
        {"ticketreply_text": "Internal", "ticketreply_type": "note"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert events_received(receiver) == [("note.added", "api")]


def test_a_reply_from_the_portal(subscribed, receiver, department):
    contact = factories.ContactFactory()
    ticket = factories.TicketFactory(client=contact.client, requester=contact)
    client = Client()
    session = client.session
    session[SESSION_CONTACT] = contact.pk
    session.save()
    response = client.post(reverse("portal:reply", args=[ticket.pk]), {"text": "Still broken"})
    assert response.status_code == 302
    assert events_received(receiver) == [("reply.added", "portal")]
    actor = receiver.received[0].payload["changes"][0]["actor"]
    assert actor == {"type": "contact", "id": contact.pk, "name": contact.name}


def test_a_new_ticket_by_email(subscribed, receiver):
    mailbox = factories.MailboxFactory()
    ingest.receive(make_email(to=mailbox.address), mailbox=mailbox)
    assert events_received(receiver) == [("ticket.created", "email")]
    ticket = Ticket.objects.get()
    assert receiver.received[0].payload["ticket"]["id"] == ticket.pk
    assert receiver.received[0].payload["ticket"]["source"] == "email"


def test_a_change_in_the_admin(endpoint, receiver, ticket, admin_user):
    endpoint.events = ["ticket.updated"]
    endpoint.save()
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    # What the admin's page submits, as tests/tickets/test_admin.py reads it.
    data = form_data(client, url, subject="Renamed in the admin")
    response = client.post(url, data)
    assert response.status_code == 302
    assert events_received(receiver) == [("ticket.updated", "admin")]
    assert receiver.received[0].payload["ticket"]["subject"] == "Renamed in the admin"
