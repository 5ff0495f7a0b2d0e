"""Create, read, update and delete tickets; status, archive, restore and tags."""

import json
from urllib.parse import urlencode

import pytest
from django.core import mail

from tests import factories
from tickets.models import (
    Category,
    Channel,
    CustomField,
    Priority,
    Source,
    Ticket,
    TicketEvent,
)
from tickets.statuses import FixedStatus

from .conftest import body

pytestmark = pytest.mark.django_db


def send(api, method, url, data, fmt):
    """A request with a form-encoded body (as curl -d sends it) or a JSON body."""
    if fmt == "json":
        return getattr(api, method)(url, json.dumps(data), content_type="application/json")
    return form(api, method, url, data)


def form(api, method, url, data):
    return getattr(api, method)(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
    )


@pytest.fixture
def create_params(department, client_company):
    return {
        "ticket_clientid": client_company.pk,
        "ticket_categoryid": department.pk,
        "ticket_subject": "Cannot log in",
        "ticket_message": "I get an error",
        "ticket_priority": "high",
    }


def events(ticket):
    return list(ticket.events.order_by("id").values_list("kind", "actor_id", "channel"))


class TestGet:
    def test_returns_the_ticket(self, api, ticket):
        response = api.get(f"/api/tickets/{ticket.pk}")
        assert response.status_code == 200
        assert body(response)["data"]["id"] == ticket.pk
        assert body(response)["data"]["subject"] == ticket.subject

    def test_trailing_slash_works_without_redirect(self, api, ticket):
        response = api.get(f"/api/tickets/{ticket.pk}/")
        assert response.status_code == 200
        assert api.get("/api/tickets/").status_code == 200

    @pytest.mark.parametrize("pk", ["999999", "0", "99999999999999999999999", "abc", "-1"])
    def test_unknown_id_is_404(self, api, ticket, pk):
        response = api.get(f"/api/tickets/{pk}")
        assert response.status_code == 404
        assert set(body(response)) == {"message"}

    def test_unknown_path_is_404_in_the_envelope(self, api):
        response = api.get("/api/nowhere/at/all")
        assert (response.status_code, body(response)) == (404, {"message": "Not found."})

    def test_wrong_method_is_405(self, api, ticket):
        response = api.post(f"/api/tickets/{ticket.pk}/status", {"status": 2})
        assert response.status_code == 405
        assert body(response) == {"message": 'Method "POST" not allowed.'}
        assert api.put("/api/tickets", {}).status_code == 405


