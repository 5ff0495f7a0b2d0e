"""The round trip: tickets exported through GET /compat/usercom/api/public/tickets/, imported
into a database without tickets, contacts or clients with `manage.py import_tickets usercom`,
export the same JSON again, apart from their ids (the ticket's, its person's, company's and
participants'; agents are kept, so theirs stay)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from compat.models import ImportedTicket
from tests import factories
from tickets import services
from tickets.models import Channel, Client, Contact, Priority, Ticket, TicketStatus
from tickets.statuses import FixedStatus

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2025, 6, 2, 9, 0, 0, 123456, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def status(pk: int) -> TicketStatus:
    return TicketStatus.objects.get(pk=pk)


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support")


def build(department, agent, other_agent) -> None:
    """Tickets of every status, priority, with and without person, company, participants,
    assignee, author and due date."""
    acme = factories.ClientFactory(name="Acme Ltd")
    joe = factories.ContactFactory(client=acme, email="joe@acme.example", name="Joe Buyer")
    ann = factories.ContactFactory(client=acme, email="ann@acme.example", name="Ann Accounts")
    globex = factories.ClientFactory(name="Globex")
    common = {"department": department, "channel": Channel.WEB}
    services.create_ticket(
        client=acme, subject="Invoice", message="Charged twice.", requester=joe, cc=[ann],
        priority=Priority.URGENT, assignee=other_agent, due_at=at(60 * 24), actor=None,
        at=at(0), **common,
    )  # fmt: skip
    closed = services.create_ticket(
        client=acme, subject="Closed one", message="Fixed.", requester=ann,
        priority=Priority.HIGH, actor=agent, at=at(10), **common,
    )  # fmt: skip
    services.change_status(
        ticket=closed, status=status(FixedStatus.CLOSED), actor=agent, channel=Channel.WEB,
        at=at(20),
    )  # fmt: skip
    archived = services.create_ticket(
        client=globex, subject="Old one", message="No requester.", actor=agent,
        assignee=agent, at=at(30), **common,
    )  # fmt: skip
    services.archive(ticket=archived, actor=agent, channel=Channel.WEB, at=at(40))
    on_hold = services.create_ticket(
        client=globex, subject="Waiting", message="On hold is active.", actor=None,
        at=at(50), **common,
    )  # fmt: skip
    services.change_status(
        ticket=on_hold, status=status(FixedStatus.ON_HOLD), actor=agent, channel=Channel.WEB,
        at=at(55),
    )  # fmt: skip
    # Customer Replied has a view of its own (its segment says it); Answered comes back Open,
    # which exports the same.
    for minutes, fixed in ((56, FixedStatus.CUSTOMER_REPLIED), (57, FixedStatus.ANSWERED)):
        waiting = services.create_ticket(
            client=globex, subject=f"Status {fixed.label}", message="Active too.", actor=None,
            at=at(minutes), **common,
        )  # fmt: skip
        services.change_status(
            ticket=waiting, status=status(fixed), actor=agent, channel=Channel.WEB,
            at=at(minutes + 1),
        )  # fmt: skip
    for index in range(4):
        person = factories.ContactFactory(email=f"c{index}@mail.example", name=f"Client {index}")
        services.create_ticket(
            client=person.client, subject=f"Hello {index}", message=f"Question {index}",
            requester=person, actor=None, at=at(60 + index), **common,
        )  # fmt: skip


def export(usercom) -> list[dict]:
    """Every page (3 a page, so that there are several)."""
    pages = [body(usercom.get(f"{BASE}/tickets/?per_page=3"))]
    while pages[-1]["next"]:
        pages.append(body(usercom.get(pages[-1]["next"])))
    assert sum(len(page["results"]) for page in pages) == pages[0]["count"]
    return pages


def tickets_of(pages: list[dict]) -> list[dict]:
    return [ticket for page in pages for ticket in page["results"]]


def without_ids(tickets: list[dict]) -> list[dict]:
    """The objects without the ids our database gives: the ticket's, its person's, company's
    and participants'."""

    def person(value):
        return None if value is None else {k: v for k, v in value.items() if k != "id"}

    return [
        {
            **{key: value for key, value in ticket.items() if key != "id"},
            "person": person(ticket["person"]),
            "company": person(ticket["company"]),
            "participants": [person(p) for p in ticket["participants"]],
        }
        for ticket in tickets
    ]


def test_export_import_export_gives_the_same_json(
    usercom, department, agent, other_agent, tmp_path
):
    build(department, agent, other_agent)
    pages = export(usercom)
    first = tickets_of(pages)
    assert len(first) == 10 and len(pages) == 4
    assert {ticket["status"] for ticket in first} == {"active", "closed", "archived"}
    assert {ticket["priority"]["name"] for ticket in first} == {"Normal", "High", "Urgent"}
    assert any(ticket["participants"] for ticket in first)
    assert {"On hold", "Customer replied", "Archived", "Closed", "Unassigned"} <= {
        segment["name"] for ticket in first for segment in ticket["segments"]
    }
    # Nothing left but the agents and the department.
    Ticket.objects.all().delete()
    Contact.objects.all().delete()
    Client.objects.all().delete()
    files = []
    for number, page in enumerate(pages, start=1):
        path = tmp_path / f"usercom-{number:04d}.json"
        path.write_text(json.dumps(page))
        files.append(str(path))

    out = io.StringIO()
    call_command("import_tickets", "usercom", *files, stdout=out, stderr=io.StringIO())

    assert "Created 10, skipped 0 (imported before), failed 0." in out.getvalue()
    second = tickets_of(export(usercom))
    assert without_ids(second) == without_ids(first)
    assert sorted(Ticket.objects.values_list("status_id", flat=True)) == sorted(
        [FixedStatus.OPEN] * 6 + [FixedStatus.ON_HOLD, FixedStatus.CUSTOMER_REPLIED]
        + [FixedStatus.CLOSED] * 2
    )  # fmt: skip
    assert sorted(ImportedTicket.objects.values_list("external_id", flat=True)) == sorted(
        str(ticket["id"]) for ticket in first
    )
