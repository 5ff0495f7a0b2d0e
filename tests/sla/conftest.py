import datetime
import zoneinfo

import pytest

from tests import factories
from tickets import services
from tickets.models import Channel

LONDON = zoneinfo.ZoneInfo("Europe/London")


def london(*args: int) -> datetime.datetime:
    """A London wall-clock time, as an aware datetime."""
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def calendar(db):
    """Monday to Friday, 9 to 17 in London."""
    return factories.BusinessCalendarFactory()


@pytest.fixture
def contact(client_company):
    return factories.ContactFactory(client=client_company)


@pytest.fixture
def new_ticket(agent, department, client_company, contact):
    """Open a ticket through the services (its clock starts), assigned to `agent`."""

    def create(**fields):
        fields.setdefault("subject", "The export fails")
        fields.setdefault("message", "Since this morning.")
        return services.create_ticket(
            client=client_company,
            department=department,
            requester=contact,
            actor=agent,
            channel=Channel.WEB,
            assignee=agent,
            **fields,
        )

    return create
