"""Statuses, categories, clients and contacts, projects, agents and tags."""

import json
from urllib.parse import urlencode

import pytest

from tests import factories
from tickets.models import Category, Client, Contact, Project

from .conftest import body

pytestmark = pytest.mark.django_db


def form(api, method, url, data):
    return getattr(api, method)(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
    )


def as_json(api, method, url, data):
    return getattr(api, method)(url, json.dumps(data), content_type="application/json")


def test_statuses_are_the_five_fixed_ones(api):
    data = body(api.get("/api/statuses"))
    assert {(s["id"], s["title"]) for s in data["data"]} == {
        (1, "Open"),
        (2, "Closed"),
        (3, "On Hold"),
        (4, "Answered"),
        (5, "Customer Replied"),
    }
    assert data["meta"]["total"] == 5
    assert api.post("/api/statuses", {"title": "New"}).status_code == 405


def test_agents_lists_active_agents_only(api, agent, outsider):
    inactive = factories.AgentFactory(is_active=False)
    data = body(api.get("/api/agents"))
    ids = [row["id"] for row in data["data"]]
    assert agent.pk in ids
    assert outsider.pk not in ids
    assert inactive.pk not in ids
    row = next(row for row in data["data"] if row["id"] == agent.pk)
    assert row == {
        "id": agent.pk,
        "username": agent.username,
        "name": agent.get_full_name(),
        "email": agent.email,
    }


def test_tags_with_ticket_counts_and_search(api, department, client_company):
    factories.TicketFactory(department=department, client=client_company, tags=["billing", "vip"])
    factories.TicketFactory(department=department, client=client_company, tags=["billing"])
    data = body(api.get("/api/tags"))
    assert [(t["name"], t["tickets_count"]) for t in data["data"]] == [("billing", 2), ("vip", 1)]
    assert [t["name"] for t in body(api.get("/api/tags?search=VI"))["data"]] == ["vip"]


class TestCategories:
    def test_list_and_filter_by_type(self, api, department):
        project_category = factories.CategoryFactory(type=Category.Type.PROJECT, name="Internal")
        all_ids = [c["id"] for c in body(api.get("/api/categories"))["data"]]
        assert set(all_ids) == {department.pk, project_category.pk}
        data = body(api.get("/api/categories?type=ticket"))["data"]
        assert data == [
            {
                "id": department.pk,
                "name": "Support",
                "type": "ticket",
                "position": 0,
                "created": data[0]["created"],
            }
        ]
        response = api.get("/api/categories?type=nope")
        assert response.status_code == 422
        assert body(response)["errors"] == {"type": ["The type must be ticket, project or client."]}

    @pytest.mark.parametrize("send", [form, as_json])
    def test_create_get_update_delete(self, api, send):
        response = send(api, "post", "/api/categories", {"name": "Sales", "type": "ticket"})
        assert response.status_code == 201
        pk = body(response)["data"]["id"]
        assert body(api.get(f"/api/categories/{pk}"))["data"]["name"] == "Sales"
        response = send(api, "patch", f"/api/categories/{pk}", {"name": "Sales EU", "position": 3})
        assert body(response)["data"]["name"] == "Sales EU"
        assert body(response)["data"]["position"] == 3
        assert api.delete(f"/api/categories/{pk}").status_code == 204
        assert not Category.objects.filter(pk=pk).exists()

    def test_validation(self, api, department):
        response = form(api, "post", "/api/categories", {"name": "support", "type": "ticket"})
        assert response.status_code == 409
        assert "already exists" in body(response)["message"]
        response = form(api, "post", "/api/categories", {"type": "other"})
        assert set(body(response)["errors"]) == {"name", "type"}
        # the same name is fine for another type
        response = form(api, "post", "/api/categories", {"name": "Support", "type": "client"})
        assert response.status_code == 201

    def test_in_use_cannot_be_deleted_or_change_type(self, api, ticket, department):
        response = api.delete(f"/api/categories/{department.pk}")
        assert response.status_code == 409
        assert "Tickets still use this category" in body(response)["message"]
        response = form(api, "patch", f"/api/categories/{department.pk}", {"type": "project"})
        assert response.status_code == 409
        department.refresh_from_db()
        assert department.type == "ticket"

    def test_unknown_is_404(self, api):
        assert api.get("/api/categories/999").status_code == 404
        assert form(api, "patch", "/api/categories/999", {"name": "x"}).status_code == 404
        assert api.delete("/api/categories/999").status_code == 404


