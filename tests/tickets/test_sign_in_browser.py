"""The sign-in lockout in real Chromium: the message an agent sees after too many wrong
passwords, and that the right one is refused until the cool-down is over."""

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tests.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def sign_in(page: Page, username: str, password: str) -> int:
    """Submit the form and wait for the new page; its status."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value.status


def test_too_many_wrong_passwords_lock_the_sign_in(
    page: Page, live_server, agent, settings, csp_errors
):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 5
    settings.SIGN_IN_LOCKOUT_SECONDS = 900
    page.goto(live_server.url + "/login/")
    for _ in range(4):
        assert sign_in(page, agent.username, "wrong") == 200
        expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")

    assert sign_in(page, agent.username, "wrong") == 429
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Too many failed sign-ins. Try again in 15 minutes.")
    assert_accessible(page)

    # The right password is refused too, with the same message, until the cool-down ends.
    assert sign_in(page, agent.username, "password") == 429
    expect(alert).to_have_text("Too many failed sign-ins. Try again in 15 minutes.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert csp_errors == []
