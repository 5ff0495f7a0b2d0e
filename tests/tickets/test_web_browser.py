"""The agent workspace in real Chromium: sign in, the queue, the ticket page, new tickets, phones."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tickets.models import Priority, Reply, Ticket
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mark_page(page: Page) -> None:
    """Set a marker that a full page load would erase, to prove a change happened in place."""
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload === true")


def test_sign_in(page: Page, live_server, agent, outsider, csp_errors):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill(outsider.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This account is not an agent account.")).to_be_visible()

    page.get_by_label("Username").fill(agent.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    expect(page.locator(".who-name")).to_have_text(agent.get_full_name())

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    assert csp_errors == []


def test_filter_the_queue(signed_in_page: Page, live_server, agent, csp_errors):
    page = signed_in_page
    factories.TicketFactory(subject="Printer jammed", status_id=FixedStatus.ON_HOLD)
    factories.TicketFactory(subject="Invoice question", priority=Priority.URGENT)
    page.goto(live_server.url + "/?active_state=active")
    results = page.locator("#queue-results")
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()
    expect(results.get_by_role("link", name="Invoice question")).to_be_visible()
    mark_page(page)

    filters = page.locator("#queue-filters")
    filters.locator("summary", has_text="Priority").click()
    filters.get_by_label("Urgent").check()
    expect(results.get_by_role("link", name="Printer jammed")).to_have_count(0)
    expect(results.get_by_role("link", name="Invoice question")).to_be_visible()
    expect(page).to_have_url(re.compile(r"priority=urgent"))

    filters.get_by_label("Urgent").uncheck()
    page.locator("#id_search").fill("printer")
    expect(results.get_by_role("link", name="Invoice question")).to_have_count(0)
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"search=printer"))
    assert_not_reloaded(page)
    # At 1280 px (Playwright's default width) nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Back and forward move between filter states.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"search=printer"))
    expect(results.get_by_role("link", name="Invoice question")).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"search=printer"))
    expect(results.get_by_role("link", name="Invoice question")).to_have_count(0)

    # The URL holds the whole state: opening it again shows the same result.
    page.goto(page.url)
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()
    expect(results.get_by_role("link", name="Invoice question")).to_have_count(0)

    page.get_by_role("link", name=re.compile("^On hold")).click()
    expect(page.locator("#queue-views a[aria-current='true']")).to_contain_text("On hold")
    expect(results.get_by_role("link", name="Printer jammed")).to_be_visible()
    assert csp_errors == []


def test_open_a_ticket(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Broken login", message="Cannot sign in since Monday")
    page.goto(live_server.url + "/?active_state=active")
    page.get_by_role("link", name="Broken login").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.get_by_role("heading", name=f"#{ticket.pk} Broken login")).to_be_visible()
    expect(page.locator("#conversation")).to_contain_text("Cannot sign in since Monday")
    assert csp_errors == []


def test_post_a_reply_and_a_note(signed_in_page: Page, live_server, agent, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Slow dashboard")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    mark_page(page)

    page.get_by_label("Message").fill("We are looking into it.")
    page.get_by_role("button", name="Send reply").click()
    conversation = page.locator("#conversation")
    expect(conversation.locator(".entry-agent")).to_contain_text("We are looking into it.")
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.get_by_test_id("status-badge")).to_have_text("Answered")

    page.get_by_label("Internal note").check()
    expect(page.locator("[data-reply-box]")).to_have_class(re.compile("is-note"))
    page.get_by_label("Message").fill("Customer is on the old plan.")
    page.get_by_role("button", name="Add note").click()
    note = conversation.locator(".entry-note")
    expect(note).to_contain_text("Customer is on the old plan.")
    expect(note).to_contain_text("not sent to the client")
    assert_not_reloaded(page)

    kinds = list(ticket.replies.order_by("id").values_list("kind", flat=True))
    assert kinds == [Reply.Kind.REPLY, Reply.Kind.NOTE]
    assert csp_errors == []


def test_change_status_in_place(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Password reset")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    mark_page(page)
    panel = page.locator("#ticket-panel")
    expect(panel.get_by_role("button", name="Save status")).to_be_hidden()

    # A keyboard user's focus stays on the control after the panel is swapped.
    panel.get_by_label("Status").focus()
    panel.get_by_label("Status").select_option(label="On Hold")
    expect(page.get_by_test_id("status-badge")).to_have_text("On Hold")
    expect(page.locator("#ticket_status-status")).to_contain_text("Status set to On Hold.")
    expect(page.locator("#ticket-history")).to_contain_text("Open → On Hold")
    expect(panel.get_by_label("Status")).to_be_focused()
    assert_not_reloaded(page)
    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.ON_HOLD
    assert csp_errors == []


def test_create_a_ticket_with_an_error_then_success(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    acme = factories.ClientFactory(name="Acme Inc")
    factories.ProjectFactory(client=acme, name="Website")
    factories.ProjectFactory(name="Someone else's project")
    factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.example")
    factories.CategoryFactory(name="Support")
    page.goto(live_server.url + "/?active_state=active")
    page.get_by_role("link", name="New ticket").click()

    page.get_by_label("Client").select_option(label="Acme Inc")
    project = page.get_by_label("Project")
    expect(project.locator("option", has_text="Website")).to_have_count(1)
    expect(project.locator("option", has_text="Someone else's project")).to_have_count(0)
    page.get_by_label("Requester contact").select_option(label="Rita Requester <rita@acme.example>")
    page.get_by_label("Department").select_option(label="Support")
    page.get_by_label("Message").fill("The contact form sends nothing.")
    page.get_by_role("button", name="Create ticket").click()

    expect(page.locator("#id_subject_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Subject")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Message")).to_have_value("The contact form sends nothing.")
    assert not Ticket.objects.exists()

    page.get_by_label("Subject").fill("Contact form broken")
    page.get_by_label("Project").select_option(label="Website")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.get_by_role("heading", name=re.compile("Contact form broken"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.client, ticket.project.name, ticket.requester.name) == (
        acme,
        "Website",
        "Rita Requester",
    )
    expect(page.locator("#messages")).to_contain_text(f"Ticket #{ticket.pk} created.")
    assert csp_errors == []


def test_layout_at_phone_width(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    page.set_viewport_size({"width": 375, "height": 740})
    for i in range(3):
        factories.TicketFactory(subject=f"Phone ticket {i}", tags=["mobile"])
    page.goto(live_server.url + "/?active_state=active")

    # Nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The table becomes a stacked list: the column headers are hidden, each cell is a labelled
    # line; only the box that selects the whole page stays above the cards.
    expect(page.locator("table.data thead th", has_text="Subject")).to_have_css(
        "position", "absolute"
    )
    expect(page.get_by_text("Select all on this page")).to_be_visible()
    # Each ticket a small card (a grid): subject, then requester, status and time waited.
    first_row = page.locator("table.data tbody tr").first
    expect(first_row).to_have_css("display", "grid")
    expect(first_row.locator("td[data-label='Subject']")).to_have_css("display", "block")
    expect(first_row.locator("td[data-label='Status']")).to_be_visible()
    expect(page.get_by_role("link", name="Phone ticket 0")).to_be_visible()
    # The top bar keeps search at hand, and navigation and sign-out one tap away.
    expect(page.get_by_role("searchbox", name="Search tickets")).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Tickets", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Keyboard focus is visible.
    page.get_by_role("searchbox", name="Search tickets").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    ticket = Ticket.objects.first()
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_label("Message")).to_be_visible()
    assert csp_errors == []


def test_change_assignee_and_tags_in_place(
    signed_in_page: Page, live_server, agent, other_agent, csp_errors
):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Export fails", tags=["export"])
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    mark_page(page)
    panel = page.locator("#ticket-panel")
    summary = page.locator("#ticket-summary")

    panel.get_by_label("Assignee").select_option(label=other_agent.get_full_name())
    expect(page.locator("#ticket_assignee-status")).to_contain_text(other_agent.get_full_name())
    expect(summary.locator(".facts")).to_contain_text(other_agent.get_full_name())

    panel.get_by_label("Tags").fill("export, billing")
    panel.get_by_role("button", name="Save tags").click()
    expect(summary.locator(".tag", has_text="billing")).to_have_count(1)
    expect(page.locator("#ticket-history")).to_contain_text("billing")
    assert_not_reloaded(page)

    ticket.refresh_from_db()
    assert ticket.assignee == other_agent
    assert sorted(ticket.tags.names()) == ["billing", "export"]
    assert list(ticket.events.values_list("kind", flat=True)) == ["assigned", "tags_changed"]
    assert csp_errors == []


def test_archive_and_restore(signed_in_page: Page, live_server, csp_errors):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Old request")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")

    page.get_by_role("button", name="Archive").click()
    expect(page.locator("#messages")).to_contain_text(f"Ticket #{ticket.pk} archived.")
    expect(page.locator(".badge-archived").first).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.is_archived

    # An archived ticket leaves the open views and shows in Archived.
    page.goto(live_server.url + "/?active_state=active")
    expect(page.locator("#queue-results").get_by_role("link", name="Old request")).to_have_count(0)
    page.get_by_role("link", name=re.compile("^Archived")).click()
    page.locator("#queue-results").get_by_role("link", name="Old request").click()

    page.get_by_role("button", name="Restore").click()
    expect(page.locator("#messages")).to_contain_text(f"Ticket #{ticket.pk} restored.")
    expect(page.get_by_role("button", name="Archive")).to_be_visible()
    ticket.refresh_from_db()
    assert not ticket.is_archived
    assert list(ticket.events.values_list("kind", flat=True)) == ["archived", "restored"]
    assert csp_errors == []


def test_the_queue_table_fits_a_laptop_screen(signed_in_page: Page, live_server):
    """At 1280 px the widest usual row needs no sideways scrolling inside the table."""
    page = signed_in_page
    factories.TicketFactory(
        subject="Notifications stopped working after the update",
        status_id=FixedStatus.CUSTOMER_REPLIED,
        priority=Priority.URGENT,
        client=factories.ClientFactory(name="Massive Dynamic Ltd"),
        department=factories.CategoryFactory(name="Onboarding"),
        assignee=factories.AgentFactory(first_name="Frank", last_name="Kowalski"),
        tags=["feature-request", "security"],
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/?active_state=active")
    box = page.locator("#queue-results .table-wrap")
    expect(box.get_by_role("link", name="Notifications stopped working")).to_be_visible()
    assert box.evaluate("box => box.scrollWidth <= box.clientWidth")
