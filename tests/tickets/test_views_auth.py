"""Signing in and out, password reset, and who may open each page of the workspace."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tickets.forms.auth import NOT_AN_AGENT
from tickets.views.access import NOT_AN_AGENT as NOT_AN_AGENT_PAGE

pytestmark = pytest.mark.django_db


class TestSignIn:
    def test_page_has_labelled_fields_and_csrf(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        html = response.content.decode()
        assert '<label for="id_username">' in html
        assert '<label for="id_password">' in html
        assert "csrfmiddlewaretoken" in html

    def test_agent_signs_in_and_lands_on_the_queue(self, client, agent):
        response = client.post(
            reverse("login"), {"username": agent.username, "password": "password"}
        )
        assert response.status_code == 302
        assert response.url == "/"
        assert client.get("/").status_code == 200

    def test_next_is_followed(self, client, agent, ticket):
        url = reverse("ticket", args=[ticket.pk])
        response = client.post(
            reverse("login"), {"username": agent.username, "password": "password", "next": url}
        )
        assert response.url == url

    def test_wrong_password_is_refused(self, client, agent):
        response = client.post(reverse("login"), {"username": agent.username, "password": "nope"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_non_staff_user_is_refused_with_a_clear_message(self, client, outsider):
        response = client.post(
            reverse("login"), {"username": outsider.username, "password": "password"}
        )
        assert response.status_code == 200
        assert NOT_AN_AGENT in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_inactive_agent_is_refused(self, client):
        inactive = factories.AgentFactory(is_active=False)
        response = client.post(
            reverse("login"), {"username": inactive.username, "password": "password"}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_signed_in_agent_is_sent_on_from_the_sign_in_page(self, client, agent):
        client.force_login(agent)
        assert client.get(reverse("login")).status_code == 302


class TestSignOut:
    def test_post_signs_out(self, client, agent):
        client.force_login(agent)
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_get_does_not_sign_out(self, client, agent):
        client.force_login(agent)
        assert client.get(reverse("logout")).status_code == 405
        assert "_auth_user_id" in client.session

    def test_csrf_is_enforced(self, agent):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(agent)
        assert strict.post(reverse("logout")).status_code == 403


class TestPasswordReset:
    def test_agent_gets_a_link_that_sets_a_new_password(
        self, client, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": agent.email})
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [agent.email]
        assert message.subject == "Reset your helpdesk password"
        link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.body).group(1)

        response = client.get(link, follow=True)
        assert "Choose a new password" in response.content.decode()
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "A-long-new-pass-42", "new_password2": "A-long-new-pass-42"}
        )
        assert response.status_code == 302
        assert response.url == reverse("password_reset_complete")
        agent.refresh_from_db()
        assert agent.check_password("A-long-new-pass-42")

    def test_mismatched_passwords_show_an_error(
        self, client, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("password_reset"), {"email": agent.email})
        link = re.search(r"(/password-reset/\S+/)", mailoutbox[0].body).group(1)
        form_url = client.get(link, follow=True).redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "A-long-new-pass-42", "new_password2": "different-42!"}
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
        agent.refresh_from_db()
        assert agent.check_password("password")

    def test_non_agents_and_unknown_addresses_get_no_email_and_the_same_page(
        self, client, outsider, mailoutbox, django_capture_on_commit_callbacks
    ):
        for email in (outsider.email, "nobody@example.com"):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("password_reset"), {"email": email})
            assert response.status_code == 302
        assert mailoutbox == []

    def test_invalid_link_says_so(self, client):
        response = client.get("/password-reset/MQ/bad-token/")
        assert "This link no longer works" in response.content.decode()


class TestAgentRequired:
    """Every page and action of the workspace refuses anonymous visitors and non-agents."""

    @pytest.fixture
    def urls(self, ticket):
        pk = ticket.pk
        gets = [
            reverse("queue"),
            reverse("queue_counts"),
            reverse("new_ticket"),
            reverse("new_ticket_client_fields"),
            reverse("ticket", args=[pk]),
            reverse("ticket_history", args=[pk]),
            reverse("ticket_delete", args=[pk]),
            reverse("tickets_bulk_count"),
            reverse("profile"),
            reverse("ticket_requester_tickets", args=[pk]),
            reverse("ticket_contact_options", args=[pk]),
        ]
        posts = [
            reverse(name, args=[pk])
            for name in (
                "ticket_reply",
                "ticket_subject",
                "ticket_status",
                "ticket_priority",
                "ticket_department",
                "ticket_assignee",
                "ticket_team",
                "ticket_tags",
                "ticket_project",
                "ticket_due_date",
                "ticket_custom_fields",
                "ticket_requester",
                "ticket_cc",
                "ticket_archive",
                "ticket_restore",
                "ticket_delete",
            )
        ] + [
            reverse("new_ticket"),
            reverse("tickets_bulk"),
            reverse("tickets_bulk_delete"),
            reverse("profile"),
            reverse("ticket_cc_remove", args=[pk, 1]),
        ]
        return gets, posts

    def test_anonymous_is_sent_to_sign_in(self, client, urls):
        gets, posts = urls
        for url in gets:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next="), url
        for url in posts:
            response = client.post(url, {"status": 2})
            assert response.status_code == 302, url

    def test_anonymous_htmx_request_redirects_the_whole_page(self, client, urls):
        response = client.get(reverse("queue"), headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("login"))

    def test_non_staff_user_gets_403_with_a_clear_message(self, client, outsider, urls, ticket):
        client.force_login(outsider)
        gets, posts = urls
        for url in gets:
            response = client.get(url)
            assert response.status_code == 403, url
            assert NOT_AN_AGENT_PAGE in response.content.decode()
        for url in posts:
            assert client.post(url, {"status": 2}).status_code == 403, url
        ticket.refresh_from_db()
        assert ticket.status_id == 1
        assert ticket.events.count() == 0

    def test_inactive_staff_session_is_refused(self, client, agent):
        client.force_login(agent)
        agent.is_active = False
        agent.save(update_fields=["is_active"])
        response = client.get(reverse("queue"))
        # Django signs inactive users out; they must sign in again (and cannot).
        assert response.status_code in (302, 403)

    def test_agent_and_admin_get_every_page(self, client, agent, admin_user, urls, ticket):
        gets, _ = urls
        for user in (agent, admin_user):
            client.force_login(user)
            for url in gets:
                # Deleting needs a permission that superusers have and plain agents lack.
                is_delete = url == reverse("ticket_delete", args=[ticket.pk])
                expected = 403 if is_delete and user == agent else 200
                assert client.get(url).status_code == expected, (user, url)

    def test_changes_refuse_get(self, client, agent, urls):
        client.force_login(agent)
        _, posts = urls
        for url in posts:
            if url.endswith("/delete/") or url in (reverse("new_ticket"), reverse("profile")):
                continue  # these show their form or confirmation on GET
            assert client.get(url).status_code == 405, url


class TestLayout:
    def test_top_bar(self, client, agent):
        client.force_login(agent)
        html = client.get("/").content.decode()
        for link in ('href="/"', 'href="/clients/"', 'href="/reports/"'):
            assert link in html
        assert 'href="/admin/"' not in html
        assert 'role="search"' in html
        assert agent.get_full_name() in html
        assert f'action="{reverse("logout")}"' in html

    def test_admin_link_for_administrators(self, client, admin_user):
        client.force_login(admin_user)
        assert 'href="/admin/"' in client.get("/").content.decode()

    def test_csp_header_allows_no_inline_script_without_nonce(self, client, agent):
        client.force_login(agent)
        response = client.get("/")
        policy = response["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "unsafe-inline" not in policy
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        html = response.content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
        assert "style=" not in html
        assert "<style" not in html

    def test_404_page(self, client, agent):
        client.force_login(agent)
        response = client.get(reverse("ticket", args=[999999]))
        assert response.status_code == 404
        assert "No ticket has this id." in response.content.decode()
