"""Wrong passwords at the workspace's /login/ and at /admin/login/: counted per account and
per client address, locked for a cool-down at the limit (helpdesk.sign_in)."""

import datetime
import io
import logging

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
LOCKED = "Too many failed sign-ins. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The counters live in the cache: every test starts from none and leaves none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _limits(settings):
    # The defaults, stated here so that the tests say what they count to.
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 5
    settings.SIGN_IN_FAILURES_PER_IP = 20
    settings.SIGN_IN_FAILURE_WINDOW_SECONDS = 900
    settings.SIGN_IN_LOCKOUT_SECONDS = 900
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(client, username, password="password", url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client, username, times, url=LOGIN, **extra):
    for _ in range(times):
        response = sign_in(client, username, "wrong", url, **extra)
    return response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked(response, minutes=15):
    assert response.status_code == 429
    unit = "minute" if minutes == 1 else "minutes"
    assert f"Too many failed sign-ins. Try again in {minutes} {unit}." in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= minutes * 60


class TestLockoutByAccount:
    def test_the_fifth_wrong_password_locks_the_account(self, client, agent):
        response = fail(client, agent.username, 4)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

        assert_locked(fail(client, agent.username, 1))

    def test_the_right_password_is_refused_while_locked(self, client, agent):
        fail(client, agent.username, 5)

        response = sign_in(client, agent.username)

        assert_locked(response)
        # The form comes back, with the username kept, for when the cool-down is over.
        html = response.content.decode()
        assert '<label for="id_password">' in html
        assert f'value="{agent.username}"' in html
        assert not signed_in(client)

    def test_the_account_is_locked_whatever_the_address(self, client, agent, other_agent):
        for number in range(5):
            sign_in(client, agent.username, "wrong", REMOTE_ADDR=f"10.0.0.{number}")

        assert_locked(sign_in(client, agent.username, REMOTE_ADDR="10.9.9.9"))
        # Other accounts from the same addresses are not locked.
        assert sign_in(client, other_agent.username, REMOTE_ADDR="10.0.0.1").status_code == 302

    def test_an_unknown_username_is_locked_like_a_real_one(self, client):
        assert_locked(fail(client, "nobody-here", 5))

    def test_a_successful_sign_in_forgets_the_accounts_failures(self, client, agent):
        fail(client, agent.username, 4)
        assert sign_in(client, agent.username).status_code == 302
        client.logout()

        response = fail(client, agent.username, 4)

        assert response.status_code == 200
        assert sign_in(client, agent.username).status_code == 302

    def test_a_refusal_with_the_right_password_is_not_a_failure(self, client, outsider):
        for _ in range(6):
            response = sign_in(client, outsider.username)
            assert response.status_code == 200
            assert "not an agent account" in response.content.decode()

    def test_the_limit_is_a_setting(self, client, agent, settings):
        settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
        assert fail(client, agent.username, 1).status_code == 200
        assert_locked(fail(client, agent.username, 1))


