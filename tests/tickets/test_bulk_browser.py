"""Bulk actions in real Chromium: select a page, then all matching tickets, change them."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from tests import factories
from tickets.models import Priority, Ticket, TicketEvent
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_matching_and_close_them(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    for _ in range(30):
        factories.TicketFactory(priority=Priority.HIGH)
    factories.TicketFactory(priority=Priority.NORMAL, subject="Not matching")
    page.goto(live_server.url + "/?priority=high")
    bar = page.locator("#bulk-form")
    expect(bar).to_be_hidden()
    results = page.locator("#queue-results")
    expect(results.get_by_role("checkbox", name="Select ticket #")).to_have_count(25)

    page.get_by_role("checkbox", name="Select all tickets on this page").check()
    expect(bar).to_be_visible()
    expect(bar.get_by_text("25 tickets selected.")).to_be_visible()
    expect(page.get_by_text("All 25 on this page are selected.")).to_be_visible()
    page.get_by_role("button", name="Select all matching tickets").click()
    banner = page.locator("[data-bulk-banner]")
    expect(banner.get_by_text("All 30 matching tickets are selected.")).to_be_visible()
    expect(bar.get_by_text("All 30 matching tickets are selected.")).to_be_visible()
    expect(page.get_by_text("All 25 on this page are selected.")).to_be_hidden()
    expect(banner.get_by_role("button", name="Clear selection")).to_be_focused()
    # Clearing forgets "all matching" and the ticked rows; then select everything again.
    page.keyboard.press("Enter")
    expect(bar).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Select all tickets on this page")).not_to_be_checked()
    expect(page.locator("[data-bulk-all]")).to_have_count(0)
    page.get_by_role("checkbox", name="Select all tickets on this page").check()
    page.get_by_role("button", name="Select all matching tickets").click()
    expect(bar.get_by_text("All 30 matching tickets are selected.")).to_be_visible()

    # Only the chosen action's value field shows.
    expect(bar.get_by_label("Status")).to_be_hidden()
    bar.get_by_label("Action").select_option("status")
    expect(bar.get_by_label("Status")).to_be_visible()
    expect(bar.get_by_label("Priority")).to_be_hidden()
    bar.get_by_label("Status").select_option(str(FixedStatus.CLOSED))
    page.evaluate("window.__noReload = true")
    bar.get_by_role("button", name="Apply").click()

    expect(page.locator("#messages")).to_contain_text("Status set to Closed on 30 tickets.")
    assert page.evaluate("window.__noReload === true")  # refreshed in place
    expect(bar).to_be_hidden()
    badges = results.locator("td[data-label='Status'] .badge")
    expect(badges).to_have_count(25)
    expect(badges.filter(has_text="Closed")).to_have_count(25)
    results.get_by_role("link", name="Next →").click()
    expect(page.locator("#queue-summary")).to_contain_text("26\N{EN DASH}30 of")
    expect(badges).to_have_count(5)
    expect(badges.filter(has_text="Closed")).to_have_count(5)

    high = Ticket.objects.filter(priority=Priority.HIGH)
    assert set(high.values_list("status_id", flat=True)) == {FixedStatus.CLOSED}
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.STATUS_CHANGED).count() == 30
    assert Ticket.objects.get(subject="Not matching").status_id == FixedStatus.OPEN
    assert csp_errors == []


def test_tick_rows_and_bad_input_keeps_the_selection(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    first = factories.TicketFactory(subject="First")
    second = factories.TicketFactory(subject="Second")
    page.goto(live_server.url + "/?active_state=active")
    page.get_by_role("checkbox", name=f"Select ticket #{first.pk}", exact=True).check()
    bar = page.locator("#bulk-form")
    expect(bar.get_by_text("1 ticket selected.")).to_be_visible()
    # One page only: nothing more to select across pages.
    expect(page.get_by_role("button", name="Select all matching tickets")).to_have_count(0)

    bar.get_by_label("Action").select_option("add_tags")
    bar.get_by_role("button", name="Apply").click()
    expect(page.locator("#messages")).to_contain_text("Enter at least one tag.")
    expect(
        page.get_by_role("checkbox", name=f"Select ticket #{first.pk}", exact=True)
    ).to_be_checked()

    bar.get_by_label("Tags").fill("vip, billing")
    bar.get_by_role("button", name="Apply").click()
    expect(page.locator("#messages")).to_contain_text("Tags billing, vip added to 1 ticket.")
    assert sorted(first.tags.names()) == ["billing", "vip"]
    assert list(second.tags.names()) == []
    assert csp_errors == []


def test_phone_width_selects_a_page_and_keeps_the_bar_in_view(
    signed_in_page: Page, live_server, csp_errors
):
    """The stacked phone queue hides its header row; "select all on this page" stays."""
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    tickets = [factories.TicketFactory() for _ in range(12)]
    page.goto(live_server.url + "/?active_state=active")
    bar = page.locator("#bulk-form")

    # A card far down the list: the bar that says what is selected stays on screen.
    last = page.get_by_role("checkbox", name=f"Select ticket #{tickets[0].pk}", exact=True)
    last.check()
    expect(bar.get_by_text("1 ticket selected.")).to_be_in_viewport()
    last.uncheck()

    select_page = page.get_by_text("Select all on this page")
    expect(select_page).to_be_visible()
    select_page.click()
    expect(page.locator("#queue-results [data-bulk-row]:checked")).to_have_count(12)
    expect(bar.get_by_text("12 tickets selected.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # At desktop width the header checkbox needs no words.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(select_page).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Select all tickets on this page")).to_be_visible()
    assert csp_errors == []


def test_delete_goes_through_the_confirmation(page: Page, live_server, admin_user, csp_errors):
    client = Client()
    client.force_login(admin_user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    doomed = factories.TicketFactory(subject="Doomed")
    kept = factories.TicketFactory(subject="Kept")
    page.goto(live_server.url + "/?active_state=active")
    page.get_by_role("checkbox", name=f"Select ticket #{doomed.pk}", exact=True).check()
    bar = page.locator("#bulk-form")
    bar.get_by_label("Action").select_option("delete")
    bar.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Delete 1 ticket?")).to_be_visible()
    expect(page.get_by_text("Doomed")).to_be_visible()
    assert Ticket.objects.filter(pk=doomed.pk).exists()
    page.get_by_role("button", name="Delete 1 ticket").click()
    expect(page.locator("#messages")).to_contain_text("Deleted 1 ticket.")
    assert list(Ticket.objects.values_list("pk", flat=True)) == [kept.pk]
    assert csp_errors == []


def test_ticked_rows_work_without_javascript(browser, live_server, agent):
    context = browser.new_context(java_script_enabled=False)
    client = Client()
    client.force_login(agent)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    page = context.new_page()
    first = factories.TicketFactory(subject="First")
    second = factories.TicketFactory(subject="Second")
    page.goto(live_server.url + "/?active_state=active")
    bar = page.locator("#bulk-form")
    expect(bar).to_be_visible()
    page.get_by_role("checkbox", name=f"Select ticket #{first.pk}", exact=True).check()
    bar.get_by_label("Action").select_option("priority")
    bar.get_by_label("Priority").select_option(str(Priority.URGENT))
    bar.get_by_role("button", name="Apply").click()
    expect(page.locator("#messages")).to_contain_text("Priority set to Urgent on 1 ticket.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.priority, second.priority) == (Priority.URGENT, Priority.NORMAL)
    context.close()
