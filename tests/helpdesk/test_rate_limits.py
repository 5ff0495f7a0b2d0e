"""The rate limits: one store every worker and server shares (Redis, else a database
table), and their headers on every answer of every API."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from helpdesk.ratelimit import hit
from tests import factories
from tests.compat.livechat.conftest import LiveChatClient
from tests.compat.supportbee.conftest import SupportBeeClient
from tests.compat.usercom.conftest import UserComClient
from tests.tickets.api.conftest import KeyClient

DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "helpdesk_rate_limits",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def settings_caches(**environ: str) -> dict:
    """CACHES as the settings module builds them from `environ` (REDIS_URL unset unless
    given)."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(environ)
    code = "import json, helpdesk.settings as s; print(json.dumps(s.CACHES))"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


class TestTheStore:
    def test_without_redis_rate_limits_go_to_the_database(self):
        configured = settings_caches()
        assert configured["ratelimit"]["BACKEND"] == DATABASE_CACHE["BACKEND"]
        assert configured["ratelimit"]["LOCATION"] == DATABASE_CACHE["LOCATION"]
        # Counts and addresses stay in each process's memory: losing them costs nothing.
        assert configured["default"]["BACKEND"].endswith("LocMemCache")

    def test_with_redis_both_go_to_redis_and_give_up_quickly(self):
        configured = settings_caches(REDIS_URL="redis://cache.internal:6379/0")
        for alias in ("default", "ratelimit"):
            assert configured[alias]["BACKEND"] == "helpdesk.cache.FaultTolerantRedisCache"
            assert configured[alias]["LOCATION"] == "redis://cache.internal:6379/0"
            assert configured[alias]["OPTIONS"] == {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            }
        assert configured["ratelimit"]["KEY_PREFIX"] == "ratelimit"

    def test_migrate_makes_the_table(self, db):
        assert DATABASE_CACHE["LOCATION"] in connection.introspection.table_names()


def other_process_hits(times: int) -> list[bool]:
    """`times` uses of the portal's limit counted by another Python process, on the test
    database, as another gunicorn worker would."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="helpdesk.settings")
    code = (
        "import django, json; django.setup(); from helpdesk.ratelimit import hit; "
        f"print(json.dumps([hit('test', 'shared', '3/hour') for _ in range({times})]))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def database_rate_limits(settings):
    """The production store without Redis; the table outlives a transactional test's flush."""
    settings.CACHES = {**django_settings.CACHES, "ratelimit": DATABASE_CACHE}
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_rate_limits")
class TestSharedAcrossProcesses:
    def test_the_portal_limit_counts_another_processs_uses(self):
        assert [hit("test", "shared", "3/hour") for _ in range(2)] == [True, True]
        # The other process sees those two, and has one left.
        assert other_process_hits(2) == [True, False]
        assert hit("test", "shared", "3/hour") is False

    def test_the_api_limit_is_one_for_two_workers(self, settings, agent):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": "3/minute"},
        }
        api = KeyClient(factories.ApiKeyFactory(agent=agent).raw_key)
        assert [api.get("/api/statuses").status_code for _ in range(2)] == [200, 200]
        # Another worker: its own cache object and database connection.
        worker = caches.create_connection("ratelimit")
        connection.close()
        assert worker is not caches["ratelimit"]
        assert len(worker.get(f"throttle_user_{agent.pk}")) == 2
        assert api.get("/api/statuses")["X-RateLimit-Remaining"] == "0"
        assert api.get("/api/statuses").status_code == 429


@pytest.fixture
def agent_key(agent):
    return factories.ApiKeyFactory(agent=agent).raw_key


@pytest.fixture
def session_outsider(outsider):
    browser = APIClient()
    browser.force_login(outsider)
    return browser


SIGN_IN = reverse("portal:sign_in")
RANGE = {"date_from": "2026-01-10", "date_to": "2026-01-12"}

