"""Finding and the ticket's people in real Chromium: the top bar opens a ticket by its
number and finds a requester by email; the side panel changes the requester and the CC
contacts in place; a public reply copies new addresses; the requester's other tickets load
beside the conversation; addresses in messages are links."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests import factories
from tickets.models import Contact, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme():
    return factories.ClientFactory(name="Acme Inc")


@pytest.fixture
def rita(acme):
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.test")


@pytest.fixture
def carl(acme):
    return factories.ContactFactory(client=acme, name="Carl Copied", email="carl@acme.test")


def test_the_top_bar_opens_a_ticket_by_number_and_finds_an_email(
    signed_in_page: Page, live_server, acme, rita, csp_errors
):
    page = signed_in_page
    wanted = factories.TicketFactory(client=acme, subject="Printer on fire")
    factories.TicketFactory(client=acme, requester=rita, subject="Rita's request")
    factories.TicketFactory(subject="Unrelated")
    page.goto(live_server.url + "/")
    search = page.get_by_role("searchbox", name="Search tickets")
    search.fill(f"#{wanted.pk}")
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{wanted.pk}/$"))
    expect(page.locator("#ticket-subject")).to_contain_text("Printer on fire")

    search = page.get_by_role("searchbox", name="Search tickets")
    search.fill("RITA@acme.test")
    search.press("Enter")
    results = page.locator("#queue-results")
    expect(results.get_by_role("link", name="Rita's request")).to_be_visible()
    expect(results.get_by_role("link", name="Unrelated")).to_have_count(0)
    assert csp_errors == []


def test_change_the_requester_and_the_cc_in_the_panel(
    signed_in_page: Page, live_server, acme, rita, carl, csp_errors
):
    page = signed_in_page
    ticket = factories.TicketFactory(client=acme, subject="Who is it for")
    factories.TicketFactory(client=acme, requester=rita, subject="Rita's older ticket")
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    panel = page.locator("#ticket-panel")

    panel.get_by_label("Requester").select_option(label="Rita Requester <rita@acme.test>")
    expect(panel.locator("#ticket_requester-status")).to_contain_text(
        "Requester set to Rita Requester."
    )
    expect(page.locator("#ticket-summary")).to_contain_text("Rita Requester")
    # The other tickets are fetched again for the new requester.
    others = page.get_by_test_id("requester-tickets")
    expect(others).to_contain_text("From Rita Requester")
    expect(others.get_by_role("link", name=re.compile("Rita's older ticket"))).to_be_visible()

    panel.get_by_label("Copy a contact").select_option(label="Carl Copied <carl@acme.test>")
    panel.get_by_label("or email addresses").fill("new.person@acme.test")
    panel.get_by_role("button", name="Add to CC").click()
    expect(panel.locator("#ticket_cc-status")).to_contain_text("Copied: Carl Copied")
    copied = panel.get_by_test_id("cc-contact")
    expect(copied).to_have_count(2)
    assert Contact.objects.get(email="new.person@acme.test").client == acme

    panel.get_by_role("button", name="Stop copying Carl Copied").click()
    expect(panel.locator("#ticket_cc-status")).to_contain_text("Carl Copied is no longer copied.")
    expect(panel.get_by_test_id("cc-contact")).to_have_count(1)
    ticket.refresh_from_db()
    assert ticket.requester == rita
    assert [c.email for c in ticket.cc.all()] == ["new.person@acme.test"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.REQUESTER_CHANGED, TicketEvent.Kind.CC_CHANGED} <= kinds
    page.locator("#history-section summary").click()
    expect(page.locator("#ticket-history")).to_contain_text("Carl Copied, new.person@acme.test")
    assert csp_errors == []


def test_copy_an_address_on_a_reply_and_see_links(
    signed_in_page: Page, live_server, acme, rita, csp_errors
):
    page = signed_in_page
    ticket = factories.TicketFactory(
        client=acme, requester=rita, message="Steps at https://docs.acme.test/setup please"
    )
    page.goto(live_server.url + f"/tickets/{ticket.pk}/")
    link = page.locator("#conversation").get_by_role("link", name="https://docs.acme.test/setup")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    reply = page.locator("#reply-box")
    reply.get_by_label("Message").fill("Done, see javascript:alert(1) and http://status.acme.test")
    reply.get_by_label("CC").fill("boss@acme.test")
    reply.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply-status")).to_contain_text("Copied: boss@acme.test.")
    entry = page.locator("#conversation .entry-agent").last
    expect(entry.get_by_role("link", name="http://status.acme.test")).to_be_visible()
    expect(entry.get_by_role("link", name=re.compile("javascript"))).to_have_count(0)
    expect(page.get_by_test_id("cc-contact")).to_contain_text("boss@acme.test")
    assert list(ticket.cc.values_list("email", flat=True)) == ["boss@acme.test"]
    assert csp_errors == []
