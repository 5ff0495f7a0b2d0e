"""`manage.py import_tickets usercom FILE…`: User.com's ticket objects (document 004) become
our tickets, through the services, with their original times, silently, once."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from compat.models import ImportedTicket
from compat.usercom.api import avatar
from compat.usercom.import_reading import ImportFailed, MalformedTicket, parse_ticket, tickets_in
from compat.usercom.importer import import_object
from mail.requesters import UNKNOWN_SENDERS
from tests import factories
from tickets.models import ActiveState, Client, Contact, Priority, Ticket, TicketEvent
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "usercom_sample.json"  # the document's list response: two tickets
ARCHIVED = FIXTURES / "single_archived.json"  # one ticket object, with person and company
ARRAY = FIXTURES / "ticket_array.json"  # a JSON array: a person only, a company only
MIXED = FIXTURES / "mixed.json"  # a list response: one good ticket, three malformed ones


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


def run(*paths):
    """Run the command; (stdout, stderr). A CommandError is raised as it is."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tickets", "usercom", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*paths):
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import_tickets", "usercom", *map(str, paths), stdout=out, stderr=io.StringIO()
        )
    return out.getvalue(), str(error.value)


def imported(external_id: str) -> Ticket:
    return ImportedTicket.objects.get(system="usercom", external_id=external_id).ticket


def a_ticket(**changes) -> dict:
    """The archived fixture's ticket object, with `changes`."""
    return {**json.loads(ARCHIVED.read_text()), **changes}


# The document's sample ----------------------------------------------------------------


def test_the_documents_sample_imports_with_its_fields_and_times():
    out, err = run(SAMPLE)

    assert "Created 2, skipped 0 (imported before), failed 0." in out
    assert "Importing: 2/2 tickets" in err
    first, second = imported("1"), imported("2")
    assert (first.subject, first.message) == ("Ticket 1", "Ticket description")
    assert first.status_id == FixedStatus.CLOSED and first.active_state == ActiveState.ACTIVE
    assert second.status_id == FixedStatus.OPEN
    assert first.created_at == utc(2020, 11, 18, 8, 6, 56, 871986)
    assert first.updated_at == utc(2020, 11, 18, 8, 6, 56, 872014)
    assert first.due_at == utc(2020, 11, 25)
    assert second.due_at == utc(2020, 11, 26)
    # User.com's priority ids are its own: the name says which.
    assert first.priority == second.priority == Priority.HIGH
    # Neither person nor company: the "Unknown senders" client, no requester.
    assert first.client.name == UNKNOWN_SENDERS and first.requester is None
    assert first.events.get(kind=TicketEvent.Kind.CREATED).channel == "import"


def test_agents_without_address_become_one_former_agent_per_usercom_id():
    run(SAMPLE)

    first, second = imported("1"), imported("2")
    bob, alice = first.assignee, second.assignee
    assert (bob.username, bob.get_full_name()) == ("usercom-agent-1", "Agent Bob")
    assert (alice.username, alice.get_full_name()) == ("usercom-agent-2", "Agent Alice")
    assert all(agent.is_staff and not agent.is_active for agent in (bob, alice))
    assert not bob.has_usable_password()
    # Bob made both tickets (their `author`): the same former agent each time.
    assert first.creator == second.creator == bob
    assert get_user_model().objects.filter(username__startswith="usercom-agent-").count() == 2


def test_running_again_skips_what_was_imported():
    run(SAMPLE)
    out, _ = run(SAMPLE, ARCHIVED)

    assert "Created 1, skipped 2 (imported before), failed 0." in out
    assert Ticket.objects.count() == 3


# People, status, priority -------------------------------------------------------------


def test_person_company_and_participants(agent):
    carol = factories.AgentFactory(email="carol@helpdesk.example")

    run(ARCHIVED)

    ticket = imported("31")
    assert ticket.client.name == "Acme Ltd"
    assert (ticket.requester.email, ticket.requester.name) == ("joe@acme.example", "Joe Buyer")
    assert ticket.requester.client == ticket.client
    # The requester listed among the participants is not copied on their own ticket.
    assert [(c.email, c.name, c.client_id) for c in ticket.cc.all()] == [
        ("ann@acme.example", "Ann Accounts", ticket.client.pk)
    ]
    # An agent object with an address is the agent with that address.
    assert ticket.assignee == carol and ticket.creator is None
    assert ticket.priority == Priority.URGENT
    assert ticket.due_at == utc(2021, 3, 9)


def test_nobody_is_told(django_capture_on_commit_callbacks, mailoutbox):
    factories.AgentFactory(email="Carol@Helpdesk.example")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run(ARCHIVED)

    # Assigned to Carol (her address in another case), with CC contacts: no email, no task.
    assert imported("31").assignee.email == "Carol@Helpdesk.example"
    assert callbacks == [] and mailoutbox == []


def test_archived_is_closed_and_archived_at_its_last_update():
    factories.AgentFactory(email="carol@helpdesk.example")
    run(ARCHIVED)

    ticket = imported("31")
    assert ticket.status_id == FixedStatus.CLOSED
    assert ticket.active_state == ActiveState.ARCHIVED
    assert ticket.created_at == utc(2021, 3, 2, 10, 15, 0, 250000)
    assert ticket.updated_at == utc(2021, 3, 5, 16)
    assert ticket.events.get(kind=TicketEvent.Kind.ARCHIVED).created_at == utc(2021, 3, 5, 16)


