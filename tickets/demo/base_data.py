"""The fixed base data: departments, clients with contacts and projects, agents,
teams, tags and custom fields, created once and found again by natural key."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from tickets.agents import agent_name
from tickets.filters import canonical_query
from tickets.models import (
    CannedResponse,
    Category,
    Client,
    Contact,
    CustomField,
    Project,
    SavedView,
    Team,
    TicketStatus,
    history,
)
from tickets.permissions import Role, create_roles

DEMO_PASSWORD = "demo"  # noqa: S105 - the published demo login

DEPARTMENTS = ["Support", "Technical", "Billing", "Sales", "Onboarding"]
DEPARTMENT_WEIGHTS = [40, 25, 15, 10, 10]
OTHER_CATEGORIES = [
    (Category.Type.PROJECT, "Implementation"),
    (Category.Type.PROJECT, "Maintenance"),
    (Category.Type.CLIENT, "Enterprise"),
    (Category.Type.CLIENT, "Small business"),
]

# username, first name, last name; `demo` is the superuser shown at the end.
AGENTS = [
    ("demo", "Demo", "Agent"),
    ("alice", "Alice", "Martin"),
    ("bob", "Bob", "Nguyen"),
    ("carol", "Carol", "Schmidt"),
    ("dave", "Dave", "Okafor"),
    ("erin", "Erin", "Rossi"),
    ("frank", "Frank", "Kowalski"),
    ("grace", "Grace", "Lindqvist"),
    ("heidi", "Heidi", "Moreau"),
    ("ivan", "Ivan", "Petrov"),
    ("judy", "Judy", "Tanaka"),
    ("mike", "Mike", "Fernandes"),
]
# The roles of tickets.permissions: `demo`, a superuser, may do everything; the agents not
# named here are in the Agent group.
ROLES = {"alice": Role.SUPERVISOR, "grace": Role.ADMINISTRATOR}
# title, text, department (None: every department), owner (None: shared).
CANNED_RESPONSES = [
    (
        "Greeting",
        "Hello {requester_name},\n\nThank you for writing to us. We are looking into ticket "
        "#{ticket_id} and will get back to you shortly.\n\n{agent_name}",
        None,
        None,
    ),
    (
        "Need more details",
        "Hello {requester_name},\n\nCould you tell us the steps that lead to the problem, "
        "and send a screenshot if you can?\n\n{agent_name}",
        None,
        None,
    ),
    (
        "Solved, closing",
        "Hello {requester_name},\n\nWe believe this is solved, so we are closing ticket "
        "#{ticket_id}. Reply to this message if anything is still wrong.\n\n{agent_name}",
        None,
        None,
    ),
    (
        "Refund on its way",
        "Hello {requester_name},\n\nThe refund for {client_name} has been issued; it takes "
        "3 to 5 working days to appear.\n\n{agent_name}, Billing",
        "Billing",
        None,
    ),
    (
        "Password reset",
        'Hello {requester_name},\n\nUse "Forgot password" on the sign-in page; the link in '
        "the email is valid for one hour.\n\n{agent_name}",
        "Technical",
        None,
    ),
    ("My signature", "Best regards,\n{agent_name}", None, "demo"),
]
# name, queue filters, owner, shared.
SAVED_VIEWS = [
    ("Urgent and open", "status=open&priority=urgent", "demo", True),
    ("VIP clients", "tags=vip&status=open", "demo", True),
    ("My high priority", "assignee=me&priority=high&status=open", "demo", False),
]
# team name, members, the departments whose tickets it takes.
TEAMS = [
    ("First line", ["alice", "bob", "carol", "demo"], ["Support", "Onboarding"]),
    ("Second line", ["dave", "erin", "frank", "demo"], ["Technical", "Support"]),
    ("Billing", ["grace", "heidi"], ["Billing"]),
    ("Sales", ["ivan", "judy", "mike"], ["Sales", "Onboarding"]),
]

TAGS = [
    "login", "password", "invoice", "refund", "bug", "feature-request", "api", "mobile",
    "performance", "outage", "onboarding", "export", "integration", "security", "vip",
]  # fmt: skip

CUSTOM_FIELDS = [
    # key, label, type, choices
    ("order_number", "Order number", CustomField.Type.TEXT, []),
    ("seats", "Seats", CustomField.Type.NUMBER, []),
    ("renewal_date", "Renewal date", CustomField.Type.DATE, []),
    ("plan", "Plan", CustomField.Type.CHOICE, ["Free", "Team", "Business", "Enterprise"]),
    ("urgent_callback", "Callback requested", CustomField.Type.CHECKBOX, []),
]

CLIENT_NAMES = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
    "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Gringotts", "Monarch", "Oscorp", "Pied Piper",
    "Dunder Mifflin", "Prestige", "Sterling", "Massive Dynamic", "Nakatomi", "Bluth", "Krusty",
    "Blue Sun", "Virtucon", "Zorg", "Ollivander", "Duff", "Gekko",
]  # fmt: skip
CLIENT_SUFFIXES = ["Ltd", "GmbH", "Inc", "SARL"]
CLIENT_COUNT = 120
# How far back the demo's tickets go (simulation.py); each client was one before its first ticket.
DAYS_OF_HISTORY = 180
FIRST_NAMES = [
    "Anna", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Hannah", "Isaac", "Julia", "Karl",
    "Lena", "Marco", "Nina", "Oscar", "Paula", "Quentin", "Rosa", "Sam", "Tara", "Umar",
    "Vera", "Will", "Xenia", "Yusuf", "Zoe", "Amir", "Bea", "Carlos", "Dana", "Eli", "Fatima",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Clark", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova",
    "Jensen", "Khan", "Lopez", "Meyer", "Novak", "Olsen", "Patel", "Quinn", "Reyes", "Silva",
    "Turner", "Ueda", "Vogel", "Walsh", "Young", "Zimmer",
]  # fmt: skip
PROJECT_NAMES = ["Website relaunch", "Mobile app", "Data migration", "SSO rollout", "Annual audit"]


@dataclass
class ClientInfo:
    id: int
    contact_ids: list[int]
    project_ids: list[int]


@dataclass
class Catalog:
    """The base data the tickets refer to, loaded in a fixed order.

    A label is how the history names a status or an agent (tickets.models.history's
    `reference`), kept here as JSON text: the rows carry JSON as text.
    """

    departments: list[tuple[int, str]]
    clients: list[ClientInfo]
    agents: dict[str, dict[str, Any]]  # username -> {"id": .., "label": ..}
    teams: list[tuple[int, list[str], list[str]]]  # id, member usernames, department names
    tag_ids: list[int]
    custom_fields: list[CustomField]
    statuses: dict[int, str]  # status id -> label


def ensure_base_data() -> Catalog:
    """Create what is missing of the fixed base data (by natural key) and load it all."""
    for name in DEPARTMENTS:
        Category.objects.get_or_create(type=Category.Type.TICKET, name=name)
    for category_type, name in OTHER_CATEGORIES:
        Category.objects.get_or_create(type=category_type, name=name)

    clients = _ensure_clients()
    agents = _ensure_agents()
    teams = []
    for name, members, departments in TEAMS:
        team, _ = Team.objects.get_or_create(name=name)
        team.members.add(*[agents[username]["id"] for username in members])
        teams.append((team.pk, members, departments))
    for name in TAGS:
        Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name)})
    for position, (key, label, field_type, choices) in enumerate(CUSTOM_FIELDS):
        CustomField.objects.get_or_create(
            key=key,
            defaults={"label": label, "type": field_type, "choices": choices, "position": position},
        )

    by_name = dict(Category.objects.filter(type=Category.Type.TICKET).values_list("name", "pk"))
    _ensure_roles()
    _ensure_workspace_aids(by_name)
    return Catalog(
        departments=[(by_name[name], name) for name in DEPARTMENTS],
        clients=clients,
        agents=agents,
        teams=teams,
        tag_ids=[Tag.objects.get(name=name).pk for name in TAGS],
        custom_fields=list(CustomField.objects.filter(key__in=[f[0] for f in CUSTOM_FIELDS])),
        statuses={s.pk: _label(s.pk, s.title) for s in TicketStatus.objects.all()},
    )


def _label(pk: int, name: str) -> str:
    return json.dumps(history.reference_to(pk, name))


def _client_since(number: int) -> datetime.datetime:
    """When a demo client became one: before the demo's oldest ticket (DAYS_OF_HISTORY),
    from half a year to about two years before today."""
    return timezone.now() - datetime.timedelta(days=DAYS_OF_HISTORY + 1 + (number * 37) % 540)


def _client_plan() -> list[tuple[str, str, list[tuple[str, str]], list[str]]]:
    """The fixed demo clients: name, email, contacts (name, email) and project names."""
    plan = []
    for number in range(CLIENT_COUNT):
        base = CLIENT_NAMES[number % len(CLIENT_NAMES)]
        suffix = CLIENT_SUFFIXES[number // len(CLIENT_NAMES) % len(CLIENT_SUFFIXES)]
        domain = f"{slugify(base)}-{slugify(suffix)}.example"
        contacts = []
        for person in range(2 + number % 5):
            first = FIRST_NAMES[(number * 7 + person * 3) % len(FIRST_NAMES)]
            last = LAST_NAMES[(number * 5 + person) % len(LAST_NAMES)]
            contacts.append((f"{first} {last}", f"{first}.{last}@{domain}".lower()))
        projects = PROJECT_NAMES[: number % 4]
        plan.append((f"{base} {suffix}", f"office@{domain}", contacts, projects))
    return plan


def _ensure_clients() -> list[ClientInfo]:
    plan = _client_plan()
    existing = {c.name: c for c in Client.objects.filter(name__in=[p[0] for p in plan])}
    Client.objects.bulk_create(
        [
            Client(
                name=name, email=email, phone="+44 20 7946 0000", created_at=_client_since(number)
            )
            for number, (name, email, _, _) in enumerate(plan)
            if name not in existing
        ]
    )
    existing = {c.name: c for c in Client.objects.filter(name__in=[p[0] for p in plan])}

    have_contacts = set(Contact.objects.values_list("client_id", "email"))
    have_projects = set(Project.objects.values_list("client_id", "name"))
    new_contacts, new_projects = [], []
    for name, _, contacts, projects in plan:
        client = existing[name]
        new_contacts += [
            Contact(client=client, name=contact_name, email=email)
            for contact_name, email in contacts
            if (client.pk, email) not in have_contacts
        ]
        new_projects += [
            Project(client=client, name=project)
            for project in projects
            if (client.pk, project) not in have_projects
        ]
    Contact.objects.bulk_create(new_contacts)
    Project.objects.bulk_create(new_projects)

    contact_pks: dict[int, dict[str, int]] = {}
    for client_id, email, pk in Contact.objects.values_list("client_id", "email", "pk"):
        contact_pks.setdefault(client_id, {})[email] = pk
    project_pks: dict[int, dict[str, int]] = {}
    for client_id, project, pk in Project.objects.values_list("client_id", "name", "pk"):
        project_pks.setdefault(client_id, {})[project] = pk
    return [
        ClientInfo(
            id=existing[name].pk,
            contact_ids=[contact_pks[existing[name].pk][email] for _, email in contact_plan],
            project_ids=[project_pks[existing[name].pk][project] for project in project_plan],
        )
        for name, _, contact_plan, project_plan in plan
    ]


def _ensure_agents() -> dict[str, dict[str, Any]]:
    User = get_user_model()
    password = None  # hashed once: hashing is deliberately slow
    agents = {}
    for username, first_name, last_name in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@helpdesk.example",
                password=password,
                is_staff=True,
                is_superuser=username == "demo",
            )
        name = agent_name(user)
        agents[username] = {"id": user.pk, "label": _label(user.pk, name)}
    return agents


def _ensure_roles() -> None:
    create_roles(Group, Permission)  # made by a migration; a flushed database lacks them
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    for user in get_user_model().objects.filter(username__in=[name for name, *_ in AGENTS]):
        if user.is_superuser:
            continue
        group = groups[ROLES.get(user.username, Role.AGENT)]
        if not user.groups.filter(name__in=Role.values).exists():
            user.groups.add(group)


def _ensure_workspace_aids(departments: dict[str, int]) -> None:
    """A few canned responses and saved views, so that the demo shows them."""
    users = dict(get_user_model().objects.values_list("username", "pk"))
    for title, text, department, owner in CANNED_RESPONSES:
        CannedResponse.objects.get_or_create(
            title=title,
            owner_id=users[owner] if owner else None,
            defaults={
                "text": text,
                "department_id": departments[department] if department else None,
            },
        )
    for name, query, owner, shared in SAVED_VIEWS:
        SavedView.objects.get_or_create(
            name=name,
            owner_id=users[owner],
            defaults={"query": canonical_query(QueryDict(query)), "is_shared": shared},
        )
