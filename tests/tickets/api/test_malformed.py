"""No request, however malformed, gets a 500: every route and method, odd bodies and queries."""

import pytest

from tests import factories

from .conftest import body

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/tickets",
    "/api/tickets/{ticket}",
    "/api/tickets/{ticket}/status",
    "/api/tickets/{ticket}/archive",
    "/api/tickets/{ticket}/restore",
    "/api/tickets/{ticket}/tags",
    "/api/tickets/{ticket}/replies",
    "/api/tickets/{ticket}/replies/{reply}",
    "/api/statuses",
    "/api/categories",
    "/api/categories/{category}",
    "/api/clients",
    "/api/clients/{client}",
    "/api/clients/{client}/contacts",
    "/api/clients/{client}/contacts/{contact}",
    "/api/projects",
    "/api/projects/{project}",
    "/api/agents",
    "/api/tags",
]

BODIES = [
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b'{"ticket_subject": null, "tags": {"a": 1}, "status": [1]}'),
    ("application/json", b'{"custom_fields": [1], "ticket_clientid": 1e999, "name": 5}'),
    ("application/json", b'{"ticketreply_text": "a\\u0000b", "name": "\\u0000"}'),
    ("application/json", b"\xff\xfe\x00"),
    # Deeper than Python's recursion allows, and a lone UTF-16 surrogate (no UTF-8 text).
    ("application/json", b"[" * 100_000 + b"]" * 100_000),
    ("application/json", b'{"ticket_subject": "\\ud800", "name": "\\udfff", "tags": ["\\ud800"]}'),
    ("application/json", b'{"custom_fields": {"\\ud800": "x", "a": "\\ud800"}}'),
    ("application/x-www-form-urlencoded", b"tags[]=%00&name=%00&status=%FF&ticket_clientid=9" * 3),
    ("application/x-www-form-urlencoded", b"custom_fields[x]=1&custom_fields=2&=&&&"),
    ("application/x-www-form-urlencoded", b"custom_fields=2&custom_fields[x]=1&tags=a&tags[]=b"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
    ("text/plain", b"hello"),
]

QUERIES = [
    "page=99999999999999999999999999&limit=100",
    "status=%00&search=%00&tags[]=%00",
    "search=%22%22%22&sort=&order=",
    "search=!!!%20%26%20|%20:*",
    "client_id=1&client_id=x",
    "type=%FF",
]


@pytest.fixture
def ids(ticket, agent):
    reply = factories.ReplyFactory(ticket=ticket, author_agent=agent)
    contact = factories.ContactFactory(client=ticket.client)
    project = factories.ProjectFactory(client=ticket.client)
    return {
        "ticket": ticket.pk,
        "reply": reply.pk,
        "category": ticket.department_id,
        "client": ticket.client_id,
        "contact": contact.pk,
        "project": project.pk,
    }


@pytest.mark.parametrize("route", ROUTES)
def test_odd_bodies_never_fail(api, ids, route):
    url = route.format(**ids)
    for method in ("post", "put", "patch"):
        for content_type, raw in BODIES:
            response = getattr(api, method)(url, raw, content_type=content_type)
            assert response.status_code < 500, (method, url, raw)
            assert {"message"} <= set(body(response)) or "data" in body(response), (method, url)


@pytest.mark.parametrize("route", [r for r in ROUTES if "{" not in r or r.endswith("replies")])
def test_odd_queries_never_fail(api, ids, route):
    url = route.format(**ids)
    for query in QUERIES:
        response = api.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query)
        assert response.status_code in (200, 422), (url, query, response.content)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_unsafe_method_on_an_unknown_path_is_the_json_404(method):
    # A browser's session client checks CSRF tokens, as a real browser's request is checked.
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)("/api/nothing/here")
    assert response.status_code == 404
    assert body(response) == {"message": "Not found."}


@pytest.mark.parametrize(
    ("url", "offered"),
    [("/api/tickets", "json"), ("/api/reports/tickets/new_tickets", "json or csv")],
)
def test_an_unknown_format_is_a_422(api, url, offered):
    response = api.get(url, {"format": "xml"})
    assert response.status_code == 422
    assert body(response)["errors"] == {"format": [f"Unknown format 'xml': ask for {offered}."]}


@pytest.mark.parametrize(
    ("route", "fields"),
    [
        ("/api/tickets/{ticket}", "ticket_categoryid, ticket_projectid"),
        ("/api/clients/{client}", "name, email, phone, address or active"),
        ("/api/projects/{project}", "client_id, name or description"),
        ("/api/categories/{category}", "name, type or position"),
        ("/api/clients/{client}/contacts/{contact}", "name, email or phone"),
    ],
)
@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/json", b""),
        ("application/json", b"{}"),
        ("application/x-www-form-urlencoded", b""),
    ],
)
def test_a_patch_that_gives_no_field_is_the_same_422_everywhere(
    api, ids, route, fields, content_type, raw
):
    response = api.patch(route.format(**ids), raw, content_type=content_type)
    assert response.status_code == 422
    assert body(response)["message"].startswith("Give at least one of ")
    assert fields in body(response)["message"]


class TestOverTheLimits:
    """Django's request limits answer in the API's envelope (413, with the limit), never
    Django's HTML 400 page."""

    def test_a_json_body(self, api, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576
        raw = b'{"ticket_subject": "x", "ticket_message": "' + b"y" * 1_100_000 + b'"}'
        response = api.post("/api/tickets", raw, content_type="application/json")
        assert response.status_code == 413
        assert body(response) == {
            "message": "The request body is over its limit of 1 MB "
            "(attached files count apart, each against the attachment limit)."
        }

    def test_a_form_body(self, api, ticket, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        raw = "ticketreply_text=" + "y" * 2000
        url = f"/api/tickets/{ticket.pk}/replies"
        response = api.post(url, raw, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert "over its limit" in body(response)["message"]
        assert not ticket.replies.exists()

    def test_too_many_fields(self, api, ticket, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
        raw = "&".join(f"tags[]=t{n}" for n in range(20))
        url = f"/api/tickets/{ticket.pk}/tags"
        response = api.put(url, raw, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert body(response) == {"message": "The request holds more than 10 fields."}

    def test_too_many_files(self, api, ticket, settings):
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
        files = [SimpleUploadedFile(f"f{n}.txt", b"x") for n in range(3)]
        url = f"/api/tickets/{ticket.pk}/replies"
        response = api.post(url, {"ticketreply_text": "Hi", "attachments": files})
        assert response.status_code == 413
        assert body(response) == {"message": "The request holds more than 2 files."}