class TestCreate:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_creates_with_201_and_the_ticket(self, api, agent, create_params, fmt):
        if fmt == "form":
            response = form(api, "post", "/api/tickets", create_params)
        else:
            response = send(api, "post", "/api/tickets", create_params, "json")
        assert response.status_code == 201, response.content
        data = body(response)["data"]
        ticket = Ticket.objects.get()
        assert data["id"] == ticket.pk
        assert (ticket.subject, ticket.message) == ("Cannot log in", "I get an error")
        assert ticket.priority == Priority.HIGH
        assert (ticket.source, ticket.creator, ticket.status_id) == (Source.API, agent, 1)
        assert data["source"] == "api"
        assert data["creator_id"] == agent.pk
        assert events(ticket) == [("created", agent.pk, Channel.API)]

    def test_with_project_and_tags_in_both_formats(self, api, create_params, client_company):
        project = factories.ProjectFactory(client=client_company)
        response = form(
            api,
            "post",
            "/api/tickets",
            {**create_params, "ticket_projectid": project.pk, "tags[]": ["vip", "login"]},
        )
        assert response.status_code == 201
        assert body(response)["data"]["project_id"] == project.pk
        assert body(response)["data"]["tags"] == ["login", "vip"]
        response = send(api, "post", "/api/tickets", {**create_params, "tags": ["a"]}, "json")
        assert body(response)["data"]["tags"] == ["a"]
        response = form(api, "post", "/api/tickets", {**create_params, "tags": ["b", "c"]})
        assert body(response)["data"]["tags"] == ["b", "c"]

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"ticket_clientid": None}, "ticket_clientid", "This field is required."),
            ({"ticket_categoryid": None}, "ticket_categoryid", "This field is required."),
            ({"ticket_subject": None}, "ticket_subject", "This field is required."),
            ({"ticket_message": None}, "ticket_message", "This field is required."),
            ({"ticket_priority": None}, "ticket_priority", "This field is required."),
            ({"ticket_subject": "   "}, "ticket_subject", "This field may not be blank."),
            ({"ticket_subject": "x" * 256}, "ticket_subject", None),
            ({"ticket_clientid": 999999}, "ticket_clientid", "No client has this id."),
            ({"ticket_clientid": "abc"}, "ticket_clientid", "Enter a whole number (an id)."),
            ({"ticket_categoryid": 999999}, "ticket_categoryid", "No category has this id."),
            (
                {"ticket_priority": "low"},
                "ticket_priority",
                "The priority must be normal, high or urgent.",
            ),
            ({"ticket_projectid": 999999}, "ticket_projectid", "No project has this id."),
            ({"ticket_subject": "a\x00b"}, "ticket_subject", None),
        ],
    )
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_validation_errors_are_422(self, api, create_params, change, field, message, fmt):
        params = {**create_params, **change}
        params = {key: value for key, value in params.items() if value is not None}
        if fmt == "form":
            response = form(api, "post", "/api/tickets", params)
        else:
            response = send(api, "post", "/api/tickets", params, "json")
        assert response.status_code == 422
        data = body(response)
        assert set(data) == {"message", "errors"}
        assert field in data["errors"]
        if message:
            assert data["errors"][field] == [message]
        assert not Ticket.objects.exists()

    def test_department_must_be_of_type_ticket(self, api, create_params):
        projects = factories.CategoryFactory(type=Category.Type.PROJECT)
        response = form(
            api, "post", "/api/tickets", {**create_params, "ticket_categoryid": projects.pk}
        )
        assert response.status_code == 422
        assert body(response)["errors"] == {
            "ticket_categoryid": ["The department must be a category of type ticket."]
        }

    def test_project_must_belong_to_the_client(self, api, create_params):
        project = factories.ProjectFactory()
        response = form(
            api, "post", "/api/tickets", {**create_params, "ticket_projectid": project.pk}
        )
        assert response.status_code == 422
        assert body(response)["errors"] == {
            "ticket_projectid": ["The project does not belong to the ticket's client."]
        }

    def test_all_missing_fields_reported_at_once(self, api):
        response = api.post("/api/tickets", {})
        assert response.status_code == 422
        assert set(body(response)["errors"]) == {
            "ticket_clientid",
            "ticket_categoryid",
            "ticket_subject",
            "ticket_message",
            "ticket_priority",
        }

    @pytest.mark.parametrize(
        "raw",
        ['{"ticket_subject": ', "[1, 2]", '"text"', "null", "\xff\xfe"],
    )
    def test_malformed_json_is_422(self, api, raw):
        response = api.post("/api/tickets", raw, content_type="application/json")
        assert response.status_code == 422
        assert "body" in body(response)["errors"]

    @pytest.mark.parametrize(
        ("raw", "says"),
        [
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            ('{"ticket_subject": "Printer \\ud800"}', "surrogate"),
            ('{"custom_fields": {"\\udfff": "1"}}', "surrogate"),
        ],
    )
    def test_json_that_cannot_be_stored_is_422(self, api, raw, says):
        response = api.post("/api/tickets", raw, content_type="application/json")
        assert response.status_code == 422
        assert says in body(response)["message"]
        assert "body" in body(response)["errors"]

    def test_unsupported_content_type_is_422(self, api):
        response = api.post("/api/tickets", "<xml/>", content_type="application/xml")
        assert response.status_code == 422

    def test_json_wrong_types_are_422(self, api, create_params):
        response = send(
            api,
            "post",
            "/api/tickets",
            {**create_params, "ticket_clientid": True, "ticket_subject": {"a": 1}, "tags": "x"},
            "json",
        )
        assert response.status_code == 422
        assert {"ticket_clientid", "ticket_subject"} <= set(body(response)["errors"])


