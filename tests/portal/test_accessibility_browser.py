"""Every portal page passes axe-core (no serious or critical violations), on a phone and on a
desktop: the bar issue 13 sets for the portal, the same as the workspace's."""

import re

import pytest
from django.conf import settings
from django.core import mail
from freezegun import freeze_time
from playwright.sync_api import Page, expect

from portal import tokens
from portal.models import SignInLink
from tests import factories
from tests.accessibility import assert_accessible
from tests.portal.conftest import portal_client
from tickets import services
from tickets.models import Channel, RatingRequest, Reply, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _site(settings, live_server):
    settings.HELPDESK_SITE_URL = live_server.url


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def page(page: Page, request) -> Page:
    """Each test runs twice: the portal is mobile first, and used on desktops too."""
    page.set_viewport_size(request.param)
    return page


@pytest.fixture
def rita(db):
    acme = factories.ClientFactory(name="Acme Inc")
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.example")


@pytest.fixture
def support(db):
    return factories.CategoryFactory(name="Support", is_public=True)


@pytest.fixture
def agent(db):
    return factories.AgentFactory(first_name="Alice", last_name="Agent")


def sign_in_as(page: Page, live_server, contact) -> None:
    """Give the page a portal session of `contact` (the sign-in pages have tests of their own)."""
    client = portal_client(contact)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def closed_after_a_reply(ticket, agent) -> None:
    """Close the ticket after a public reply: its requester gets the "How did we do?" email."""
    services.post_reply(ticket=ticket, text="Fixed.", author=agent, channel=Channel.WEB)
    services.change_status(
        ticket=ticket,
        status=TicketStatus.objects.get(pk=FixedStatus.CLOSED),
        actor=agent,
        channel=Channel.WEB,
    )


def test_signing_in(page: Page, live_server, rita, support, console_errors):
    mail.outbox.clear()
    page.goto(live_server.url + "/portal/")
    expect(page.get_by_label("Your email address")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Your email address").fill("rita@acme.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    [message] = mail.outbox
    page.goto(re.search(r"https?://\S+/portal/sign-in/\S+/", message.body).group(0))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Your email address")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_my_requests(page: Page, live_server, rita, support, agent, console_errors):
    factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Printer on fire"
    )
    solved = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Invoice is wrong"
    )
    closed_after_a_reply(solved, agent)
    sign_in_as(page, live_server, rita)

    page.goto(live_server.url + "/portal/")
    expect(page.get_by_role("link", name=re.compile("Printer on fire"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Invoice is wrong"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("searchbox").fill("nothing like this")
    page.get_by_role("searchbox").press("Enter")
    expect(page.get_by_role("link", name=re.compile("Printer on fire"))).to_have_count(0)
    assert_accessible(page)
    assert console_errors == []


def test_a_request_with_its_conversation(
    page: Page, live_server, rita, support, agent, console_errors
):
    ticket = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Printer on fire"
    )
    services.post_reply(
        ticket=ticket, text="Please try turning it off.", author=agent, channel=Channel.WEB
    )
    sign_in_as(page, live_server, rita)
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    page.get_by_label("Your reply").fill("Done, it is still smoking.")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "smoke.txt", "mimeType": "text/plain", "buffer": b"lots of smoke"}]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message-success")).to_have_text("Your reply was sent.")
    expect(page.locator("#conversation").get_by_role("link", name="smoke.txt")).to_be_visible()
    assert Reply.objects.filter(author_contact=rita).exists()
    assert_accessible(page)
    assert console_errors == []