class TestLockoutByAddress:
    def test_twenty_failures_from_one_address_lock_it_for_every_account(
        self, client, agent, other_agent
    ):
        # Four guesses at each of five accounts: no account reaches its own limit.
        for number in range(5):
            response = fail(client, f"guess-{number}", 4, REMOTE_ADDR="10.1.1.1")
        assert_locked(response)

        assert_locked(sign_in(client, agent.username, REMOTE_ADDR="10.1.1.1"))
        assert not signed_in(client)
        # From elsewhere, the same account signs in.
        assert sign_in(client, other_agent.username, REMOTE_ADDR="10.2.2.2").status_code == 302

    def test_a_forged_forwarded_for_header_does_not_evade_it(self, client, agent):
        # No proxy is trusted: the header is the client's own words.
        for number in range(20):
            sign_in(
                client,
                f"guess-{number}",
                "wrong",
                REMOTE_ADDR="10.1.1.1",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
            )

        response = sign_in(
            client, agent.username, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
        )

        assert_locked(response)

    def test_behind_a_proxy_only_the_address_it_saw_counts(self, client, agent, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        # The client writes what it likes in front; the proxy appends the real address.
        for number in range(20):
            sign_in(
                client,
                f"guess-{number}",
                "wrong",
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.5",
            )

        locked = sign_in(
            client,
            agent.username,
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5",
        )
        other_client = sign_in(
            client, agent.username, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6"
        )

        assert_locked(locked)
        assert other_client.status_code == 302


class TestCoolDown:
    def test_the_lockout_ends_after_the_cool_down(self, client, agent):
        with freeze_time(T0) as clock:
            fail(client, agent.username, 5)

            clock.tick(datetime.timedelta(minutes=14, seconds=30))
            assert_locked(sign_in(client, agent.username), minutes=1)

            clock.tick(datetime.timedelta(seconds=31))
            response = sign_in(client, agent.username)

            assert response.status_code == 302
            assert signed_in(client)

    def test_after_the_cool_down_the_count_starts_again(self, client, agent):
        with freeze_time(T0) as clock:
            fail(client, agent.username, 5)
            clock.tick(datetime.timedelta(seconds=901))

            assert fail(client, agent.username, 4).status_code == 200
            assert_locked(fail(client, agent.username, 1))

    def test_failures_are_forgotten_after_a_window_without_one(self, client, agent):
        with freeze_time(T0) as clock:
            fail(client, agent.username, 4)
            clock.tick(datetime.timedelta(seconds=901))

            assert fail(client, agent.username, 4).status_code == 200
            assert sign_in(client, agent.username).status_code == 302

    def test_the_cool_down_is_a_setting(self, client, agent, settings):
        settings.SIGN_IN_LOCKOUT_SECONDS = 60
        with freeze_time(T0) as clock:
            assert_locked(fail(client, agent.username, 5), minutes=1)
            clock.tick(datetime.timedelta(seconds=61))
            assert sign_in(client, agent.username).status_code == 302


class TestAdminSignIn:
    def test_wrong_passwords_lock_the_admin_sign_in_too(self, client, admin_user):
        response = fail(client, admin_user.username, 5, url=ADMIN_LOGIN)
        assert_locked(response)

        response = sign_in(client, admin_user.username, url=ADMIN_LOGIN)

        assert_locked(response)
        assert "Helpdesk administration" in response.content.decode()
        assert not signed_in(client)

    def test_the_workspace_and_the_admin_share_the_count(self, client, admin_user):
        fail(client, admin_user.username, 3, url=LOGIN)
        fail(client, admin_user.username, 2, url=ADMIN_LOGIN)

        assert_locked(sign_in(client, admin_user.username, url=LOGIN))

    def test_the_admin_still_signs_in_and_is_sent_on(self, client, admin_user):
        response = client.post(
            ADMIN_LOGIN,
            {"username": admin_user.username, "password": "password", "next": "/admin/"},
        )
        assert response.status_code == 302
        assert response.url == "/admin/"
        assert reverse("admin:login") == ADMIN_LOGIN


class TestCacheOutage:
    def test_with_the_cache_unreachable_agents_still_sign_in(self, client, agent, caplog):
        # The production cache (helpdesk.cache) pointed at a port where nothing listens.
        redis = {
            "BACKEND": "helpdesk.cache.FaultTolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
        unreachable = {"default": redis, "ratelimit": redis}
        with (
            override_settings(CACHES=unreachable),
            caplog.at_level(logging.WARNING, logger="helpdesk.cache"),
        ):
            wrong = sign_in(client, agent.username, "wrong")
            right = sign_in(client, agent.username)

        assert wrong.status_code == 200
        assert right.status_code == 302
        assert "redis://127.0.0.1:1/0 is unreachable" in caplog.text


class TestUnlock:
    def test_an_administrator_unlocks_an_account(self, client, agent):
        fail(client, agent.username, 5)
        out = io.StringIO()

        call_command("unlock_sign_in", username=agent.username, stdout=out)

        assert out.getvalue() == f"Unlocked user {agent.username}.\n"
        assert sign_in(client, agent.username).status_code == 302

    def test_an_administrator_unlocks_an_address(self, client, agent):
        for number in range(5):
            fail(client, f"guess-{number}", 4, REMOTE_ADDR="10.1.1.1")

        call_command("unlock_sign_in", address="10.1.1.1", stdout=io.StringIO())

        assert sign_in(client, agent.username, REMOTE_ADDR="10.1.1.1").status_code == 302

    def test_it_needs_something_to_unlock(self):
        with pytest.raises(CommandError, match="Give --username, --address or both"):
            call_command("unlock_sign_in")
