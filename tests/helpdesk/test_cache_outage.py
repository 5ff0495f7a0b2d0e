"""A Redis that cannot be reached (a closed port on loopback: a real refused connection)
degrades the app, never fails it: caches miss, rate limits let requests through, a warning
is logged, and /readyz says the cache is down. And a reachable Redis (a throwaway
redis-server of the tests' own) works as a cache and is ready."""

import contextlib
import logging
import socket
import subprocess
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from helpdesk import cache as fault_tolerant
from tests import factories
from tests.tickets.api.conftest import KeyClient

REDIS_SERVER = "/usr/bin/redis-server"  # Debian's redis-server; `make test` installs it


def closed_port() -> int:
    """A loopback port nobody listens on: the kernel gave it to us, and we let it go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_caches(location: str) -> dict:
    # A prefix of the test's own: the live Redis may be shared; nothing here clears it.
    backend = {
        "BACKEND": "helpdesk.cache.FaultTolerantRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    return {
        "default": backend,
        "ratelimit": {**backend, "KEY_PREFIX": backend["KEY_PREFIX"] + "-rl"},
    }


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{closed_port()}/0")
    return settings.CACHES["default"]["LOCATION"]


@contextlib.contextmanager
def redis_server(port: int, folder):
    """A throwaway Redis of the test's own on `port` (never the system's), stopped after."""
    server = subprocess.Popen(  # noqa: S603 (a fixed binary and our own arguments)
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def live_redis_url(tmp_path_factory):
    port = closed_port()
    with redis_server(port, tmp_path_factory.mktemp("redis")):
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def live_redis(settings, live_redis_url):
    settings.CACHES = redis_caches(live_redis_url)


WARNING = "is unreachable"


def warnings_logged(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "helpdesk.cache" and record.levelno == logging.WARNING
    ]


class TestRedisUnreachable:
    def test_every_kind_of_page_answers(self, dead_redis, agent, ticket, caplog):
        factories.ContactFactory(email="rita@acme.example")
        api = KeyClient(factories.ApiKeyFactory(agent=agent).raw_key)
        browser = Client()
        browser.force_login(agent)
        caplog.set_level(logging.WARNING, logger="helpdesk.cache")

        listed = api.get("/api/tickets")
        assert listed.status_code == 200, listed.content
        assert [row["id"] for row in listed.json()["data"]] == [ticket.pk]
        # The rate limit could not count, and lets the request through.
        assert listed["X-RateLimit-Limit"] == "1200"
        assert browser.get(reverse("queue")).status_code == 200
        assert browser.get(reverse("queue_counts")).status_code == 200
        assert browser.get(reverse("ticket", args=[ticket.pk])).status_code == 200
        signing_in = Client().post(reverse("portal:sign_in"), {"email": "rita@acme.example"})
        assert signing_in.status_code == 200
        agent_sign_in = Client().post("/login/", {"username": agent.username, "password": "no"})
        assert agent_sign_in.status_code == 200  # the form again, with its error

        assert warnings_logged(caplog) == [
            f"Redis at {dead_redis} is unreachable (Error 111 connecting to 127.0.0.1:"
            f"{dead_redis.split(':')[2].split('/')[0]}. Connection refused.): the cache works "
            "as empty and rate limits let requests through until it is back."
        ]

    def test_operations_are_misses(self, dead_redis):
        cache = caches["default"]
        assert cache.get("a", "fallback") == "fallback"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set("a", 1) is None
        assert cache.add("a", 1) is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.incr("a") == 1
        assert cache.has_key("a") is False
        assert cache.get_or_set("a", 5) == 5
        assert cache.delete("a") is False
        assert cache.delete_many(["a"]) is None
        assert cache.touch("a") is False
        assert cache.clear() is None

    def test_the_warning_is_not_repeated_for_each_request(self, dead_redis, caplog, monkeypatch):
        caplog.set_level(logging.WARNING, logger="helpdesk.cache")
        # Redis is asked every time (no pause), and fails every time; one warning.
        monkeypatch.setattr(fault_tolerant, "RETRY_AFTER_SECONDS", 0.0)
        cache = caches["default"]
        for _ in range(20):
            assert cache.get("a") is None
        assert len(warnings_logged(caplog)) == 1
        # Once its interval has passed, the warning is repeated.
        monkeypatch.setattr(fault_tolerant, "WARN_EVERY_SECONDS", 0.0)
        cache.get("a")
        assert len(warnings_logged(caplog)) == 2

    def test_a_dead_redis_is_not_asked_again_at_once(self, dead_redis, monkeypatch):
        cache = caches["default"]
        cache.get("a")
        # Within the pause, an operation never reaches the client.
        monkeypatch.setattr(cache._cache, "get", lambda *args: pytest.fail("Redis was asked"))
        assert cache.get("a", "miss") == "miss"

    def test_readyz_names_the_cache(self, dead_redis, db, client):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "ok", "cache": "down"}
        # The liveness check stays up: the process can answer.
        assert client.get("/healthz").status_code == 200


class TestRedisReachable:
    def test_it_caches(self, live_redis):
        cache = caches["default"]
        cache.set("a", {"b": 1})
        assert cache.get("a") == {"b": 1}
        assert cache.add("n", 0) is True
        assert cache.incr("n") == 1
        cache.delete_many(["a", "n"])

    def test_a_server_that_never_answers_is_an_outage_too(self, settings, caplog, monkeypatch):
        # One location, first unreachable, then served: the same cache recovers by itself.
        port = closed_port()
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/0")
        caplog.set_level(logging.WARNING, logger="helpdesk.cache")
        monkeypatch.setattr(fault_tolerant, "RETRY_AFTER_SECONDS", 0.0)
        cache = caches["default"]
        assert cache.get("a", "miss") == "miss"
        with socket.create_server(("127.0.0.1", port)) as listener:
            listener.settimeout(0.2)
            # Something listens now but never answers: a read timeout is an outage too.
            assert cache.get("a", "miss") == "miss"
        assert [message.split(" (")[0] for message in warnings_logged(caplog)] == [
            f"Redis at redis://127.0.0.1:{port}/0 is unreachable"
        ]

    def test_it_comes_back_after_an_outage(self, settings, caplog, monkeypatch, tmp_path):
        port = closed_port()
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/0")
        caplog.set_level(logging.WARNING, logger="helpdesk.cache")
        monkeypatch.setattr(fault_tolerant, "RETRY_AFTER_SECONDS", 0.0)
        cache = caches["default"]
        assert cache.set("a", 1) is None
        assert cache.get("a", "miss") == "miss"
        # A Redis starts on that port; the same cache object uses it.
        with redis_server(port, tmp_path):
            cache.set("a", 1)
            assert cache.get("a", "miss") == 1
        assert [message.split(" (")[0] for message in warnings_logged(caplog)] == [
            f"Redis at redis://127.0.0.1:{port}/0 is unreachable",
            f"Redis at redis://127.0.0.1:{port}/0 is reachable again.",
        ]

    def test_readyz(self, live_redis, db, client):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