def test_a_solved_request_offers_the_rating(
    page: Page, live_server, rita, support, agent, console_errors
):
    ticket = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Printer on fire"
    )
    closed_after_a_reply(ticket, agent)
    sign_in_as(page, live_server, rita)
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    expect(page.get_by_role("button", name="Send my rating")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_a_new_request_and_its_errors(page: Page, live_server, rita, support, console_errors):
    factories.CustomFieldFactory(
        key="order", label="Order number", required=True, visible_to_clients=True
    )
    sign_in_as(page, live_server, rita)
    page.goto(live_server.url + "/portal/tickets/new/")
    expect(page.get_by_label("Subject")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("What is it about?").select_option(label="Support")
    page.get_by_label("Subject").fill("Invoice is wrong")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#id_message_error")).to_contain_text("This field is required.")
    expect(page.locator("#id_cf_order_error")).to_contain_text("This field is required.")
    # Each error is tied to its field, for screen readers.
    message = page.get_by_label("Message")
    expect(message).to_have_attribute("aria-invalid", "true")
    expect(message).to_have_attribute("aria-describedby", re.compile(r"\bid_message_error\b"))
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize(
    "accent",
    [
        "#fde047",  # light: near-black text on the buttons, links in the default blue
        "#787878",  # mid-grey: neither white nor near-black reaches 4.5:1 on it as it is
        "#16a34a",  # a green too light for links on white
        "#7c3aed",  # dark: white text, links in the accent colour
    ],
)
def test_any_accent_colour_keeps_the_contrast(
    page: Page, live_server, rita, support, agent, settings, accent, console_errors
):
    settings.PORTAL_ACCENT_COLOUR = accent
    ticket = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Printer on fire"
    )
    services.post_reply(ticket=ticket, text="Is it plugged in?", author=agent, channel=Channel.WEB)
    sign_in_as(page, live_server, rita)
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    expect(page.get_by_role("button", name="Send reply")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="New request", exact=True).first.click()
    expect(page.get_by_role("button", name="Send request")).to_be_visible()
    assert_accessible(page)
    # Hovered, the button changes colour; its text still reads.
    page.get_by_role("button", name="Send request").hover()
    assert_accessible(page)
    assert console_errors == []


def test_the_contact_form(page: Page, live_server, support, settings, console_errors):
    settings.PORTAL_CONTACT_MIN_SECONDS = 1
    page.goto(live_server.url + "/portal/contact/")
    expect(page.get_by_label("Your name")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#id_email_error")).to_contain_text("This field is required.")
    assert_accessible(page)

    page.get_by_label("Your name").fill("Nina New")
    page.get_by_label("Your email address").fill("nina@newco.example")
    page.get_by_label("Subject").fill("Pricing")
    page.get_by_label("Message").fill("How much is it for ten people?")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you, we have your message")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_rating_from_the_email_link(page: Page, live_server, rita, support, agent, console_errors):
    ticket = factories.TicketFactory(client=rita.client, requester=rita, department=support)
    mail.outbox.clear()
    closed_after_a_reply(ticket, agent)
    [message] = [m for m in mail.outbox if m.subject.startswith("How did we do?")]

    page.goto(re.search(r"https?://\S+/portal/rate/\S+/good/", message.body).group(0))
    expect(page.get_by_label("Good, I'm satisfied")).to_be_checked()
    assert_accessible(page)

    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_role("heading", name="Thank you for your rating")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_links_that_no_longer_work(page: Page, live_server, rita, support, console_errors):
    link, raw = SignInLink.issue(rita)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=link.created_at)
    page.goto(f"{live_server.url}/portal/sign-in/{raw}/")
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_accessible(page)

    ticket = factories.TicketFactory(client=rita.client, requester=rita, department=support)
    request = RatingRequest.objects.create(ticket=ticket, contact=rita)
    with freeze_time("2020-01-01"):
        old = tokens.rating_token(request.pk)
    page.goto(f"{live_server.url}/portal/rate/{old}/good/")
    expect(page.get_by_role("heading", name="This rating link has expired")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/portal/rate/{old}x/good/")
    expect(page.get_by_role("heading", name="This rating link does not work")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []


def test_too_many_sign_in_requests(page: Page, live_server, rita, settings, console_errors):
    settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS = "1/hour"
    for _ in range(2):
        page.goto(live_server.url + "/portal/")
        page.get_by_label("Your email address").fill("rita@acme.example")
        page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Please wait a little")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []
