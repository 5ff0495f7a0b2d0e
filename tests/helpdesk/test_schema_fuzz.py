"""schemathesis over every operation of the OpenAPI schema, with every check.

The schema is the contract (docs/api.md): each operation is called with data generated
from it, valid and invalid, through the real WSGI application, authenticated with an API
key, and each answer must be what the schema states: no server error, a documented
status code, content type, headers and body, invalid data refused, valid data accepted,
and no answer without the key. The examples are bounded and derandomized, so a run is
reproducible and CI stays within its time; the number of cases is printed at the end of
the run (tests/conftest.py). No operation is left out: the schema has no upload, and every
operation is fuzzed (the schema and docs views are not in the schema).
"""

import datetime
import io
import json
import time
import uuid

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.generation.modes import GenerationMode

from tests import factories
from tests.conftest import SCHEMATHESIS_CASES
from tickets.models import Category, TicketStatus

TIME_ZONES = ["UTC", "Europe/London", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]


def _schema() -> dict:
    """The served schema, its request bodies fuzzed as JSON only.

    The form encodings the schema also lists carry every value as text: a negative case
    (an object where a string belongs, say) has no form of its own there, and would be
    sent as a valid string. Forms are tested in tests/tickets/api/ (test_curl_examples.py
    sends every documented form example).
    """
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    document = json.loads(out.getvalue())
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content")
            if content:
                operation["requestBody"]["content"] = {
                    "application/json": content["application/json"]
                }
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "timezone":
                    # A sample of the ~600 IANA names the schema lists: schemathesis's coverage
                    # phase calls an operation once per value of an enum, a report each time.
                    parameter["schema"]["enum"] = TIME_ZONES
    return document


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()


class Records:
    """The records valid cases name. Whether a record exists is beyond what a schema can
    state, so a valid case names existing ones (an unknown id in a body or a report's
    filter is a documented 422, in a path a 404); invalid cases keep what was drawn."""

    def __init__(self, key) -> None:
        self.agent = key.agent
        self.headers = {"Authorization": f"Bearer {key.raw_key}"}
        self.client = factories.ClientFactory()
        self.department = factories.CategoryFactory(type=Category.Type.TICKET)
        self.project = factories.ProjectFactory(client=self.client)
        self.contact = factories.ContactFactory(client=self.client)
        self.team = factories.TeamFactory()
        self.ticket = factories.TicketFactory(client=self.client, department=self.department)
        self.reply = factories.ReplyFactory(ticket=self.ticket)
        self.statuses = list(TicketStatus.objects.order_by("pk").values_list("pk", flat=True))
        # Inactive: a breaches filter names it; no ticket the other cases make gets its targets.
        self.sla_policy = factories.SlaPolicyFactory(is_active=False)

    def path_ids(self, path: str) -> dict[str, int]:
        if path.startswith("/api/clients"):
            return {"id": self.client.pk, "contact_id": self.contact.pk}
        if path.startswith("/api/categories"):
            return {"id": self.department.pk}
        if path.startswith("/api/projects"):
            return {"id": self.project.pk}
        return {"id": self.ticket.pk, "reply_id": self.reply.pk}

    def references(self) -> dict[str, int]:
        return {
            "ticket_clientid": self.client.pk,
            "client_id": self.client.pk,
            "client": self.client.pk,
            "ticket_categoryid": self.department.pk,
            "department": self.department.pk,
            "ticket_projectid": self.project.pk,
            "agent": self.agent.pk,
            "team": self.team.pk,
            "policy": self.sla_policy.pk,
            "assignee_id": self.agent.pk,
            "team_id": self.team.pk,
            "requester_id": self.contact.pk,
        }

    @staticmethod
    def one_day(query: dict) -> None:
        """A report's dates within the rules the schema leaves to its description: 1970 to
        2199, the start not after the end, at most ten years (31 days by the hour)."""
        given = query.get("date_from") or query.get("date_to")
        if given:
            day = datetime.date.fromisoformat(given)
            day = day.replace(year=min(max(day.year, 1970), 2199))
            query["date_from"] = query["date_to"] = day.isoformat()

    @staticmethod
    def export_from_the_past(query: dict) -> None:
        """The export's first call: a start_time not in the future, and no cursor (one that
        the export gave cannot be drawn)."""
        query.pop("cursor", None)
        query["start_time"] = min(int(query.get("start_time") or 0), int(time.time()))

    def name_existing(self, case) -> None:
        """Point a valid case's ids at records that exist, a report's at a valid period, an
        Idempotency-Key at a key of its own (a key drawn twice for two bodies is a 422)."""
        if case.path.startswith("/api/reports/") and case.query:
            self.one_day(case.query)
        if case.path == "/api/incremental/tickets":
            case.query = case.query or {}
            self.export_from_the_past(case.query)
        if case.headers and "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        for name in case.path_parameters or {}:
            case.path_parameters[name] = self.path_ids(case.path)[name]
        references = self.references()
        for container in (case.query, case.body):
            if not isinstance(container, dict):
                continue
            for name, value in container.items():
                if name == "status" and isinstance(value, int):
                    container[name] = self.statuses[value % len(self.statuses)]
                elif name in references and value is not None:
                    container[name] = references[name]
                elif name == "cc" and isinstance(value, list):
                    # A ticket's copied contacts, of its client.
                    container[name] = [self.contact.pk] if value else []


@pytest.fixture
def records(db, settings):
    """An agent's key, and the records valid cases name."""
    # Requests reach the app as a server's would, through the WSGI handler; like Django's
    # test client, keep it from closing the test's connection at each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # The rate limit is tested elsewhere (tests/tickets/api/test_auth.py); here it would
    # only turn the later cases into 429s.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/minute"},
    }
    settings.ALLOWED_HOSTS = ["localhost"]
    key = factories.ApiKeyFactory(agent=factories.AgentFactory(), name="Fuzz")
    yield Records(key)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def cases(record_property):
    """The cases an operation ran, counted for the run's summary (tests/conftest.py)."""
    ran: list = []
    yield ran
    record_property(SCHEMATHESIS_CASES, len(ran))


@schema.parametrize()
@hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_keeps_to_the_schema(case, records, cases):
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        records.name_existing(case)
    case.call_and_validate(headers=records.headers)
    cases.append(case)


def test_schema_parses_as_yaml_too():
    """The served schema is YAML by default; the fuzzed one is the same document as JSON."""
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    assert yaml.safe_load(out.getvalue())["paths"].keys() == schema.raw_schema["paths"].keys()
