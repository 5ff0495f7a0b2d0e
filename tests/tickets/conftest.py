"""Fixtures shared by the workspace tests."""

import pytest


@pytest.fixture
def signed_in(client, agent):
    """The test client, signed in as the agent."""
    client.force_login(agent)
    return client
