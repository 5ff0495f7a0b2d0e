"""Screenshots of the portal for the README, in real Chromium: a phone's view of a request,
the list of requests, and the rating page of a "How did we do?" email.

Every run checks the pages render; with SAVE_SCREENSHOTS=1 the pictures are written to
docs/screenshots/ (commit them when the pages change).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from portal import links
from portal.access import SESSION_CONTACT
from tests import factories
from tickets import services
from tickets.models import Channel, RatingRequest, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_screenshots_of_the_portal(page: Page, live_server, tmp_path, settings):
    settings.HELPDESK_SITE_URL = live_server.url
    settings.PORTAL_SITE_NAME = "Acme Help Center"
    settings.PORTAL_ACCENT_COLOUR = "#0f766e"
    folder = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    acme = factories.ClientFactory(name="Acme Inc")
    rita = factories.ContactFactory(client=acme, name="Rita Moreno", email="rita@acme.example")
    support = factories.CategoryFactory(name="Support", is_public=True)
    agent = factories.AgentFactory(first_name="Alice", last_name="Martin")
    subjects = ["Invoice for March is missing", "VPN drops every hour", "New laptop for Sam"]
    for subject in subjects:
        factories.TicketFactory(client=acme, requester=rita, department=support, subject=subject)
    ticket = factories.TicketFactory(
        client=acme,
        requester=rita,
        department=support,
        subject="The printer on floor 2 jams",
        message="Since Monday the printer jams on every second page. We tried another tray.",
        assignee=agent,
    )
    services.post_reply(
        ticket=ticket,
        text="Thanks Rita. Could you send a photo of the paper path when it jams?",
        author=agent,
        channel=Channel.WEB,
    )
    services.post_reply(
        ticket=ticket,
        text="Here it is, the sheet folds at the fuser.",
        author=rita,
        channel=Channel.PORTAL,
    )
    services.post_reply(
        ticket=ticket,
        text="A technician will replace the fuser tomorrow morning.",
        author=agent,
        channel=Channel.WEB,
    )
    done = factories.TicketFactory(
        client=acme, requester=rita, department=support, subject="Password reset for Sam"
    )
    services.change_status(
        ticket=done,
        status=TicketStatus.objects.get(pk=FixedStatus.CLOSED),
        actor=agent,
        channel=Channel.API,
    )

    browser = Client()
    session = browser.session
    session[SESSION_CONTACT] = rita.pk
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    expect(page.locator("#conversation")).to_contain_text("replace the fuser")
    page.screenshot(path=folder / "portal-ticket.png", full_page=True)

    page.set_viewport_size({"width": 1024, "height": 640})
    page.goto(f"{live_server.url}/portal/")
    expect(page.locator(".portal-row")).to_have_count(5)
    page.screenshot(path=folder / "portal-requests.png")

    request = RatingRequest.objects.create(ticket=done, contact=rita)
    page.goto(links.rating_links(request.pk)["good"])
    expect(page.get_by_label("Good, I'm satisfied")).to_be_checked()
    page.screenshot(path=folder / "portal-rating.png")