class TestCustomFields:
    @pytest.fixture
    def fields(self):
        return {
            "order": factories.CustomFieldFactory(
                key="order_number", type=CustomField.Type.NUMBER, required=True
            ),
            "plan": factories.CustomFieldFactory(
                key="plan", type=CustomField.Type.CHOICE, choices=["free", "pro"]
            ),
            "off": factories.CustomFieldFactory(key="legacy", enabled=False),
        }

    def test_accepted_by_key_at_top_level(self, api, create_params, fields):
        response = form(
            api, "post", "/api/tickets", {**create_params, "order_number": "42", "plan": "pro"}
        )
        assert response.status_code == 201, response.content
        assert body(response)["data"]["custom_fields"] == {"order_number": 42, "plan": "pro"}

    def test_accepted_as_an_object(self, api, create_params, fields):
        response = form(
            api, "post", "/api/tickets", {**create_params, "custom_fields[order_number]": "7"}
        )
        assert body(response)["data"]["custom_fields"]["order_number"] == 7
        response = send(
            api,
            "post",
            "/api/tickets",
            {**create_params, "custom_fields": {"order_number": 8}},
            "json",
        )
        assert body(response)["data"]["custom_fields"]["order_number"] == 8

    def test_required_and_typed(self, api, create_params, fields):
        response = form(api, "post", "/api/tickets", {**create_params, "plan": "gold"})
        assert response.status_code == 422
        assert body(response)["errors"] == {
            "order_number": ["This field is required."],
            "plan": ["Select one of: free, pro."],
        }
        response = form(api, "post", "/api/tickets", {**create_params, "order_number": "many"})
        assert body(response)["errors"] == {"order_number": ["Enter a number."]}
        assert not Ticket.objects.exists()

    def test_errors_of_fields_and_custom_fields_come_together(self, api, create_params, fields):
        response = form(api, "post", "/api/tickets", {**create_params, "ticket_priority": "x"})
        assert set(body(response)["errors"]) == {"ticket_priority", "order_number"}

    def test_disabled_or_unknown_fields_in_the_object_are_refused(self, api, create_params, fields):
        response = send(
            api,
            "post",
            "/api/tickets",
            {**create_params, "order_number": 1, "custom_fields": {"legacy": "x"}},
            "json",
        )
        assert body(response)["errors"] == {"legacy": ["Unknown custom field."]}

    def test_patch_changes_one_custom_field(self, api, fields, ticket):
        ticket.custom_fields = {"order_number": 1}
        ticket.save()
        response = form(api, "patch", f"/api/tickets/{ticket.pk}", {"plan": "free"})
        assert response.status_code == 200
        assert body(response)["data"]["custom_fields"] == {"order_number": 1, "plan": "free"}
        assert ticket.events.get().kind == "custom_field_changed"


