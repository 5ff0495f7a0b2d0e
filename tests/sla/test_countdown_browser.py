"""The ticket page's SLA targets in real Chromium: each counts down in the browser, an
overdue one says so, and a status change swaps in the paused target."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tickets import services
from tickets.models import Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def policy():
    return factories.SlaPolicyFactory(
        name="Standard", targets={"first_response": (60, False), "resolution": (1, False)}
    )


def test_the_targets_count_down_and_pause(
    signed_in_page, live_server, policy, agent, department, client_company, console_errors
):
    page = signed_in_page
    ticket = services.create_ticket(
        client=client_company,
        department=department,
        subject="Printer on fire",
        message="Smoke everywhere",
        actor=agent,
        channel=Channel.WEB,
        at=timezone.now() - datetime.timedelta(minutes=2),
    )
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = page.get_by_test_id("sla-targets")
    expect(panel).to_contain_text("Standard")
    first = panel.locator('[data-sla-target="first_response"] time')
    expect(first).to_have_text(re.compile(r"^57 min \d\d s left$"))
    before = first.text_content()
    # The browser counts on by itself, without a request.
    expect(first).not_to_have_text(before or "", timeout=3000)
    resolution = panel.locator('[data-sla-target="resolution"] time')
    expect(resolution).to_have_text(re.compile(r"^1 min \d\d s overdue$"))
    expect(resolution).to_have_class(re.compile(r"\boverdue\b"))

    page.locator("#panel_status").select_option(label="On Hold")
    paused = page.locator('[data-sla-target="first_response"]')
    expect(paused).to_contain_text("Paused")
    expect(paused).to_contain_text(re.compile(r"57 min \d\d s left"))
    assert console_errors == []
