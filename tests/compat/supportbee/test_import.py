"""`manage.py import_tickets supportbee FILE…`: SupportBee's ticket objects, replies and
comments become our tickets, through the services, with their original times, silently,
once.

The fixtures (fixtures/import/) are written as SupportBee's API writes them (document 001's
samples, with replies and comments as /tickets/<id>/replies.json returns them):
tickets.json is a list response of three tickets whose first one has 101.replies.json and
101.comments.json; single.json is {"ticket": …}; mixed.json is a JSON array of a good
ticket, one with a bad time and one (203) whose reply, in 203/replies.json, is older than
the ticket.
"""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compat.models import ImportedTicket
from compat.supportbee.import_reading import MalformedFile, conversation_in
from tests import factories
from tickets.models import (
    ActiveState,
    Channel,
    Contact,
    Reply,
    Team,
    Ticket,
    TicketEvent,
    TicketStar,
)
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "supportbee_list_sample.json"  # the document's list sample, unchanged
IMPORTS = FIXTURES / "import"
TICKETS = IMPORTS / "tickets.json"
REPLIES = IMPORTS / "101.replies.json"
COMMENTS = IMPORTS / "101.comments.json"
SINGLE = IMPORTS / "single.json"
MIXED = IMPORTS / "mixed.json"
EARLY_REPLY = IMPORTS / "203" / "replies.json"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


def run(*paths):
    """Run the command; (stdout, stderr). A CommandError is raised as it is."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tickets", "supportbee", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*paths):
    """Run the command expecting failures; (stdout, the CommandError's message)."""
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_tickets", "supportbee", *map(str, paths), stdout=out, stderr=io.StringIO()
        )
    return out.getvalue(), str(raised.value)


def imported(external_id: str) -> Ticket:
    return ImportedTicket.objects.get(system="supportbee", external_id=external_id).ticket


def test_the_documents_sample_imports_with_its_times():
    out, err = run(SAMPLE)

    assert "Created 1, skipped 0 (imported before), failed 0." in out
    assert "Importing: 1/1 tickets" in err
    ticket = imported("1")
    assert ticket.subject == "Welcome to SupportBee"
    assert ticket.message == "test\n\n-- \nRegards,\nAgent"
    assert ticket.created_at == utc("2012-01-18T15:17:32Z")
    assert ticket.updated_at == utc("2012-01-18T15:17:33Z")
    assert (ticket.requester.email, ticket.requester.name) == ("person37@example.com", "Requester")
    assert ticket.client == ticket.requester.client
    assert ticket.department.name == "Support"
    assert ticket.status_id == FixedStatus.OPEN
    assert ticket.active_state == ActiveState.ACTIVE and not ticket.is_spam
    assert ticket.assignee is None and ticket.team is None
    # Everything happened on the import channel, which tells nobody.
    channels = set(TicketEvent.objects.filter(ticket=ticket).values_list("channel", flat=True))
    assert channels == {Channel.IMPORT}


def test_each_field_of_a_ticket_and_its_conversation_is_mapped():
    agent = factories.AgentFactory(email="agent19@example.com")

    out, _ = run(TICKETS, REPLIES, COMMENTS)

    assert "Created 3, skipped 0 (imported before), failed 0." in out
    ticket = imported("101")
    assert ticket.subject == "Invoice is wrong"
    assert ticket.requester.email == "ann@acme.example"
    assert list(ticket.cc.values_list("email", "name")) == [("carla@acme.example", "Carla Cc")]
    assert ticket.cc.get().client == ticket.client == ticket.requester.client
    assert ticket.assignee == agent  # an agent found by email address
    assert sorted(ticket.tags.names()) == ["Billing", "urgent"]
    replies = list(ticket.replies.all())
    by_time = sorted(replies, key=lambda reply: reply.created_at)
    assert [reply.text for reply in by_time] == [
        "Refund approved by finance.",
        "Sorry, fixing it.",
        "Thanks!",
    ]
    note, agent_reply, client_reply = by_time
    assert (
        note.kind == Reply.Kind.NOTE and agent_reply.kind == client_reply.kind == Reply.Kind.REPLY
    )
    assert agent_reply.author_agent == agent
    assert client_reply.author_contact == ticket.requester
    # An unknown agent becomes a former agent, with the file's name.
    former = note.author_agent
    assert (former.email, former.first_name, former.last_name) == (
        "former@example.com",
        "Fred",
        "Former",
    )
    assert former.is_staff and not former.is_active and not former.has_usable_password()
    assert ticket.replies_count == 2
    assert ticket.created_at == utc("2024-03-01T09:00:00Z")
    assert ticket.updated_at == utc("2024-03-02T10:00:00Z")
    # The last public reply is the client's: our workflow would say so.
    assert ticket.status_id == FixedStatus.CUSTOMER_REPLIED
    # A star is one agent's: the file's `starred` is not imported.
    assert not TicketStar.objects.exists()

    spam = imported("102")
    assert spam.is_spam and spam.team == Team.objects.get(name="Group 1")
    assert spam.assignee is None and spam.status_id == FixedStatus.OPEN
    assert spam.updated_at == utc("2024-03-03T08:05:00Z")

    archived = imported("103")
    assert archived.active_state == ActiveState.ARCHIVED
    assert archived.status_id == FixedStatus.CLOSED
    assert archived.requester is None and archived.client.name == "Unknown senders"
    assert archived.subject == "(no subject)"
    assert archived.updated_at == utc("2024-03-05T12:00:00Z")
    archiving = TicketEvent.objects.get(ticket=archived, kind=TicketEvent.Kind.ARCHIVED)
    assert archiving.created_at == utc("2024-03-05T12:00:00Z")


