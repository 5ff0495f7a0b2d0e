"""Fixtures for the LiveChat-compatible API: clients that authenticate as LiveChat v2 did."""

import base64

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories

BASE = "/compat/livechat"


class LiveChatClient(APIClient):
    """An APIClient whose every request sends `X-API-Version: 2` and, when given, the
    agent's login and API key as HTTP Basic credentials (or the key as a Bearer token)."""

    def __init__(self, *, login: str = "", raw_key: str = "", bearer: bool = False, **defaults):
        headers = {"HTTP_X_API_VERSION": "2"}
        if raw_key and bearer:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
        elif raw_key:
            pair = base64.b64encode(f"{login}:{raw_key}".encode()).decode()
            headers["HTTP_AUTHORIZATION"] = f"Basic {pair}"
        super().__init__(**headers, **defaults)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(agent):
    return factories.ApiKeyFactory(agent=agent, name="LiveChat scripts")


@pytest.fixture
def livechat(agent, api_key):
    """Requests as `agent`: Basic auth with their email address and API key."""
    return LiveChatClient(login=agent.email, raw_key=api_key.raw_key)


@pytest.fixture
def livechat_bearer(api_key):
    return LiveChatClient(raw_key=api_key.raw_key, bearer=True)


@pytest.fixture
def livechat_anonymous():
    return LiveChatClient()


def body(response):
    """The JSON of a response, with a readable failure when it is not JSON."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()
