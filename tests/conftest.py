import os

import pytest
from django.conf import settings
from django.test import Client, override_settings
from playwright.sync_api import expect

from tests import factories

# Live-server tests drive the browser from pytest's own thread, where Django's
# async-safety check would refuse database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's expect() waits 5 s by default; a page that renders a large script (the API
# docs' Swagger UI) can take longer on two busy cores, and a wait only costs time when the
# page is slow. Negative expectations still pass as soon as they hold.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; playwright cannot download one here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
        "headless": True,
    }


@pytest.fixture(scope="session", autouse=True)
def _rate_limits_in_the_default_cache():
    """Tests count rate limits in the default cache (the same store: clearing one clears
    the other), so that the queries pinned on an endpoint are the endpoint's own. Without
    Redis production counts them in a database table: tests/helpdesk/test_ratelimits.py
    checks that store."""
    with override_settings(CACHES={**settings.CACHES, "ratelimit": settings.CACHES["default"]}):
        yield


@pytest.fixture(autouse=True)
def _fixed_statuses(request):
    """Transactional tests flush every table, the statuses of migration 0002 and the role
    groups of migration 0012 included."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not transactional and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group, Permission

    from tickets.models import TicketStatus
    from tickets.permissions import create_roles
    from tickets.statuses import create_fixed_statuses

    create_fixed_statuses(TicketStatus)
    create_roles(Group, Permission)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a directory of the test's own, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _sla_policies_read_afresh():
    """The SLA clock caches the active policies (sla.policies). A test starts with none
    (as its database has none: the factories and the admin forget them when they add
    one), so that the queries pinned on a change are the change's own."""
    from django.core.cache import cache

    from sla.policies import CACHE_KEY, Policies

    cache.set(CACHE_KEY, Policies([]))
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture
def agent(db):
    return factories.AgentFactory()


@pytest.fixture
def other_agent(db):
    return factories.AgentFactory()


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory()


@pytest.fixture
def outsider(db):
    """An active user who is not an agent (not staff)."""
    return factories.UserFactory()


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support")


@pytest.fixture
def client_company(db):
    return factories.ClientFactory(name="Acme Inc")


@pytest.fixture
def ticket(db, department, client_company):
    return factories.TicketFactory(department=department, client=client_company)


def _collect_csp_errors(page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )


@pytest.fixture
def csp_errors(page) -> list[str]:
    """Console errors about the Content-Security-Policy; a browser test expects none."""
    errors: list[str] = []
    _collect_csp_errors(page, errors)
    return errors


@pytest.fixture
def console_errors(page) -> list[str]:
    """Script errors and Content-Security-Policy refusals; a browser test expects none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _collect_csp_errors(page, errors)
    return errors


@pytest.fixture
def signed_in_page(page, live_server, agent):
    """A browser page that carries the agent's session cookie."""
    client = Client()
    client.force_login(agent)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    return page


# The schemathesis run's case count (tests/helpdesk/test_schema_fuzz.py), summed from the
# reports, which carry it from xdist's workers too, and printed at the end of the run.
SCHEMATHESIS_CASES = "schemathesis cases"
_schemathesis_cases = {"cases": 0, "operations": 0}


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    cases = sum(value for name, value in report.user_properties if name == SCHEMATHESIS_CASES)
    if cases:
        _schemathesis_cases["cases"] += cases
        _schemathesis_cases["operations"] += 1


def pytest_terminal_summary(terminalreporter):
    if _schemathesis_cases["operations"]:
        terminalreporter.write_line(
            f"schemathesis: {_schemathesis_cases['cases']} cases over "
            f"{_schemathesis_cases['operations']} operations"
        )
