"""The Tickets API's extras beyond document 003 (docs/api.md): a new ticket's assignee,
team, requester and CC contacts, and a PATCH of the requester and CC contacts."""

import json
from urllib.parse import urlencode

import pytest

from tests import factories
from tickets.models import Channel, Ticket, TicketEvent

from .conftest import body

pytestmark = pytest.mark.django_db


def send(api, method, url, data, fmt):
    if fmt == "json":
        return getattr(api, method)(url, json.dumps(data), content_type="application/json")
    form = {(f"{key}[]" if key == "cc" else key): value for key, value in data.items()}
    return getattr(api, method)(
        url, urlencode(form, doseq=True), content_type="application/x-www-form-urlencoded"
    )


@pytest.fixture
def people(client_company):
    return {
        "rita": factories.ContactFactory(client=client_company, name="Rita", email="r@a.test"),
        "carl": factories.ContactFactory(client=client_company, name="Carl", email="c@a.test"),
        "dora": factories.ContactFactory(client=client_company, name="Dora", email="d@a.test"),
        "stranger": factories.ContactFactory(name="Stranger"),
    }


@pytest.fixture
def create_params(department, client_company):
    return {
        "ticket_clientid": client_company.pk,
        "ticket_categoryid": department.pk,
        "ticket_subject": "Cannot log in",
        "ticket_message": "I get an error",
        "ticket_priority": "high",
    }


@pytest.mark.parametrize("fmt", ["form", "json"])
def test_create_with_assignee_team_requester_and_cc(api, create_params, people, fmt):
    colleague = factories.AgentFactory(first_name="Bea", last_name="Agent")
    team = factories.TeamFactory(name="Tier 2")
    params = {
        **create_params,
        "assignee_id": colleague.pk,
        "team_id": team.pk,
        "requester_id": people["rita"].pk,
        "cc": [people["carl"].pk, people["dora"].pk],
    }
    response = send(api, "post", "/api/tickets", params, fmt)
    assert response.status_code == 201, response.content
    data = body(response)["data"]
    ticket = Ticket.objects.get()
    assert (ticket.assignee, ticket.team, ticket.requester) == (colleague, team, people["rita"])
    assert set(ticket.cc.all()) == {people["carl"], people["dora"]}
    assert data["assignee"] == {"id": colleague.pk, "name": "Bea Agent"}
    assert data["team"] == {"id": team.pk, "name": "Tier 2"}
    assert data["requester"] == {"id": people["rita"].pk, "name": "Rita", "email": "r@a.test"}
    assert [contact["name"] for contact in data["cc"]] == ["Carl", "Dora"]


@pytest.mark.parametrize("fmt", ["form", "json"])
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"assignee_id": 999999}, "assignee_id", "No active agent has this id."),
        ({"team_id": 999999}, "team_id", "No team has this id."),
        ({"requester_id": 999999}, "requester_id", "No contact has this id."),
        ({"cc": [999999]}, "cc", "No contact has the id 999999."),
        (
            "stranger-requester",
            "requester_id",
            "The requester must be a contact of the ticket's client.",
        ),
        ("stranger-cc", "cc", "Copied contacts must be contacts of the ticket's client."),
        ("former-agent", "assignee_id", "No active agent has this id."),
    ],
)
def test_create_refuses_what_cannot_be(api, create_params, people, change, field, message, fmt):
    if change == "stranger-requester":
        change = {"requester_id": people["stranger"].pk}
    elif change == "stranger-cc":
        change = {"cc": [people["rita"].pk, people["stranger"].pk]}
    elif change == "former-agent":
        change = {"assignee_id": factories.AgentFactory(is_active=False).pk}
    response = send(api, "post", "/api/tickets", {**create_params, **change}, fmt)
    assert response.status_code == 422, response.content
    assert body(response)["errors"][field] == [message]
    assert not Ticket.objects.exists()


def test_json_cc_must_be_a_list_of_numbers(api, create_params, people):
    for cc in ["7", ["7"], [True], {"id": 7}]:
        response = send(api, "post", "/api/tickets", {**create_params, "cc": cc}, "json")
        assert response.status_code == 422, cc
        # The error names the parameter, or the item of it ("cc.0"), as the API's format does.
        assert {key.split(".")[0] for key in body(response)["errors"]} == {"cc"}


class TestPatch:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_requester_and_cc_change_with_their_events(self, api, agent, ticket, people, fmt):
        url = f"/api/tickets/{ticket.pk}"
        params = {"requester_id": people["rita"].pk, "cc": [people["carl"].pk]}
        response = send(api, "patch", url, params, fmt)
        assert response.status_code == 200, response.content
        ticket.refresh_from_db()
        assert ticket.requester == people["rita"]
        assert list(ticket.cc.all()) == [people["carl"]]
        data = body(response)["data"]
        assert data["requester"]["id"] == people["rita"].pk
        assert [contact["id"] for contact in data["cc"]] == [people["carl"].pk]
        kinds = list(ticket.events.values_list("kind", "channel", "actor_id"))
        assert sorted(kinds) == sorted(
            [
                (TicketEvent.Kind.REQUESTER_CHANGED, Channel.API, agent.pk),
                (TicketEvent.Kind.CC_CHANGED, Channel.API, agent.pk),
            ]
        )

    def test_empty_values_clear_them(self, api, ticket, people):
        ticket.requester = people["rita"]
        ticket.save(update_fields=["requester"])
        ticket.cc.set([people["carl"]])
        url = f"/api/tickets/{ticket.pk}"
        response = send(api, "patch", url, {"requester_id": "", "cc": [""]}, "form")
        assert response.status_code == 200, response.content
        ticket.refresh_from_db()
        assert ticket.requester is None
        assert not ticket.cc.exists()
        response = send(api, "patch", url, {"requester_id": None, "cc": []}, "json")
        assert response.status_code == 200
        assert ticket.events.filter(kind=TicketEvent.Kind.CC_CHANGED).count() == 1

    def test_contacts_of_another_client_are_refused_and_nothing_changes(self, api, ticket, people):
        url = f"/api/tickets/{ticket.pk}"
        params = {"requester_id": people["stranger"].pk, "cc": [people["stranger"].pk]}
        response = send(api, "patch", url, params, "json")
        assert response.status_code == 422
        assert set(body(response)["errors"]) == {"requester_id", "cc"}
        ticket.refresh_from_db()
        assert ticket.requester is None
        assert not ticket.events.exists()

    def test_the_assignee_and_team_are_not_patch_fields(self, api, ticket):
        response = send(api, "patch", f"/api/tickets/{ticket.pk}", {"team_id": 1}, "json")
        assert response.status_code == 422
        assert "requester_id, cc" in body(response)["errors"]["non_field_errors"][0]