@pytest.mark.parametrize(
    ("usercom_status", "segment", "ours"),
    [
        ("active", "On hold", FixedStatus.ON_HOLD),
        ("active", "Customer replied", FixedStatus.CUSTOMER_REPLIED),
        ("active", "All open", FixedStatus.OPEN),
        # Only an active ticket takes its status from a segment.
        ("closed", "On hold", FixedStatus.CLOSED),
    ],
)
def test_our_views_segments_give_an_active_tickets_exact_status(usercom_status, segment, ours):
    import_object(
        a_ticket(
            status=usercom_status,
            assigned_to=None,
            segments=[{"name": "Unassigned", "url": "/"}, {"name": segment, "url": "/"}, "odd"],
        )
    )

    assert imported("31").status_id == ours


def test_a_known_person_keeps_their_client():
    joe = factories.ContactFactory(email="Joe@Acme.example", name="Joe")

    import_object(a_ticket(assigned_to=None))

    ticket = imported("31")
    assert ticket.requester == joe and ticket.client == joe.client
    assert ticket.cc.get().client == joe.client
    assert not Client.objects.filter(name="Acme Ltd").exists()


def test_an_existing_client_of_the_companys_name_takes_the_new_person():
    acme = factories.ClientFactory(name="Acme Ltd")

    import_object(a_ticket(assigned_to=None))

    assert imported("31").client == acme
    assert Contact.objects.get(email="joe@acme.example").client == acme


def test_array_new_requester_rule_company_only_and_defaults():
    newco = factories.ClientFactory(name="NewCo")
    factories.ClientDomainFactory(client=newco, domain="newco.example")

    run(ARRAY)

    pat = imported("41")
    # No company: the new-requester rule (the client of the address's domain).
    assert pat.requester.email == "pat@newco.example" and pat.client == newco
    # +01:00 is read as such.
    assert pat.created_at == utc(2022, 1, 10, 8)
    assert pat.priority == Priority.NORMAL and pat.due_at is None and pat.assignee is None
    globex = imported("42")
    assert globex.client.name == "Globex" and globex.requester is None
    assert (globex.subject, globex.message) == ("(no subject)", "(no description)")
    assert globex.priority == Priority.NORMAL and globex.status_id == FixedStatus.CLOSED


def test_a_person_without_company_nor_known_domain_gets_a_client_of_their_own():
    run(ARRAY)

    pat = imported("41")
    assert pat.client.name == "Pat Newcomer" and pat.client.email == "pat@newco.example"


def test_an_agent_is_found_by_the_gravatar_our_export_draws(agent):
    bob = {"id": 999, "name": "Someone Else", "avatar": avatar(agent.email)}

    import_object(a_ticket(assigned_to=bob, author=bob))

    ticket = imported("31")
    assert ticket.assignee == agent and ticket.creator == agent


def test_a_former_agent_is_found_again_on_the_next_run():
    run(SAMPLE)
    bob = get_user_model().objects.get(username="usercom-agent-1")

    import_object(a_ticket(assigned_to={"id": 1, "name": "Agent Bob", "avatar": ""}))

    assert imported("31").assignee == bob


# Bad records ----------------------------------------------------------------------------


def test_malformed_tickets_are_reported_and_skipped_whole():
    out, error = run_failing(MIXED)

    assert "Created 1, skipped 0 (imported before), failed 3." in out
    assert f"52 ({MIXED}): person.email: expected an email address, got 'not-an-address'." in out
    assert f"53 ({MIXED}): participants[1].email: missing." in out
    assert f"54 ({MIXED}): status: a draft, and we have no drafts." in out
    assert error == "3 tickets and 0 files failed."
    assert imported("51").subject == "Good one"
    assert Ticket.objects.count() == 1
    assert not Contact.objects.filter(email__endswith="careful.example").exists()


def test_a_ticket_the_services_refuse_leaves_nothing_behind():
    refused = a_ticket(id=32, name="x" * 300, assigned_to=None)

    with pytest.raises(ImportFailed, match="subject"):
        import_object(refused)

    assert not Ticket.objects.exists() and not ImportedTicket.objects.exists()
    assert not Contact.objects.exists() and not Client.objects.exists()


def test_malformed_files_are_reported_and_the_others_import(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [')
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"tickets": []}')

    out, error = run_failing(broken, unknown, SAMPLE)

    assert "Created 2, skipped 0 (imported before), failed 0." in out
    assert f"{broken}: not JSON (line 1, column 14" in out
    assert f"{unknown}: expected User.com's list response" in out
    assert error == "0 tickets and 2 files failed."


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"created_at": 1605686816}, "created_at: expected an ISO 8601 time"),
        ({"updated_at": "2021-03-05T16:00:00"}, "updated_at: expected an ISO 8601 time"),
        ({"updated_at": "2021-03-01T00:00:00Z"}, "updated_at: before created_at."),
        ({"status": "pending"}, "status: expected one of active, closed, archived, draft"),
        ({"priority": {"id": 9, "name": "Blocker"}}, "priority.name: expected one of"),
        ({"id": None}, "id: expected an id"),
        ({"name": "a\x00b"}, "name: contains a NUL character."),
        ({"participants": {}}, "participants: expected a list"),
        ({"assigned_to": {"name": "No id"}}, "assigned_to.id: expected an id"),
    ],
)
def test_what_is_wrong_is_said_where(changes, reason):
    with pytest.raises(MalformedTicket) as error:
        parse_ticket(a_ticket(**changes))

    assert str(error.value).startswith(reason)


def test_the_files_shapes():
    document = json.loads(SAMPLE.read_text())
    assert tickets_in(document) == document["results"]
    assert tickets_in(document["results"]) == document["results"]
    assert tickets_in(document["results"][0]) == [document["results"][0]]
