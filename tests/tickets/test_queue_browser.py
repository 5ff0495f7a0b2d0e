"""The queue as agents scan it (issue 17), in real Chromium: 15 tickets and more on a
1280x800 screen, filters that apply by themselves, the first ticket on a phone's first
screen, the dark theme; and axe-core on the workspace pages the other tests leave out, at
1280 and 390 px, in both themes."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests import factories
from tests.accessibility import assert_accessible
from tickets import services
from tickets.models import Channel
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The rows of the results whose whole box is inside the window.
ROWS_IN_VIEW = """() => Array.from(document.querySelectorAll('#queue-results tbody tr'))
    .filter((row) => {
        const box = row.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    }).length"""


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def my_queue(agent):
    """A full page of the agent's open tickets, with long subjects and a client's message."""
    acme = factories.ClientFactory(name="Acme Inc")
    rita = factories.ContactFactory(client=acme, name="Rita Requester")
    department = factories.CategoryFactory()
    tickets = []
    for number in range(30):
        tickets.append(
            services.create_ticket(
                client=acme,
                department=department,
                subject=f"Printer {number} on the third floor keeps jamming on every page",
                message="It started this morning and nothing we tried has helped so far.",
                requester=rita,
                assignee=agent,
                actor=None,
                channel=Channel.EMAIL,
            )
        )
    factories.TicketFactory(subject="Closed long ago", status_id=FixedStatus.CLOSED)
    return tickets


def test_fifteen_tickets_and_more_fit_a_1280x800_screen(
    signed_in_page: Page, live_server, my_queue, console_errors
):
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    expect(page.locator("#queue-summary")).to_contain_text("1\N{EN DASH}25 of 30")
    assert page.evaluate(ROWS_IN_VIEW) >= 15
    row = page.locator("#queue-results tbody tr").first
    # One line each: the subject ends in an ellipsis, whole on hover.
    subject = row.locator(".subject-line")
    assert subject.evaluate("(line) => line.scrollWidth > line.clientWidth")
    expect(row.get_by_role("link", name=re.compile("Printer"))).to_have_attribute(
        "title", re.compile("keeps jamming on every page")
    )
    expect(row).to_contain_text("Rita Requester")
    expect(row.locator("[data-label=Waiting]")).to_have_text(re.compile(r"\d+ min"))
    # The client wrote and the assignee has not opened it: marked unread.
    expect(row).to_have_attribute("data-unread", "")
    assert console_errors == []


def test_filters_apply_as_they_change_without_an_apply_button(
    signed_in_page: Page, live_server, my_queue, console_errors
):
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    # A drop-down of checkboxes, not a Ctrl-click list.
    page.locator("summary", has_text="Status").click()
    page.get_by_label("Any open").uncheck()
    page.get_by_label("Any closed").check()
    page.get_by_label("Assignee", exact=True).select_option("Anyone")
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(page.locator("#queue-results")).to_contain_text("Closed long ago")
    expect(page.locator("[data-dropdown-chosen]").first).to_have_text("Any closed")
    expect(page.locator("#queue-summary")).to_contain_text("1\N{EN DASH}1 of 1")
    # The address is shareable: opened afresh it shows the same.
    page.goto(page.url)
    expect(page.locator("#queue-results tbody tr")).to_have_count(1)
    page.locator("summary", has_text="Status").click()
    expect(page.get_by_label("Any closed")).to_be_checked()
    # A click elsewhere closes the drop-down.
    page.locator("h1").click()
    expect(page.get_by_label("Any closed")).to_be_hidden()
    assert console_errors == []


def test_without_javascript_the_apply_button_filters(
    browser, live_server, agent, my_queue, signed_in_page
):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    context.add_cookies(signed_in_page.context.cookies())
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.locator("summary", has_text="Status").click()
    page.get_by_label("Any open").uncheck()
    page.get_by_label("Any closed").check()
    page.get_by_label("Assignee", exact=True).select_option("Anyone")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(page.locator("#queue-results tbody tr")).to_have_count(1)
    context.close()


def test_on_a_phone_the_header_is_one_row_and_the_first_ticket_on_the_first_screen(
    signed_in_page: Page, live_server, my_queue, console_errors
):
    page = signed_in_page
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    topbar = page.locator(".topbar")
    assert topbar.bounding_box()["height"] < 60
    expect(page.get_by_role("link", name="Clients")).to_be_hidden()
    first = page.locator("#queue-results tbody tr").first
    box = first.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    # The menu unfolds the links and the account.
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Clients")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def background(page: Page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def test_the_dark_theme_follows_the_system_and_the_choice_is_kept(
    signed_in_page: Page, live_server, my_queue, console_errors
):
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + "/")
    assert background(page) == "rgb(11, 17, 32)"
    assert_accessible(page)
    # Chosen light on a dark system, kept after a reload.
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_have_text("Theme: auto")
    toggle.click()  # dark
    toggle.click()  # light
    expect(toggle).to_have_text("Theme: light")
    assert background(page) == "rgb(243, 244, 246)"
    page.reload()
    assert background(page) == "rgb(243, 244, 246)"
    # Chosen dark on a light system.
    page.emulate_media(color_scheme="light")
    page.locator("[data-theme-toggle]").click()  # auto
    assert background(page) == "rgb(243, 244, 246)"
    page.locator("[data-theme-toggle]").click()  # dark
    assert background(page) == "rgb(11, 17, 32)"
    assert console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_workspace_pages_pass_axe(
    signed_in_page: Page, live_server, agent, my_queue, size, scheme, csp_errors
):
    """Every workspace page, in each theme: those test_accessibility_browser.py checks in the
    light theme, and the others (forms to add or change, confirmations)."""
    page = signed_in_page
    page.set_viewport_size(size)
    page.emulate_media(color_scheme=scheme)
    ticket = my_queue[0]
    services.post_reply(ticket=ticket, text="We are on it.", author=agent, channel=Channel.WEB)
    client = ticket.client
    contact = ticket.requester
    project = factories.ProjectFactory(client=client, name="Website")
    canned = factories.CannedResponseFactory(title="Printer help", owner=agent)
    view = factories.SavedViewFactory(owner=agent, name="Urgent", query="priority=urgent")
    pages = [
        "/",
        "/?active_state=active&sort=waiting",
        "/?search=printer",
        f"/tickets/{ticket.pk}/",
        f"/tickets/{ticket.pk}/history/",
        "/tickets/new/",
        "/clients/",
        "/clients/new/",
        f"/clients/{client.pk}/",
        f"/clients/{client.pk}/edit/",
        f"/clients/{client.pk}/contacts/new/",
        f"/clients/{client.pk}/contacts/{contact.pk}/edit/",
        f"/clients/{client.pk}/projects/new/",
        f"/clients/{client.pk}/projects/{project.pk}/edit/",
        "/canned-responses/",
        "/canned-responses/new/",
        f"/canned-responses/{canned.pk}/edit/",
        "/activity/",
        "/profile/",
        f"/views/{view.pk}/edit/",
        "/reports/",
    ]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
    # The queue with its drop-down open.
    page.goto(live_server.url + "/")
    page.locator("summary", has_text="Priority").click()
    assert_accessible(page)
    assert csp_errors == []
