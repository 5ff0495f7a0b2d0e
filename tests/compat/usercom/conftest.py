"""Fixtures for the User.com-compatible API: clients that send `Authorization: Token <key>`
and User.com's `Accept: */*; version=2`."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories

BASE = "/compat/usercom/api/public"
ACCEPT = "*/*; version=2"


class UserComClient(APIClient):
    """An APIClient whose every request sends User.com's Accept header and, when given,
    the agent's API key as `Authorization: Token <key>`."""

    def __init__(self, *, raw_key: str = "", **defaults):
        headers = {"HTTP_ACCEPT": ACCEPT}
        if raw_key:
            headers["HTTP_AUTHORIZATION"] = f"Token {raw_key}"
        super().__init__(**headers, **defaults)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(agent):
    return factories.ApiKeyFactory(agent=agent, name="User.com scripts")


@pytest.fixture
def usercom(api_key):
    """Requests as `agent`, with their API key as a Token."""
    return UserComClient(raw_key=api_key.raw_key)


@pytest.fixture
def usercom_anonymous():
    return UserComClient()


def body(response):
    """The JSON of a response, with a readable failure when it is not JSON."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()
