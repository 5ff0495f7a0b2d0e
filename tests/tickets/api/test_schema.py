"""The OpenAPI schema is valid, complete, and matches what the endpoints return."""

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.db.models import Count
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from rest_framework import serializers as drf
from taggit.models import Tag

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
    common = {"401", "403", "413", "422", "429", "503"}
    assert set(tickets["get"]["responses"]) == {"200", *common}
    assert set(tickets["post"]["responses"]) == {"201", *common}
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


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_every_error_it_can_answer(schema):
    for name, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"401", "403", "413", "422", "429", "503"} <= codes, name
        names_a_record = any(p["in"] == "path" for p in operation.get("parameters", []))
        assert ("404" in codes) == names_a_record, name
        for code, response in operation["responses"].items():
            if code.startswith("4") or code == "503":
                # The error envelope: a component of ours, or the reports' inline schema.
                body = response["content"]["application/json"]["schema"]
                ref = body.get("$ref", "").rsplit("/", 1)[-1]
                envelope = schema["components"]["schemas"][ref] if ref else body
                assert "message" in envelope["properties"], (name, code)


def test_limits_of_page_limit_and_ids_are_stated(schema):
    bounds = {}
    for name, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            bounds[(name, parameter["name"])] = parameter["schema"]
    assert bounds[("GET /api/tickets", "page")] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**31 - 1,
    }
    assert bounds[("GET /api/tags", "limit")] == {"type": "integer", "minimum": 1, "maximum": 100}
    ids = {
        key: value
        for key, value in bounds.items()
        if key[1] in {"id", "contact_id", "reply_id", "client_id", "status", "agent", "team"}
    }
    assert len(ids) > 30
    for key, value in ids.items():
        assert (value["minimum"], value["maximum"]) == (1, 2**63 - 1), key


def test_texts_are_non_blank_and_a_patch_needs_a_field(schema):
    components = schema["components"]["schemas"]
    subject = components["TicketInputRequest"]["properties"]["ticket_subject"]
    assert subject["minLength"] == 1
    assert re.search(subject["pattern"], "a") and not re.search(subject["pattern"], " \t")
    assert not re.search(subject["pattern"], "a\x00")
    patches = [operation for name, operation in operations(schema) if name.startswith("PATCH")]
    assert len(patches) == 5
    for operation in patches:
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = components[ref.rsplit("/", 1)[1]]
        assert component["minProperties"] == 1
        assert [one["required"] for one in component["anyOf"]] == [
            [name] for name in component["properties"]
        ]


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


ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
# The value each kind of declared field stands for. A field of another kind fails the
# test until its check is added here.
VALUE_CHECKS = {
    drf.BooleanField: lambda field, value: isinstance(value, bool),
    drf.IntegerField: lambda field, value: isinstance(value, int) and not isinstance(value, bool),
    drf.CharField: lambda field, value: isinstance(value, str),
    drf.ChoiceField: lambda field, value: value in field.choices,
    drf.DateTimeField: lambda field, value: isinstance(value, str) and ISO_UTC.fullmatch(value),
    drf.DictField: lambda field, value: isinstance(value, dict),
}


def shape_errors(field, value, where: str, seen: set[tuple[str, bool]]) -> list[str]:
    """Where `value` differs from what `field` declares: keys (in order), types, nulls.
    Records in `seen` each place the value was or was not null."""
    seen.add((where, value is None))
    if value is None:
        return [] if field.allow_null else [f"{where} is null but not declared nullable"]
    if isinstance(field, drf.Serializer):
        if not isinstance(value, dict) or list(value) != list(field.fields):
            return [f"{where} is {value!r}; declared keys: {list(field.fields)}"]
        return [
            error
            for name, child in field.fields.items()
            for error in shape_errors(child, value[name], f"{where}.{name}", seen)
        ]
    if isinstance(field, drf.ListField):
        if not isinstance(value, list):
            return [f"{where} is {value!r}, not a list"]
        return [
            error for item in value for error in shape_errors(field.child, item, f"{where}[]", seen)
        ]
    if not VALUE_CHECKS[type(field)](field, value):
        return [f"{where} is {value!r}, not a {type(field).__name__}"]
    return []


