"""In real Chromium: a client's emailed reply appears on the ticket page an agent has open."""

import pytest
from playwright.sync_api import Page, expect

from mail import ingest
from tests import factories
from tickets import notifications

from .conftest import make_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_emailed_reply_appears_on_the_open_ticket_page(
    signed_in_page: Page, live_server, mailbox, agent, settings, console_errors
):
    settings.PRESENCE_POLL_SECONDS = 0.5
    requester = factories.ContactFactory(name="Jane Roe", email="jane@acme.example")
    ticket = factories.TicketFactory(
        subject="Printer on floor 3",
        client=requester.client,
        requester=requester,
        department=mailbox.department,
        mailbox=mailbox,
        assignee=agent,
    )
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator("#conversation")).not_to_contain_text("It prints again")

    # The client answers our email; the mail arrives while the page is open.
    raw = make_email(
        subject=f"Re: [#{ticket.pk}] Printer on floor 3",
        body="It prints again, thank you!\n\nOn Mon, Support wrote:\n> Please restart it.",
        headers={"In-Reply-To": notifications.ticket_message_id(ticket)},
    )
    assert ingest.receive(raw, mailbox=mailbox).message.outcome == "reply_added"

    # The page's polling says something happened; reviewing brings the reply in.
    expect(page.locator("#presence")).to_contain_text("New activity on this ticket")
    page.get_by_role("button", name="Review the changes").click()
    conversation = page.locator("#conversation")
    expect(conversation).to_contain_text("It prints again, thank you!")
    expect(conversation).to_contain_text("Jane Roe")
    expect(conversation).not_to_contain_text("Please restart it.")
    page.reload()
    expect(page.get_by_test_id("status-badge")).to_have_text("Customer Replied")
    assert console_errors == []
