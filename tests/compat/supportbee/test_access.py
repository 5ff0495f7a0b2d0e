"""Who reaches /compat/supportbee and how: `auth_token`, a Bearer key, SupportBee's error
body, and the permissions of each kind of user."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from portal.access import SESSION_CONTACT
from tests import factories

from .conftest import BASE, SupportBeeClient, body

pytestmark = pytest.mark.django_db


def paths(ticket) -> list[str]:
    return [
        f"{BASE}/tickets.json",
        f"{BASE}/tickets/search.json?query=x",
        f"{BASE}/tickets/{ticket.pk}.json",
    ]


class TestAuthentication:
    def test_auth_token(self, supportbee, ticket):
        for path in paths(ticket):
            assert supportbee.get(path).status_code == 200, path

    def test_bearer(self, supportbee_bearer, ticket):
        for path in paths(ticket):
            assert supportbee_bearer.get(path).status_code == 200, path

    @pytest.mark.parametrize("token", ["", "wrong", "%00"])
    def test_a_wrong_token_is_a_401(self, ticket, token):
        client = APIClient()

        for path in paths(ticket):
            joiner = "&" if "?" in path else "?"
            response = client.get(f"{path}{joiner}auth_token={token}")
            assert response.status_code == 401, path
            assert set(body(response)) == {"error"}

    @pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Bearer "])
    def test_no_or_a_wrong_key_is_a_401(self, ticket, authorization):
        client = APIClient()
        if authorization:
            client.credentials(HTTP_AUTHORIZATION=authorization)

        for path in paths(ticket):
            response = client.get(path)
            assert response.status_code == 401, path
            assert set(body(response)) == {"error"}

    def test_a_revoked_key(self, api_key, ticket):
        api_key.revoked_at = api_key.created_at
        api_key.save()

        assert (
            SupportBeeClient(raw_key=api_key.raw_key).get(f"{BASE}/tickets.json").status_code == 401
        )


class TestPermissions:
    """Anonymous 401; a requester (portal contact) or another user cannot; every agent,
    supervisor and administrator can."""

    def test_anonymous(self, supportbee_anonymous, ticket):
        for path in paths(ticket):
            assert supportbee_anonymous.get(path).status_code == 401

    def test_a_requester_signed_in_to_the_portal(self, ticket):
        requester = factories.ContactFactory(client=ticket.client)
        client = SupportBeeClient()
        session = client.session
        session[SESSION_CONTACT] = requester.pk
        session.save()

        for path in paths(ticket):
            assert client.get(path).status_code == 401

    def test_a_user_who_is_not_an_agent_even_with_a_session(self, outsider, ticket):
        key = factories.ApiKeyFactory(agent=outsider)
        client = SupportBeeClient(raw_key=key.raw_key)
        client.force_login(outsider)

        for path in paths(ticket):
            assert client.get(path).status_code == 401

    def test_an_agent_session_alone_is_not_enough(self, agent, ticket):
        client = SupportBeeClient()
        client.force_login(agent)

        assert client.get(f"{BASE}/tickets.json").status_code == 401

    def test_a_former_agent(self, agent, api_key, ticket):
        agent.is_active = False
        agent.save()

        assert (
            SupportBeeClient(raw_key=api_key.raw_key).get(f"{BASE}/tickets.json").status_code == 401
        )

    @pytest.mark.parametrize("role", ["agent", "supervisor", "administrator"])
    def test_staff(self, role, ticket):
        user = (factories.AdminFactory if role == "administrator" else factories.AgentFactory)()
        if role == "supervisor":
            user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
        client = SupportBeeClient(raw_key=factories.ApiKeyFactory(agent=user).raw_key)

        for path in paths(ticket):
            assert client.get(path).status_code == 200, path
        factories.CategoryFactory()
        created = client.post(
            f"{BASE}/tickets.json",
            {
                "ticket": {
                    "subject": "Hi",
                    "requester_name": "Sam",
                    "requester_email": "sam@client.example",
                    "content_attributes": {"body": "Hello"},
                }
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        reply = {"reply": {"content_attributes": {"body": "On it"}}}
        replied = client.post(f"{BASE}/tickets/{ticket.pk}/replies.json", reply, format="json")
        assert replied.status_code == 201
        assert client.post(f"{BASE}/tickets/{ticket.pk}/star.json").status_code == 204


class TestErrors:
    @pytest.mark.parametrize("ticket_id", ["999999", "abc", "0", "-1", str(2**64)])
    def test_an_unknown_ticket_is_a_404(self, supportbee, ticket_id):
        response = supportbee.get(f"{BASE}/tickets/{ticket_id}.json")

        assert response.status_code == 404
        assert set(body(response)) == {"error"}

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("delete", "/tickets.json"),
            ("put", "/tickets.json"),
            ("post", "/tickets/search.json"),
            ("delete", "/tickets/{id}.json"),
        ],
    )
    def test_a_wrong_method_is_a_405(self, supportbee, ticket, method, path):
        response = getattr(supportbee, method)(BASE + path.format(id=ticket.pk))

        assert response.status_code == 405
        assert set(body(response)) == {"error"}
