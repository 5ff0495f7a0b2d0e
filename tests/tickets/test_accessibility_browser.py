"""The main workspace pages pass axe-core (no serious or critical violations), on a desktop
and on a phone: the accessibility bar the portal is held to as well (issue 13)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import factories
from tests.accessibility import assert_accessible
from tickets import services
from tickets.models import Channel, Priority, Rating, Reply
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(page: Page, request) -> Page:
    """Each test runs twice: agents work on desktops, and look at a ticket on a phone."""
    page.set_viewport_size(request.param)
    return page


@pytest.fixture
def acme(db):
    return factories.ClientFactory(name="Acme Inc")


@pytest.fixture
def rita(acme):
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.example")


@pytest.fixture
def busy_ticket(agent, acme, rita):
    """A ticket with all a ticket page shows: a conversation, a note, an attachment, tags,
    a sticky note, a due date and a rating."""
    ticket = factories.TicketFactory(
        client=acme,
        requester=rita,
        subject="Printer on fire",
        message="It started smoking this morning.",
        priority=Priority.URGENT,
        assignee=agent,
        due_at=timezone.now() + timedelta(days=1),
    )
    ticket.tags.add("hardware", "urgent-site")
    services.post_reply(
        ticket=ticket, text="Please turn it off.", author=agent, channel=Channel.WEB
    )
    services.post_reply(
        ticket=ticket,
        text="She never reads our emails",
        kind=Reply.Kind.NOTE,
        author=agent,
        channel=Channel.WEB,
    )
    factories.AttachmentFactory(ticket=ticket, uploaded_by=agent)
    factories.StickyNoteFactory(ticket=ticket, author=agent)
    factories.RatingFactory(ticket=ticket, value=Rating.Value.BAD, agent=agent, comment="Too slow.")
    return ticket


def test_sign_in(page: Page, live_server, agent, csp_errors):
    page.goto(live_server.url + "/login/")
    expect(page.get_by_label("Username")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Username").fill(agent.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
    assert_accessible(page)
    assert csp_errors == []


def test_the_queue(signed_in_page: Page, live_server, agent, busy_ticket, csp_errors):
    page = signed_in_page
    factories.TicketFactory(subject="Invoice is wrong", status_id=FixedStatus.ON_HOLD)
    factories.TicketPinFactory(ticket=busy_ticket, agent=agent)
    factories.TicketStarFactory(ticket=busy_ticket, agent=agent)
    page.goto(live_server.url + "/?active_state=active")
    results = page.locator("#queue-results")
    # Pinned, it shows above the table as well.
    expect(results.get_by_role("link", name="Printer on fire")).to_have_count(2)
    expect(results.get_by_role("link", name="Invoice is wrong")).to_be_visible()
    assert_accessible(page)

    # A ticket selected: the bulk actions show.
    results.get_by_role("checkbox").first.check()
    assert_accessible(page)

    # Searched from the top bar: the search box shows the words, readable on its background.
    page.get_by_label("Search tickets").fill("printer")
    page.get_by_label("Search tickets").press("Enter")
    expect(page).to_have_url(re.compile(r"search=printer"))
    expect(page.get_by_label("Search tickets")).to_have_value("printer")
    expect(results.get_by_role("link", name="Invoice is wrong")).to_have_count(0)
    assert_accessible(page)

    # The keyboard shortcuts' dialog.
    page.locator("h1").click()  # out of the search field
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert_accessible(page)
    assert csp_errors == []


def test_a_ticket(signed_in_page: Page, live_server, busy_ticket, csp_errors):
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{busy_ticket.pk}/")
    expect(
        page.get_by_role("heading", name=re.compile(f"#{busy_ticket.pk} Printer on fire"))
    ).to_be_visible()
    expect(page.get_by_text("She never reads our emails")).to_be_visible()
    assert_accessible(page)

    # The reply box as an internal note (its own colours), sent empty: its error shows.
    page.get_by_label("Internal note").check()
    expect(page.locator("[data-reply-box]")).to_have_class(re.compile("is-note"))
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("[data-reply-box]")).to_contain_text("This field is required.")
    assert_accessible(page)
    assert csp_errors == []


def test_a_new_ticket_and_its_errors(signed_in_page: Page, live_server, acme, rita, csp_errors):
    page = signed_in_page
    factories.CategoryFactory(name="Support")
    page.goto(live_server.url + "/tickets/new/")
    expect(page.get_by_label("Subject")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Client").select_option(label="Acme Inc")
    page.get_by_label("Requester contact").select_option(label="Rita Requester <rita@acme.example>")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator("#id_subject_error")).to_have_text("This field is required.")
    assert_accessible(page)
    assert csp_errors == []


def test_the_reports_dashboard(signed_in_page: Page, live_server, agent, busy_ticket, csp_errors):
    page = signed_in_page
    solved = factories.TicketFactory(assignee=agent, status_id=FixedStatus.CLOSED)
    factories.RatingFactory(ticket=solved, value=Rating.Value.GOOD, agent=agent)
    page.goto(live_server.url + "/reports/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    assert csp_errors == []


def test_the_other_workspace_pages(
    signed_in_page: Page, live_server, agent, busy_ticket, acme, csp_errors
):
    """Clients, canned responses, the activity log, a ticket's history and the profile."""
    page = signed_in_page
    factories.ProjectFactory(client=acme, name="Website")
    factories.CannedResponseFactory(title="Printer help", owner=agent)
    pages = {
        "/clients/": "Clients",
        f"/clients/{acme.pk}/": "Acme Inc",
        f"/clients/{acme.pk}/edit/": re.compile("Acme Inc"),
        "/canned-responses/": "Canned responses",
        "/canned-responses/new/": re.compile("canned response", re.IGNORECASE),
        "/activity/": "Activity",
        f"/tickets/{busy_ticket.pk}/history/": f"History of #{busy_ticket.pk} Printer on fire",
        "/profile/": "Your profile",
    }
    for path, heading in pages.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page)
    assert csp_errors == []
