"""Fixtures for the REST API tests: a key for an agent, and clients that send it."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories


class KeyClient(APIClient):
    """An APIClient whose every request carries `Authorization: Bearer <key>`."""

    def __init__(self, raw_key: str, **defaults):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {raw_key}", **defaults)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(agent):
    # An Administrator, so that these tests reach every endpoint; what each role may do is
    # tests/helpdesk/test_permission_matrix.py.
    factories.join(agent, "Administrator")
    return factories.ApiKeyFactory(agent=agent, name="Tests")


@pytest.fixture
def api(api_key):
    """Requests as `agent`, authenticated with a real API key."""
    return KeyClient(api_key.raw_key)


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def ticket_department(db):
    return factories.CategoryFactory(name="Sales")


def body(response):
    """The JSON of a response, with a readable failure when it is not JSON."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()
