"""A new request from the portal, and the public contact form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from portal import tokens
from tests import factories
from tickets.models import Channel, Client, Contact, CustomField, Source, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NEW = reverse("portal:new_ticket")
CONTACT = reverse("portal:contact")


@pytest.fixture
def private_department(db):
    return factories.CategoryFactory(name="Internal escalations")


@pytest.fixture
def order_field(db):
    return factories.CustomFieldFactory(
        key="order", label="Order number", required=True, visible_to_clients=True
    )


@pytest.fixture
def internal_field(db):
    """Required, but for agents only: the portal neither shows nor requires it."""
    return factories.CustomFieldFactory(key="risk", label="Risk score", required=True)


class TestNewRequest:
    def test_the_form_offers_public_departments_and_client_fields(
        self, as_requester, department, private_department, order_field, internal_field
    ):
        html = as_requester.get(NEW).content.decode()
        assert "Support" in html and "Internal escalations" not in html
        assert "Order number" in html and "Risk score" not in html

    def test_a_new_request(self, as_requester, requester, department, order_field, internal_field):
        response = as_requester.post(
            NEW,
            {
                "department": department.pk,
                "subject": "Cannot print",
                "message": "The printer says no.",
                "cf_order": "A-17",
                "attachments": [SimpleUploadedFile("error.txt", b"PC LOAD LETTER")],
            },
        )
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:ticket", args=[ticket.pk])
        assert (ticket.requester, ticket.client) == (requester, requester.client)
        assert ticket.source == Source.PORTAL
        assert ticket.custom_fields == {"order": "A-17"}
        assert ticket.attachments.get().name == "error.txt"
        assert ticket.events.get(kind=TicketEvent.Kind.CREATED).channel == Channel.PORTAL

    def test_errors_are_shown_and_nothing_is_made(
        self, as_requester, department, private_department, order_field
    ):
        response = as_requester.post(
            NEW, {"department": private_department.pk, "subject": "", "message": "x"}
        )
        assert response.status_code == 422
        errors = response.context["form"].errors
        assert set(errors) == {"department", "subject", "cf_order"}
        assert not Ticket.objects.exists()

    def test_a_field_not_visible_to_clients_cannot_be_sent(
        self, as_requester, department, internal_field
    ):
        as_requester.post(
            NEW, {"department": department.pk, "subject": "s", "message": "m", "cf_risk": "9"}
        )
        # The form knows no such field: the value is dropped, never stored.
        assert Ticket.objects.get().custom_fields == {}

    def test_only_a_signed_in_requester(self, client, as_agent, department):
        for browser in (client, as_agent):
            for response in (browser.get(NEW), browser.post(NEW, {"subject": "x"})):
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("portal:sign_in"))
        assert not Ticket.objects.exists()


def contact_form(**values):
    with freeze_time("2026-05-01 09:59:00"):
        started = tokens.form_started_token()
    return {
        "name": "Nina New",
        "email": "Nina@Newco.example",
        "subject": "Question about pricing",
        "message": "How much is it?",
        "website": "",
        "started": started,
        **values,
    }


@pytest.fixture
def at_ten():
    with freeze_time("2026-05-01 10:00:00") as frozen:
        yield frozen


class TestContactForm:
    def test_a_new_person_gets_a_ticket_and_an_acknowledgment_with_a_link(
        self, client, department, mailoutbox, django_capture_on_commit_callbacks, at_ten
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(CONTACT, contact_form())
        assert response.status_code == 200
        assert "we have your message" in response.content.decode()
        ticket = Ticket.objects.get()
        contact = Contact.objects.get()
        assert (contact.name, contact.email) == ("Nina New", "nina@newco.example")
        assert contact.client.name == "Nina New"
        assert (ticket.requester, ticket.department, ticket.source) == (
            contact,
            department,
            Source.PORTAL,
        )
        assert len(mailoutbox) == 1
        acknowledgment = mailoutbox[0]
        assert acknowledgment.to == ["Nina New <nina@newco.example>"]
        assert "http://testserver/portal/open/" in acknowledgment.body

    def test_a_known_address_files_under_its_contact(
        self, client, department, requester, at_ten, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(CONTACT, contact_form(email="RITA@acme.example"))
        assert Ticket.objects.get().requester == requester
        assert Client.objects.count() == 1

    def test_a_domain_of_a_client_files_under_it(self, client, department, acme, at_ten):
        acme.email_domains.create(domain="acme.example")
        client.post(CONTACT, contact_form(email="new.person@acme.example"))
        assert Ticket.objects.get().client == acme

    def test_the_honeypot_answers_as_if_sent_and_files_nothing(
        self, client, department, mailoutbox, at_ten
    ):
        response = client.post(CONTACT, contact_form(website="http://spam.example"))
        assert response.status_code == 200
        assert "we have your message" in response.content.decode()
        assert not Ticket.objects.exists() and not Contact.objects.exists()
        assert mailoutbox == []

    @pytest.mark.parametrize("started", ["", "forged", "now"])
    def test_too_fast_or_forged_is_refused(self, client, department, started, at_ten):
        if started == "now":
            started = tokens.form_started_token()
        response = client.post(CONTACT, contact_form(started=started))
        assert response.status_code == 422
        assert "Please take a moment" in response.content.decode()
        assert not Ticket.objects.exists()
        # The form starts again, so that sending it a little later works.
        assert tokens.seconds_since_form_started(response.context["started"]) == 0

    def test_bad_input_is_shown(self, client, department, at_ten):
        response = client.post(CONTACT, contact_form(email="not-an-address", message=""))
        assert response.status_code == 422
        assert set(response.context["form"].errors) == {"email", "message"}
        assert not Ticket.objects.exists()

    def test_client_fields_are_asked_for(self, client, department, order_field, at_ten):
        response = client.post(CONTACT, contact_form())
        assert response.status_code == 422
        assert "cf_order" in response.context["form"].errors
        client.post(CONTACT, contact_form(cf_order="B-2"))
        assert Ticket.objects.get().custom_fields == {"order": "B-2"}

    def test_rate_limited_per_ip_and_per_address(self, department, settings, at_ten):
        from django.test import Client as Browser

        settings.PORTAL_CONTACT_RATE_PER_IP = "2/hour"
        settings.PORTAL_CONTACT_RATE_PER_ADDRESS = "3/hour"
        browser = Browser(REMOTE_ADDR="10.1.1.1")
        assert browser.post(CONTACT, contact_form()).status_code == 200
        assert browser.post(CONTACT, contact_form()).status_code == 200
        refused = browser.post(CONTACT, contact_form(email="other@x.example"))
        assert refused.status_code == 429
        assert "Please wait a little" in refused.content.decode()
        assert Browser(REMOTE_ADDR="10.1.1.2").post(CONTACT, contact_form()).status_code == 200
        assert Browser(REMOTE_ADDR="10.1.1.3").post(CONTACT, contact_form()).status_code == 429
        assert Ticket.objects.count() == 3

    def test_the_department_from_settings(self, client, department, settings, at_ten):
        sales = factories.CategoryFactory(name="Sales")
        settings.PORTAL_CONTACT_DEPARTMENT = "sales"
        client.post(CONTACT, contact_form())
        assert Ticket.objects.get().department == sales

    def test_without_any_department_the_form_says_so(self, client):
        response = client.get(CONTACT)
        assert response.status_code == 503
        assert "not available" in response.content.decode()

    def test_the_form_shows_a_hidden_trap_and_a_start_time(self, client, department):
        html = client.get(CONTACT).content.decode()
        assert 'class="portal-trap"' in html
        assert 'name="started"' in html


def test_custom_field_flag_default_is_hidden():
    assert CustomField._meta.get_field("visible_to_clients").default is False
