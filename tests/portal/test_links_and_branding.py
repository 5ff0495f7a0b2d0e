"""The links to the portal in every email we send a requester, and the portal's brand."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from portal import branding, links
from portal.access import SESSION_TICKETS
from tests import factories
from tickets import notifications, services
from tickets.models import Channel, Reply

pytestmark = pytest.mark.django_db

OPEN_LINK = re.compile(r"http://testserver(/portal/open/[^/\s\"]+/)")


def agent_reply(ticket, agent, text="We are on it."):
    return services.post_reply(ticket=ticket, text=text, author=agent, channel=Channel.WEB)


class TestLinksInEmails:
    def test_a_reply_carries_a_link_to_the_ticket(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            agent_reply(ticket, agent)
        message = mailoutbox[0]
        text_link = OPEN_LINK.findall(message.body)
        html_link = OPEN_LINK.findall(message.alternatives[0].content)
        assert text_link and text_link == html_link
        response = Client().get(text_link[0])
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:ticket", args=[ticket.pk])

    def test_an_acknowledgment_carries_it(self, ticket):
        message = notifications.build_acknowledgment_email(ticket)
        assert OPEN_LINK.search(message.body)
        assert OPEN_LINK.search(message.alternatives[0].content)

    def test_no_requester_no_link(self, acme, department, agent):
        ticket = factories.TicketFactory(client=acme, department=department, requester=None)
        ticket.cc.add(factories.ContactFactory(client=acme))
        reply = agent_reply(ticket, agent)
        message = notifications.build_reply_email(reply)
        assert message is not None and not OPEN_LINK.search(message.body)


class TestOpeningATicketByLink:
    def path(self, ticket, contact):
        return links.ticket_link(ticket.pk, contact.pk).removeprefix("http://testserver")

    def test_the_link_opens_that_ticket_only(self, ticket, requester, acme, agent):
        other = factories.TicketFactory(client=acme, requester=requester, subject="Another")
        browser = Client()
        browser.get(self.path(ticket, requester))
        page = browser.get(reverse("portal:ticket", args=[ticket.pk]))
        assert page.status_code == 200
        assert "Sign in</a> to see all of your requests" in page.content.decode()
        assert browser.get(reverse("portal:ticket", args=[other.pk])).status_code == 302
        assert "rows" not in browser.get(reverse("portal:tickets")).context
        # Replying there is replying as the requester the link was signed for.
        browser.post(reverse("portal:reply", args=[ticket.pk]), {"text": "Thanks!"})
        assert Reply.objects.get().author_contact == requester

    def test_the_link_expires(self, ticket, requester, settings):
        settings.PORTAL_TICKET_LINK_DAYS = 90
        with freeze_time("2026-01-01"):
            path = self.path(ticket, requester)
        with freeze_time("2026-03-31 23:00"):
            assert Client().get(path).status_code == 302
        with freeze_time("2026-04-02"):
            response = Client().get(path)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()

    def test_a_tampered_link_gets_a_clear_page(self, ticket, requester, stranger):
        path = self.path(ticket, requester)
        response = Client().get(path.replace("/open/", "/open/x"))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
        assert Client().get("/portal/open/%00/").status_code == 404

    def test_a_ticket_moved_to_another_client_no_longer_opens(self, ticket, requester, stranger):
        path = self.path(ticket, requester)
        ticket.client = stranger.client
        ticket.requester = stranger
        ticket.save()
        response = Client().get(path)
        assert response.status_code == 404
        assert "no longer available" in response.content.decode()
        assert SESSION_TICKETS not in Client().session

    def test_signed_in_as_the_requester_nothing_is_added(self, as_requester, ticket, requester):
        as_requester.get(self.path(ticket, requester))
        assert SESSION_TICKETS not in as_requester.session

    def test_a_link_for_another_ticket_does_not_open_others(self, ticket, requester, acme):
        colleague_ticket = factories.TicketFactory(client=acme)
        browser = Client()
        browser.get(self.path(ticket, requester))
        assert browser.get(reverse("portal:ticket", args=[colleague_ticket.pk])).status_code == 302


class TestBranding:
    def test_name_logo_and_colour_from_settings(self, client, settings):
        settings.PORTAL_SITE_NAME = "Acme Care"
        settings.PORTAL_LOGO_URL = "/static/acme.png"
        settings.PORTAL_ACCENT_COLOUR = "#7C3AED"
        html = client.get(reverse("portal:tickets")).content.decode()
        assert "<title>Sign in · Acme Care</title>" in html
        assert '<img src="/static/acme.png" alt="" class="portal-logo">' in html
        css = client.get(reverse("portal:brand_css"))
        assert css["Content-Type"] == "text/css; charset=utf-8"
        assert "--accent: #7c3aed;" in css.content.decode()

    @pytest.mark.parametrize(
        ("accent", "button", "text", "link"),
        [
            ("#1d4ed8", "#1d4ed8", "#ffffff", "#1d4ed8"),
            ("#fde047", "#fde047", "#111827", branding.DEFAULT_LINK),
            ("#000000", "#000000", "#ffffff", "#000000"),
            # A mid-grey: white reads at 4.42:1 on it, near-black at 4.0:1; darkened once.
            ("#787878", "#727272", "#ffffff", branding.DEFAULT_LINK),
        ],
    )
    def test_text_on_the_buttons_is_readable(self, accent, button, text, link):
        brand = branding.Brand(site_name="x", logo_url="", accent=accent)
        assert (brand.button, brand.accent_text, brand.link_colour) == (button, text, link)
        on_button = branding.contrast(
            branding.luminance(brand.button), branding.luminance(brand.accent_text)
        )
        assert on_button >= 4.5

    @pytest.mark.parametrize(
        ("accent", "hover"),
        [
            ("#1d4ed8", "#153aa2"),  # white text: darker
            ("#16a34a", "#50ba77"),  # near-black text: lighter (darker would fall to 3.2:1)
            ("#fde047", "#fde775"),
        ],
    )
    def test_hovering_a_button_keeps_its_text_readable(self, accent, hover):
        brand = branding.Brand(site_name="x", logo_url="", accent=accent)
        assert brand.button_hover == hover
        on_hover = branding.contrast(
            branding.luminance(brand.button_hover), branding.luminance(brand.accent_text)
        )
        assert on_hover >= branding.contrast(
            branding.luminance(brand.button), branding.luminance(brand.accent_text)
        )

    def test_a_bad_colour_stops_the_settings(self, monkeypatch):
        import importlib

        from django.core.exceptions import ImproperlyConfigured

        import helpdesk.settings

        monkeypatch.setenv("PORTAL_ACCENT_COLOUR", "red; }")
        with pytest.raises(ImproperlyConfigured):
            importlib.reload(helpdesk.settings)
        monkeypatch.delenv("PORTAL_ACCENT_COLOUR")
        monkeypatch.setenv("PORTAL_LOGO_URL", "https://cdn.example.com/logo.png")
        reloaded = importlib.reload(helpdesk.settings)
        assert "https://cdn.example.com" in reloaded.SECURE_CSP["img-src"]
        monkeypatch.delenv("PORTAL_LOGO_URL")
        importlib.reload(helpdesk.settings)
