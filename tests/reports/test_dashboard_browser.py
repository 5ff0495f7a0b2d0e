"""The reports dashboard in real Chromium: pick a period, read the tiles and charts,
download a CSV, with no Content Security Policy violation on the way."""

import re
from pathlib import Path

import pytest

# Imported before the scenario freezes time: DRF's throttle keeps the clock it saw at import.
import rest_framework.throttling  # noqa: F401
from django.conf import settings
from django.test import Client as HttpClient
from playwright.sync_api import expect

from tests import factories
from tickets.forms import widgets as tickets_forms

from .scenario import Helpdesk, JanuaryScenario, at

pytestmark = pytest.mark.browser


@pytest.fixture
def january(transactional_db):
    return JanuaryScenario()


@pytest.fixture
def signed_in(live_server, page, january):
    django_client = HttpClient()
    django_client.force_login(january.agent)
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def tile(page, label):
    return page.locator(".tile").filter(has_text=label).locator(".tile-value")


def test_pick_a_period_and_download_csv(live_server, signed_in):
    page = signed_in
    refused = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )

    page.goto(f"{live_server.url}/reports/?date_from=2026-01-10&date_to=2026-01-12&timezone=UTC")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.locator(".tile")).to_have_count(6)
    expect(page.locator(".tile").first).to_have_css("display", "flex")  # our stylesheet
    expect(tile(page, "New tickets")).to_have_text("7")
    expect(page.locator(".tile").filter(has_text="New tickets")).to_contain_text("vs 1")
    expect(page.locator("svg.chart")).to_have_count(7)

    # One day, hour by hour.
    page.fill("#id_date_from", "2026-01-12")
    page.fill("#id_date_to", "2026-01-12")
    page.select_option("#id_group_by", "hour")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"date_from=2026-01-12.*group_by=hour"))
    expect(tile(page, "New tickets")).to_have_text("2")
    expect(tile(page, "Median resolution")).to_have_text("48.0h")
    new_tickets = page.locator("#report-new_tickets")
    expect(new_tickets.locator("svg.chart rect")).to_have_count(2)
    new_tickets.get_by_text("Table").click()
    expect(new_tickets.locator("tbody tr")).to_have_count(24)
    expect(new_tickets.locator("tbody tr").nth(10)).to_contain_text("10:00")

    with page.expect_download() as download_info:
        new_tickets.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "new_tickets_2026-01-12_2026-01-12.csv"
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0] == "period,count"
    assert lines[11] == "10:00,1"
    assert len(lines) == 25

    assert refused == []


def test_find_a_client_among_many_and_filter_by_it(live_server, signed_in, january, monkeypatch):
    monkeypatch.setattr(tickets_forms, "CLIENT_CHOICES_SHOWN", 1)
    zulu = factories.ClientFactory(name="Zulu Trading")
    Helpdesk(department=january.desk.department, client=zulu).ticket(at(11, 9))
    page = signed_in
    page.goto(f"{live_server.url}/reports/?date_from=2026-01-10&date_to=2026-01-12&timezone=UTC")
    expect(tile(page, "New tickets")).to_have_text("8")
    select = page.locator("#id_client")
    expect(select.locator("option")).to_have_count(2)  # "All clients" and the first one
    page.get_by_label("Find a client").fill("zulu")
    expect(select.locator("option")).to_have_count(2)  # "All clients" and Zulu
    select.select_option(label="Zulu Trading")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"client={zulu.pk}"))
    expect(tile(page, "New tickets")).to_have_text("1")
    expect(page.locator("#id_client option:checked")).to_have_text("Zulu Trading")
