"""Who reaches /compat/usercom/api/public/tickets/ and how: a Token key (or a Bearer one),
User.com's Accept header, DRF's error bodies."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from portal.access import SESSION_CONTACT
from tests import factories

from .conftest import BASE, UserComClient, body

pytestmark = pytest.mark.django_db


def paths(ticket) -> list[str]:
    return [f"{BASE}/tickets/", f"{BASE}/tickets/{ticket.pk}/"]


class TestAuthentication:
    def test_token(self, usercom, ticket):
        for path in paths(ticket):
            assert usercom.get(path).status_code == 200, path

    def test_bearer_works_too(self, api_key, ticket):
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {api_key.raw_key}")

        assert client.get(f"{BASE}/tickets/{ticket.pk}/").status_code == 200

    @pytest.mark.parametrize("accept", [None, "*/*; version=2", "application/json"])
    def test_accept_headers(self, api_key, ticket, accept):
        headers = {"HTTP_AUTHORIZATION": f"Token {api_key.raw_key}"}
        if accept:
            headers["HTTP_ACCEPT"] = accept

        response = APIClient(**headers).get(f"{BASE}/tickets/")

        assert response.status_code == 200
        assert body(response)["count"] == 1

    @pytest.mark.parametrize("authorization", [None, "Token wrong", "Token ", "Basic abc"])
    def test_no_or_bad_key_is_a_401_with_a_detail(self, ticket, authorization):
        headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
        client = UserComClient(**headers)

        for path in paths(ticket):
            response = client.get(path)
            assert response.status_code == 401, path
            assert body(response) == {"detail": "Unauthenticated."}
            assert response["WWW-Authenticate"] == "Token"

    def test_a_revoked_key(self, api_key, ticket):
        api_key.revoked_at = timezone.now()
        api_key.save()

        response = UserComClient(raw_key=api_key.raw_key).get(f"{BASE}/tickets/")

        assert response.status_code == 401


class TestPermissions:
    """Anonymous 401; a requester (portal contact) or a user who is not an agent cannot;
    every agent, supervisor and administrator can."""

    def test_anonymous(self, usercom_anonymous, ticket):
        assert usercom_anonymous.get(f"{BASE}/tickets/").status_code == 401
        assert usercom_anonymous.post(f"{BASE}/tickets/", {}).status_code == 401
        assert usercom_anonymous.get(f"{BASE}/tickets/{ticket.pk}/").status_code == 401
        assert usercom_anonymous.put(f"{BASE}/tickets/{ticket.pk}/", {}).status_code == 401

    def test_a_requester_signed_in_to_the_portal(self, ticket):
        requester = factories.ContactFactory(client=ticket.client)
        client = UserComClient()
        session = client.session
        session[SESSION_CONTACT] = requester.pk
        session.save()

        assert client.get(f"{BASE}/tickets/").status_code == 401
        assert client.get(f"{BASE}/tickets/{ticket.pk}/").status_code == 401

    def test_a_signed_in_agent_without_a_key(self, agent, ticket):
        """The API takes keys only: a browser session is no credential here."""
        client = UserComClient()
        client.force_login(agent)

        assert client.get(f"{BASE}/tickets/").status_code == 401

    def test_a_user_who_is_not_an_agent(self, outsider, ticket):
        """Their key is not usable: only an agent's key is a credential."""
        key = factories.ApiKeyFactory(agent=outsider)
        client = UserComClient(raw_key=key.raw_key)

        for path in paths(ticket):
            response = client.get(path)
            assert response.status_code == 401
            assert body(response) == {"detail": "Unauthenticated."}

    def test_a_former_agent(self, agent, api_key, ticket):
        agent.is_active = False
        agent.save()

        assert UserComClient(raw_key=api_key.raw_key).get(f"{BASE}/tickets/").status_code == 401

    @pytest.mark.parametrize("role", ["agent", "supervisor", "administrator"])
    def test_staff(self, role, ticket):
        user = (factories.AdminFactory if role == "administrator" else factories.AgentFactory)()
        if role == "supervisor":
            user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
        client = UserComClient(raw_key=factories.ApiKeyFactory(agent=user).raw_key)

        assert client.get(f"{BASE}/tickets/").status_code == 200
        assert client.get(f"{BASE}/tickets/{ticket.pk}/").status_code == 200
        response = client.put(f"{BASE}/tickets/{ticket.pk}/", {"name": "New"}, format="json")
        assert response.status_code == 200
        response = client.post(
            f"{BASE}/tickets/",
            {"name": "Hi", "description": "Help", "company": ticket.client_id},
            format="json",
        )
        assert response.status_code == 201


class TestErrors:
    @pytest.mark.parametrize("ticket_id", ["999999", "abc", "0", "-1", str(2**64)])
    def test_an_unknown_ticket_is_a_404(self, usercom, ticket_id):
        for response in (
            usercom.get(f"{BASE}/tickets/{ticket_id}/"),
            usercom.put(f"{BASE}/tickets/{ticket_id}/", {"name": "x"}, format="json"),
        ):
            assert response.status_code == 404
            assert body(response) == {"detail": "Not found."}

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("delete", "/tickets/"),
            ("put", "/tickets/"),
            ("post", "/tickets/{id}/"),
            ("delete", "/tickets/{id}/"),
        ],
    )
    def test_a_wrong_method_is_a_405(self, usercom, ticket, method, path):
        response = getattr(usercom, method)(BASE + path.format(id=ticket.pk))

        assert response.status_code == 405
        assert set(body(response)) == {"detail"}

    def test_a_body_that_is_not_json_is_a_400(self, usercom, ticket):
        response = usercom.put(
            f"{BASE}/tickets/{ticket.pk}/", "{not json", content_type="application/json"
        )

        assert response.status_code == 400
        assert set(body(response)) == {"detail"}
