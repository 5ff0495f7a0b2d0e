import pytest

from tests import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