def test_a_second_run_skips_the_tickets_and_their_conversation():
    run(TICKETS, REPLIES, COMMENTS, SINGLE)
    replies = Reply.objects.count()

    out, _ = run(TICKETS, REPLIES, COMMENTS, SINGLE)

    assert "Created 0, skipped 4 (imported before), failed 0." in out
    assert Ticket.objects.count() == 4 and Reply.objects.count() == replies == 3
    assert imported("104").subject == "Single ticket"


def test_a_malformed_ticket_is_skipped_whole_with_its_reason():
    out, message = run_failing(MIXED, EARLY_REPLY)

    assert "Created 1, skipped 0 (imported before), failed 2." in out
    assert (
        f"202 ({MIXED}): created_at: expected an ISO 8601 time with its zone "
        "(2012-01-18T15:17:33Z), got 'yesterday'." in out
    )
    assert f"203 ({MIXED}): replies[0].created_at: before the ticket's created_at." in out
    assert message == "2 tickets and 0 files failed."
    assert list(ImportedTicket.objects.values_list("external_id", flat=True)) == ["201"]
    # Nothing of a failed ticket is left behind.
    assert not Contact.objects.filter(email__in=["bad@bad.example", "early@early.example"])


def test_a_failing_service_call_fails_the_ticket_alone(tmp_path):
    ticket = json.loads(SINGLE.read_text())["ticket"]
    # A comment by a client is no comment SupportBee writes.
    path = tmp_path / "104.comments.json"
    path.write_text(
        json.dumps(
            {
                "comments": [
                    {
                        "created_at": ticket["created_at"],
                        "commenter": {"email": "bob@other.example", "agent": False},
                        "content": {"body": "Hm"},
                    }
                ]
            }
        )
    )

    out, _ = run_failing(SINGLE, path, SAMPLE)

    assert "Created 1, skipped 0 (imported before), failed 1." in out
    assert "104 (" in out and "comments[0].commenter.agent: only agents write comments." in out


def test_malformed_files_are_reported_and_the_others_import(tmp_path):
    not_json = tmp_path / "broken.json"
    not_json.write_text('{"tickets": [')
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"users": []}))
    orphan = tmp_path / "orphan.json"
    orphan.write_text(json.dumps({"replies": []}))
    unknown_ticket = tmp_path / "999.replies.json"
    unknown_ticket.write_text(json.dumps({"replies": []}))
    missing = tmp_path / "missing.json"

    out, message = run_failing(not_json, other, orphan, unknown_ticket, missing, SAMPLE)

    assert "Created 1, skipped 0 (imported before), failed 0." in out
    assert f"{not_json}: not JSON (line 1, column" in out
    assert f'{other}: expected SupportBee\'s list response ({{"total", …' in out
    assert f"{orphan}: cannot tell whose replies or comments these are" in out
    assert f"{unknown_ticket}: ticket 999 is not in the files given." in out
    assert f"{missing}: No such file or directory" in out
    assert message == "0 tickets and 5 files failed."


@pytest.mark.parametrize(
    ("name", "document", "owner"),
    [
        ("101.replies.json", {"replies": []}, "101"),
        ("101/comments.json", {"comments": []}, "101"),
        ("anything.json", {"ticket_id": 7, "replies": []}, "7"),
    ],
)
def test_a_conversation_file_names_its_ticket(name, document, owner):
    found = conversation_in(f"/exports/{name}", document)

    assert found is not None and found.ticket_id == owner


def test_a_file_of_tickets_is_no_conversation_file():
    assert conversation_in("/exports/1.replies.json", {"ticket": {"id": 1}}) is None
    with pytest.raises(MalformedFile, match="not both"):
        conversation_in("/exports/1.json", {"replies": [], "comments": []})


def test_conversation_files_named_by_wrapper_or_folder_join_their_ticket(tmp_path):
    ticket = json.loads(SINGLE.read_text())["ticket"]
    agent = {"email": "agent19@example.com", "name": "Agent", "agent": True}
    wrapped = tmp_path / "anything.json"
    wrapped.write_text(
        json.dumps(
            {
                "ticket_id": ticket["id"],
                "comments": [
                    {
                        "created_at": ticket["created_at"],
                        "commenter": agent,
                        "content": {"body": "Note"},
                    }
                ],
            }
        )
    )
    (tmp_path / "104").mkdir()
    in_folder = tmp_path / "104" / "replies.json"
    in_folder.write_text(
        json.dumps(
            {
                "replies": [
                    {
                        "created_at": ticket["created_at"],
                        "replier": agent,
                        "content": {"body": "Hi"},
                    }
                ]
            }
        )
    )
    again = tmp_path / "104.replies.json"
    again.write_text(json.dumps({"replies": []}))

    out, message = run_failing(SINGLE, wrapped, in_folder, again)

    assert "Created 1, skipped 0 (imported before), failed 0." in out
    assert f"{again}: ticket 104's replies are in {in_folder} already." in out
    assert message == "0 tickets and 1 file failed."
    texts = imported("104").replies.values_list("kind", "text")
    assert sorted(texts) == [(Reply.Kind.NOTE, "Note"), (Reply.Kind.REPLY, "Hi")]


def test_a_ticket_listed_twice_is_imported_once_with_its_conversation():
    out, _ = run(TICKETS, TICKETS, REPLIES, COMMENTS)

    assert "Created 3, skipped 3 (imported before), failed 0." in out
    assert imported("101").replies.count() == 3
