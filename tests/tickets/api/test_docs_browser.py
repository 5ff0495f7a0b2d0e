"""The API docs page works in real Chromium, under the site's Content-Security-Policy."""

import pytest
from django.conf import settings
from django.test import Client as BrowserClient
from playwright.sync_api import expect

from tests import factories


def sign_in(page, live_server, user):
    browser = BrowserClient()
    browser.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.browser
def test_swagger_ui_renders_the_tickets_operations(live_server, page):
    agent = factories.AgentFactory()
    sign_in(page, live_server, agent)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/api/docs")

    tickets = page.locator("#operations-tag-Tickets")
    tickets.wait_for()
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    paths = set(operations.all_inner_texts())
    assert {"/api/tickets", "/api/tickets/{id}", "/api/tickets/{id}/status"} <= {
        p.replace("\u200b", "") for p in paths
    }
    assert page.locator("#operations-tag-Replies").is_visible()
    # Swagger UI's scripts all ran: nothing was refused by the CSP or failed.
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


@pytest.mark.browser
def test_try_it_out_lists_tickets_with_the_session(live_server, page):
    agent = factories.AgentFactory()
    factories.TicketFactory(subject="Printer on fire")
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/api/docs")
    page.locator("#operations-Tickets-tickets_list").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    response_body = page.locator(".live-responses-table .response-col_description pre").first
    expect(response_body).to_contain_text("Printer on fire")
    expect(page.locator(".live-responses-table td.response-col_status").nth(1)).to_have_text("200")
