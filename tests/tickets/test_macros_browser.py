"""Macros, mentions and the bell in real Chromium."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests import factories
from tests.accessibility import assert_accessible
from tickets.models import AssignAction, Notification, Priority, Reply
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_macro_shows_its_changes_and_applies_those_kept(
    signed_in_page, live_server, agent, console_errors
):
    page = signed_in_page
    ticket = factories.TicketFactory(subject="Refund please", tags=["waiting"])
    factories.CannedResponseFactory(
        title="Refund done",
        text="Your refund is on its way.",
        set_status_id=FixedStatus.CLOSED,
        set_priority=Priority.URGENT,
        assign=AssignAction.ME,
        add_tags=["refund"],
        remove_tags=["waiting"],
    )
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label("Insert a canned response").click()
    page.locator("#canned-picker-results").get_by_role("button", name="Refund done").click()

    textarea = page.get_by_label("Message")
    expect(textarea).to_have_value("Your refund is on its way.")
    changes = page.locator("#macro-changes")
    expect(changes).to_be_visible()
    for label in (
        "Set status: Closed",
        "Set priority: Urgent",
        "Assign to: you",
        "Add tag: refund",
        "Remove tag: waiting",
    ):
        expect(changes.get_by_role("checkbox", name=label)).to_be_checked()
    assert_accessible(page)

    # The agent keeps the priority as it is, and the "waiting" tag.
    changes.get_by_role("button", name="Remove “Set priority: Urgent”").click()
    expect(changes.get_by_role("checkbox", name="Set priority: Urgent")).to_have_count(0)
    changes.get_by_role("checkbox", name="Remove tag: waiting").uncheck()
    # Nothing has changed before sending.
    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.OPEN and ticket.assignee is None

    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply-status")).to_contain_text(
        "Reply sent. Canned response: Set status: Closed; Assign to: you; Add tag: refund."
    )
    expect(page.locator("#macro-changes")).to_be_hidden()
    summary = page.locator("#ticket-summary")
    expect(summary.get_by_test_id("status-badge")).to_have_text("Closed")
    expect(summary.locator(".tag")).to_have_text(["waiting", "refund"])

    page.get_by_text("History", exact=True).click()
    history = page.locator("#ticket-history")
    expect(history.locator("[data-kind=status_changed]").last).to_contain_text("Closed")
    expect(history.locator("[data-kind=assigned]")).to_contain_text(agent.get_full_name())
    expect(history.locator("[data-kind=tags_changed]")).to_contain_text("refund")
    expect(history.locator("[data-kind=priority_changed]")).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.status_id, ticket.priority, ticket.assignee) == (
        FixedStatus.CLOSED,
        Priority.NORMAL,
        agent,
    )
    assert console_errors == []


def test_mention_a_colleague_from_the_suggestions(signed_in_page, live_server, console_errors):
    page = signed_in_page
    alice = factories.AgentFactory(username="alice", first_name="Alice", last_name="Archer")
    factories.AgentFactory(username="bob", first_name="Bob", last_name="Baker")
    ticket = factories.TicketFactory()
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label("Internal note").check()
    textarea = page.get_by_label("Message")
    textarea.press_sequentially("Please check, @al")
    options = page.locator("#mention-suggestions [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@alice")
    expect(options.first).to_contain_text("Alice Archer")
    expect(textarea).to_have_attribute("aria-activedescendant", f"mention-option-{alice.pk}")
    textarea.press("Enter")
    expect(textarea).to_have_value("Please check, @alice ")
    expect(options).to_have_count(0)

    # Escape closes the list; a click chooses too.
    textarea.press_sequentially("and @")
    expect(options).to_have_count(2)
    textarea.press("Escape")
    expect(options).to_have_count(0)
    textarea.press_sequentially("b")
    expect(options).to_have_count(1)
    options.first.click()
    expect(textarea).to_have_value("Please check, @alice and @bob ")

    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#reply-status")).to_contain_text("Note added.")
    note = Reply.objects.get(ticket=ticket)
    assert sorted(
        Notification.objects.filter(reply=note).values_list("recipient__username", flat=True)
    ) == ["alice", "bob"]
    assert alice.notifications.get().kind == Notification.Kind.MENTION
    assert console_errors == []


def test_a_public_reply_suggests_nobody(signed_in_page, live_server):
    page = signed_in_page
    factories.AgentFactory(username="alice")
    ticket = factories.TicketFactory()
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label("Message").press_sequentially("Hi @al")
    page.wait_for_timeout(400)
    expect(page.locator("#mention-suggestions [role=option]")).to_have_count(0)


def test_the_bell_lists_the_unread_and_marks_them_read(
    signed_in_page, live_server, agent, console_errors
):
    page = signed_in_page
    colleague = factories.AgentFactory(first_name="Carla", last_name="Colleague")
    mentioned_on = factories.TicketFactory(subject="Printer on fire")
    replied_on = factories.TicketFactory(subject="Invoice missing")
    other = factories.TicketFactory(subject="Another one")
    for ticket, kind, author in (
        (mentioned_on, Notification.Kind.MENTION, {"author_agent": colleague}),
        (replied_on, Notification.Kind.CLIENT_REPLY, {}),
        (other, Notification.Kind.MENTION, {"author_agent": colleague}),
    ):
        reply = factories.ReplyFactory(ticket=ticket, **author)
        Notification.objects.create(recipient=agent, kind=kind, ticket=ticket, reply=reply)

    page.goto(f"{live_server.url}/")
    count = page.get_by_test_id("bell-count")
    expect(count).to_have_text(re.compile(r"^3\s*unread$"))
    page.get_by_role("link", name=re.compile("Notifications")).click()
    panel = page.locator("#bell-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("3 unread")
    expect(panel.get_by_role("link", name=re.compile("Printer on fire"))).to_contain_text(
        "Carla Colleague mentioned you"
    )
    expect(panel.get_by_role("link", name=re.compile("Invoice missing"))).to_contain_text(
        "client replied"
    )
    assert_accessible(page)

    # Opening a ticket from the panel marks its notification read.
    panel.get_by_role("link", name=re.compile("Printer on fire")).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{mentioned_on.pk}/#reply-\d+$"))
    expect(count).to_have_text(re.compile(r"^2\s*unread$"))

    page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(panel).to_contain_text("2 unread")
    panel.get_by_role("button", name="Mark all read").click()
    expect(panel).to_contain_text("Nothing unread")
    expect(count).to_be_hidden()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert not Notification.objects.unread_for(agent).exists()
    assert console_errors == []


def test_a_macro_without_javascript(browser, live_server, agent):
    client = Client()
    client.force_login(agent)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    ticket = factories.TicketFactory(tags=["waiting"])
    factories.CannedResponseFactory(
        title="Refund done", text="Your refund is on its way.", add_tags=["refund"]
    )
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    search = page.get_by_label("Insert a canned response")
    search.fill("refund")
    search.press("Enter")
    page.get_by_role("button", name="Refund done").click()
    expect(page.get_by_label("Message")).to_have_value("Your refund is on its way.")
    expect(page.get_by_role("checkbox", name="Add tag: refund")).to_be_checked()
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply-status")).to_contain_text("Canned response: Add tag: refund.")
    ticket.refresh_from_db()
    assert sorted(ticket.tags.names()) == ["refund", "waiting"]
    context.close()
