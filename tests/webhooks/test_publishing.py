"""What a change publishes: which webhook events, to which endpoints, with what payload;
nothing for a change rolled back; a fixed, small number of queries per change."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests import factories
from tickets import changes, services
from tickets.api.serializers import reply_data, ticket_data
from tickets.models import Channel, Priority, Rating, Reply, Ticket, TicketEvent, TicketStatus
from tickets.queries import tag_names_for
from tickets.services.common import record_event
from tickets.statuses import FixedStatus
from webhooks import publishing
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

RULE = {"kind": "trigger", "id": 4, "name": "Escalate"}


@pytest.fixture
def subscriber():
    return factories.WebhookEndpointFactory()


def published(event=None):
    deliveries = WebhookDelivery.objects.order_by("pk")
    return list(deliveries.filter(event=event) if event else deliveries)


def api_shape(ticket: Ticket) -> dict:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return ticket_data(fresh, tag_names_for([fresh]).get(fresh.pk, []))


class TestEvents:
    def test_a_new_ticket_is_one_created_event_with_its_fields(self, subscriber, agent):
        department = factories.CategoryFactory()
        client = factories.ClientFactory()
        ticket = services.create_ticket(
            client=client,
            department=department,
            subject="Printer on fire",
            message="Smoke",
            actor=agent,
            channel=Channel.WEB,
            tags=["printer"],
        )
        [delivery] = published()
        payload = delivery.payload
        assert delivery.event == WebhookEvent.TICKET_CREATED
        assert delivery.endpoint == subscriber
        assert delivery.ticket_id == ticket.pk
        assert delivery.state == WebhookDelivery.State.PENDING
        assert payload["type"] == "ticket.created"
        assert payload["id"] == str(delivery.event_id)
        uuid.UUID(payload["id"])
        assert payload["created_at"].endswith("Z")
        assert payload["ticket"] == api_shape(ticket)
        assert payload["ticket"]["tags"] == ["printer"]
        [change] = payload["changes"]
        assert change["kind"] == "created"
        assert change["new"]["subject"] == "Printer on fire"
        assert change["channel"] == "web"
        assert change["actor"]["id"] == agent.pk
        assert change["rule"] is None

    def test_field_changes_are_one_updated_event_and_the_status_its_own(
        self, subscriber, ticket, agent
    ):
        on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
        with changes.atomic():  # one change, as a form that saves them together makes
            services.update_ticket(
                ticket=ticket,
                actor=agent,
                channel=Channel.API,
                subject="Renamed",
                priority=Priority.URGENT,
            )
            services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.API)
        [updated] = published(WebhookEvent.TICKET_UPDATED)
        [status] = published(WebhookEvent.TICKET_STATUS_CHANGED)
        assert len(published()) == 2
        kinds = sorted(change["kind"] for change in updated.payload["changes"])
        assert kinds == ["priority_changed", "status_changed", "subject_changed"]
        assert updated.payload["ticket"]["subject"] == "Renamed"
        assert updated.payload["ticket"]["priority"] == "urgent"
        [change] = status.payload["changes"]
        assert change["kind"] == "status_changed"
        assert change["old"]["id"] == FixedStatus.OPEN
        assert change["new"]["id"] == FixedStatus.ON_HOLD
        assert change["channel"] == "api"
        assert status.payload["ticket"]["status"] == {"id": FixedStatus.ON_HOLD, "title": "On Hold"}
        # One event, two deliveries' worth of ids: each event has its own.
        assert updated.event_id != status.event_id

    def test_a_reply_carries_the_reply_and_a_note_is_its_own_event(self, subscriber, ticket, agent):
        reply = services.post_reply(
            ticket=ticket, text="On it", author=agent, channel=Channel.WEB, notify=False
        )
        note = services.post_reply(
            ticket=ticket, text="Internal", kind=Reply.Kind.NOTE, author=agent, channel=Channel.WEB
        )
        [reply_event] = published(WebhookEvent.REPLY_ADDED)
        [note_event] = published(WebhookEvent.NOTE_ADDED)
        reply.refresh_from_db()
        assert reply_event.payload["reply"] == reply_data(reply)
        assert reply_event.payload["reply"]["text"] == "On it"
        assert reply_event.payload["ticket"]["replies_count"] == 1
        assert note_event.payload["reply"]["id"] == note.pk
        assert note_event.payload["reply"]["type"] == "note"

    def test_a_rating(self, subscriber, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        services.rate_ticket(
            ticket=ticket,
            value=Rating.Value.GOOD,
            comment="Quick!",
            contact=contact,
            channel=Channel.PORTAL,
        )
        [delivery] = published(WebhookEvent.RATING_RECEIVED)
        assert delivery.payload["rating"] == {"value": "good", "comment": "Quick!"}
        actor = delivery.payload["changes"][0]["actor"]
        assert actor == {"type": "contact", "id": contact.pk, "name": contact.name}

    def test_an_sla_breach_made_by_a_policy(self, subscriber, ticket):
        policy = {"kind": "sla_policy", "id": 2, "name": "Gold"}
        with changes.atomic(), changes.acting_as(policy):
            record_event(
                ticket,
                TicketEvent.Kind.SLA_BREACHED,
                actor=None,
                channel=Channel.SYSTEM,
                new={"target": "first_response"},
            )
        [delivery] = published()
        assert delivery.event == WebhookEvent.SLA_BREACHED
        [change] = delivery.payload["changes"]
        assert change["rule"] == policy
        assert change["new"] == {"target": "first_response"}
        assert change["actor"] is None

    def test_what_a_rule_does_is_published_with_the_rule(self, subscriber, ticket, agent):
        def escalate(round_):
            for ticket_id in round_.ticket_ids:
                if round_.number == 1 and changes.once(("escalate", ticket_id)):
                    with changes.acting_as(RULE):
                        services.update_ticket(
                            ticket=Ticket.objects.get(pk=ticket_id),
                            actor=None,
                            channel=Channel.SYSTEM,
                            priority=Priority.URGENT,
                        )

        reactions = [escalate, publishing.react]
        original = changes.reactions
        changes.reactions = lambda: reactions  # type: ignore[method-assign]
        try:
            services.update_ticket(ticket=ticket, actor=agent, channel=Channel.WEB, subject="X")
        finally:
            changes.reactions = original  # type: ignore[method-assign]
        first, second = published(WebhookEvent.TICKET_UPDATED)
        assert [c["kind"] for c in first.payload["changes"]] == ["subject_changed"]
        assert first.payload["changes"][0]["rule"] is None
        assert [c["kind"] for c in second.payload["changes"]] == ["priority_changed"]
        assert second.payload["changes"][0]["rule"] == RULE
        # Built in the transaction, after the round's reactions (the webhooks come last):
        # the ticket as the change and the rules left it.
        assert first.payload["ticket"]["priority"] == "urgent"
        assert second.payload["ticket"]["priority"] == "urgent"
        assert first.payload["ticket"]["subject"] == "X"

    def test_a_bulk_action_publishes_for_every_ticket(self, subscriber, agent):
        tickets = factories.TicketFactory.create_batch(3)
        services.apply_bulk_action(
            actor=agent,
            tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]),
            action=services.BulkAction.PRIORITY,
            value=Priority.HIGH,
            channel=Channel.WEB,
        )
        deliveries = published(WebhookEvent.TICKET_UPDATED)
        assert sorted(d.ticket_id for d in deliveries) == sorted(t.pk for t in tickets)
        assert {d.payload["ticket"]["priority"] for d in deliveries} == {"high"}


class TestSubscriptions:
    def test_only_active_endpoints_subscribed_to_the_event(self, ticket, agent):
        replies = factories.WebhookEndpointFactory(events=["reply.added"])
        updates = factories.WebhookEndpointFactory(events=["ticket.updated"])
        factories.WebhookEndpointFactory(events=["reply.added"], is_active=False)
        services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
        # The reply answered the ticket: its status changed too (ticket.updated).
        assert {(d.endpoint, d.event) for d in published()} == {
            (replies, WebhookEvent.REPLY_ADDED),
            (updates, WebhookEvent.TICKET_UPDATED),
        }

    def test_every_subscriber_gets_the_same_event(self, ticket, agent):
        endpoints = factories.WebhookEndpointFactory.create_batch(3, events=["reply.added"])
        services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
        deliveries = published()
        assert sorted(d.endpoint_id for d in deliveries) == sorted(e.pk for e in endpoints)
        assert len({d.event_id for d in deliveries}) == 1
        assert len({d.delivery_id for d in deliveries}) == 3
        assert deliveries[0].payload == deliveries[1].payload == deliveries[2].payload

    def test_a_ticket_deleted_in_the_same_change_publishes_nothing(self, subscriber, ticket, agent):
        with changes.atomic():
            services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
            services.delete_ticket(ticket=ticket, actor=agent, channel=Channel.WEB)
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
        assert not published()

    def test_sticky_notes_publish_nothing(self, subscriber, ticket, agent):
        services.add_sticky_note(ticket=ticket, text="Call back", actor=agent, channel=Channel.WEB)
        assert not published()


class TestCommit:
    def test_a_rolled_back_change_sends_nothing(
        self, subscriber, ticket, agent, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks() as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
            assert published()
            raise RuntimeError("rolled back")
        assert not published()
        assert not callbacks

    def test_the_sending_is_queued_after_the_commit(
        self, subscriber, ticket, agent, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
        assert len(callbacks) >= 1
        assert published()[0].attempts == 0  # nothing sent inside the transaction


class TestQueries:
    """Which events are subscribed to is cached: a reply nobody subscribes to costs no
    query more (one when the cache is cold); with three subscribers, a fixed few more."""

    def reply(self, ticket, agent):
        return services.post_reply(
            ticket=ticket, text="Hi", author=agent, channel=Channel.API, notify=False
        )

    def webhook_queries(self, ticket, agent) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            self.reply(ticket, agent)
        return [q["sql"] for q in queries.captured_queries if "webhooks_" in q["sql"]]

    def test_a_cold_cache_costs_one_query_then_none(self, ticket, agent):
        publishing.forget_subscriptions()
        [query] = self.webhook_queries(ticket, agent)
        assert "webhooks_webhookendpoint" in query
        assert self.webhook_queries(ticket, agent) == []

    def test_reply_with_no_endpoint(self, ticket, agent, django_assert_num_queries):
        self.reply(ticket, agent)
        with django_assert_num_queries(REPLY_QUERIES):
            self.reply(ticket, agent)

    def test_reply_with_unsubscribed_endpoints(self, ticket, agent, django_assert_num_queries):
        factories.WebhookEndpointFactory.create_batch(3, events=["ticket.created"])
        self.reply(ticket, agent)
        with django_assert_num_queries(REPLY_QUERIES):
            self.reply(ticket, agent)
        assert not published()

    def test_reply_with_three_endpoints(self, ticket, agent, django_assert_num_queries):
        factories.WebhookEndpointFactory.create_batch(3, events=["reply.added"])
        self.reply(ticket, agent)
        # The endpoints; the ticket (in the API's shape: its tags and CC contacts), the reply;
        # the deliveries' INSERT.
        with django_assert_num_queries(REPLY_QUERIES + 6):
            self.reply(ticket, agent)
        assert len(published()) == 6

    def test_an_endpoint_deleted_since_the_cache_was_filled(self, ticket, agent):
        endpoint = factories.WebhookEndpointFactory(events=["reply.added"])
        self.reply(ticket, agent)
        WebhookDelivery.objects.all().delete()
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()  # behind the cache's back
        self.reply(ticket, agent)
        assert not published()


# The queries of an API reply without webhooks (the services' own).
REPLY_QUERIES = 7
