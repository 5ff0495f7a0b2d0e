"""The client pages in real Chromium: search the list, create a client after a
validation error, and add a contact."""

import re

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tickets.models import Client, Contact

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(live_server, page):
    """The browser carries an agent's session, made the way Django's test client makes one."""
    agent = factories.AgentFactory(first_name="Alice", last_name="Agent")
    django_client = HttpClient()
    django_client.force_login(agent)
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def test_search_the_client_list(live_server, signed_in):
    page = signed_in
    department = factories.CategoryFactory(name="Support")
    acme = factories.ClientFactory(name="Acme Inc", email="office@acme.test")
    factories.ClientFactory(name="Globex", email="info@globex.test")
    factories.TicketFactory.create_batch(2, client=acme, department=department)

    page.goto(live_server.url + reverse("client_list"))

    rows = page.locator("#client-results tbody tr")
    expect(rows).to_have_count(2)
    acme_row = rows.filter(has_text="Acme Inc")
    expect(acme_row.locator("td[data-label='Open tickets']")).to_have_text("2")

    # Typing searches in place (htmx), and the address follows for the back button.
    page.fill("#client-q", "globex.test")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Globex")
    expect(page).to_have_url(re.compile(r"/clients/\?q=globex\.test"))

    page.fill("#client-q", "nobody")
    expect(page.locator("#client-results")).to_contain_text("No clients match this search.")

    page.go_back()
    expect(rows).to_have_count(1)
    page.fill("#client-q", "")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Acme Inc").get_by_role("link", name="Acme Inc", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Inc")


def test_create_a_client_after_a_validation_error_then_add_a_contact(live_server, signed_in):
    page = signed_in
    page.goto(live_server.url + reverse("client_list"))

    page.get_by_role("link", name="New client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New client")
    page.fill("#id_email", "not-an-email")
    page.get_by_role("button", name="Create client").click()

    # The server answers 422 with the errors next to their fields; nothing is saved.
    expect(page.locator("#id_name_error")).to_have_text("This field is required.")
    expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
    expect(page.locator("#id_email")).to_have_value("not-an-email")
    assert not Client.objects.exists()

    page.fill("#id_name", "Initech")
    page.fill("#id_email", "hello@initech.test")
    page.fill("#id_address", "1 Office Park\nAustin")
    page.get_by_role("button", name="Create client").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.locator("#messages")).to_contain_text("Client “Initech” created.")
    initech = Client.objects.get()
    assert (initech.name, initech.email, initech.is_active) == (
        "Initech",
        "hello@initech.test",
        True,
    )
    expect(page).to_have_url(live_server.url + reverse("client_detail", args=[initech.pk]))

    page.get_by_role("link", name="Add contact").click()
    page.fill("#id_name", "Peter Gibbons")
    page.fill("#id_email", "peter@initech.test")
    page.get_by_role("button", name="Add contact").click()

    expect(page.locator("#messages")).to_contain_text("Contact “Peter Gibbons” added.")
    contacts = page.locator("#contacts tbody tr")
    expect(contacts).to_have_count(1)
    expect(contacts.first).to_contain_text("Peter Gibbons")
    expect(contacts.first).to_contain_text("peter@initech.test")

    # The same email twice at one client is refused, on the email field.
    page.get_by_role("link", name="Add contact").click()
    page.fill("#id_name", "Peter Again")
    page.fill("#id_email", "peter@initech.test")
    page.get_by_role("button", name="Add contact").click()
    expect(page.locator("#id_email_error")).to_have_text(
        "This client already has a contact with this email."
    )
    assert list(Contact.objects.values_list("client", "name")) == [(initech.pk, "Peter Gibbons")]
