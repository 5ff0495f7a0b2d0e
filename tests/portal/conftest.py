import pytest
from django.core.cache import cache
from django.test import Client

from portal.access import SESSION_CONTACT
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The rate limits count in the cache: every test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HELPDESK_SITE_URL = "http://testserver"


@pytest.fixture
def acme(db):
    return factories.ClientFactory(name="Acme Inc")


@pytest.fixture
def requester(acme):
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.example")


@pytest.fixture
def colleague(acme):
    """Another contact of the requester's client."""
    return factories.ContactFactory(client=acme, name="Colin Colleague", email="colin@acme.example")


@pytest.fixture
def stranger(db):
    """A contact of another client."""
    return factories.ContactFactory(name="Sam Stranger", email="sam@other.example")


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support", is_public=True)


@pytest.fixture
def ticket(acme, requester, department):
    return factories.TicketFactory(
        client=acme, requester=requester, department=department, subject="Printer on fire"
    )


def portal_client(contact) -> Client:
    """A browser signed in to the portal as `contact`."""
    client = Client()
    session = client.session
    session[SESSION_CONTACT] = contact.pk
    session.save()
    return client


@pytest.fixture
def as_requester(requester):
    return portal_client(requester)


@pytest.fixture
def as_colleague(colleague):
    return portal_client(colleague)


@pytest.fixture
def as_stranger(stranger):
    return portal_client(stranger)


@pytest.fixture
def as_agent(agent):
    client = Client()
    client.force_login(agent)
    return client