class TestClients:
    def test_list_and_search_by_name_or_email(self, api):
        acme = factories.ClientFactory(name="Acme Inc", email="office@acme.example")
        globex = factories.ClientFactory(name="Globex", email="hello@globex.example")
        assert [c["id"] for c in body(api.get("/api/clients"))["data"]] == [acme.pk, globex.pk]
        assert [c["id"] for c in body(api.get("/api/clients?search=acme"))["data"]] == [acme.pk]
        by_email = body(api.get("/api/clients?search=hello@"))["data"]
        assert [c["id"] for c in by_email] == [globex.pk]

    @pytest.mark.parametrize("send", [form, as_json])
    def test_create_get_update_delete(self, api, send):
        response = send(
            api, "post", "/api/clients", {"name": "Initech", "email": "it@initech.example"}
        )
        assert response.status_code == 201, response.content
        data = body(response)["data"]
        assert (data["name"], data["email"], data["active"]) == (
            "Initech",
            "it@initech.example",
            True,
        )
        pk = data["id"]
        response = send(api, "patch", f"/api/clients/{pk}", {"active": False, "phone": "123"})
        assert (body(response)["data"]["active"], body(response)["data"]["phone"]) == (
            False,
            "123",
        )
        assert Client.objects.get(pk=pk).is_active is False
        assert api.get(f"/api/clients/{pk}").status_code == 200
        assert api.delete(f"/api/clients/{pk}").status_code == 204

    def test_validation(self, api):
        response = form(api, "post", "/api/clients", {"email": "not an email"})
        assert response.status_code == 422
        assert set(body(response)["errors"]) == {"name", "email"}

    @pytest.mark.parametrize("used_by", ["ticket", "project", "contact"])
    def test_in_use_cannot_be_deleted(self, api, client_company, department, used_by):
        if used_by == "ticket":
            factories.TicketFactory(client=client_company, department=department)
        elif used_by == "project":
            factories.ProjectFactory(client=client_company)
        else:
            factories.ContactFactory(client=client_company)
        response = api.delete(f"/api/clients/{client_company.pk}")
        assert response.status_code == 409
        assert "cannot be deleted" in body(response)["message"]
        assert Client.objects.filter(pk=client_company.pk).exists()


class TestContacts:
    def test_create_list_get_update_delete(self, api, client_company):
        url = f"/api/clients/{client_company.pk}/contacts"
        response = form(api, "post", url, {"name": "Jane", "email": "jane@acme.example"})
        assert response.status_code == 201
        data = body(response)["data"]
        assert (data["client_id"], data["name"]) == (client_company.pk, "Jane")
        pk = data["id"]
        assert [c["id"] for c in body(api.get(url))["data"]] == [pk]
        response = as_json(api, "patch", f"{url}/{pk}", {"phone": "555"})
        assert body(response)["data"]["phone"] == "555"
        assert api.get(f"{url}/{pk}").status_code == 200
        assert api.delete(f"{url}/{pk}").status_code == 204
        assert not Contact.objects.exists()

    def test_duplicate_email_is_409(self, api, client_company):
        factories.ContactFactory(client=client_company, email="jane@acme.example")
        url = f"/api/clients/{client_company.pk}/contacts"
        response = form(api, "post", url, {"name": "Jane", "email": "JANE@acme.example"})
        assert response.status_code == 409
        assert body(response) == {"message": "This client already has a contact with this email."}

    def test_contact_of_another_client_is_404(self, api, client_company):
        other = factories.ContactFactory()
        url = f"/api/clients/{client_company.pk}/contacts/{other.pk}"
        assert api.get(url).status_code == 404
        assert api.delete(url).status_code == 404
        assert api.get("/api/clients/999/contacts").status_code == 404

    def test_used_by_a_ticket_cannot_be_deleted(self, api, client_company, department):
        contact = factories.ContactFactory(client=client_company)
        factories.TicketFactory(client=client_company, department=department, requester=contact)
        response = api.delete(f"/api/clients/{client_company.pk}/contacts/{contact.pk}")
        assert response.status_code == 409
        assert Contact.objects.filter(pk=contact.pk).exists()


class TestProjects:
    def test_list_filter_by_client(self, api, client_company):
        mine = factories.ProjectFactory(client=client_company, name="Website")
        factories.ProjectFactory(name="Other")
        assert len(body(api.get("/api/projects"))["data"]) == 2
        data = body(api.get(f"/api/projects?client_id={client_company.pk}"))["data"]
        assert [p["id"] for p in data] == [mine.pk]
        assert api.get("/api/projects?client_id=abc").status_code == 422

    @pytest.mark.parametrize("send", [form, as_json])
    def test_create_get_update_delete(self, api, client_company, send):
        response = send(
            api, "post", "/api/projects", {"client_id": client_company.pk, "name": "Website"}
        )
        assert response.status_code == 201, response.content
        pk = body(response)["data"]["id"]
        assert body(response)["data"]["client_id"] == client_company.pk
        response = send(api, "patch", f"/api/projects/{pk}", {"description": "The new site"})
        assert body(response)["data"]["description"] == "The new site"
        assert api.get(f"/api/projects/{pk}").status_code == 200
        assert api.delete(f"/api/projects/{pk}").status_code == 204
        assert not Project.objects.exists()

    def test_validation(self, api, client_company):
        factories.ProjectFactory(client=client_company, name="Website")
        response = form(
            api, "post", "/api/projects", {"client_id": client_company.pk, "name": "website"}
        )
        assert response.status_code == 409
        assert body(response) == {"message": "This client already has a project with this name."}
        response = form(api, "post", "/api/projects", {"client_id": 999, "name": "X"})
        assert body(response)["errors"] == {"client_id": ["No client has this id."]}

    def test_in_use_cannot_be_deleted_or_move_client(self, api, client_company, department):
        project = factories.ProjectFactory(client=client_company)
        factories.TicketFactory(client=client_company, department=department, project=project)
        response = api.delete(f"/api/projects/{project.pk}")
        assert response.status_code == 409
        other = factories.ClientFactory()
        response = form(api, "patch", f"/api/projects/{project.pk}", {"client_id": other.pk})
        assert response.status_code == 409
        project.refresh_from_db()
        assert project.client == client_company
