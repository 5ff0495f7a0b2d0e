"""Webhooks in the admin, in real Chromium: an administrator adds an endpoint, sends it a
test event that a real receiver checks, and finds the delivery in the log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.browser


def test_administrator_adds_an_endpoint_and_sends_a_test_event(live_server, page, receiver):
    factories.AdminFactory(username="chief")
    page.goto(live_server.url + reverse("admin:index"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Helpdesk administration")

    page.goto(live_server.url + reverse("admin:webhooks_webhookendpoint_add"))
    page.fill("#id_name", "CRM")
    page.fill("#id_url", receiver.url)
    page.check("input[name=events][value='ticket.created']")
    page.check("input[name=events][value='reply.added']")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["ticket.created", "reply.added"]
    assert endpoint.secret in page.inner_text("body")
    assert page.is_checked("input[name=events][value='reply.added']")
    assert not page.is_checked("input[name=events][value='note.added']")
    receiver.secret = endpoint.secret

    page.select_option("select[name='CHANGE_FORM-action']", "send_test_event")
    page.click("#webhookendpoint_form .actions button[name=index]")
    page.wait_for_selector("text=A test event (ping) is queued")

    [received] = receiver.received
    assert received.signature_valid
    assert received.payload["type"] == "ping"

    page.goto(live_server.url + reverse("admin:webhooks_webhookdelivery_changelist"))
    row = page.inner_text("#result_list")
    assert "CRM" in row and "Test event" in row and "Succeeded" in row and "200" in row
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED
