"""manage.py create_api_key: the key alone on the last line, usable at once."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from tickets.models import ApiKey

from .conftest import KeyClient

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().rstrip("\n").splitlines()


def test_prints_a_working_key_on_the_last_line(agent):
    lines = run(agent.username, "--name", "CRM sync")
    raw_key = lines[-1]
    assert raw_key.startswith("hd_") and " " not in raw_key
    key = ApiKey.objects.get()
    assert (key.agent, key.name, key.expires_at) == (agent, "CRM sync", None)
    assert key.hashed_key == ApiKey.hash(raw_key)
    assert raw_key not in key.hashed_key
    assert KeyClient(raw_key).get("/api/tickets").status_code == 200


def test_expires_after_the_given_days(agent):
    with freeze_time("2026-11-22 10:00:00"):
        raw_key = run(agent.username, "--expires-days", "30")[-1]
    key = ApiKey.objects.get()
    assert key.expires_at.isoformat() == "2026-12-22T10:00:00+00:00"
    with freeze_time("2026-12-22 10:00:01"):
        assert KeyClient(raw_key).get("/api/tickets").status_code == 401


def test_create_makes_the_agent_when_missing(db):
    lines = run("integration", "--create")
    user = get_user_model().objects.get(username="integration")
    assert user.is_staff and user.is_active and not user.has_usable_password()
    assert KeyClient(lines[-1]).get("/api/tickets").status_code == 200


def test_refuses_unknown_user_without_create(db):
    with pytest.raises(CommandError, match="--create"):
        run("nobody")
    assert not ApiKey.objects.exists()


def test_refuses_a_user_who_is_not_an_agent(outsider):
    with pytest.raises(CommandError, match="not an active agent"):
        run(outsider.username)


def test_refuses_bad_expiry(agent):
    with pytest.raises(CommandError, match="at least 1"):
        run(agent.username, "--expires-days", "0")
