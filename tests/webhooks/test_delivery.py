"""Sending: a real receiver on loopback checks each signature; failed attempts (a 500, a
timeout, a refused connection) are tried again with a growing delay for 24 hours, each
attempt logged on the delivery."""

from __future__ import annotations

import datetime

import pytest
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import Channel, Priority, Ticket
from webhooks import publishing, signing, tasks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def reply(ticket, agent, capture, text="On it"):
    with capture(execute=True):
        return services.post_reply(
            ticket=ticket, text=text, author=agent, channel=Channel.WEB, notify=False
        )


def queued_attempts() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path="webhooks.tasks.deliver_webhook").order_by(
            "run_after", "pk"
        )
    )


class TestSigned:
    def test_the_receiver_gets_a_signed_event(
        self, receiver, endpoint, ticket, agent, django_capture_on_commit_callbacks
    ):
        endpoint.events = ["reply.added"]
        endpoint.save()
        posted = reply(ticket, agent, django_capture_on_commit_callbacks)

        [received] = receiver.received
        delivery = WebhookDelivery.objects.get()
        assert received.path == "/hooks/helpdesk"
        assert received.signature_valid
        assert abs(received.signed_at - delivery.last_attempt_at.timestamp()) < 2
        assert received.headers["Content-Type"] == "application/json"
        assert received.headers["User-Agent"] == "Helpdesk-Webhooks/1"
        assert received.headers["Helpdesk-Event"] == "reply.added"
        assert received.headers["Helpdesk-Delivery"] == str(delivery.delivery_id)
        assert received.payload == delivery.payload
        assert received.payload["reply"]["id"] == posted.pk
        assert received.payload["ticket"]["id"] == ticket.pk
        # Python's receiver (docs/webhooks.md) accepts it; another secret does not.
        header = received.headers["Helpdesk-Signature"]
        assert signing.verify(endpoint.secret, header, received.body)
        assert not signing.verify("whsec_other", header, received.body)
        assert not signing.verify(endpoint.secret, header, received.body + b" ")
        assert not signing.verify(
            endpoint.secret, header, received.body, now=received.signed_at + 301
        )

        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.SUCCEEDED
        assert delivery.attempts == 1
        assert delivery.response_code == 200
        assert delivery.response_excerpt == "ok"
        assert delivery.duration_ms is not None
        assert delivery.error == ""
        assert delivery.next_attempt_at is None

    def test_a_rotated_secret_signs_from_then_on(
        self, receiver, endpoint, ticket, agent, django_capture_on_commit_callbacks
    ):
        old_secret = endpoint.secret
        endpoint.secret = "whsec_rotated"
        endpoint.save()
        receiver.secret = "whsec_rotated"
        reply(ticket, agent, django_capture_on_commit_callbacks)
        assert receiver.received
        assert all(r.signature_valid for r in receiver.received)
        receiver.secret = old_secret
        body, header = receiver.received[0].body, receiver.received[0].headers
        assert not receiver.check_signature(header["Helpdesk-Signature"], body)[0]

    def test_deliver_to_sends_one_event_with_details(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        endpoint.events = []
        endpoint.save()
        with django_capture_on_commit_callbacks(execute=True):
            delivery = publishing.deliver_to(
                endpoint,
                event="ticket.updated",
                ticket=ticket,
                details={"rule": {"kind": "trigger", "id": 1, "name": "Ping CRM"}, "id": "x"},
            )
        [received] = receiver.received
        assert received.signature_valid
        assert received.payload["type"] == "ticket.updated"
        assert received.payload["id"] == str(delivery.event_id)  # details cannot replace it
        assert received.payload["rule"]["name"] == "Ping CRM"
        assert received.payload["ticket"]["id"] == ticket.pk
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.SUCCEEDED


class TestRetries:
    @pytest.fixture(autouse=True)
    def worker(self, settings):
        """A task backend that can run a task later, as production's worker."""
        settings.TASKS = DATABASE_TASKS
        settings.WEBHOOKS_TIMEOUT = 0.5

    def make_delivery(self, endpoint, ticket, capture) -> WebhookDelivery:
        with capture(execute=True):
            delivery = publishing.deliver_to(endpoint, event="ticket.updated", ticket=ticket)
        [queued] = queued_attempts()
        assert queued.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
        queued.delete()
        return delivery

    def test_a_500_is_tried_again_a_minute_later(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        receiver.plan.append((500, 0))
        with freeze_time(T0):
            delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
            assert tasks.deliver_webhook.call(delivery.pk) == "retry queued"
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.PENDING
        assert delivery.attempts == 1
        assert delivery.response_code == 500
        assert delivery.response_excerpt == "something broke on our side"
        assert delivery.error == "The endpoint answered 500."
        assert delivery.next_attempt_at == T0 + datetime.timedelta(minutes=1)
        [retry] = queued_attempts()
        assert retry.run_after == T0 + datetime.timedelta(minutes=1)
        assert retry.args_kwargs == {"args": [delivery.pk], "kwargs": {}}

        # A run before it is due sends nothing.
        with freeze_time(T0 + datetime.timedelta(seconds=30)):
            assert "not due" in tasks.deliver_webhook.call(delivery.pk)
        assert len(receiver.received) == 1

        with freeze_time(T0 + datetime.timedelta(minutes=1)):
            assert tasks.deliver_webhook.call(delivery.pk) == "succeeded"
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.SUCCEEDED
        assert delivery.attempts == 2
        assert delivery.response_code == 200
        assert delivery.error == ""
        assert len(receiver.received) == 2
        assert all(r.signature_valid for r in receiver.received)
        # The same event, signed anew at each attempt's time.
        first, second = receiver.received
        assert first.payload == second.payload
        assert second.signed_at - first.signed_at == 60

        # A duplicate run of the task sends nothing more.
        with freeze_time(T0 + datetime.timedelta(minutes=2)):
            assert "not due" in tasks.deliver_webhook.call(delivery.pk)
        assert len(receiver.received) == 2

    def test_a_timeout_is_tried_again(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        receiver.plan.append((200, 3.0))  # answers long after the 0.5 s timeout
        delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
        assert tasks.deliver_webhook.call(delivery.pk) == "retry queued"
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.PENDING
        assert delivery.error == "No answer within 0.5 seconds."
        assert delivery.response_code is None
        assert 400 <= delivery.duration_ms < 3000
        with freeze_time(delivery.next_attempt_at):
            assert tasks.deliver_webhook.call(delivery.pk) == "succeeded"
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (WebhookDelivery.State.SUCCEEDED, 2)

    def test_a_refused_connection_is_tried_again(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        url = receiver.url
        receiver.server.shutdown()
        receiver.server.server_close()  # nobody listens on the port now
        endpoint.url = url
        endpoint.save()
        delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
        assert tasks.deliver_webhook.call(delivery.pk) == "retry queued"
        delivery.refresh_from_db()
        assert "ConnectionRefusedError" in delivery.error
        assert delivery.state == WebhookDelivery.State.PENDING

    def test_backoff_doubles_then_stays_hourly_and_gives_up_after_24_hours(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        receiver.plan.extend([(503, 0)] * 100)
        with freeze_time(T0) as clock:
            delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
            waits = []
            while True:
                tasks.deliver_webhook.call(delivery.pk)
                delivery.refresh_from_db()
                if delivery.state != WebhookDelivery.State.PENDING:
                    break
                waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
                clock.move_to(delivery.next_attempt_at)
        minutes = [int(wait.total_seconds() // 60) for wait in waits]
        assert minutes[:7] == [1, 2, 4, 8, 16, 32, 60]
        assert set(minutes[6:]) == {60}
        assert delivery.state == WebhookDelivery.State.FAILED
        assert delivery.attempts == len(receiver.received) == len(waits) + 1
        assert delivery.last_attempt_at - delivery.first_attempt_at <= datetime.timedelta(hours=24)
        assert delivery.last_attempt_at - delivery.first_attempt_at > datetime.timedelta(hours=23)
        assert delivery.error.startswith("The endpoint answered 503. Given up after")
        assert delivery.next_attempt_at is None

    def test_a_turned_off_endpoint_is_not_sent_to(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
        endpoint.is_active = False
        endpoint.save()
        assert tasks.deliver_webhook.call(delivery.pk) == "endpoint turned off"
        delivery.refresh_from_db()
        assert delivery.state == WebhookDelivery.State.FAILED
        assert delivery.error == "The endpoint is turned off."
        assert not receiver.received

    def test_pending_deliveries_are_queued_again_by_send_webhooks(
        self, receiver, endpoint, ticket, django_capture_on_commit_callbacks
    ):
        from django.core.management import call_command

        delivery = self.make_delivery(endpoint, ticket, django_capture_on_commit_callbacks)
        call_command("send_webhooks")
        [queued] = queued_attempts()
        assert queued.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


class TestWithoutAWorker:
    """The immediate backend of development cannot run a task later: one attempt."""

    def test_a_failure_is_final_and_says_why(
        self, receiver, endpoint, ticket, agent, django_capture_on_commit_callbacks
    ):
        endpoint.events = ["reply.added"]
        endpoint.save()
        receiver.plan.append((500, 0))
        reply(ticket, agent, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == WebhookDelivery.State.FAILED
        assert "the task backend cannot run a task later" in delivery.error

    def test_send_again_is_a_new_delivery_of_the_same_event(
        self, receiver, endpoint, ticket, agent, django_capture_on_commit_callbacks
    ):
        endpoint.events = ["reply.added"]
        endpoint.save()
        receiver.plan.append((500, 0))
        reply(ticket, agent, django_capture_on_commit_callbacks)
        failed = WebhookDelivery.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            [again] = publishing.send_again([failed])
        again.refresh_from_db()
        failed.refresh_from_db()
        assert again.state == WebhookDelivery.State.SUCCEEDED
        assert again.redelivery_of == failed
        assert again.event_id == failed.event_id
        assert again.delivery_id != failed.delivery_id
        assert failed.state == WebhookDelivery.State.FAILED  # the log keeps it
        first, second = receiver.received
        assert first.payload == second.payload
        assert first.headers["Helpdesk-Delivery"] != second.headers["Helpdesk-Delivery"]
        assert second.signature_valid


def test_many_deliveries_are_queued_by_one_task(settings, django_capture_on_commit_callbacks):
    """A bulk change over many tickets queues one task, which queues the others."""
    settings.TASKS = DATABASE_TASKS
    factories.WebhookEndpointFactory(events=["ticket.updated"])
    tickets = factories.TicketFactory.create_batch(tasks.QUEUE_DIRECTLY + 1)
    agent = factories.AgentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_bulk_action(
            actor=agent,
            tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]),
            action=services.BulkAction.PRIORITY,
            value=Priority.HIGH,
            channel=Channel.WEB,
        )
    [fan_out] = DBTaskResult.objects.filter(task_path="webhooks.tasks.queue_webhook_deliveries")
    ids = sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert sorted(fan_out.args_kwargs["args"][0]) == ids
    assert tasks.queue_webhook_deliveries.call(ids) == f"{len(ids)} deliveries queued"
    assert len(queued_attempts()) == len(ids)