# (name, how to make the client from the agent's key, method, path, data, expected status)
ANSWERS = [
    ("native list", KeyClient, "get", "/api/tickets", None, 200),
    ("native missing", KeyClient, "get", "/api/tickets/999999", None, 404),
    ("native invalid", KeyClient, "post", "/api/tickets", {}, 422),
    ("native unknown format", KeyClient, "get", "/api/tickets?format=xml", None, 422),
    ("native unknown path", KeyClient, "get", "/api/nothing/here", None, 404),
    ("native unknown path, post", lambda key: APIClient(), "post", "/api/nothing", {}, 404),
    ("native bad key", lambda key: KeyClient("wrong"), "get", "/api/tickets", None, 401),
    ("native no key", lambda key: APIClient(), "get", "/api/tickets", None, 401),
    ("reports", KeyClient, "get", "/api/reports/tickets/new_tickets", RANGE, 200),
    ("reports invalid", KeyClient, "get", "/api/reports/tickets/new_tickets", {"date_from": "soon"}, 422),
    ("livechat", lambda key: LiveChatClient(raw_key=key, bearer=True), "get",
     "/compat/livechat/tickets", None, 200),
    ("livechat missing", lambda key: LiveChatClient(raw_key=key, bearer=True), "get",
     "/compat/livechat/tickets/999999", None, 404),
    ("livechat no key", lambda key: LiveChatClient(), "get", "/compat/livechat/tickets", None, 401),
    ("supportbee", lambda key: SupportBeeClient(raw_key=key), "get",
     "/compat/supportbee/tickets.json", None, 200),
    ("supportbee missing", lambda key: SupportBeeClient(raw_key=key), "get",
     "/compat/supportbee/tickets/999999.json", None, 404),
    ("supportbee no key", lambda key: SupportBeeClient(), "get",
     "/compat/supportbee/tickets.json", None, 401),
    ("usercom", lambda key: UserComClient(raw_key=key), "get",
     "/compat/usercom/api/public/tickets/", None, 200),
    ("usercom missing", lambda key: UserComClient(raw_key=key), "get",
     "/compat/usercom/api/public/tickets/999999/", None, 404),
    ("usercom no key", lambda key: UserComClient(), "get",
     "/compat/usercom/api/public/tickets/", None, 401),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make_client", "method", "path", "data", "expected"),
    [case[1:] for case in ANSWERS],
    ids=[case[0] for case in ANSWERS],
)
def test_every_answer_has_the_rate_limit_headers(
    agent_key, department, make_client, method, path, data, expected
):
    client = make_client(agent_key)
    response = getattr(client, method)(path, data, format="json" if method == "post" else None)
    assert response.status_code == expected, response.content[:300]
    assert response["X-RateLimit-Limit"] == "1200"
    assert response["X-RateLimit-Remaining"] == "1199"
    assert 1 <= int(response["X-RateLimit-Reset"]) <= 60


def test_a_non_agents_refusal_has_them_too(session_outsider):
    response = session_outsider.get("/api/tickets")
    assert response.status_code == 403
    assert response["X-RateLimit-Remaining"] == "1199"


def test_refusals_count_against_the_address(settings, db):
    # A client guessing keys runs out of tries like any other.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/minute"},
    }
    guesser = KeyClient("guess")
    assert [guesser.get("/api/tickets")["X-RateLimit-Remaining"] for _ in range(3)] == [
        "1",
        "0",
        "0",
    ]


@pytest.mark.parametrize(
    ("make_client", "path"),
    [
        (KeyClient, "/api/tickets"),
        (KeyClient, "/api/reports/tickets/new_tickets?date_from=2026-01-10&date_to=2026-01-12"),
        (lambda key: LiveChatClient(raw_key=key, bearer=True), "/compat/livechat/tickets"),
        (lambda key: SupportBeeClient(raw_key=key), "/compat/supportbee/tickets.json"),
        (lambda key: UserComClient(raw_key=key), "/compat/usercom/api/public/tickets/"),
    ],
    ids=["native", "reports", "livechat", "supportbee", "usercom"],
)
def test_429_says_when_to_come_back(settings, agent_key, department, make_client, path):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1/minute"},
    }
    client = make_client(agent_key)
    assert client.get(path).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Remaining"] == "0"


@pytest.fixture
def own_rate_limit_store(settings):
    """The rate limits in a store apart from the default cache, to tell which one is used."""
    settings.CACHES = {
        **django_settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
    }
    yield
    caches["ratelimit"].clear()


def test_wrong_passwords_count_in_the_rate_limit_store(own_rate_limit_store, settings, agent):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    browser = Client()
    for _ in range(2):
        browser.post("/login/", {"username": agent.username, "password": "wrong"})
    caches["default"].clear()
    assert (
        browser.post("/login/", {"username": agent.username, "password": "password"}).status_code
        == 429
    )
    caches["ratelimit"].clear()
    assert (
        browser.post("/login/", {"username": agent.username, "password": "password"}).status_code
        == 302
    )


def test_the_portal_counts_in_the_rate_limit_store(own_rate_limit_store, settings, db):
    settings.PORTAL_SIGN_IN_RATE_PER_IP = "1/hour"
    browser = Client()
    assert browser.post(SIGN_IN, {"email": "a@x.example"}).status_code == 200
    assert browser.post(SIGN_IN, {"email": "b@x.example"}).status_code == 429
    caches["default"].clear()
    assert browser.post(SIGN_IN, {"email": "c@x.example"}).status_code == 429
    caches["ratelimit"].clear()
    assert browser.post(SIGN_IN, {"email": "d@x.example"}).status_code == 200
