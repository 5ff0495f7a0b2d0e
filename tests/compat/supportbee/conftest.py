"""Fixtures for the SupportBee-compatible API: clients that authenticate as SupportBee's
do, with the `auth_token` query parameter (or a Bearer key)."""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories

BASE = "/compat/supportbee"


class SupportBeeClient(APIClient):
    """An APIClient that adds `auth_token=<key>` to every path (or sends the key as a Bearer
    token), as SupportBee's clients do."""

    def __init__(self, *, raw_key: str = "", bearer: bool = False, **defaults):
        self.raw_key, self.bearer = raw_key, bearer
        if raw_key and bearer:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
        super().__init__(**defaults)

    def _signed(self, path: str) -> str:
        if not self.raw_key or self.bearer:
            return path
        joiner = "&" if "?" in path else "?"
        return f"{path}{joiner}{urlencode({'auth_token': self.raw_key})}"

    def get(self, path, *args, **kwargs):
        return super().get(self._signed(path), *args, **kwargs)

    def post(self, path, *args, **kwargs):
        return super().post(self._signed(path), *args, **kwargs)

    def put(self, path, *args, **kwargs):
        return super().put(self._signed(path), *args, **kwargs)

    def delete(self, path, *args, **kwargs):
        return super().delete(self._signed(path), *args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(agent):
    return factories.ApiKeyFactory(agent=agent, name="SupportBee scripts")


@pytest.fixture
def supportbee(api_key):
    """Requests as `agent`, with their API key as `auth_token`."""
    return SupportBeeClient(raw_key=api_key.raw_key)


@pytest.fixture
def supportbee_bearer(api_key):
    return SupportBeeClient(raw_key=api_key.raw_key, bearer=True)


@pytest.fixture
def other_supportbee(other_agent):
    """Requests as `other_agent`."""
    return SupportBeeClient(raw_key=factories.ApiKeyFactory(agent=other_agent).raw_key)


def body(response):
    """The JSON of a response, with a readable failure when it is not JSON."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()


@pytest.fixture
def supportbee_anonymous():
    return SupportBeeClient()
