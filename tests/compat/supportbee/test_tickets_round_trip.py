"""The round trip: tickets exported through GET /compat/supportbee/tickets.json, with each
ticket's replies.json and comments.json, imported into an empty database with
`manage.py import_tickets supportbee`, export the same JSON again apart from the ids of
what the import makes anew (tickets, contacts, replies; agents and teams stay).

The one unavoidable difference: `starred` is the calling agent's star, which no export
carries to another database (docs/compat.md), so a starred ticket comes back unstarred.
Attachments are not imported either, so these tickets have none; and a contact without a
name comes back named by their address (the new-requester rule), so these contacts have
names, as the ones our mail and API make always do."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from compat.models import ImportedTicket
from mail.requesters import unknown_senders_client
from tests import factories
from tickets import services
from tickets.models import Channel, Client, Contact, Reply, Ticket

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=datetime.UTC)
EVERYTHING = "archived=any&spam=true"
PER_PAGE = 2


def at(minutes: int) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minutes)


def export(supportbee) -> list[dict]:
    """Every page of every ticket (archived and spam ones too), each with its replies and
    comments (`_replies`, `_comments`)."""
    url = f"{BASE}/tickets.json?{EVERYTHING}&per_page={PER_PAGE}"
    first = body(supportbee.get(url))
    tickets = list(first["tickets"])
    for page in range(2, first["total_pages"] + 1):
        tickets += body(supportbee.get(f"{url}&page={page}"))["tickets"]
    assert len(tickets) == first["total"]
    for ticket in tickets:
        for kind in ("replies", "comments"):
            found = body(supportbee.get(f"{BASE}/tickets/{ticket['id']}/{kind}.json"))
            ticket[f"_{kind}"] = found[kind]
    return tickets


def without_new_ids(value):
    """`value` without the ids the import makes anew: a ticket's, a reply's, a contact's
    (a person who is no agent). Agents' and groups' ids stay: they must be the same ones."""
    if isinstance(value, list):
        return [without_new_ids(item) for item in value]
    if not isinstance(value, dict):
        return value
    keep_id = value.get("agent") is True or ("name" in value and "email" not in value)
    return {key: without_new_ids(item) for key, item in value.items() if key != "id" or keep_id}


def build(agent, other_agent, department):
    team = factories.TeamFactory(name="Second line")
    ann = factories.ContactFactory(email="ann@acme.example", name="Ann Smith")
    carla = factories.ContactFactory(email="carla@acme.example", name="Carla", client=ann.client)
    invoice = services.create_ticket(
        client=ann.client, department=department, subject="Invoice is wrong",
        message="Hello,\nmy invoice is wrong.", actor=None, channel=Channel.EMAIL,
        requester=ann, cc=[carla], at=at(0),
    )  # fmt: skip
    services.post_reply(
        ticket=invoice, text="Refund approved.", kind=Reply.Kind.NOTE, author=other_agent,
        channel=Channel.WEB, at=at(5),
    )  # fmt: skip
    services.post_reply(
        ticket=invoice, text="Fixing it.", author=agent, channel=Channel.WEB, at=at(10)
    )
    services.post_reply(
        ticket=invoice, text="Thanks!", author=ann, channel=Channel.EMAIL, at=at(20)
    )
    services.set_tags(
        ticket=invoice, tags=["Billing", "vip"], actor=agent, channel=Channel.WEB, at=at(21)
    )
    services.assign(
        ticket=invoice, assignee=other_agent, actor=agent, channel=Channel.WEB, at=at(22)
    )
    services.set_star(ticket=invoice, agent=agent, starred=True)

    spammer = factories.ContactFactory(email="spam@spam.example", name="Spammer")
    spam = services.create_ticket(
        client=spammer.client, department=department, subject="Cheap watches",
        message="Buy now", actor=None, channel=Channel.EMAIL, requester=spammer, at=at(30),
    )  # fmt: skip
    services.set_team(ticket=spam, team=team, actor=agent, channel=Channel.WEB, at=at(31))
    services.mark_spam(ticket=spam, is_spam=True, actor=agent, channel=Channel.WEB, at=at(32))

    phoned = services.create_ticket(
        client=unknown_senders_client(), department=department, subject="Call back",
        message="Phoned in: call back.", actor=agent, channel=Channel.WEB, at=at(40),
    )  # fmt: skip
    services.archive(ticket=phoned, actor=agent, channel=Channel.WEB, at=at(45))

    for index in range(2):
        contact = factories.ContactFactory(
            email=f"c{index}@mail{index}.example", name=f"Client {index}"
        )
        services.create_ticket(
            client=contact.client, department=department, subject=f"Question {index}",
            message=f"Hello {index}", actor=None, channel=Channel.EMAIL, requester=contact,
            at=at(50 + index),
        )  # fmt: skip


def test_export_import_export_gives_the_same_json(supportbee, agent, other_agent, tmp_path):
    department = factories.CategoryFactory(name="Support")
    build(agent, other_agent, department)
    first = export(supportbee)
    assert len(first) == 5
    assert [ticket["starred"] for ticket in first].count(True) == 1
    assert {ticket["archived"] for ticket in first} == {True, False}
    assert {ticket["spam"] for ticket in first} == {True, False}
    # An empty database but for the agents, teams and the department.
    Ticket.objects.all().delete()
    Contact.objects.all().delete()
    Client.objects.all().delete()
    files = []
    for number, start in enumerate(range(0, len(first), PER_PAGE), start=1):
        page = [
            {key: value for key, value in ticket.items() if not key.startswith("_")}
            for ticket in first[start : start + PER_PAGE]
        ]
        path = tmp_path / f"tickets-{number}.json"
        path.write_text(json.dumps({"total": len(first), "tickets": page}))
        files.append(str(path))
    for ticket in first:
        for kind in ("replies", "comments"):
            if ticket[f"_{kind}"]:
                path = tmp_path / f"{ticket['id']}.{kind}.json"
                path.write_text(json.dumps({kind: ticket[f"_{kind}"]}))
                files.append(str(path))

    out = io.StringIO()
    call_command("import_tickets", "supportbee", *files, stdout=out, stderr=io.StringIO())

    assert "Created 5, skipped 0 (imported before), failed 0." in out.getvalue()
    second = export(supportbee)
    # The one difference: the calling agent's star stays behind.
    for ticket in first:
        ticket["starred"] = False
    for before, after in zip(without_new_ids(first), without_new_ids(second), strict=True):
        assert after == before
    assert sorted(ImportedTicket.objects.values_list("external_id", flat=True)) == sorted(
        str(ticket["id"]) for ticket in first
    )
