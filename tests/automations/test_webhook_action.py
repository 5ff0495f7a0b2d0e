"""A rule's "call a webhook" action: one signed event to one endpoint, naming the rule."""

import pytest
from django.core.exceptions import ValidationError

from automations.models import Trigger
from tests import factories
from tests.webhooks.conftest import endpoint, receiver  # noqa: F401  (fixtures)
from tickets import services
from tickets.models import Channel, Priority
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_a_trigger_calls_a_webhook_with_itself_in_the_details(
    receiver,  # noqa: F811
    endpoint,  # noqa: F811
    ticket,
    agent,
    django_capture_on_commit_callbacks,
):
    endpoint.events = []  # the action sends whatever the endpoint subscribes to
    endpoint.save()
    trigger = factories.TriggerFactory(
        name="Tell the CRM",
        conditions=[{"field": "priority", "op": "changed_to", "value": "urgent"}],
        actions=[
            {
                "action": "call_webhook",
                "value": {"endpoint": endpoint.pk, "event": "ticket.updated"},
            }
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_ticket(
            ticket=ticket, priority=Priority.URGENT, actor=agent, channel=Channel.WEB
        )
        services.update_ticket(ticket=ticket, subject="Other", actor=agent, channel=Channel.WEB)
    [received] = receiver.received
    assert received.signature_valid
    assert received.payload["type"] == "ticket.updated"
    assert received.payload["rule"] == {"kind": "trigger", "id": trigger.pk, "name": "Tell the CRM"}
    assert received.payload["ticket"]["id"] == ticket.pk
    assert received.payload["ticket"]["priority"] == "urgent"
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"endpoint": 4242, "event": "ticket.updated"}, "no webhook endpoint has id 4242"),
        ({"endpoint": 1, "event": "ping"}, "the event is one of ticket.created"),
        ("https://example.com", '{"endpoint": an endpoint'),
    ],
)
def test_a_wrong_webhook_action_is_refused(value, message):
    trigger = Trigger(name="Hook", actions=[{"action": "call_webhook", "value": value}])
    with pytest.raises(ValidationError) as error:
        trigger.full_clean()
    assert message in str(error.value)
