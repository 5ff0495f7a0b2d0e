"""Canned responses, sticky notes and keyboard shortcuts in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tickets.models import StickyNote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_insert_a_canned_response_at_the_cursor(signed_in_page, live_server, agent, console_errors):
    page = signed_in_page
    client = factories.ClientFactory(name="Acme Inc")
    requester = factories.ContactFactory(client=client, name="Rita Requester")
    ticket = factories.TicketFactory(client=client, requester=requester, subject="Printer jammed")
    factories.CannedResponseFactory(
        title="Greeting", text="Hello {requester_name} from {client_name}, ticket #{ticket_id}."
    )
    factories.CannedResponseFactory(title="Sign-off", text="Regards, {agent_name}", owner=agent)
    factories.CannedResponseFactory(
        title="Other department", department=factories.CategoryFactory()
    )
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    textarea = page.get_by_label("Message")
    textarea.fill("Start. End.")
    textarea.evaluate("box => box.setSelectionRange(7, 7)")  # the cursor before "End."

    page.get_by_label("Insert a canned response").click()
    results = page.locator("#canned-picker-results")
    expect(results.get_by_role("button", name="Greeting")).to_be_visible()
    expect(results.get_by_role("button", name="Sign-off")).to_be_visible()
    expect(results.get_by_role("button", name="Other department")).to_have_count(0)

    page.get_by_label("Insert a canned response").fill("greet")
    # Enter in the search box neither sends the reply nor leaves the page.
    page.get_by_label("Insert a canned response").press("Enter")
    expect(results.get_by_role("button", name="Sign-off")).to_have_count(0)
    assert page.url == f"{live_server.url}/tickets/{ticket.pk}/"
    assert not ticket.replies.exists()
    results.get_by_role("button", name="Greeting").click()
    expect(textarea).to_have_value(
        f"Start. Hello Rita Requester from Acme Inc, ticket #{ticket.pk}.End."
    )
    expect(textarea).to_be_focused()

    page.get_by_label("Insert a canned response").fill("sign")
    results.get_by_role("button", name="Sign-off").click()
    expect(textarea).to_have_value(re.compile(rf"Regards, {agent.get_full_name()}End\.$"))
    assert console_errors == []


def test_sticky_notes_in_place(signed_in_page, live_server, console_errors):
    page = signed_in_page
    ticket = factories.TicketFactory()
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    notes = page.locator("#sticky-notes")
    notes.get_by_text("Add a sticky note").click()
    notes.get_by_role("button", name="Add note").click()
    expect(notes.get_by_text("A sticky note needs some text.")).to_be_visible()
    notes.get_by_label("Sticky note").fill("VIP client: answer within the hour")
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator(".sticky-note-text")).to_have_text("VIP client: answer within the hour")
    note = StickyNote.objects.get()

    notes.get_by_text("Edit").click()
    notes.locator(f"#sticky_{note.pk}_text").fill("Waiting for legal")
    notes.get_by_role("button", name="Save note").click()
    expect(notes.locator(".sticky-note-text")).to_have_text("Waiting for legal")

    notes.get_by_role("button", name=re.compile("Remove the sticky note")).click()
    expect(notes.locator(".sticky-note")).to_have_count(0)
    assert not StickyNote.objects.exists()
    assert console_errors == []


def test_a_long_sticky_note_wraps_at_phone_width(signed_in_page, live_server, console_errors):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    note = factories.StickyNoteFactory(text="Order reference " + "X" * 120)
    page.goto(f"{live_server.url}/tickets/{note.ticket_id}/")
    expect(page.locator(".sticky-note-text")).to_contain_text("Order reference")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".sticky-note").bounding_box()
    assert box["x"] + box["width"] <= 390
    assert console_errors == []


def test_queue_shortcuts(signed_in_page, live_server, console_errors):
    page = signed_in_page
    factories.TicketFactory(subject="Oldest ticket")
    factories.TicketFactory(subject="Middle ticket")
    factories.TicketFactory(subject="Newest ticket")
    page.goto(live_server.url + "/?active_state=active")
    rows = page.locator("#queue-results tbody tr")
    expect(rows).to_have_count(3)
    highlighted = page.locator("#queue-results tbody tr.is-highlighted")

    page.keyboard.press("j")
    expect(highlighted).to_have_count(1)
    expect(rows.nth(0)).to_have_class(re.compile("is-highlighted"))
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    expect(rows.nth(2)).to_have_class(re.compile("is-highlighted"))
    expect(rows.nth(2)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile("is-highlighted"))
    expect(highlighted).to_have_count(1)

    # With Ctrl, Alt or Meta held nothing happens.
    page.keyboard.press("Alt+j")
    page.keyboard.press("Control+k")
    expect(rows.nth(1)).to_have_class(re.compile("is-highlighted"))

    page.keyboard.press("/")
    expect(page.locator("#id_search")).to_be_focused()
    expect(page.locator("#id_search")).to_have_value("")  # the key is not typed

    # Typing "j" in a search field types it, and moves nothing.
    search = page.locator("#global-search")
    search.click()
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(rows.nth(1)).to_have_class(re.compile("is-highlighted"))
    expect(highlighted).to_have_count(1)

    page.locator("h1").click()  # out of the field
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("j")  # no shortcut while the list is open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(rows.nth(1)).to_have_class(re.compile("is-highlighted"))

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    subject = rows.nth(2).locator("td.subject a").inner_text()
    page.keyboard.press("o")
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    page.go_back()
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    assert console_errors == []


def test_queue_shortcuts_after_ticking_a_row(signed_in_page, live_server, console_errors):
    """A ticked checkbox keeps the focus but is no text field: j moves on from its row."""
    page = signed_in_page
    tickets = [factories.TicketFactory() for _ in range(3)]
    page.goto(live_server.url + "/?active_state=active")
    rows = page.locator("#queue-results tbody tr")
    # Newest first: the middle row is the second ticket.
    page.get_by_role("checkbox", name=f"Select ticket #{tickets[1].pk}", exact=True).check()
    page.keyboard.press("j")
    expect(rows.nth(2)).to_have_class(re.compile("is-highlighted"))
    expect(page.locator("#queue-results tbody tr.is-highlighted")).to_have_count(1)
    page.get_by_role("checkbox", name=f"Select ticket #{tickets[2].pk}", exact=True).check()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    assert console_errors == []


def test_ticket_page_shortcuts(signed_in_page, live_server, console_errors):
    page = signed_in_page
    ticket = factories.TicketFactory()
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    textarea = page.get_by_label("Message")
    note = page.get_by_label("Internal note")
    reply = page.get_by_label("Public reply")

    page.keyboard.press("n")
    expect(textarea).to_be_focused()
    expect(note).to_be_checked()
    expect(textarea).to_have_value("")  # the key is not typed into the box
    expect(page.locator("[data-reply-submit]")).to_have_text("Add note")

    # Inside the box the keys are text.
    page.keyboard.type("rn")
    expect(textarea).to_have_value("rn")
    expect(note).to_be_checked()

    page.locator("h1").click()
    page.keyboard.press("r")
    expect(textarea).to_be_focused()
    expect(reply).to_be_checked()
    expect(page.locator("[data-reply-submit]")).to_have_text("Send reply")

    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    assert console_errors == []
