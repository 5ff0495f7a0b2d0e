"""Who may call what: every endpoint of every API (the native API, the reports API and the
compatibility APIs), found from the URL patterns, for each role, and the web pages that
change clients, departments and the like.

EXPECTED names the least role each (endpoint, method) needs; an endpoint or a method
without a row fails test_every_api_endpoint_has_a_row. A role below the row's gets a 403 in
that API's own error body; a role at or above it gets past the check (with the unknown ids
the matrix uses, that is a 404, or a 400/422 for a body it cannot read, and nothing changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from helpdesk.api import ApiView
from reports.catalog import REPORTS
from tests import factories
from tickets.models import Category, Client, Contact, Project, Reply, Ticket
from tickets.permissions import ROLE_PERMISSIONS, Action, Role, may, role_of

AGENT, SUPERVISOR, ADMINISTRATOR = 1, 2, 3
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
UNKNOWN_ID = "999999"

EXPECTED: dict[tuple[str, str], int] = {
    # The native API (tickets/api/urls.py).
    ("api:tickets", "GET"): AGENT,
    ("api:tickets", "POST"): AGENT,
    ("api:ticket", "GET"): AGENT,
    ("api:ticket", "PATCH"): AGENT,
    ("api:ticket", "DELETE"): SUPERVISOR,
    ("api:ticket-status", "PUT"): AGENT,
    ("api:ticket-archive", "PUT"): AGENT,
    ("api:ticket-restore", "PUT"): AGENT,
    ("api:ticket-tags", "PUT"): AGENT,
    ("api:replies", "GET"): AGENT,
    ("api:replies", "POST"): AGENT,
    ("api:reply", "DELETE"): SUPERVISOR,
    ("api:statuses", "GET"): AGENT,
    ("api:categories", "GET"): AGENT,
    ("api:categories", "POST"): ADMINISTRATOR,
    ("api:category", "GET"): AGENT,
    ("api:category", "PATCH"): ADMINISTRATOR,
    ("api:category", "DELETE"): ADMINISTRATOR,
    ("api:clients", "GET"): AGENT,
    ("api:clients", "POST"): AGENT,
    ("api:client", "GET"): AGENT,
    ("api:client", "PATCH"): AGENT,
    ("api:client", "DELETE"): SUPERVISOR,
    ("api:contacts", "GET"): AGENT,
    ("api:contacts", "POST"): AGENT,
    ("api:contact", "GET"): AGENT,
    ("api:contact", "PATCH"): AGENT,
    ("api:contact", "DELETE"): SUPERVISOR,
    ("api:projects", "GET"): AGENT,
    ("api:projects", "POST"): AGENT,
    ("api:project", "GET"): AGENT,
    ("api:project", "PATCH"): AGENT,
    ("api:project", "DELETE"): SUPERVISOR,
    ("api:agents", "GET"): AGENT,
    ("api:tags", "GET"): AGENT,
    ("api:incremental-tickets", "GET"): AGENT,
    # LiveChat: work on tickets only.
    ("livechat-tickets", "GET"): AGENT,
    ("livechat-tickets", "POST"): AGENT,
    ("livechat-ticket", "GET"): AGENT,
    ("livechat-ticket-tags", "PUT"): AGENT,
    ("livechat-reports", "GET"): AGENT,
    # SupportBee: DELETE on archive, star and spam undoes them (work on tickets).
    ("supportbee-tickets", "GET"): AGENT,
    ("supportbee-tickets", "POST"): AGENT,
    ("supportbee-ticket-search", "GET"): AGENT,
    ("supportbee-ticket", "GET"): AGENT,
    ("supportbee-replies", "GET"): AGENT,
    ("supportbee-replies", "POST"): AGENT,
    ("supportbee-comments", "GET"): AGENT,
    ("supportbee-comments", "POST"): AGENT,
    ("supportbee-archive", "POST"): AGENT,
    ("supportbee-archive", "DELETE"): AGENT,
    ("supportbee-star", "POST"): AGENT,
    ("supportbee-star", "DELETE"): AGENT,
    ("supportbee-spam", "POST"): AGENT,
    ("supportbee-spam", "DELETE"): AGENT,
    ("supportbee-assignments", "POST"): AGENT,
    ("supportbee-uploads", "POST"): AGENT,
    ("supportbee-attachment", "GET"): AGENT,
    # User.com.
    ("usercom-tickets", "GET"): AGENT,
    ("usercom-tickets", "POST"): AGENT,
    ("usercom-ticket", "GET"): AGENT,
    ("usercom-ticket", "PUT"): AGENT,
    # The reports API: one read-only view per report of the catalogue.
    **{(f"reports-api-{report.slug}", "GET"): AGENT for report in REPORTS.values()},
    # The service level reports (reports/sla_api.py).
    ("reports-api-sla_targets", "GET"): AGENT,
    ("reports-api-sla_breaches", "GET"): AGENT,
}
# Under /api and /compat but not an ApiView: the public schema and docs, and the JSON 404.
PUBLIC = {
    "api:schema",
    "api:docs",
    "api:",
    "livechat-not-found",
    "supportbee-not-found",
    "usercom-not-found",
    "compat-not-found",
}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or "")
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name or ''}" if namespace else pattern.name or ""
            yield prefix + str(pattern.pattern), name, pattern


def api_endpoints() -> dict[tuple[str, str], URLPattern]:
    """Every (URL name, method) under /api and /compat, from the URL patterns."""
    found: dict[tuple[str, str], URLPattern] = {}
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if not route.lstrip("^").startswith(("api/", "compat/")):
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, ApiView):
            assert name in PUBLIC, f"{route} ({name}) is neither an ApiView nor public"
            continue
        for method in METHODS:
            if hasattr(view_class, method.lower()):
                found[(name, method)] = pattern
    return found


ENDPOINTS = api_endpoints()


def test_every_api_endpoint_has_a_row():
    assert set(ENDPOINTS) == set(EXPECTED)


def test_the_api_has_the_endpoints_the_matrix_is_about():
    names = {name for name, _ in ENDPOINTS}
    assert {"api:ticket", "reports-api-new_tickets", "livechat-tickets", "usercom-ticket"} <= names
    assert {"supportbee-archive"} <= names


# Who calls -------------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "requester",
    "agent",
    "agent_in_group",
    "supervisor",
    "administrator",
    "superuser",
]
RANK = {
    "agent": AGENT,
    "agent_in_group": AGENT,
    "supervisor": SUPERVISOR,
    "administrator": ADMINISTRATOR,
    "superuser": ADMINISTRATOR,
}


def make_user(role: str):
    """The user of a role: `requester` is a signed-in user who is not staff (a requester
    signs in to the portal as a contact, never as a user: a user account is the most such
    a person could have); `agent` is staff in no role group."""
    if role == "anonymous":
        return None
    if role == "requester":
        return factories.UserFactory()
    user = {
        "agent": factories.AgentFactory,
        "agent_in_group": factories.AgentRoleFactory,
        "supervisor": factories.SupervisorFactory,
        "administrator": factories.AdministratorFactory,
        "superuser": factories.AdminFactory,
    }[role]()
    return user


def api_client(user) -> APIClient:
    client = APIClient(HTTP_X_API_VERSION="2")  # LiveChat's header; the others ignore it
    if user is not None:
        key = factories.ApiKeyFactory(agent=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.raw_key}")
    return client


def error_message(response) -> str:
    """The message of an error in any of the APIs' envelopes: native `message`,
    LiveChat's and SupportBee's `error`, User.com's (DRF's) `detail`."""
    data = response.json()
    return data.get("message") or data.get("error") or data.get("detail") or ""


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), sorted(EXPECTED), ids=lambda v: str(v))
def test_api_matrix(name, method):
    pattern = ENDPOINTS[(name, method)]
    kwargs = {group: UNKNOWN_ID for group in pattern.pattern.regex.groupindex}
    if name == "livechat-reports":
        kwargs = {"report": "total_chats"}
    url = reverse(name, kwargs=kwargs)
    least = EXPECTED[(name, method)]
    for role in ROLES:
        client = api_client(make_user(role))
        response = getattr(client, method.lower())(url, {}, format="json")
        where = f"{role} {method} {url}: {response.status_code} {response.content[:200]!r}"
        if role == "anonymous":
            assert response.status_code == 401, where
        elif role == "requester":
            # Their key is not usable (401): only an agent's is.
            assert response.status_code == 401, where
        elif RANK[role] < least:
            assert response.status_code == 403, where
            assert error_message(response).startswith("You may not "), where
        else:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where


# The defect: the API obeys what the web obeys ---------------------------------------------


def agent_api(factory: Callable) -> APIClient:
    return api_client(factory())


@pytest.mark.django_db
class TestDeletingThroughTheApi:
    def test_an_agent_cannot_delete_a_ticket(self, ticket):
        response = agent_api(factories.AgentFactory).delete(f"/api/tickets/{ticket.pk}")
        assert response.status_code == 403
        assert response.json() == {"message": "You may not delete tickets."}
        assert Ticket.objects.filter(pk=ticket.pk).exists()

    def test_an_agent_in_the_agent_group_cannot_either(self, ticket):
        response = agent_api(factories.AgentRoleFactory).delete(f"/api/tickets/{ticket.pk}")
        assert response.status_code == 403
        assert Ticket.objects.filter(pk=ticket.pk).exists()

    @pytest.mark.parametrize(
        ("factory", "expected"), [("AgentFactory", 403), ("SupervisorFactory", 204)]
    )
    def test_nor_through_a_browser_session(self, ticket, factory, expected):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(getattr(factories, factory)())
        # What a workspace page gives the browser: the CSRF cookie, sent back as the header.
        token = "a" * 32
        client.cookies["csrftoken"] = token
        response = client.delete(f"/api/tickets/{ticket.pk}", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == expected
        assert Ticket.objects.filter(pk=ticket.pk).exists() is (expected == 403)
        if expected == 403:
            assert response.json() == {"message": "You may not delete tickets."}

    def test_a_supervisor_deletes_a_ticket(self, ticket):
        response = agent_api(factories.SupervisorFactory).delete(f"/api/tickets/{ticket.pk}")
        assert response.status_code == 204
        assert not Ticket.objects.filter(pk=ticket.pk).exists()

    def test_an_agent_cannot_delete_a_reply_a_supervisor_can(self, ticket):
        reply = factories.ReplyFactory(ticket=ticket)
        url = f"/api/tickets/{ticket.pk}/replies/{reply.pk}"
        assert agent_api(factories.AgentFactory).delete(url).status_code == 403
        assert Reply.objects.filter(pk=reply.pk).exists()
        assert agent_api(factories.SupervisorFactory).delete(url).status_code == 204
        assert not Reply.objects.filter(pk=reply.pk).exists()

    def test_only_an_administrator_manages_departments(self, department):
        url = f"/api/categories/{department.pk}"
        for factory in (factories.AgentFactory, factories.SupervisorFactory):
            api = agent_api(factory)
            created = api.post("/api/categories", {"name": "Sales", "type": "ticket"})
            assert created.status_code == 403
            assert api.patch(url, {"name": "Renamed"}, format="json").status_code == 403
            assert api.delete(url).status_code == 403
        assert not Category.objects.filter(name__in=["Sales", "Renamed"]).exists()
        api = agent_api(factories.AdministratorFactory)
        assert api.post("/api/categories", {"name": "Sales", "type": "ticket"}).status_code == 201
        assert api.patch(url, {"name": "Renamed"}, format="json").status_code == 200
        assert api.delete(url).status_code == 204

    def test_an_agent_creates_and_edits_clients_a_supervisor_deletes_them(self):
        agent = agent_api(factories.AgentFactory)
        created = agent.post("/api/clients", {"name": "Umbrella"}, format="json")
        assert created.status_code == 201
        pk = created.json()["data"]["id"]
        renamed = agent.patch(f"/api/clients/{pk}", {"name": "Umbrella Corp"}, format="json")
        assert renamed.status_code == 200
        assert agent.delete(f"/api/clients/{pk}").status_code == 403
        assert Client.objects.filter(pk=pk).exists()
        assert (
            agent_api(factories.SupervisorFactory).delete(f"/api/clients/{pk}").status_code == 204
        )

    def test_contacts_and_projects_likewise(self, client_company):
        contact = factories.ContactFactory(client=client_company)
        project = factories.ProjectFactory(client=client_company)
        contact_url = f"/api/clients/{client_company.pk}/contacts/{contact.pk}"
        project_url = f"/api/projects/{project.pk}"
        agent = agent_api(factories.AgentFactory)
        assert agent.delete(contact_url).status_code == 403
        assert agent.delete(project_url).status_code == 403
        supervisor = agent_api(factories.SupervisorFactory)
        assert supervisor.delete(contact_url).status_code == 204
        assert supervisor.delete(project_url).status_code == 204
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert not Project.objects.filter(pk=project.pk).exists()


# The web and the admin ---------------------------------------------------------------------

WEB_ROLES = ["agent", "agent_in_group", "supervisor", "administrator", "superuser"]


def web_cases() -> list[tuple[str, Callable[[], str], int]]:
    """(label, the URL of a GET or a confirmation page, the least role)."""

    def ticket() -> int:
        return factories.TicketFactory().pk

    def client_pk() -> int:
        return factories.ClientFactory().pk

    return [
        ("reports", lambda: reverse("reports:dashboard"), AGENT),
        ("reports: service levels", lambda: reverse("reports:service_levels"), AGENT),
        ("new client", lambda: reverse("client_create"), AGENT),
        ("edit client", lambda: reverse("client_edit", args=[client_pk()]), AGENT),
        ("new contact", lambda: reverse("contact_create", args=[client_pk()]), AGENT),
        ("new project", lambda: reverse("project_create", args=[client_pk()]), AGENT),
        ("delete ticket", lambda: reverse("ticket_delete", args=[ticket()]), SUPERVISOR),
        ("notifications", lambda: reverse("notifications"), AGENT),
        ("mention suggestions", lambda: reverse("mention_suggestions"), AGENT),
        (
            "a macro's changes",
            lambda: reverse(
                "canned_changes", args=[ticket(), factories.CannedResponseFactory().pk]
            ),
            AGENT,
        ),
        (
            "a ticket's other tickets",
            lambda: reverse("ticket_requester_tickets", args=[ticket()]),
            AGENT,
        ),
        ("a ticket's contacts", lambda: reverse("ticket_contact_options", args=[ticket()]), AGENT),
        ("admin: tickets", lambda: reverse("admin:tickets_ticket_changelist"), AGENT),
        ("admin: new client", lambda: reverse("admin:tickets_client_add"), AGENT),
        (
            "admin: delete ticket",
            lambda: reverse("admin:tickets_ticket_delete", args=[ticket()]),
            SUPERVISOR,
        ),
        (
            "admin: delete client",
            lambda: reverse("admin:tickets_client_delete", args=[client_pk()]),
            SUPERVISOR,
        ),
        (
            "admin: delete reply",
            lambda: reverse("admin:tickets_reply_delete", args=[factories.ReplyFactory().pk]),
            SUPERVISOR,
        ),
        ("admin: new department", lambda: reverse("admin:tickets_category_add"), ADMINISTRATOR),
        ("admin: new status", lambda: reverse("admin:tickets_ticketstatus_add"), ADMINISTRATOR),
        (
            "admin: new custom field",
            lambda: reverse("admin:tickets_customfield_add"),
            ADMINISTRATOR,
        ),
        ("admin: new team", lambda: reverse("admin:tickets_team_add"), ADMINISTRATOR),
        ("admin: new mailbox", lambda: reverse("admin:mail_mailbox_add"), ADMINISTRATOR),
        ("admin: new API key", lambda: reverse("admin:tickets_apikey_add"), ADMINISTRATOR),
        (
            "admin: new business calendar",
            lambda: reverse("admin:sla_businesscalendar_add"),
            ADMINISTRATOR,
        ),
        ("admin: new SLA policy", lambda: reverse("admin:sla_slapolicy_add"), ADMINISTRATOR),
        ("admin: SLA policies", lambda: reverse("admin:sla_slapolicy_changelist"), ADMINISTRATOR),
        ("admin: triggers", lambda: reverse("admin:automations_trigger_changelist"), ADMINISTRATOR),
        ("admin: new trigger", lambda: reverse("admin:automations_trigger_add"), ADMINISTRATOR),
        (
            "admin: trigger preview",
            lambda: reverse(
                "admin:automations_trigger_preview", args=[factories.TriggerFactory().pk]
            ),
            ADMINISTRATOR,
        ),
        (
            "admin: automations",
            lambda: reverse("admin:automations_automation_changelist"),
            ADMINISTRATOR,
        ),
        (
            "admin: new automation",
            lambda: reverse("admin:automations_automation_add"),
            ADMINISTRATOR,
        ),
        (
            "admin: automation preview",
            lambda: reverse(
                "admin:automations_automation_preview", args=[factories.AutomationFactory().pk]
            ),
            ADMINISTRATOR,
        ),
        (
            "admin: webhook endpoints",
            lambda: reverse("admin:webhooks_webhookendpoint_changelist"),
            ADMINISTRATOR,
        ),
        (
            "admin: new webhook endpoint",
            lambda: reverse("admin:webhooks_webhookendpoint_add"),
            ADMINISTRATOR,
        ),
        (
            "admin: webhook deliveries",
            lambda: reverse("admin:webhooks_webhookdelivery_changelist"),
            ADMINISTRATOR,
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "url", "least"), web_cases(), ids=[c[0] for c in web_cases()])
@pytest.mark.parametrize("role", WEB_ROLES)
def test_web_matrix(client, label, url, least, role):
    client.force_login(make_user(role))
    response = client.get(url())
    assert response.status_code == (200 if RANK[role] >= least else 403), (role, label)


@pytest.mark.django_db
@pytest.mark.parametrize("role", WEB_ROLES)
def test_deleting_a_ticket_on_the_web(client, ticket, role):
    client.force_login(make_user(role))
    response = client.post(reverse("ticket_delete", args=[ticket.pk]))
    allowed = RANK[role] >= SUPERVISOR
    assert response.status_code == (302 if allowed else 403)
    assert Ticket.objects.filter(pk=ticket.pk).exists() is not allowed


@pytest.mark.django_db
@pytest.mark.parametrize("role", WEB_ROLES)
def test_the_ticket_page_offers_delete_only_to_who_may(client, ticket, role):
    client.force_login(make_user(role))
    page = client.get(reverse("ticket", args=[ticket.pk])).content.decode()
    assert (reverse("ticket_delete", args=[ticket.pk]) in page) is (RANK[role] >= SUPERVISOR)


@pytest.mark.django_db
@pytest.mark.parametrize("role", WEB_ROLES)
def test_a_colleagues_shared_view_is_a_supervisors_to_change(client, other_agent, role):
    view = factories.SavedViewFactory(owner=other_agent, name="Team", is_shared=True)
    client.force_login(make_user(role))
    expected = 200 if RANK[role] >= SUPERVISOR else 403
    assert client.get(reverse("saved_view_edit", args=[view.pk])).status_code == expected
    assert client.get(reverse("saved_view_delete", args=[view.pk])).status_code == expected


# The roles themselves ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_gave_each_role_its_permissions():
    for role, codenames in ROLE_PERMISSIONS.items():
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert held == codenames, role
    assert ROLE_PERMISSIONS[Role.AGENT] < ROLE_PERMISSIONS[Role.SUPERVISOR]
    assert ROLE_PERMISSIONS[Role.SUPERVISOR] < ROLE_PERMISSIONS[Role.ADMINISTRATOR]


@pytest.mark.django_db
def test_every_action_is_a_permission_some_role_holds():
    for action in Action:
        if action != Action.WORK_TICKETS:
            assert action.value in ROLE_PERMISSIONS[Role.ADMINISTRATOR], action
            app_label, _, codename = action.value.partition(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", *WEB_ROLES[1:]])
def test_may_follows_the_role(role):
    user = make_user(role)
    assert may(user, Action.WORK_TICKETS)
    assert may(user, Action.ADD_CLIENT)
    assert may(user, Action.DELETE_TICKET) is (RANK[role] >= SUPERVISOR)
    assert may(user, Action.CHANGE_SHARED_CANNED) is (RANK[role] >= SUPERVISOR)
    assert may(user, Action.ADD_CATEGORY) is (RANK[role] >= ADMINISTRATOR)
    assert role_of(user) == {1: Role.AGENT, 2: Role.SUPERVISOR, 3: Role.ADMINISTRATOR}[RANK[role]]


@pytest.mark.django_db
def test_nobody_but_an_active_agent_may_anything(outsider):
    from django.contrib.auth.models import AnonymousUser

    inactive = factories.SupervisorFactory(is_active=False)
    for user in (None, AnonymousUser(), outsider, inactive):
        assert not may(user, Action.WORK_TICKETS)
        assert not may(user, Action.DELETE_TICKET)


@pytest.mark.django_db
def test_an_agent_in_another_group_only_is_still_an_agent():
    user = factories.AgentFactory()
    user.groups.add(Group.objects.create(name="Night shift"))
    assert may(user, Action.ADD_CLIENT)
    assert not may(user, Action.DELETE_TICKET)


@pytest.mark.django_db
def test_a_role_follows_what_an_administrator_changes_in_its_group():
    group = Group.objects.get(name=Role.AGENT)
    group.permissions.add(Permission.objects.get(codename="delete_ticket"))
    assert may(factories.AgentFactory(), Action.DELETE_TICKET)  # no group: an Agent
    assert may(factories.AgentRoleFactory(), Action.DELETE_TICKET)


@pytest.mark.django_db
def test_creating_the_roles_again_adds_back_what_is_missing_and_keeps_what_was_added():
    from tickets.permissions import create_roles, delete_roles

    supervisor = Group.objects.get(name=Role.SUPERVISOR)
    delete_ticket = Permission.objects.get(codename="delete_ticket")
    add_category = Permission.objects.get(codename="add_category")
    supervisor.permissions.remove(delete_ticket)
    supervisor.permissions.add(add_category)
    create_roles(Group, Permission)
    create_roles(Group, Permission)
    assert set(supervisor.permissions.all()) >= {delete_ticket, add_category}
    assert Group.objects.filter(name__in=Role.values).count() == 3

    delete_roles(Group)
    assert not Group.objects.filter(name__in=Role.values).exists()
    create_roles(Group, Permission)
    test_the_migration_gave_each_role_its_permissions()


@pytest.mark.django_db
@pytest.mark.parametrize("role", WEB_ROLES)
def test_the_queue_offers_bulk_delete_only_to_who_may(client, ticket, role):
    client.force_login(make_user(role))
    page = client.get(reverse("queue")).content.decode()
    assert ('value="delete"' in page) is (RANK[role] >= SUPERVISOR)
