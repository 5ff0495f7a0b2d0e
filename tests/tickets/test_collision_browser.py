"""Collision warnings in real Chromium: two agents, each in their own browser context."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import factories
from tickets.models import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_context(browser: Browser, live_server, user) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    return context


def watch_csp(page: Page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )


@pytest.fixture
def fast_polling(settings):
    settings.PRESENCE_POLL_SECONDS = 0.5


def test_two_agents_collide_on_a_reply(browser: Browser, live_server, fast_polling):
    ana = factories.AgentFactory(first_name="Ana", last_name="Silva")
    ben = factories.AgentFactory(first_name="Ben", last_name="Ortiz")
    ticket = factories.TicketFactory(subject="Printer on fire")
    url = f"{live_server.url}/tickets/{ticket.pk}/"
    csp_errors: list[str] = []
    contexts = [signed_in_context(browser, live_server, agent) for agent in (ana, ben)]
    try:
        page_a, page_b = (context.new_page() for context in contexts)
        for page in (page_a, page_b):
            watch_csp(page, csp_errors)
            page.goto(url)

        # Each sees the other.
        expect(page_a.locator("#presence")).to_contain_text("Ben Ortiz is viewing")
        expect(page_b.locator("#presence")).to_contain_text("Ana Silva is viewing")

        # Ana starts typing: Ben sees her replying.
        page_a.get_by_label("Message").fill("Please unplug it first.")
        expect(page_b.locator("#presence")).to_contain_text("Ana Silva is replying…")

        # Ben replies meanwhile.
        page_b.get_by_label("Message").fill("A technician is on the way.")
        page_b.get_by_role("button", name="Send reply").click()
        expect(page_b.locator("#conversation")).to_contain_text("A technician is on the way.")

        # Ana's page says something happened.
        expect(page_a.locator("#presence")).to_contain_text(
            "New activity on this ticket since you opened it"
        )

        # Ana sends: her reply is held back with Ben's shown, and her text is kept.
        page_a.get_by_role("button", name="Send reply").click()
        conflict = page_a.locator("#reply-conflict")
        expect(conflict).to_contain_text("Not sent yet: the ticket changed while you were writing.")
        # The Send button that had the focus is gone: the focus is on the notice.
        expect(conflict).to_be_focused()
        expect(conflict).to_contain_text("A technician is on the way.")
        expect(page_a.get_by_label("Message")).to_have_value("Please unplug it first.")
        expect(page_a.locator("#conversation")).to_contain_text("A technician is on the way.")
        assert Reply.objects.filter(ticket=ticket).count() == 1

        # Send anyway: both replies are in the conversation.
        page_a.get_by_role("button", name="Send anyway").click()
        expect(page_a.locator("#reply-status")).to_contain_text("Reply sent.")
        conversation = page_a.locator("#conversation")
        expect(conversation).to_contain_text("A technician is on the way.")
        expect(conversation).to_contain_text("Please unplug it first.")
        expect(page_a.locator("#reply-conflict")).to_have_count(0)
        texts = list(
            Reply.objects.filter(ticket=ticket).order_by("id").values_list("text", flat=True)
        )
        assert texts == ["A technician is on the way.", "Please unplug it first."]

        # Ben's page offers the review, which brings Ana's reply in without a reload.
        page_b.evaluate("window.__noReload = true")
        review = page_b.get_by_role("button", name="Review the changes")
        expect(review).to_be_visible()
        review.click()
        expect(page_b.locator("#conversation")).to_contain_text("Please unplug it first.")
        expect(review).to_have_count(0)
        assert page_b.evaluate("window.__noReload === true")
    finally:
        for context in contexts:
            context.close()
    assert csp_errors == []
