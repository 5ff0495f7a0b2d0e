"""The ticket admin in real Chromium: an administrator closes a ticket."""

import pytest
from django.urls import reverse

from tests import factories
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.browser


def test_administrator_closes_a_ticket_in_the_admin(live_server, page):
    administrator = factories.AdminFactory(username="chief")
    ticket = factories.TicketFactory(subject="Printer is on fire")

    page.goto(live_server.url + reverse("admin:index"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Helpdesk administration")

    page.goto(live_server.url + reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.input_value("#id_subject") == "Printer is on fire"
    page.select_option("#id_status", label="Closed")
    page.click("input[name=_continue]")

    page.wait_for_selector(".messagelist .success")
    assert "was changed successfully" in page.inner_text(".messagelist")
    assert page.input_value("#id_status") == str(FixedStatus.CLOSED)
    history = page.inner_text("#events-group")
    assert "Status changed" in history and "Closed" in history

    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.CLOSED
    assert ticket.resolved_at is not None
    event = ticket.events.get(kind="status_changed")
    assert (event.channel, event.actor) == ("admin", administrator)
    assert event.new_value == {"id": FixedStatus.CLOSED, "name": "Closed"}
