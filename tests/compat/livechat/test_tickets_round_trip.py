"""The round trip: tickets exported through GET /compat/livechat/tickets, imported into an
empty database with `manage.py import_tickets livechat`, export the same JSON again, apart
from their ids."""

import io
import json

import pytest
from django.core.management import call_command

from compat.models import ImportedTicket
from tests import factories
from tickets import services
from tickets.models import Channel, Client, Contact, Reply, Ticket
from tickets.statuses import FixedStatus

from .conftest import BASE, body
from .histories import at, conversation, status

pytestmark = pytest.mark.django_db


def export(livechat) -> list[dict]:
    """Every page, least recently modified first (as docs/compat.md exports)."""
    first = body(livechat.get(f"{BASE}/tickets?order=asc"))
    tickets = list(first["tickets"])
    for page in range(2, first["pages"] + 1):
        tickets += body(livechat.get(f"{BASE}/tickets?order=asc&page={page}"))["tickets"]
    assert len(tickets) == first["total"]
    return tickets


def without_ids(tickets: list[dict]) -> list[dict]:
    return [{key: value for key, value in ticket.items() if key != "id"} for ticket in tickets]


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support")


def build(livechat, department, agent, other_agent):
    """Tickets with replies, notes, assignments, tags, statuses, spam and every source."""
    team = factories.TeamFactory()
    conversation(department=department, agent=agent, other_agent=other_agent, team=team)
    # Answered by an agent (pending), then solved.
    solved = conversation(
        department=department,
        agent=agent,
        other_agent=other_agent,
        mail="joe@acme.example",
        start=100,
    )
    services.change_status(
        ticket=solved, status=status(FixedStatus.CLOSED), actor=agent, channel=Channel.WEB,
        at=at(120),
    )  # fmt: skip
    pending = services.create_ticket(
        client=factories.ClientFactory(),
        department=department,
        subject="Call back",
        message="Phoned in: the invoice is wrong.",
        actor=agent,
        channel=Channel.WEB,
        team=team,
        at=at(200),
    )
    services.post_reply(
        ticket=pending, text="Checking", kind=Reply.Kind.NOTE, author=agent,
        channel=Channel.WEB, at=at(201),
    )  # fmt: skip
    services.change_status(
        ticket=pending, status=status(FixedStatus.ON_HOLD), actor=agent, channel=Channel.WEB,
        at=at(202),
    )  # fmt: skip
    spammer = factories.ContactFactory(email="spam@spam.example", name="Spammer")
    spam = services.create_ticket(
        client=spammer.client,
        department=department,
        subject="Cheap watches",
        message="Buy now",
        actor=None,
        channel=Channel.EMAIL,
        requester=spammer,
        at=at(300),
    )
    services.mark_spam(
        ticket=spam, is_spam=True, actor=other_agent, channel=Channel.WEB, at=at(301)
    )
    # Through the API: a chat-window form with its URL, assigned; and enough for two pages.
    livechat.post(
        f"{BASE}/tickets",
        {
            "message": "From the form",
            "requester": {"mail": "web@visitor.example", "name": "Visitor"},
            "assignee": {"id": other_agent.email},
            "source": {"type": "chat-window", "url": "https://shop.example/contact"},
            "group": [team.pk],
            "subject": "Form",
        },
        format="json",
    )
    for index in range(22):
        livechat.post(
            f"{BASE}/tickets",
            {"message": f"Hello {index}", "requester[mail]": f"c{index}@mail.example",
             "source[type]": "mail" if index % 2 else "lc2"},
        )  # fmt: skip


def test_export_import_export_gives_the_same_json(
    livechat, department, agent, other_agent, tmp_path
):
    build(livechat, department, agent, other_agent)
    first = export(livechat)
    assert len(first) == 27 and len({ticket["id"] for ticket in first}) == 27
    assert {ticket["status"] for ticket in first} == {"open", "pending", "solved", "spam"}
    assert {ticket["source"]["type"] for ticket in first} == {
        "mail",
        "agent-app-manual",
        "chat-window",
        "lc2",
    }
    # An empty database but for the agents, teams and the department.
    Ticket.objects.all().delete()
    Contact.objects.all().delete()
    Client.objects.all().delete()
    files = []
    for number, start in enumerate(range(0, len(first), 25), start=1):
        path = tmp_path / f"livechat-{number:04d}.json"
        page = first[start : start + 25]
        path.write_text(json.dumps({"pages": 2, "total": len(first), "tickets": page}))
        files.append(str(path))

    out = io.StringIO()
    call_command("import_tickets", "livechat", *files, stdout=out, stderr=io.StringIO())

    assert "Created 27, skipped 0 (imported before), failed 0." in out.getvalue()
    second = export(livechat)
    assert without_ids(second) == without_ids(first)
    # Each ticket remembers the id it had.
    assert sorted(ImportedTicket.objects.values_list("external_id", flat=True)) == sorted(
        ticket["id"] for ticket in first
    )
