"""Signing in without a password: the address form, the one-time link, the portal's own
session, signing out, and the limits per address and per IP."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from portal.access import SESSION_CONTACT
from portal.models import SignInLink
from tests import factories

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign_in")
LINK = re.compile(r"http://testserver(/portal/sign-in/[A-Za-z0-9_-]+/)")


def ask_for_link(client, address, **extra):
    return client.post(SIGN_IN, {"email": address, **extra}, **extra.pop("headers", {}))


def page_text(response, address: str) -> str:
    """The page without what differs on every response (the script nonce)."""
    html = response.content.decode().replace(address, "ADDRESS")
    return re.sub(r'nonce="[^"]*"', "", html)


def link_in(message) -> str:
    return LINK.findall(message.body)[0]


class TestAskingForALink:
    def test_the_portal_asks_for_an_address(self, client):
        response = client.get(reverse("portal:tickets"))
        assert response.status_code == 200
        assert b"Email me a sign-in link" in response.content

    def test_a_contact_gets_a_one_time_link(self, client, requester, mailoutbox):
        response = ask_for_link(client, "Rita@ACME.example")
        assert response.status_code == 200
        assert b"Check your email" in response.content
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["Rita Requester <rita@acme.example>"]
        assert "30 minutes" in message.body
        link = SignInLink.objects.get()
        assert link.contact == requester
        # Only the hash is kept: the token is in the email alone.
        assert link.token_hash not in message.body
        assert link.expires_at - link.created_at == datetime.timedelta(minutes=30)

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        self, client, requester, mailoutbox
    ):
        known = ask_for_link(client, "rita@acme.example")
        unknown = ask_for_link(client, "nobody@acme.example")
        assert unknown.status_code == known.status_code == 200
        assert page_text(known, "rita@acme.example") == page_text(unknown, "nobody@acme.example")
        assert len(mailoutbox) == 1
        assert SignInLink.objects.count() == 1

    def test_an_address_of_two_clients_gets_a_link_for_each(self, client, requester, mailoutbox):
        other = factories.ContactFactory(email="rita@acme.example", name="Rita")
        ask_for_link(client, "rita@acme.example")
        assert len(mailoutbox) == 1
        assert len(LINK.findall(mailoutbox[0].body)) == 2
        assert other.client.name in mailoutbox[0].body

    @pytest.mark.parametrize("address", ["", "not an address", "a@b@c"])
    def test_a_bad_address_is_refused(self, client, address, mailoutbox):
        response = ask_for_link(client, address)
        assert response.status_code == 422
        assert b"errorlist" in response.content
        assert mailoutbox == []

    def test_requests_per_address_are_limited(self, client, requester, mailoutbox, settings):
        settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS = "2/hour"
        for _ in range(2):
            assert (
                ask_for_link(Client(REMOTE_ADDR="10.0.0.1"), "rita@acme.example").status_code == 200
            )
        refused = ask_for_link(Client(REMOTE_ADDR="10.0.0.2"), "rita@acme.example")
        assert refused.status_code == 429
        assert b"Please wait a little" in refused.content
        assert len(mailoutbox) == 2

    def test_requests_per_ip_are_limited(self, requester, mailoutbox, settings):
        settings.PORTAL_SIGN_IN_RATE_PER_IP = "3/hour"
        browser = Client(REMOTE_ADDR="10.0.0.9")
        for n in range(3):
            assert ask_for_link(browser, f"x{n}@acme.example").status_code == 200
        assert ask_for_link(browser, "rita@acme.example").status_code == 429
        assert mailoutbox == []
        # Another address's visitor is not held back.
        assert ask_for_link(Client(REMOTE_ADDR="10.0.0.10"), "rita@acme.example").status_code == 200

    def test_limits_run_out_with_their_window(self, client, requester, settings):
        settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS = "1/hour"
        with freeze_time("2026-05-01 10:00"):
            assert ask_for_link(client, "rita@acme.example").status_code == 200
            assert ask_for_link(client, "rita@acme.example").status_code == 429
        with freeze_time("2026-05-01 11:00"):
            assert ask_for_link(client, "rita@acme.example").status_code == 200

    def test_behind_a_proxy_the_forwarded_address_counts(self, requester, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.PORTAL_SIGN_IN_RATE_PER_IP = "1/hour"
        proxy = Client(REMOTE_ADDR="127.0.0.1")
        first = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
        second = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
        assert proxy.post(SIGN_IN, {"email": "a@x.example"}, **first).status_code == 200
        assert proxy.post(SIGN_IN, {"email": "b@x.example"}, **first).status_code == 429
        assert proxy.post(SIGN_IN, {"email": "c@x.example"}, **second).status_code == 200


class TestUsingTheLink:
    def test_opening_the_link_asks_to_confirm_then_signs_in_once(
        self, client, requester, ticket, mailoutbox
    ):
        ask_for_link(client, "rita@acme.example")
        path = link_in(mailoutbox[0])
        browser = Client()
        opened = browser.get(path)
        # A mail scanner opening the link uses nothing up.
        assert opened.status_code == 200
        assert b"Sign in as" in opened.content
        assert SignInLink.objects.get().used_at is None
        assert SESSION_CONTACT not in browser.session
        response = browser.post(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:tickets")
        assert browser.session[SESSION_CONTACT] == requester.pk
        assert SignInLink.objects.get().used_at is not None
        assert b"Printer on fire" in browser.get(reverse("portal:tickets")).content
        # Used: a second use, even from the same browser, is refused.
        again = Client().post(path)
        assert again.status_code == 410
        assert b"This link was used already" in again.content

    def test_the_link_expires_after_30_minutes(self, client, requester, mailoutbox):
        with freeze_time("2026-05-01 10:00"):
            ask_for_link(client, "rita@acme.example")
        path = link_in(mailoutbox[0])
        with freeze_time("2026-05-01 10:29"):
            assert Client().get(path).status_code == 200
        with freeze_time("2026-05-01 10:31"):
            response = Client().post(path)
        assert response.status_code == 410
        assert b"This link has expired" in response.content
        assert SignInLink.objects.get().used_at is None

    def test_links_long_expired_are_cleared_away(self, requester):
        with freeze_time("2026-05-01 10:00"):
            SignInLink.issue(requester)
        with freeze_time("2026-05-02 10:31"):
            SignInLink.issue(requester)
        assert SignInLink.objects.count() == 1

    @pytest.mark.parametrize("token", ["nonsense", "x" * 200])
    def test_an_unknown_link_gets_a_clear_page(self, client, token):
        response = client.post(reverse("portal:sign_in_link", args=[token]))
        assert response.status_code == 404
        assert b"This link does not work" in response.content

    def test_asked_from_a_ticket_the_link_opens_it(self, client, requester, ticket, mailoutbox):
        page = reverse("portal:ticket", args=[ticket.pk])
        assert (
            client.get(page)["Location"] == f"{SIGN_IN}?next=%2Fportal%2Ftickets%2F{ticket.pk}%2F"
        )
        client.post(SIGN_IN, {"email": "rita@acme.example", "next": page})
        response = Client().post(link_in(mailoutbox[0]))
        assert response["Location"] == page

    def test_next_outside_the_portal_is_ignored(self, client, requester, mailoutbox):
        client.post(SIGN_IN, {"email": "rita@acme.example", "next": "https://evil.example/"})
        assert SignInLink.objects.get().ticket is None
        assert Client().post(link_in(mailoutbox[0]))["Location"] == reverse("portal:tickets")

    def test_signing_in_changes_the_session_key(self, client, requester, mailoutbox):
        ask_for_link(client, "rita@acme.example")
        browser = Client()
        browser.get(reverse("portal:tickets"))
        before = browser.session.session_key
        browser.post(link_in(mailoutbox[0]))
        assert browser.session.session_key != before


class TestThePortalSession:
    def test_signing_out_forgets_the_contact(self, as_requester):
        response = as_requester.post(reverse("portal:sign_out"))
        assert response.status_code == 200
        assert SESSION_CONTACT not in as_requester.session
        assert b"Email me a sign-in link" in as_requester.get(reverse("portal:tickets")).content

    def test_signing_out_keeps_an_agents_sign_in(self, as_agent, agent, requester):
        session = as_agent.session
        session[SESSION_CONTACT] = requester.pk
        session.save()
        as_agent.post(reverse("portal:sign_out"))
        assert as_agent.get("/").status_code == 200

    def test_sign_out_is_post_only(self, as_requester):
        assert as_requester.get(reverse("portal:sign_out")).status_code == 405

    @pytest.mark.parametrize(
        "path",
        ["/", "/tickets/new/", "/clients/", "/activity/", "/reports/", "/profile/"],
    )
    def test_a_portal_session_opens_nothing_of_the_workspace(self, as_requester, ticket, path):
        response = as_requester.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert as_requester.get(f"/tickets/{ticket.pk}/").status_code == 302

    def test_a_portal_session_opens_nothing_of_the_admin(self, as_requester):
        response = as_requester.get("/admin/tickets/ticket/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_a_portal_session_opens_nothing_of_the_api(self, as_requester, ticket):
        assert as_requester.get("/api/tickets").status_code == 401
        assert as_requester.get(f"/api/tickets/{ticket.pk}").status_code == 401

    def test_an_agents_session_does_not_open_the_portal(self, as_agent, ticket):
        assert b"Email me a sign-in link" in as_agent.get(reverse("portal:tickets")).content
        page = as_agent.get(reverse("portal:ticket", args=[ticket.pk]))
        assert page.status_code == 302
        assert page["Location"].startswith(SIGN_IN)

    @pytest.mark.parametrize("role", ["outsider", "agent", "supervisor", "administrator"])
    def test_no_users_session_opens_the_portal(self, role, ticket):
        from django.contrib.auth.models import Group

        user = {
            "outsider": factories.UserFactory,
            "agent": factories.AgentFactory,
            "supervisor": factories.AgentFactory,
            "administrator": factories.AdminFactory,
        }[role]()
        if role == "supervisor":
            user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
        browser = Client()
        browser.force_login(user)
        assert "rows" not in browser.get(reverse("portal:tickets")).context
        for response in (
            browser.get(reverse("portal:ticket", args=[ticket.pk])),
            browser.post(reverse("portal:reply", args=[ticket.pk]), {"text": "x"}),
            browser.get(reverse("portal:new_ticket")),
        ):
            assert response.status_code == 302
            assert response["Location"].startswith(SIGN_IN)
        assert not ticket.replies.exists()

    def test_a_deleted_contact_is_signed_out(self, acme):
        contact = factories.ContactFactory(client=acme)
        from tests.portal.conftest import portal_client

        browser = portal_client(contact)
        contact.delete()
        assert b"Email me a sign-in link" in browser.get(reverse("portal:tickets")).content

    def test_a_tampered_session_value_is_ignored(self, client):
        session = client.session
        session[SESSION_CONTACT] = "1 or 1=1"
        session.save()
        assert b"Email me a sign-in link" in client.get(reverse("portal:tickets")).content
