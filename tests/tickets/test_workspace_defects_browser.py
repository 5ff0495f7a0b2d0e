"""The defects a new agent hit in the workspace (issue 17), checked in real Chromium."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.access import SESSION_CONTACT
from tests import factories
from tickets.models import Rating
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A pasted token: 180 characters without a space.
TOKEN = "https://files.example.com/download?token=" + "a1B2c3D4e5" * 14


# The agent's browser is in another time zone than the site (UTC): pages follow the browser.
AGENT_ZONE = "Asia/Tokyo"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": AGENT_ZONE}


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def add_cookie(page: Page, live_server, name: str, value: str) -> None:
    page.context.add_cookies([{"name": name, "value": value, "url": live_server.url}])


def test_a_long_unbroken_subject_never_widens_a_page(
    signed_in_page: Page, live_server, agent, csp_errors
):
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    acme = factories.ClientFactory(name="Acme Inc")
    rita = factories.ContactFactory(client=acme, name="Rita", email="rita@acme.example")
    ticket = factories.TicketFactory(
        client=acme, requester=rita, subject=TOKEN, message=f"See {TOKEN}", assignee=agent
    )
    factories.ReplyFactory(ticket=ticket, text=TOKEN)
    factories.TicketEventFactory(ticket=ticket, actor=agent)
    factories.TicketPinFactory(ticket=ticket, agent=agent)
    assert len(ticket.subject) >= 180 and " " not in ticket.subject
    paths = [
        "/",
        f"/?search={TOKEN[-30:]}",
        f"/tickets/{ticket.pk}/",
        f"/tickets/{ticket.pk}/history/",
        f"/clients/{acme.pk}/",
        "/activity/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page_width(page) <= DESKTOP["width"], path
    # The queue's last column stays on screen.
    page.goto(live_server.url + "/?active_state=active")
    expect(page.locator("#queue-results th").last).to_be_in_viewport()

    # The requester sees the same subject in the portal.
    portal = Client()
    session = portal.session
    session[SESSION_CONTACT] = rita.pk
    session.save()
    page.context.clear_cookies()
    add_cookie(page, live_server, settings.SESSION_COOKIE_NAME, session.session_key)
    for path in ["/portal/", f"/portal/tickets/{ticket.pk}/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page_width(page) <= DESKTOP["width"], path
    assert csp_errors == []


def test_the_reports_page_fits_a_phone(signed_in_page: Page, live_server, agent, csp_errors):
    page = signed_in_page
    page.set_viewport_size(PHONE)
    for value in [Rating.Value.GOOD] * 16 + [Rating.Value.BAD]:
        solved = factories.TicketFactory(assignee=agent, status_id=FixedStatus.CLOSED)
        factories.RatingFactory(ticket=solved, value=value, agent=agent)
    page.goto(live_server.url + "/reports/")
    expect(page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page_width(page) <= PHONE["width"]
    # The header spans the page: no grey strip beside it.
    header_width = page.locator("header.topbar").evaluate("e => e.getBoundingClientRect().width")
    assert header_width == page.evaluate("document.documentElement.clientWidth")
    # A score reads as a share: 16 good ratings of 17.
    expect(page.locator(".tile", has_text="Rating score").locator(".tile-value")).to_have_text(
        "94%"
    )
    expect(page.locator("#report-ratings_ranking tbody td").last).to_have_text("94%")
    # Opening a report's table keeps the page within the screen; the table scrolls.
    page.locator("#report-new_tickets summary").click()
    assert page_width(page) <= PHONE["width"]

    # The time zone is chosen from the list of zones, and the period follows it.
    page.get_by_label("Time zone").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".page-header")).to_contain_text("Pacific/Auckland")
    assert csp_errors == []


def test_the_queue_past_its_last_page(signed_in_page: Page, live_server, agent, csp_errors):
    page = signed_in_page
    factories.TicketFactory(subject="Only one")
    page.goto(live_server.url + "/?active_state=active&page=9999")
    main = page.locator("main")
    expect(main).to_contain_text("No tickets on page 9999: it is past the last page.")
    expect(main.get_by_text("No tickets match these filters.")).to_have_count(0)
    expect(main.get_by_role("link", name="Clear all filters")).to_have_count(0)
    main.get_by_role("link", name="Go to the first page").click()
    expect(page.locator("#queue-results").get_by_role("link", name="Only one")).to_be_visible()

    # A filter that matches nothing says so once, and offers to clear it.
    page.goto(live_server.url + "/?search=nothingmatchesthis")
    expect(main.get_by_text("No tickets match these filters.")).to_have_count(1)
    expect(main.get_by_role("link", name="Clear all filters")).to_be_visible()
    assert csp_errors == []


def test_counts_and_empty_fields_read_well(signed_in_page: Page, live_server, agent, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="No requester", requester=None)
    factories.TicketStarFactory(ticket=ticket, agent=agent)
    page.goto(live_server.url + "/?active_state=active")
    starred = page.locator("#queue-views").get_by_role("link", name=re.compile("^Starred"))
    expect(starred).to_have_text(re.compile(r"Starred\s+1 ticket\s*$"))
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    facts = page.locator("#ticket-summary .facts")
    expect(facts.locator("dt:has-text('Requester') + dd")).to_have_text("—")
    expect(facts).not_to_contain_text("None")
    assert csp_errors == []


def test_a_non_agent_gets_the_403_page_on_reports_too(page: Page, live_server, outsider):
    client = Client()
    client.force_login(outsider)
    add_cookie(
        page,
        live_server,
        settings.SESSION_COOKIE_NAME,
        client.cookies[settings.SESSION_COOKIE_NAME].value,
    )
    for path in ["/", "/reports/"]:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 403, path
        expect(page).to_have_url(live_server.url + path)
        expect(page.get_by_role("heading", level=1, name="Access refused")).to_be_visible()


def test_reloading_the_save_view_form_after_a_name_clash(
    signed_in_page: Page, live_server, agent, csp_errors
):
    page = signed_in_page
    factories.SavedViewFactory(owner=agent, name="Fires", query="priority=normal")
    page.goto(live_server.url + "/?priority=urgent")
    page.locator(".save-view summary").click()
    page.locator("#save-view-name").fill("Fires")
    page.get_by_role("button", name="Save the current filters").click()
    expect(page.locator("#id_name_error")).to_have_text("You already have a view with this name.")

    # The address bar names the form with its filters: reloading it shows the form again.
    expect(page).to_have_url(re.compile(r"/views/new/\?query=priority%3Durgent$"))
    response = page.goto(page.url)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="Save the current filters as a view")).to_be_visible()
    expect(page.locator("main code")).to_have_text("priority=urgent")
    page.locator("#id_name").fill("Urgent ones")
    page.get_by_role("button", name="Save view").click()
    expect(page).to_have_url(re.compile(r"/\?priority=urgent$"))
    expect(page.locator("#messages")).to_contain_text("View “Urgent ones” saved.")
    assert csp_errors == []


def test_a_reply_and_a_status_change_are_confirmed_where_the_agent_acts(
    signed_in_page: Page, live_server, agent, csp_errors
):
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    ticket = factories.TicketFactory(subject="A long conversation")
    for number in range(8):
        factories.ReplyFactory(ticket=ticket, text=f"Message {number}\n" + "Some lines.\n" * 6)
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    text = page.get_by_label("Message")
    text.scroll_into_view_if_needed()
    text.fill("The new part ships tomorrow.")
    page.get_by_role("button", name="Send reply").click()

    status = page.locator("#reply-status")
    expect(status).to_have_text("Reply sent.")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_be_in_viewport()
    new_reply = page.locator("#conversation .entry").last
    expect(new_reply).to_contain_text("The new part ships tomorrow.")
    expect(new_reply).to_be_in_viewport()
    # Not repeated at the top of the page, out of sight.
    expect(page.locator("#messages")).to_be_empty()

    # A status change in the side panel is confirmed beside the status.
    panel = page.locator("#ticket-panel")
    panel.get_by_label("Status").scroll_into_view_if_needed()
    panel.get_by_label("Status").select_option(label="On Hold")
    confirmation = page.locator("#ticket_status-status")
    expect(confirmation).to_have_text("Status set to On Hold.")
    expect(confirmation).to_be_in_viewport()
    expect(page.locator("#reply-status")).to_be_empty()
    assert csp_errors == []


def test_a_refused_new_ticket_puts_the_focus_on_its_errors(
    signed_in_page: Page, live_server, csp_errors
):
    page = signed_in_page
    factories.ClientFactory(name="Acme Inc")
    factories.CategoryFactory(name="Support")
    page.goto(live_server.url + "/tickets/new/")
    page.get_by_role("button", name="Create ticket").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("tabindex", "-1")
    expect(summary.get_by_role("heading")).to_contain_text("Please correct the")
    # Each problem leads to its field.
    summary.get_by_role("link", name=re.compile("^Subject")).click()
    expect(page.get_by_label("Subject")).to_be_focused()
    assert csp_errors == []


def test_the_favicon_is_served(signed_in_page: Page, live_server):
    page = signed_in_page
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(live_server.url + "/?active_state=active")
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/favicon.ico")
    icon = page.request.get(live_server.url + "/favicon.ico")
    assert icon.status == 200 and icon.body()[:4] == b"\x00\x00\x01\x00"
    assert missing == []


def test_dates_read_one_way_with_the_exact_time_on_hover(
    signed_in_page: Page, live_server, agent, csp_errors
):
    page = signed_in_page
    moment = timezone.now() - timedelta(hours=3, minutes=5)
    ticket = factories.TicketFactory(subject="Three hours old", assignee=agent)
    type(ticket).objects.filter(pk=ticket.pk).update(updated_at=moment, created_at=moment)
    local = moment.astimezone(ZoneInfo(AGENT_ZONE))
    exact = local.strftime("%-d %b %Y %H:%M")
    page.goto(
        live_server.url + "/?active_state=active"
    )  # app.js tells the server the browser's time zone
    page.goto(live_server.url + "/?active_state=active")
    row = page.locator("#queue-results tr", has_text="Three hours old")
    when = row.locator("time")
    expect(when).to_have_text("3 h ago")
    expect(when).to_have_attribute("title", f"{exact} JST")
    expect(when).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"))

    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    expect(page.locator("#ticket-summary .facts time").first).to_have_text(exact)
    # A date picker's error speaks of a date, not of a format the picker does not show.
    page.goto(live_server.url + "/reports/?date_from=2026-02-30")
    expect(page.locator("#date_from-errors")).to_have_text("Enter a valid date.")
    assert csp_errors == []
