"""Who reaches /compat/livechat/tickets and how: LiveChat v2's Basic authentication (login
and API key), a Bearer key, the version header, JSONP refused, LiveChat's error body."""

import base64

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from portal.access import SESSION_CONTACT
from tests import factories

from .conftest import BASE, LiveChatClient, body

pytestmark = pytest.mark.django_db


def paths(ticket) -> list[str]:
    return [
        f"{BASE}/tickets",
        f"{BASE}/tickets/",
        f"{BASE}/tickets/{ticket.pk}",
        f"{BASE}/tickets/{ticket.pk}/",
    ]


class TestAuthentication:
    def test_basic_with_the_email_address(self, livechat, ticket):
        for path in paths(ticket):
            assert livechat.get(path).status_code == 200, path

    def test_basic_with_the_username(self, agent, api_key, ticket):
        client = LiveChatClient(login=agent.username, raw_key=api_key.raw_key)

        assert client.get(f"{BASE}/tickets/{ticket.pk}").status_code == 200

    def test_bearer(self, livechat_bearer, ticket):
        assert livechat_bearer.get(f"{BASE}/tickets/{ticket.pk}").status_code == 200

    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "Basic " + base64.b64encode(b"nobody@example.com:wrong").decode(),
            "Basic not-base64!",
            "Bearer wrong",
        ],
    )
    def test_no_or_bad_credentials_are_a_401(self, ticket, authorization):
        headers = {"HTTP_X_API_VERSION": "2"}
        if authorization:
            headers["HTTP_AUTHORIZATION"] = authorization
        client = APIClient(**headers)

        for path in paths(ticket):
            response = client.get(path)
            assert response.status_code == 401, path
            assert set(body(response)) == {"error"}
            assert response["WWW-Authenticate"].startswith("Basic")

    def test_another_agents_key_with_my_login_is_a_401(self, agent, other_agent, ticket):
        theirs = factories.ApiKeyFactory(agent=other_agent)
        client = LiveChatClient(login=agent.email, raw_key=theirs.raw_key)

        assert client.get(f"{BASE}/tickets").status_code == 401


class TestPermissions:
    """Anonymous 401; a requester (portal contact) or another user cannot; every agent,
    supervisor and administrator can."""

    def test_anonymous(self, livechat_anonymous, ticket):
        assert livechat_anonymous.get(f"{BASE}/tickets").status_code == 401
        assert livechat_anonymous.post(f"{BASE}/tickets", {}).status_code == 401

    def test_a_requester_signed_in_to_the_portal(self, ticket):
        requester = factories.ContactFactory(client=ticket.client)
        client = LiveChatClient()
        session = client.session
        session[SESSION_CONTACT] = requester.pk
        session.save()

        assert client.get(f"{BASE}/tickets").status_code == 401
        assert client.get(f"{BASE}/tickets/{ticket.pk}").status_code == 401

    def test_a_user_who_is_not_an_agent_even_with_a_session(self, outsider, ticket):
        key = factories.ApiKeyFactory(agent=outsider)
        client = LiveChatClient(login=outsider.email, raw_key=key.raw_key)
        client.force_login(outsider)

        assert client.get(f"{BASE}/tickets").status_code == 401

    def test_a_former_agent(self, agent, api_key, ticket):
        agent.is_active = False
        agent.save()
        client = LiveChatClient(login=agent.email, raw_key=api_key.raw_key)

        assert client.get(f"{BASE}/tickets").status_code == 401

    @pytest.mark.parametrize("role", ["agent", "supervisor", "administrator"])
    def test_staff(self, role, ticket):
        user = (factories.AdminFactory if role == "administrator" else factories.AgentFactory)()
        if role == "supervisor":
            user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
        key = factories.ApiKeyFactory(agent=user)
        client = LiveChatClient(login=user.email, raw_key=key.raw_key)

        assert client.get(f"{BASE}/tickets").status_code == 200
        assert client.get(f"{BASE}/tickets/{ticket.pk}").status_code == 200
        response = client.put(f"{BASE}/tickets/{ticket.pk}/tags", {"tag": ["x"]}, format="json")
        assert response.status_code == 200
        response = client.post(
            f"{BASE}/tickets",
            {"message": "Hi", "requester": {"mail": "a@b.example"}},
            format="json",
        )
        assert response.status_code == 200


class TestErrors:
    def test_without_the_version_header_a_400(self, agent, api_key, ticket):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION="Basic "
            + base64.b64encode(f"{agent.email}:{api_key.raw_key}".encode()).decode()
        )

        for path in paths(ticket):
            response = client.get(path)
            assert response.status_code == 400
            assert body(response) == {"error": "Send the header X-API-Version: 2."}

    def test_another_version_a_400(self, agent, api_key):
        client = LiveChatClient(login=agent.email, raw_key=api_key.raw_key)

        response = client.get(f"{BASE}/tickets", HTTP_X_API_VERSION="3")

        assert response.status_code == 400

    def test_jsonp_is_refused(self, livechat, ticket):
        for path in paths(ticket):
            response = livechat.get(f"{path}?callback=steal")
            assert response.status_code == 400
            assert response["Content-Type"] == "application/json"
            assert "JSONP" in body(response)["error"]
            assert b"steal(" not in response.content

    @pytest.mark.parametrize("ticket_id", ["999999", "abc", "0", "-1", str(2**64)])
    def test_an_unknown_ticket_is_a_404(self, livechat, ticket_id):
        for path in (f"{BASE}/tickets/{ticket_id}", f"{BASE}/tickets/{ticket_id}/tags"):
            response = (
                livechat.get(path)
                if not path.endswith("tags")
                else livechat.put(path, {"tag": []}, format="json")
            )
            assert response.status_code == 404
            assert set(body(response)) == {"error"}

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("delete", "/tickets"),
            ("put", "/tickets"),
            ("post", "/tickets/{id}"),
            ("delete", "/tickets/{id}"),
            ("get", "/tickets/{id}/tags"),
            ("post", "/tickets/{id}/tags"),
        ],
    )
    def test_a_wrong_method_is_a_405(self, livechat, ticket, method, path):
        response = getattr(livechat, method)(BASE + path.format(id=ticket.pk))

        assert response.status_code == 405
        assert set(body(response)) == {"error"}
