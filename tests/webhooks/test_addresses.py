"""Addresses that are not public are refused, when an endpoint is saved and when a delivery
is sent, unless the settings allow them (the tests allow loopback, tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from webhooks import tasks
from webhooks.addresses import UnsafeAddress, check_url
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

REFUSED = [
    ("http://10.0.0.5/hook", "private"),
    ("http://192.168.1.1/hook", "private"),
    ("http://172.16.3.4/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[fd00::1]/hook", "private"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://[::]/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://240.0.0.1/hook", "reserved"),
    ("http://100.64.0.1/hook", "non-public"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
]


def endpoint_errors(url: str) -> dict[str, list[str]]:
    endpoint = WebhookEndpoint(name="CRM", url=url, events=["ticket.created"])
    try:
        endpoint.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.mark.parametrize(("url", "kind"), REFUSED)
def test_non_public_addresses_are_refused_with_a_clear_message(url, kind):
    [message] = endpoint_errors(url)["url"]
    assert f"is a {kind} address" in message
    assert "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES" in message


def test_loopback_only_when_the_settings_allow_it(settings):
    assert endpoint_errors("http://127.0.0.1:8080/hook") == {}
    assert endpoint_errors("http://[::1]:8080/hook") == {}
    assert endpoint_errors("http://localhost:8080/hook") == {}  # resolved, then checked
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    [message] = endpoint_errors("http://127.0.0.1:8080/hook")["url"]
    assert "127.0.0.1 is a loopback address" in message
    [message] = endpoint_errors("http://localhost:8080/hook")["url"]
    assert message.startswith("localhost (")
    assert "loopback" in message
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    assert endpoint_errors("http://127.0.0.1:8080/hook") == {}
    assert endpoint_errors("http://10.0.0.5/hook") == {}


def test_an_allowed_network_allows_that_network_only(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.1.2.0/24"]
    assert endpoint_errors("http://10.1.2.9/hook") == {}
    assert "url" in endpoint_errors("http://10.1.3.9/hook")


def test_public_addresses_are_accepted():
    target = check_url("https://93.184.215.14:8443/hooks?x=1")
    assert (target.address, target.port, target.path) == ("93.184.215.14", 8443, "/hooks?x=1")
    assert target.host_header == "93.184.215.14:8443"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/hook", "must start with https:// or http://"),
        ("http://user:pw@93.184.215.14/hook", "user name or password"),
        ("http://93.184.215.14:99999/hook", "port"),
        ("http://no-such-host.invalid/hook", "could not be found"),
    ],
)
def test_urls_that_cannot_be_sent_to(url, message):
    with pytest.raises(UnsafeAddress, match=message):
        check_url(url)


def test_unknown_events_are_refused():
    endpoint = WebhookEndpoint(name="CRM", url="http://127.0.0.1/x", events=["ticket.eaten"])
    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()
    assert error.value.message_dict["events"] == ["Unknown events: ticket.eaten."]


def test_the_address_is_checked_again_at_delivery(settings, receiver, endpoint):
    """Saved while allowed; the setting (or the name's address) changed since: no request
    goes out, and the delivery says why."""
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="ping", payload={"type": "ping"}
    )
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    assert tasks.deliver_webhook.call(delivery.pk) == "failed"  # no worker: no retry
    delivery.refresh_from_db()
    assert "is a loopback address" in delivery.error
    assert delivery.response_code is None
    assert not receiver.received


def test_factories_endpoint_is_valid():
    factories.WebhookEndpointFactory().full_clean()
