"""GET /api/tickets: every filter alone and combined, every sort both ways, pagination."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tickets.models import ActiveState, Priority
from tickets.statuses import FixedStatus

from .conftest import body

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in body(response)["data"]]


@pytest.fixture
def world(department, client_company):
    """Five tickets that differ in every filtered and sorted field."""
    other_department = factories.CategoryFactory(name="Billing")
    other_client = factories.ClientFactory(name="Globex")
    project = factories.ProjectFactory(client=client_company, name="Website")
    make = factories.TicketFactory
    tickets = {
        "a": make(
            subject="Printer is jammed",
            department=department,
            client=client_company,
            project=project,
            priority=Priority.HIGH,
            status_id=FixedStatus.OPEN,
            created_at=at(1),
            updated_at=at(10),
            tags=["hardware"],
        ),
        "b": make(
            subject="Invoice question",
            department=other_department,
            client=other_client,
            priority=Priority.URGENT,
            status_id=FixedStatus.CLOSED,
            created_at=at(2),
            updated_at=at(6),
            tags=["billing", "hardware"],
        ),
        "c": make(
            subject="Password reset",
            department=department,
            client=client_company,
            priority=Priority.NORMAL,
            status_id=FixedStatus.ON_HOLD,
            created_at=at(3),
            updated_at=at(8),
            active_state=ActiveState.ARCHIVED,
        ),
        "d": make(
            subject="Cannot log in",
            message="The login page shows an error about the printer driver.",
            department=department,
            client=client_company,
            project=project,
            priority=Priority.URGENT,
            status_id=FixedStatus.OPEN,
            created_at=at(4),
            updated_at=at(7),
            tags=["Billing"],
        ),
        "e": make(
            subject="Feature request",
            department=other_department,
            client=client_company,
            priority=Priority.NORMAL,
            status_id=FixedStatus.ANSWERED,
            created_at=at(5),
            updated_at=at(9),
        ),
    }
    factories.ReplyFactory(ticket=tickets["e"], text="Your invoice is attached.")
    factories.ReplyFactory(
        ticket=tickets["c"], text="Internal: check the toner levels.", kind="note"
    )
    tickets["project"] = project
    tickets["other_department"] = other_department
    tickets["other_client"] = other_client
    return tickets


def names(world, response):
    by_id = {t.pk: name for name, t in world.items() if len(name) == 1}
    return [by_id[pk] for pk in ids(response)]


def test_default_is_last_updated_newest_first_with_the_documented_shape(api, world):
    response = api.get("/api/tickets")
    assert names(world, response) == ["a", "e", "c", "d", "b"]
    data = body(response)
    assert data["meta"] == {"current_page": 1, "per_page": 25, "total": 5, "last_page": 1}
    ticket = data["data"][0]
    assert list(ticket)[:15] == [
        "id",
        "subject",
        "message",
        "status",
        "priority",
        "source",
        "active_state",
        "department",
        "client",
        "project_id",
        "creator_id",
        "dates",
        "replies_count",
        "tags",
        "assignee",
    ]
    assert ticket["status"] == {"id": 1, "title": "Open"}
    assert ticket["priority"] == "high"
    assert ticket["department"] == {"id": world["a"].department_id, "name": "Support"}
    assert ticket["client"] == {"id": world["a"].client_id, "name": "Acme Inc"}
    assert ticket["project_id"] == world["project"].pk
    assert ticket["dates"] == {
        "created": "2026-11-01T10:00:00Z",
        "last_updated": "2026-11-01T19:00:00Z",
        "status_changed": None,
    }
    assert ticket["tags"] == ["hardware"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=1", {"a", "d"}),
        ("status=2", {"b"}),
        ("status=4", {"e"}),
        ("priority=urgent", {"b", "d"}),
        ("priority=normal", {"c", "e"}),
        ("priority=high", {"a"}),
        ("active_state=archived", {"c"}),
        ("active_state=active", {"a", "b", "d", "e"}),
        ("search=printer", {"a", "d"}),
        ("search=invoice", {"b", "e"}),
        ("search=toner", {"c"}),
        ("search=nothing-like-this", set()),
        ("tags[]=billing", {"b", "d"}),
        ("tags[]=hardware", {"a", "b"}),
        ("tags[]=hardware&tags[]=billing", {"a", "b", "d"}),
        ("tags[]=unknown", set()),
        ("status=", {"a", "b", "c", "d", "e"}),
    ],
)
def test_each_filter_alone(api, world, query, expected):
    assert set(names(world, api.get(f"/api/tickets?{query}"))) == expected


def test_id_filters(api, world):
    department = world["a"].department_id
    assert set(names(world, api.get(f"/api/tickets?category_id={department}"))) == {"a", "c", "d"}
    other = world["other_client"].pk
    assert set(names(world, api.get(f"/api/tickets?client_id={other}"))) == {"b"}
    project = world["project"].pk
    assert set(names(world, api.get(f"/api/tickets?project_id={project}"))) == {"a", "d"}
    assert names(world, api.get("/api/tickets?client_id=999999")) == []


def test_filters_combine(api, world):
    client = world["a"].client_id
    response = api.get(
        f"/api/tickets?client_id={client}&status=1&priority=urgent&tags[]=billing&search=printer"
    )
    assert names(world, response) == ["d"]
    response = api.get(f"/api/tickets?category_id={world['a'].department_id}&active_state=active")
    assert names(world, response) == ["a", "d"]


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [
        ("ticket_created", ["a", "b", "c", "d", "e"]),
        ("ticket_last_updated", ["b", "d", "c", "e", "a"]),
        # normal < high < urgent; ties: most recently updated first
        ("ticket_priority", ["e", "c", "a", "d", "b"]),
        # by status id; ties: most recently updated first
        ("ticket_status", ["a", "d", "b", "c", "e"]),
    ],
)
def test_every_sort_in_both_orders(api, world, sort, ascending):
    assert names(world, api.get(f"/api/tickets?sort={sort}&order=asc")) == ascending
    assert names(world, api.get(f"/api/tickets?sort={sort}&order=desc")) == ascending[::-1]
    assert names(world, api.get(f"/api/tickets?sort={sort}")) == ascending[::-1]


def test_sort_with_filters(api, world):
    response = api.get("/api/tickets?active_state=active&sort=ticket_priority&order=desc")
    assert names(world, response) == ["b", "d", "a", "e"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=subject", "sort"),
        ("order=up", "order"),
        ("status=open", "status"),
        ("status=1.5", "status"),
        ("status=-1", "status"),
        ("status=99999999999999999999999", "status"),
        ("category_id=x", "category_id"),
        ("client_id=1e3", "client_id"),
        ("project_id=abc", "project_id"),
        ("priority=low", "priority"),
        ("active_state=deleted", "active_state"),
        ("search=" + "x" * 201, "search"),
        ("search=a%00b", "search"),
        ("tags[]=a%00b", "tags"),
    ],
)
def test_invalid_parameters_are_422(api, world, query, field):
    response = api.get(f"/api/tickets?{query}")
    assert response.status_code == 422
    data = body(response)
    assert set(data) == {"message", "errors"}
    assert field in data["errors"]
    assert data["message"] == data["errors"][field][0]


def test_several_invalid_parameters_are_reported_together(api, world):
    data = body(api.get("/api/tickets?sort=x&order=y"))
    assert set(data["errors"]) == {"sort", "order"}


@pytest.fixture
def many(department, client_company):
    return factories.TicketFactory.create_batch(
        7, department=department, client=client_company, updated_at=T0
    )


def test_pagination(api, many):
    newest_first = sorted((t.pk for t in many), reverse=True)
    first = body(api.get("/api/tickets?limit=3"))
    assert [t["id"] for t in first["data"]] == newest_first[:3]
    assert first["meta"] == {"current_page": 1, "per_page": 3, "total": 7, "last_page": 3}
    last = body(api.get("/api/tickets?limit=3&page=3"))
    assert [t["id"] for t in last["data"]] == newest_first[6:]
    assert last["meta"]["current_page"] == 3


def test_page_past_the_end_is_empty_with_correct_meta(api, many):
    response = api.get("/api/tickets?limit=3&page=9")
    assert response.status_code == 200
    assert body(response) == {
        "data": [],
        "meta": {"current_page": 9, "per_page": 3, "total": 7, "last_page": 3},
    }


def test_limit_bounds(api, many):
    assert body(api.get("/api/tickets?limit=100"))["meta"]["per_page"] == 100
    assert body(api.get("/api/tickets?limit=1"))["meta"]["last_page"] == 7


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=-5", "limit=x", "page=0", "page=-1", "page=one"]
)
def test_pagination_out_of_bounds_is_422(api, many, query):
    response = api.get(f"/api/tickets?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in body(response)["errors"]


def test_empty_database_has_one_empty_page(api):
    assert body(api.get("/api/tickets")) == {
        "data": [],
        "meta": {"current_page": 1, "per_page": 25, "total": 0, "last_page": 1},
    }


def count_queries(api, url):
    api.get(url)  # the first request of a key also records its last use
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries), len(body(response)["data"])


def test_list_runs_a_fixed_number_of_queries(api, department, client_company):
    agent = factories.AgentFactory()
    team = factories.TeamFactory()
    for n in range(100):
        factories.TicketFactory(
            department=factories.CategoryFactory(),
            client=factories.ClientFactory(),
            project=factories.ProjectFactory(),
            assignee=agent,
            team=team,
            requester=factories.ContactFactory(),
            tags=[f"tag{n}", "common"],
        )
    # key, count, page, and the prefetches of team, requester, CC contacts and tags
    assert count_queries(api, "/api/tickets?limit=1") == (7, 1)
    assert count_queries(api, "/api/tickets?limit=100") == (7, 100)
    assert count_queries(api, "/api/tickets?limit=100&tags[]=common&sort=ticket_priority") == (
        7,
        100,
    )


def test_single_ticket_runs_a_fixed_number_of_queries(api, department, client_company):
    plain = factories.TicketFactory(department=department, client=client_company)
    full = factories.TicketFactory(
        department=department,
        client=client_company,
        project=factories.ProjectFactory(client=client_company),
        assignee=factories.AgentFactory(),
        team=factories.TeamFactory(),
        requester=factories.ContactFactory(client=client_company),
        tags=["a", "b", "c"],
    )
    # key, ticket, and the prefetches of team, requester and tags (skipped when there is
    # none), and of the CC contacts
    assert count_queries(api, f"/api/tickets/{full.pk}")[0] == 6
    assert count_queries(api, f"/api/tickets/{plain.pk}")[0] == 4
