"""The portal in real Chromium: signing in by the emailed link, a request and its replies,
a new request, the contact form, rating from the email, and links that no longer work."""

import re

import pytest
from django.core import mail
from freezegun import freeze_time
from playwright.sync_api import Page, expect

from portal import links, tokens
from portal.models import SignInLink
from tests import factories
from tickets import services
from tickets.models import Channel, Rating, RatingRequest, Reply, Ticket, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _site(settings, live_server):
    settings.HELPDESK_SITE_URL = live_server.url


@pytest.fixture
def rita(db):
    acme = factories.ClientFactory(name="Acme Inc")
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.example")


@pytest.fixture
def support(db):
    return factories.CategoryFactory(name="Support", is_public=True)


def sign_in(page: Page, live_server, address: str) -> None:
    """Ask for a link and follow it, as a requester does."""
    mail.outbox.clear()
    page.goto(live_server.url + "/portal/")
    page.get_by_label("Your email address").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    [message] = mail.outbox
    link = re.search(r"https?://\S+/portal/sign-in/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_by_link_read_a_reply_and_answer(
    page: Page, live_server, rita, support, console_errors
):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the portal is mobile first
    agent = factories.AgentFactory(first_name="Alice", last_name="Agent")
    ticket = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, subject="Printer on fire"
    )
    services.post_reply(
        ticket=ticket, text="Please try turning it off.", author=agent, channel=Channel.WEB
    )
    services.post_reply(
        ticket=ticket,
        text="She never reads our emails",
        kind=Reply.Kind.NOTE,
        author=agent,
        channel=Channel.WEB,
    )

    sign_in(page, live_server, "rita@acme.example")
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    page.get_by_role("link", name=f"#{ticket.pk} Printer on fire").click()

    conversation = page.locator("#conversation")
    expect(conversation).to_contain_text("Please try turning it off.")
    expect(conversation).to_contain_text("Alice Agent")
    expect(conversation).not_to_contain_text("never reads")
    expect(page.get_by_test_id("portal-status")).to_have_text("Waiting for your reply")

    page.get_by_label("Your reply").fill("Done, it is still smoking.")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "smoke.txt", "mimeType": "text/plain", "buffer": b"lots of smoke"}]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message-success")).to_have_text("Your reply was sent.")
    entry = conversation.locator(".entry-client").last
    expect(entry).to_contain_text("Done, it is still smoking.")
    expect(entry.get_by_role("link", name="smoke.txt")).to_be_visible()
    expect(page.get_by_test_id("portal-status")).to_have_text("Waiting for us")

    # An agent answers; the requester sees it on the page.
    services.post_reply(
        ticket=ticket, text="A technician is on the way.", author=agent, channel=Channel.WEB
    )
    page.reload()
    expect(conversation.locator(".entry-agent").last).to_contain_text("A technician is on the way.")
    reply = Reply.objects.filter(author_contact=rita).get()
    assert reply.attachments.get().name == "smoke.txt"
    assert console_errors == []


def test_a_new_request_with_an_error_then_correctly(
    page: Page, live_server, rita, support, console_errors
):
    factories.CustomFieldFactory(
        key="order", label="Order number", required=True, visible_to_clients=True
    )
    sign_in(page, live_server, "rita@acme.example")
    page.get_by_role("link", name="New request", exact=True).first.click()
    page.get_by_label("What is it about?").select_option(label="Support")
    page.get_by_label("Subject").fill("Invoice is wrong")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#id_message_error")).to_contain_text("This field is required.")
    expect(page.locator("#id_cf_order_error")).to_contain_text("This field is required.")
    expect(page.get_by_label("Subject")).to_have_value("Invoice is wrong")
    assert not Ticket.objects.exists()

    page.get_by_label("Message").fill("We were charged twice.")
    page.get_by_label("Order number").fill("A-17")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".message-success")).to_contain_text("is open")
    expect(page.get_by_role("heading", name=re.compile("Invoice is wrong"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.custom_fields) == (rita, {"order": "A-17"})
    assert console_errors == []


def test_the_contact_form(page: Page, live_server, support, settings, console_errors):
    settings.PORTAL_CONTACT_MIN_SECONDS = 1
    mail.outbox.clear()
    page.goto(live_server.url + "/portal/contact/")
    expect(page.get_by_label("Leave this field empty")).to_be_hidden()
    page.get_by_label("Your name").fill("Nina New")
    page.get_by_label("Your email address").fill("nina@newco.example")
    page.get_by_label("Subject").fill("Pricing")
    page.get_by_label("Message").fill("How much is it for ten people?")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you, we have your message")).to_be_visible()

    ticket = Ticket.objects.get()
    assert ticket.requester.email == "nina@newco.example"
    [acknowledgment] = mail.outbox
    link = re.search(r"https?://\S+/portal/open/\S+/", acknowledgment.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("Pricing"))).to_be_visible()
    expect(page.locator("#conversation")).to_contain_text("How much is it for ten people?")
    assert console_errors == []


def test_rate_from_the_email_link(page: Page, live_server, rita, support, console_errors):
    agent = factories.AgentFactory()
    ticket = factories.TicketFactory(
        client=rita.client, requester=rita, department=support, assignee=agent
    )
    services.post_reply(ticket=ticket, text="Fixed.", author=agent, channel=Channel.WEB)
    mail.outbox.clear()
    services.change_status(
        ticket=ticket,
        status=TicketStatus.objects.get(pk=FixedStatus.CLOSED),
        actor=agent,
        channel=Channel.WEB,
    )
    [message] = [m for m in mail.outbox if m.subject.startswith("How did we do?")]
    bad = re.search(r"https?://\S+/portal/rate/\S+/bad/", message.body).group(0)

    page.goto(bad)
    expect(page.get_by_label("Bad, I'm not satisfied")).to_be_checked()
    assert not Rating.objects.exists()  # opening the link records nothing
    page.get_by_label("Anything you would like to tell us? (optional)").fill("It took three days.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_role("heading", name="Thank you for your rating")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.value, rating.comment, rating.agent) == ("bad", "It took three days.", agent)
    assert console_errors == []


def test_links_that_no_longer_work(page: Page, live_server, rita, support, console_errors):
    link, raw = SignInLink.issue(rita)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=link.created_at)
    page.goto(links.sign_in_link(raw))
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    expect(page.get_by_label("Your email address")).to_be_visible()

    ticket = factories.TicketFactory(client=rita.client, requester=rita, department=support)
    request = RatingRequest.objects.create(ticket=ticket, contact=rita)
    with freeze_time("2020-01-01"):
        old = tokens.rating_token(request.pk)
    page.goto(f"{live_server.url}/portal/rate/{old}/good/")
    expect(page.get_by_role("heading", name="This rating link has expired")).to_be_visible()
    page.goto(f"{live_server.url}/portal/rate/{old}x/good/")
    expect(page.get_by_role("heading", name="This rating link does not work")).to_be_visible()
    assert console_errors == []