class TestUpdate:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_changes_the_given_fields_and_records_each(self, api, agent, ticket, fmt):
        department = factories.CategoryFactory(name="Billing")
        project = factories.ProjectFactory(client=ticket.client)
        params = {
            "ticket_categoryid": department.pk,
            "ticket_projectid": project.pk,
            "ticket_subject": "New subject",
            "ticket_message": "New message",
            "ticket_priority": "urgent",
        }
        if fmt == "form":
            response = form(api, "patch", f"/api/tickets/{ticket.pk}", params)
        else:
            response = send(api, "patch", f"/api/tickets/{ticket.pk}", params, "json")
        assert response.status_code == 200, response.content
        ticket.refresh_from_db()
        assert (ticket.department, ticket.project, ticket.subject, ticket.message) == (
            department,
            project,
            "New subject",
            "New message",
        )
        assert ticket.priority == Priority.URGENT
        assert body(response)["data"]["priority"] == "urgent"
        assert sorted(events(ticket)) == sorted(
            (kind, agent.pk, "api")
            for kind in [
                "department_changed",
                "project_changed",
                "subject_changed",
                "message_changed",
                "priority_changed",
            ]
        )

    def test_partial_update_keeps_the_rest(self, api, ticket):
        response = form(api, "patch", f"/api/tickets/{ticket.pk}", {"ticket_priority": "high"})
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.priority == Priority.HIGH
        assert ticket.subject.startswith("Ticket subject")

    def test_empty_project_clears_it(self, api, ticket):
        ticket.project = factories.ProjectFactory(client=ticket.client)
        ticket.save()
        response = form(api, "patch", f"/api/tickets/{ticket.pk}", {"ticket_projectid": ""})
        assert body(response)["data"]["project_id"] is None
        response = send(
            api, "patch", f"/api/tickets/{ticket.pk}", {"ticket_projectid": None}, "json"
        )
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"ticket_priority": "low"}, "ticket_priority"),
            ({"ticket_subject": ""}, "ticket_subject"),
            ({"ticket_categoryid": 999999}, "ticket_categoryid"),
            ({"status": 2}, "status"),
            ({"ticket_clientid": 1}, "ticket_clientid"),
            ({}, "non_field_errors"),
        ],
    )
    def test_invalid_is_422_and_changes_nothing(self, api, ticket, params, field):
        response = form(api, "patch", f"/api/tickets/{ticket.pk}", params)
        assert response.status_code == 422
        assert field in body(response)["errors"]
        assert not ticket.events.exists()

    def test_project_of_another_client_is_422(self, api, ticket):
        project = factories.ProjectFactory()
        response = form(api, "patch", f"/api/tickets/{ticket.pk}", {"ticket_projectid": project.pk})
        assert response.status_code == 422
        assert "ticket_projectid" in body(response)["errors"]

    def test_non_ticket_department_is_422(self, api, ticket):
        category = factories.CategoryFactory(type=Category.Type.CLIENT)
        response = form(
            api, "patch", f"/api/tickets/{ticket.pk}", {"ticket_categoryid": category.pk}
        )
        assert response.status_code == 422

    def test_unknown_ticket_is_404(self, api):
        assert form(api, "patch", "/api/tickets/999", {"ticket_subject": "x"}).status_code == 404


class TestDelete:
    def test_deletes_with_204_and_no_body(self, api, ticket):
        factories.ReplyFactory(ticket=ticket)
        response = api.delete(f"/api/tickets/{ticket.pk}")
        assert response.status_code == 204
        assert response.content == b""
        assert not Ticket.objects.exists()
        assert api.delete(f"/api/tickets/{ticket.pk}").status_code == 404


class TestStatus:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_changes_status_and_records_it(self, api, agent, ticket, fmt):
        response = send(api, "put", f"/api/tickets/{ticket.pk}/status", {"status": 2}, fmt)
        assert response.status_code == 200
        data = body(response)["data"]
        assert data["status"] == {"id": 2, "title": "Closed"}
        assert data["dates"]["status_changed"] is not None
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at is not None
        assert events(ticket) == [("status_changed", agent.pk, "api")]

    @pytest.mark.parametrize("value", [99, "x", "", None])
    def test_invalid_status_is_422(self, api, ticket, value):
        params = {} if value is None else {"status": value}
        response = form(api, "put", f"/api/tickets/{ticket.pk}/status", params)
        assert response.status_code == 422
        assert "status" in body(response)["errors"]

    def test_unknown_ticket_is_404(self, api):
        assert form(api, "put", "/api/tickets/999/status", {"status": 2}).status_code == 404


