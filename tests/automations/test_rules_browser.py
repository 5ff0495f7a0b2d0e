"""In real Chromium: an administrator writes a trigger in the admin, previews it, and the
change it makes shows on the ticket page with the trigger as its actor."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tickets import services
from tickets.models import Channel, Priority

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trigger_written_in_the_admin_acts_and_shows_as_the_actor(
    page: Page, live_server, console_errors
):
    factories.AdminFactory(username="chief")
    agent = factories.AgentFactory()
    ticket = factories.TicketFactory(subject="Server down")

    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.goto(live_server.url + "/admin/automations/trigger/add/")
    page.fill("#id_name", "Urgent when changed")
    page.fill(
        "#id_conditions",
        json.dumps([{"field": "priority", "op": "changed_to", "value": "high"}]),
    )
    page.fill("#id_actions", json.dumps([{"action": "set_priority", "value": "urgent"}]))
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.get_by_role("link", name="The tickets it matches now").click()
    expect(page.locator("#preview-count")).to_contain_text("1 ticket matches now")
    expect(page.get_by_role("link", name=f"#{ticket.pk}")).to_be_visible()

    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)

    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    page.locator("#history-section summary").click()
    rule_event = page.locator(".history-event", has_text="Trigger “Urgent when changed”")
    expect(rule_event).to_contain_text("Priority changed")
    expect(rule_event).to_contain_text("via System")
    expect(rule_event).to_contain_text("high → urgent")
    assert console_errors == []
