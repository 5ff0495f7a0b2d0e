"""The Reports page's service levels in real Chromium: the share of SLA targets met per
policy and target, a chart per policy, and the breaches a page at a time, with no Content
Security Policy violation on the way."""

import re

import pytest

# Imported before any time is frozen: DRF's throttle keeps the clock it saw at import.
import rest_framework.throttling  # noqa: F401
from django.conf import settings
from django.test import Client as HttpClient
from playwright.sync_api import expect

from reports.sla_panels import BREACHES_PER_PAGE
from tests import factories

from .scenario import at
from .sla_scenario import SlaScenario

pytestmark = pytest.mark.browser

RANGE = "date_from=2026-01-10&date_to=2026-01-12&timezone=UTC"


@pytest.fixture
def scenario(transactional_db):
    return SlaScenario()


@pytest.fixture
def signed_in(live_server, page, scenario):
    django_client = HttpClient()
    django_client.force_login(scenario.ann)
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def test_share_met_per_policy_and_the_breaches(live_server, signed_in, scenario):
    page = signed_in
    refused = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    policy = factories.SlaPolicyFactory(name="Busy", position=5)
    for minute in range(BREACHES_PER_PAGE):
        factories.TicketSlaTargetFactory(
            policy=policy, due_at=at(11, 10, minute), breached_at=at(11, 10, minute)
        )

    page.goto(f"{live_server.url}/reports/?{RANGE}")
    section = page.locator("#report-sla")
    expect(section.get_by_role("heading", level=2)).to_have_text("Service levels")
    rows = section.locator("table.sla-targets tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_text(re.compile(r"Standard\s*First response\s*1\s*2\s*3\s*33\.3%"))
    expect(rows.nth(1)).to_have_text(re.compile(r"Standard\s*Resolution\s*1\s*1\s*2\s*50\.0%"))
    expect(rows.nth(2)).to_have_text(re.compile(r"VIP\s*First response\s*1\s*0\s*1\s*100\.0%"))
    expect(rows.nth(3)).to_have_text(re.compile(r"Busy\s*First response\s*0\s*20\s*20\s*0\.0%"))
    # A chart per policy: Standard's has a line per kind of target.
    expect(section.locator("svg.chart")).to_have_count(3)
    expect(section.locator("svg.chart").first.locator("polyline")).to_have_count(2)
    expect(section.locator("svg.chart").nth(1).locator("circle")).to_have_count(1)  # VIP: one day

    breaches = section.locator("table.sla-breaches tbody tr")
    expect(breaches).to_have_count(BREACHES_PER_PAGE)
    expect(section).to_contain_text("(1\u201320 of 23, newest first)")
    expect(breaches.first).to_contain_text(f"#{scenario.t6.ticket_id}")
    expect(breaches.first).to_contain_text("Resolution")

    section.get_by_role("link", name="Older breaches").click()
    expect(page).to_have_url(re.compile(r"breaches_page=2"))
    expect(breaches).to_have_count(3)
    expect(breaches.nth(2)).to_contain_text("Printer on fire")
    expect(breaches.nth(2)).to_contain_text("Ann Able")
    expect(breaches.nth(1)).to_contain_text("Bob Baker")

    breaches.nth(2).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{scenario.t2.ticket_id}/"))
    assert refused == []


def test_filter_by_department(live_server, signed_in, scenario):
    page = signed_in
    page.goto(f"{live_server.url}/reports/?{RANGE}")
    page.select_option("#id_department", label="Sales")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"department={scenario.sales.pk}"))
    section = page.locator("#report-sla")
    rows = section.locator("table.sla-targets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(re.compile(r"Standard\s*Resolution\s*0\s*1\s*1\s*0\.0%"))
    expect(section.locator("table.sla-breaches tbody tr")).to_have_count(1)
