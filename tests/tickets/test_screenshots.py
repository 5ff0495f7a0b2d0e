"""Screenshots of the workspace for the README, taken in real Chromium on demo data.

Every run checks the pages render with demo data; with SAVE_SCREENSHOTS=1 the
pictures are written to docs/screenshots/ (commit them when the pages change).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from tickets import presence, services
from tickets.models import Channel, Reply, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_screenshots_of_the_workspace(page: Page, live_server, tmp_path):
    call_command("seed_demo", "--tickets", "80", "--seed", "7", verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    folder = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Every active ticket: the demo agent's own open ones are fewer than a page.
    page.goto(live_server.url + "/?active_state=active")
    expect(page.locator("#queue-results tbody tr")).to_have_count(25)
    page.screenshot(path=folder / "queue.png")

    ticket = Ticket.objects.filter(replies_count__gte=2).order_by("-replies_count").first()
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    expect(page.locator("#conversation")).to_contain_text(ticket.message[:30])
    page.screenshot(path=folder / "ticket.png")

    page.goto(live_server.url + "/tickets/new/")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator(".errorlist, .field-error").first).to_be_visible()
    page.screenshot(path=folder / "new-ticket.png")

    page.goto(live_server.url + "/")
    page.locator("[data-bulk-page]").check()
    expect(page.locator("[data-bulk-bar]")).to_be_visible()
    page.screenshot(path=folder / "bulk-actions.png")

    # The ticket page with what agents keep beside the conversation.
    demo, alice = (get_user_model().objects.get(username=name) for name in ("demo", "alice"))
    services.add_sticky_note(
        ticket=ticket, text="VIP client: answer within the hour.", actor=alice, channel=Channel.WEB
    )
    presence.record_presence(ticket=ticket, agent=alice, is_replying=True)
    services.post_reply(
        ticket=ticket,
        text="Here is the log from this morning.",
        kind=Reply.Kind.NOTE,
        author=demo,
        channel=Channel.WEB,
        attachments=[SimpleUploadedFile("upload.log", b"12:00 upload failed\n" * 50)],
    )
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    expect(page.locator("#presence")).to_contain_text("replying")
    page.screenshot(path=folder / "ticket-aids.png", full_page=True)

    for name in (
        "queue.png",
        "ticket.png",
        "new-ticket.png",
        "bulk-actions.png",
        "ticket-aids.png",
    ):
        assert (folder / name).stat().st_size > 10_000
