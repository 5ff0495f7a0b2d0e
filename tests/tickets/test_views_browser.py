"""Saved views and stars in real Chromium: save the current filters, open the view, star."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests import factories
from tickets.models import Priority, SavedView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def test_save_the_current_filters_as_a_view(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    factories.TicketFactory(subject="Server down", priority=Priority.URGENT)
    factories.TicketFactory(subject="Printer jammed", priority=Priority.NORMAL)
    page.goto(live_server.url + "/?active_state=active")
    results = page.locator("#queue-results")
    sidebar = page.locator("#queue-views")
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()

    # Filter in place (htmx), then save what is showing.
    page.locator("#queue-filters summary", has_text="Priority").click()
    page.locator("#queue-filters").get_by_label("Urgent", exact=True).check()
    expect(results.get_by_role("link", name="Printer jammed")).to_have_count(0)
    page.locator(".save-view summary").click()
    page.locator("#save-view-name").fill("Fires")
    page.get_by_role("button", name="Save the current filters").click()

    expect(page).to_have_url(re.compile(r"/\?priority=urgent$"))
    expect(page.locator("#messages")).to_contain_text("View “Fires” saved.")
    assert SavedView.objects.get().query == "priority=urgent"
    view = sidebar.get_by_role("link", name=re.compile("^Fires"))
    # Its count arrives after the page, with the built-in views' counts.
    expect(view).to_contain_text("1 ticket")
    expect(view).to_have_attribute("aria-current", "true")

    # Elsewhere it is not current; clicking it opens it.
    page.get_by_role("link", name=re.compile("^All open")).click()
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()
    expect(view).not_to_have_attribute("aria-current", "true")
    view.click()
    expect(page).to_have_url(re.compile(r"priority=urgent"))
    expect(results.get_by_role("link", name="Server down")).to_be_visible()
    expect(results.get_by_role("link", name="Printer jammed")).to_have_count(0)
    assert csp_errors == []


def test_star_a_ticket_and_find_it_in_starred(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Keep an eye on this")
    factories.TicketFactory(subject="Something else")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    star = page.get_by_role("button", name="Star")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    # Swapped in place: pressed, and the confirmation shows.
    expect(page.get_by_role("button", name="Star")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#messages")).to_contain_text("Ticket starred.")

    page.goto(live_server.url + "/?active_state=active")
    starred = page.locator("#queue-views").get_by_role("link", name=re.compile("^Starred"))
    expect(starred).to_contain_text("1 ticket")
    starred.click()
    results = page.locator("#queue-results")
    expect(results.get_by_role("link", name="Keep an eye on this")).to_be_visible()
    expect(results.get_by_role("link", name="Something else")).to_have_count(0)
    expect(starred).to_have_attribute("aria-current", "true")
    assert csp_errors == []
