"""Who may use the API: keys, sessions, agents only, and the rate limit."""

import datetime

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tests import factories
from tickets.models import ApiKey

from .conftest import KeyClient, body

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {"message": "Unauthenticated."}


def test_a_valid_key_authenticates_as_its_agent(api, agent):
    response = api.get("/api/agents")
    assert response.status_code == 200
    assert [row["id"] for row in body(response)["data"]] == [agent.pk]


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Bearer hd_wrong", "Basic dXNlcjpwYXNz", "Token hd_x"],
)
def test_missing_or_wrong_key_is_401(anonymous, header, db):
    factories.ApiKeyFactory()
    response = anonymous.get("/api/tickets", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert body(response) == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_key_is_401(api, api_key):
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    response = api.get("/api/tickets")
    assert (response.status_code, body(response)) == (401, UNAUTHENTICATED)


def test_expired_key_is_401_and_works_until_then(agent):
    key = factories.ApiKeyFactory(
        agent=agent, expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    client = KeyClient(key.raw_key)
    assert client.get("/api/tickets").status_code == 200
    with freeze_time(timezone.now() + datetime.timedelta(days=1, seconds=1)):
        response = client.get("/api/tickets")
    assert (response.status_code, body(response)) == (401, UNAUTHENTICATED)


def test_key_of_inactive_agent_is_401(api, agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = api.get("/api/tickets")
    assert (response.status_code, body(response)) == (401, UNAUTHENTICATED)


def test_key_of_a_user_who_is_no_longer_staff_is_401(api, agent):
    agent.is_staff = False
    agent.save(update_fields=["is_staff"])
    assert api.get("/api/tickets").status_code == 401


def test_only_the_hash_is_stored_and_last_use_is_recorded(api, api_key):
    assert api_key.raw_key not in api_key.hashed_key
    assert api_key.hashed_key == ApiKey.hash(api_key.raw_key)
    assert api_key.last_used_at is None
    with freeze_time("2026-11-22 10:15:00"):
        api.get("/api/tickets")
    api_key.refresh_from_db()
    assert api_key.last_used_at == datetime.datetime(2026, 11, 22, 10, 15, tzinfo=datetime.UTC)


def test_agent_session_works_for_reads(agent, ticket):
    browser = BrowserClient()
    browser.force_login(agent)
    response = browser.get("/api/tickets")
    assert response.status_code == 200
    assert body(response)["meta"]["total"] == 1


def test_agent_session_needs_csrf_for_changes(agent, ticket):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(agent)
    url = f"/api/tickets/{ticket.pk}/status"
    refused = browser.put(url, {"status": 2}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in body(refused)["message"]
    ticket.refresh_from_db()
    assert ticket.status_id == 1

    token = "a1" * 16  # a CSRF secret as the cookie would hold it; the header repeats it
    browser.cookies["csrftoken"] = token
    accepted = browser.put(
        url, {"status": 2}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status_id == 2


def test_signed_in_non_agent_is_403(outsider):
    browser = BrowserClient()
    browser.force_login(outsider)
    response = browser.get("/api/tickets")
    assert response.status_code == 403
    assert body(response) == {"message": "Only agents can use the API."}


def test_anonymous_session_is_401(anonymous):
    response = anonymous.get("/api/statuses")
    assert (response.status_code, body(response)) == (401, UNAUTHENTICATED)


def test_rate_limit_answers_429_with_retry_after(api, settings, monkeypatch):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute"},
    }
    assert api_settings.DEFAULT_THROTTLE_RATES == {"user": "3/minute"}
    # The throttle's own clock (DRF reads SimpleRateThrottle.timer, not the time module's).
    clock = [1_800_000_000.0]
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: clock[0]))
    # Reset: the seconds until the window's oldest request leaves it.
    for remaining, reset in ((2, 60), (1, 50), (0, 40)):
        response = api.get("/api/statuses")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        assert response["X-RateLimit-Remaining"] == str(remaining)
        assert response["X-RateLimit-Reset"] == str(reset)
        clock[0] += 10
    response = api.get("/api/statuses")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert (response["X-RateLimit-Remaining"], response["X-RateLimit-Reset"]) == ("0", "30")
    assert set(body(response)) == {"message"}
    assert "throttled" in body(response)["message"].lower()


@pytest.mark.parametrize(
    ("proxies", "counted"),
    [(0, "10.0.0.9"), (1, "198.51.100.7"), (2, "203.0.113.5"), (3, "10.0.0.9")],
)
def test_the_rate_limit_counts_only_addresses_trusted_proxies_vouch_for(settings, proxies, counted):
    # A client writes any X-Forwarded-For it likes ("203.0.113.5"); each trusted proxy adds
    # the address it saw, to the right. With more proxies configured than the header holds,
    # the connection's own address counts.
    from django.test import RequestFactory
    from rest_framework.request import Request

    from helpdesk.api_access import ApiRateThrottle

    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/api/statuses",
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7",
    )
    assert ApiRateThrottle().get_ident(Request(request)) == counted