class TestArchive:
    def test_archive_then_restore(self, api, agent, ticket):
        response = api.put(f"/api/tickets/{ticket.pk}/archive")
        assert response.status_code == 200
        assert body(response)["data"]["active_state"] == "archived"
        assert body(response)["data"]["archived"] is True
        response = api.put(f"/api/tickets/{ticket.pk}/restore")
        assert body(response)["data"]["active_state"] == "active"
        assert events(ticket) == [("archived", agent.pk, "api"), ("restored", agent.pk, "api")]

    def test_conflicts_are_409(self, api, ticket):
        response = api.put(f"/api/tickets/{ticket.pk}/restore")
        assert (response.status_code, body(response)) == (
            409,
            {"message": "The ticket is not archived."},
        )
        api.put(f"/api/tickets/{ticket.pk}/archive")
        response = api.put(f"/api/tickets/{ticket.pk}/archive/")
        assert (response.status_code, body(response)) == (
            409,
            {"message": "The ticket is already archived."},
        )

    def test_unknown_ticket_is_404(self, api):
        assert api.put("/api/tickets/999/archive").status_code == 404
        assert api.put("/api/tickets/999/restore").status_code == 404


class TestTags:
    @pytest.mark.parametrize("fmt", ["form", "json"])
    def test_replaces_the_full_set(self, api, agent, department, client_company, fmt):
        ticket = factories.TicketFactory(
            department=department, client=client_company, tags=["old", "keep"]
        )
        if fmt == "form":
            response = form(
                api, "put", f"/api/tickets/{ticket.pk}/tags", {"tags[]": ["keep", "new"]}
            )
        else:
            response = send(
                api, "put", f"/api/tickets/{ticket.pk}/tags", {"tags": ["keep", "new"]}, "json"
            )
        assert response.status_code == 200
        assert body(response)["data"]["tags"] == ["keep", "new"]
        assert sorted(ticket.tags.names()) == ["keep", "new"]
        event = ticket.events.get()
        assert (event.kind, event.actor, event.channel) == ("tags_changed", agent, "api")
        assert (event.old_value, event.new_value) == (["keep", "old"], ["keep", "new"])

    def test_thousands_of_tags_are_refused_and_change_nothing(
        self, api, department, client_company
    ):
        ticket = factories.TicketFactory(department=department, client=client_company, tags=["a"])
        tags = [f"tag{n}" for n in range(6000)]
        response = send(api, "put", f"/api/tickets/{ticket.pk}/tags", {"tags": tags}, "json")
        assert response.status_code == 422
        assert body(response)["errors"]["tags"] == ["A ticket has at most 50 tags."]
        assert list(ticket.tags.names()) == ["a"]
        assert not ticket.events.exists()

    @pytest.mark.parametrize(
        ("fmt", "params"),
        [("form", {"tags[]": ""}), ("form", {"tags": ""}), ("json", {"tags": []})],
    )
    def test_an_empty_set_clears(self, api, department, client_company, fmt, params):
        ticket = factories.TicketFactory(department=department, client=client_company, tags=["a"])
        if fmt == "form":
            response = form(api, "put", f"/api/tickets/{ticket.pk}/tags", params)
        else:
            response = send(api, "put", f"/api/tickets/{ticket.pk}/tags", params, "json")
        assert response.status_code == 200
        assert body(response)["data"]["tags"] == []
        assert list(ticket.tags.names()) == []

    def test_missing_tags_is_422(self, api, ticket):
        response = api.put(f"/api/tickets/{ticket.pk}/tags")
        assert response.status_code == 422
        assert "tags" in body(response)["errors"]

    def test_too_long_tag_is_422(self, api, ticket):
        response = form(api, "put", f"/api/tickets/{ticket.pk}/tags", {"tags[]": ["x" * 101]})
        assert response.status_code == 422


def test_the_api_sends_no_email(
    api, create_params, department, client_company, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(client=client_company, email="client@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = form(api, "post", "/api/tickets", create_params)
        pk = body(response)["data"]["id"]
        Ticket.objects.filter(pk=pk).update(requester=contact)
        form(api, "post", f"/api/tickets/{pk}/replies", {"ticketreply_text": "We are on it."})
        form(api, "put", f"/api/tickets/{pk}/status", {"status": 2})
        form(api, "patch", f"/api/tickets/{pk}", {"ticket_priority": "urgent"})
    assert mail.outbox == []
    assert TicketEvent.objects.filter(ticket_id=pk).exclude(channel="api").count() == 0
