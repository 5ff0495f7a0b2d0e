"""Fixtures of the rules' tests."""

import pytest

from automations import triggers


@pytest.fixture(autouse=True)
def _fresh_triggers():
    """The processes keep the active triggers in memory: a test's own must not outlive its
    rolled-back transaction into the next test."""
    triggers.forget()
    yield
    triggers.forget()
