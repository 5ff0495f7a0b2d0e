"""The OpenAPI schema is valid, complete, and matches what the endpoints return."""

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLResolver, get_resolver

from helpdesk.api import not_found
from tests import factories
from tickets.api import serializers
from tickets.api import urls as api_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def documented_path(pattern) -> str:
    """/api/tickets/{id}/replies/{reply_id} from the route's regex."""
    regex = pattern.pattern.regex.pattern
    path = regex.removeprefix("^").removesuffix("/?$")
    path = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    return f"/api/{path}"


def test_schema_is_valid_without_warnings(schema):
    assert schema["openapi"].startswith("3.")


def test_every_route_is_documented_without_trailing_slash(schema):
    routes = [
        p
        for p in api_urls.urlpatterns
        if not isinstance(p, URLResolver) and p.name not in (None, "schema", "docs")
    ]
    assert len(routes) == 19
    for route in routes:
        assert documented_path(route) in schema["paths"], route.name
    assert not [
        path for path in schema["paths"] if path.startswith("/api/t") and path.endswith("/")
    ]


def test_every_documented_operation_answers(schema):
    """No path in the schema leads nowhere: each resolves to a view."""
    resolver = get_resolver()
    for path in schema["paths"]:
        concrete = re.sub(r"\{\w+\}", "1", path)
        assert resolver.resolve(concrete).func is not not_found, path


def test_operations_document_envelopes_and_errors(schema):
    tickets = schema["paths"]["/api/tickets"]
    assert set(tickets["get"]["responses"]) == {"200", "401", "403", "422", "429"}
    assert set(tickets["post"]["responses"]) == {"201", "401", "403", "422", "429"}
    listed = {p["name"] for p in tickets["get"]["parameters"]}
    assert listed == {
        "status",
        "priority",
        "category_id",
        "client_id",
        "project_id",
        "active_state",
        "search",
        "tags[]",
        "sort",
        "order",
        "limit",
        "page",
    }
    body_types = set(tickets["post"]["requestBody"]["content"])
    assert {"application/json", "application/x-www-form-urlencoded"} <= body_types
    assert set(schema["paths"]["/api/tickets/{id}"]["delete"]["responses"]) >= {"204", "404"}
    archive = schema["paths"]["/api/tickets/{id}/archive"]["put"]["responses"]
    assert "409" in archive
    components = schema["components"]["schemas"]
    assert set(components["TicketListResponse"]["properties"]) == {"data", "meta"}
    assert set(components["TicketResponse"]["properties"]) == {"data"}
    assert set(components["ValidationErrorSchema"]["properties"]) == {"message", "errors"}
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiKey"]["description"],
    }


def test_schema_and_docs_are_served(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert b"/api/tickets/{id}/replies" in response.content
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.content
    assert b"<script>" not in page.content  # no inline script: the CSP would block it
    script = client.get("/api/docs?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_writers_match_the_documented_shapes(department, client_company):
    """Every key a writer function returns is declared by its schema serializer, in order."""
    ticket = factories.TicketFactory(department=department, client=client_company)
    reply = factories.ReplyFactory(ticket=ticket)
    from django.db.models import Count
    from taggit.models import Tag

    ticket.tags.set(["x"])
    examples = {
        serializers.ticket_data: ticket,
        serializers.reply_data: reply,
        serializers.status_data: ticket.status,
        serializers.category_data: department,
        serializers.client_data: client_company,
        serializers.contact_data: factories.ContactFactory(),
        serializers.project_data: factories.ProjectFactory(),
        serializers.agent_data: reply.author_agent,
        serializers.tag_data: Tag.objects.annotate(tickets_count=Count("pk")).get(),
    }
    assert set(examples) == set(serializers.SCHEMAS)
    for writer, obj in examples.items():
        assert list(writer(obj)) == list(serializers.SCHEMAS[writer]().fields), writer.__name__