def nullable_places(field, where: str) -> set[str]:
    places = {where} if field.allow_null else set()
    if isinstance(field, drf.Serializer):
        for name, child in field.fields.items():
            places |= nullable_places(child, f"{where}.{name}")
    elif isinstance(field, drf.ListField):
        places |= nullable_places(field.child, f"{where}[]")
    return places


def test_writers_write_the_documented_shapes(department, client_company, agent):
    """Every key a writer function returns, nested ones too, is declared by its schema
    serializer, in order, with a value of the declared type; every nullable field is
    seen both null and set."""
    contact = factories.ContactFactory(client=client_company)
    full = factories.TicketFactory(
        department=department,
        client=client_company,
        project=factories.ProjectFactory(client=client_company),
        creator=agent,
        assignee=agent,
        team=factories.TeamFactory(),
        requester=contact,
        due_at=timezone.now(),
        sla_due_at=timezone.now(),
        status_changed_at=timezone.now(),
        custom_fields={"order": "A-1"},
        tags=["x", "Y"],
    )
    bare = factories.TicketFactory(department=department, client=client_company)
    unnamed_agent = factories.AgentFactory(first_name="", last_name="")
    examples = [
        (serializers.ticket_data, full),
        (serializers.ticket_data, bare),
        (serializers.reply_data, factories.ReplyFactory(ticket=full, author_agent=agent)),
        (
            serializers.reply_data,
            factories.ReplyFactory(ticket=full, author_agent=None, author_contact=contact),
        ),
        (serializers.reply_data, factories.ReplyFactory(ticket=full, author_agent=None)),
        (serializers.status_data, full.status),
        (serializers.category_data, department),
        (serializers.client_data, client_company),
        (serializers.contact_data, contact),
        (serializers.project_data, full.project),
        (serializers.agent_data, agent),
        (serializers.agent_data, unnamed_agent),
        (
            serializers.tag_data,
            Tag.objects.annotate(tickets_count=Count("tickets_taggedticket_items")).first(),
        ),
    ]
    assert {writer for writer, _ in examples} == set(serializers.SCHEMAS)
    seen: set[tuple[str, bool]] = set()
    for writer, obj in examples:
        schema = serializers.SCHEMAS[writer]()
        assert shape_errors(schema, writer(obj), writer.__name__, seen) == []
    for writer, schema in serializers.SCHEMAS.items():
        for place in nullable_places(schema(), writer.__name__):
            assert {(place, True), (place, False)} <= seen, place


STAMP = "2026-01-10T09:00:00Z"


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (serializers.TagSchema, {"id": 1, "name": "x"}),
        (serializers.TagSchema, {"id": 1, "name": "x", "tickets_count": 2, "extra": 3}),
        (serializers.TagSchema, {"name": "x", "id": 1, "tickets_count": 2}),
        (serializers.TagSchema, {"id": "1", "name": "x", "tickets_count": 2}),
        (serializers.TagSchema, {"id": True, "name": "x", "tickets_count": 2}),
        (serializers.TagSchema, {"id": 1, "name": None, "tickets_count": 2}),
        (serializers.TicketDatesSchema, {"created": "2026-01-10", "last_updated": STAMP}),
        (
            serializers.TicketDatesSchema,
            {"created": "2026-01-10", "last_updated": STAMP, "status_changed": None},
        ),
        (
            serializers.ReplySchema,
            {"id": 1, "ticket_id": 1, "text": "", "type": "memo", "author": None, "created": STAMP},
        ),
    ],
)
def test_the_shape_check_finds_drift(schema, value):
    assert shape_errors(schema(), value, "value", set()) != []


def test_the_shape_check_passes_a_declared_shape():
    dates = {"created": STAMP, "last_updated": STAMP, "status_changed": None}
    assert shape_errors(serializers.TicketDatesSchema(), dates, "dates", set()) == []
