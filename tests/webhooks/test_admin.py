"""Admin: endpoints (events as checkboxes, the secret shown and rotated, a test event) and
the deliveries' read-only log with "Send again"."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests import factories
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


class TestEndpoints:
    def test_adding_an_endpoint_with_its_events(self, admin_client, receiver):
        response = admin_client.post(
            reverse("admin:webhooks_webhookendpoint_add"),
            {
                "name": "CRM",
                "url": receiver.url,
                "events": ["ticket.created", "reply.added"],
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.events == ["ticket.created", "reply.added"]
        assert endpoint.secret.startswith("whsec_")
        assert len(endpoint.secret) > 40

    def test_the_next_change_sees_a_new_endpoint(
        self, admin_client, receiver, ticket, agent, django_capture_on_commit_callbacks
    ):
        from tickets import services
        from tickets.models import Channel

        services.post_reply(ticket=ticket, text="Before", author=agent, channel=Channel.WEB)
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:webhooks_webhookendpoint_add"),
                {"name": "CRM", "url": receiver.url, "events": ["note.added"], "is_active": "on"},
            )
        services.post_reply(
            ticket=ticket, text="After", kind="note", author=agent, channel=Channel.WEB
        )
        assert WebhookDelivery.objects.get().event == "note.added"

    def test_a_private_address_is_refused_and_the_form_kept(self, admin_client):
        page = admin_client.post(
            reverse("admin:webhooks_webhookendpoint_add"),
            {"name": "Metadata", "url": "http://169.254.169.254/", "events": ["ticket.created"]},
        ).content.decode()
        assert "is a link-local address" in page
        assert 'value="Metadata"' in page
        assert not WebhookEndpoint.objects.exists()

    def test_the_events_are_checkboxes_and_the_secret_is_shown(self, admin_client):
        endpoint = factories.WebhookEndpointFactory(events=["ticket.updated"])
        page = admin_client.get(
            reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
        ).content.decode()
        assert 'type="checkbox" name="events" value="ticket.updated"' in page
        assert "checked" in page.split('value="ticket.updated"')[1].split(">")[0]
        assert 'value="ping"' not in page  # not something to subscribe to
        assert f"<code>{endpoint.secret}</code>" in page

    def test_rotate_secret(self, admin_client):
        endpoint = factories.WebhookEndpointFactory()
        old = endpoint.secret
        response = admin_client.post(
            reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
            {"CHANGE_FORM-action": "rotate_secret", "_selected_action": [endpoint.pk]},
            follow=True,
        )
        endpoint.refresh_from_db()
        assert endpoint.secret != old
        assert endpoint.secret.startswith("whsec_")
        assert messages_of(response) == [
            f"New secret for {endpoint.name}: deliveries are signed with it from now on."
        ]

    def test_send_test_event(
        self, admin_client, receiver, endpoint, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:webhooks_webhookendpoint_changelist"),
                {"action": "send_test_event", "_selected_action": [endpoint.pk], "index": 0},
            )
        [received] = receiver.received
        assert received.signature_valid
        assert received.payload["type"] == "ping"
        assert received.payload["endpoint"] == {"id": endpoint.pk, "name": endpoint.name}
        delivery = WebhookDelivery.objects.get()
        assert (delivery.event, delivery.state) == ("ping", WebhookDelivery.State.SUCCEEDED)

    def test_the_list(self, admin_client, django_assert_max_num_queries):
        factories.WebhookEndpointFactory.create_batch(3)
        with django_assert_max_num_queries(12):
            response = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
        assert response.status_code == 200


def failed_delivery(endpoint, ticket=None) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="reply.added",
        ticket_id=ticket.pk if ticket else None,
        payload={"type": "reply.added", "id": "x"},
        state=WebhookDelivery.State.FAILED,
        attempts=3,
        response_code=502,
        response_excerpt="Bad gateway",
        duration_ms=31,
        error="The endpoint answered 502.",
    )


class TestDeliveries:
    def test_the_log_shows_each_attempts_outcome_with_filters(
        self, admin_client, endpoint, ticket, django_assert_num_queries
    ):
        for _ in range(5):
            failed_delivery(endpoint, ticket)
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        admin_client.get(url)
        with django_assert_num_queries(NUM_LOG_QUERIES):
            page = admin_client.get(url).content.decode()
        assert "The endpoint answered 502." in page
        assert ">502<" in page
        assert f"#{ticket.pk}" in page
        assert "The endpoint answered" in admin_client.get(url, {"state": "failed"}).text
        assert "The endpoint answered" not in admin_client.get(url, {"state": "succeeded"}).text
        assert "502" in admin_client.get(url, {"event": "reply.added"}).text
        assert "502" in admin_client.get(url, {"endpoint__id__exact": endpoint.pk}).text

    def test_a_delivery_is_read_only(self, admin_client, endpoint):
        delivery = failed_delivery(endpoint)
        page = admin_client.get(
            reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        ).content.decode()
        assert "Bad gateway" in page
        assert 'name="response_excerpt"' not in page
        assert admin_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403

    def test_send_again_from_the_delivery_page(
        self, admin_client, receiver, endpoint, django_capture_on_commit_callbacks
    ):
        delivery = failed_delivery(endpoint)
        url = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        assert "Send again" in admin_client.get(url).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                url,
                {"CHANGE_FORM-action": "send_again", "_selected_action": [delivery.pk]},
                follow=True,
            )
        assert messages_of(response) == [
            "1 new deliveries queued; they show at the top of the log."
        ]
        again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
        assert again.redelivery_of == delivery
        assert again.state == WebhookDelivery.State.SUCCEEDED
        [received] = receiver.received
        assert received.signature_valid
        assert received.payload == delivery.payload

    def test_send_again_from_the_log(
        self, admin_client, endpoint, django_capture_on_commit_callbacks
    ):
        deliveries = [failed_delivery(endpoint), failed_delivery(endpoint)]
        with django_capture_on_commit_callbacks() as callbacks:
            admin_client.post(
                reverse("admin:webhooks_webhookdelivery_changelist"),
                {"action": "send_again", "_selected_action": [d.pk for d in deliveries]},
            )
        assert WebhookDelivery.objects.filter(redelivery_of__in=deliveries).count() == 2
        assert len(callbacks) == 1

    def test_send_again_needs_the_permission_to_change_deliveries(self, client, endpoint):
        from django.contrib.auth.models import Permission

        delivery = failed_delivery(endpoint)
        agent = factories.AgentFactory()
        agent.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
        client.force_login(agent)
        url = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        assert "Send again" not in client.get(url).content.decode()
        client.post(url, {"CHANGE_FORM-action": "send_again", "_selected_action": [delivery.pk]})
        assert WebhookDelivery.objects.count() == 1


# Session, user, permissions, the date hierarchy, the count, the page, the filters.
NUM_LOG_QUERIES = 8
