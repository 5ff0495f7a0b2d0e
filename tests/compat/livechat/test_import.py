"""`manage.py import_tickets livechat FILE…`: LiveChat's ticket objects become our tickets,
through the services, with their original times, silently, once.

`as_livechat` below writes an imported ticket back the way /compat/livechat/tickets does
(the conventions its exporter follows): comparing it with the file checks that the import
inverts the export, apart from ids.
"""

import copy
import datetime
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from compat.livechat import mappings
from compat.livechat.importer import (
    MalformedTicket,
    agent_for_login,
    import_object,
    parse_ticket,
    tickets_in,
)
from compat.models import ImportedTicket, TicketSourceUrl
from tests import factories
from tickets.models import (
    Client,
    Contact,
    Reply,
    Source,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "livechat_sample.json"  # the document's sample, its tags in the ticket
SOLVED = FIXTURES / "single_solved.json"  # one ticket object
ARRAY = FIXTURES / "ticket_array.json"  # a JSON array: a pending ticket and a spam one
MIXED = FIXTURES / "mixed.json"  # a list response: one good ticket, two malformed ones

T = 1700000000


def at(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def unix(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def load(path: Path):
    return json.loads(path.read_text())


def the_ticket(path: Path) -> dict:
    return tickets_in(load(path))[0]


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


def run(*paths):
    """Run the command; (stdout, stderr). A CommandError is raised as it is."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tickets", "livechat", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*paths):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_tickets", "livechat", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), str(error.value)


def imported(external_id: str) -> Ticket:
    return ImportedTicket.objects.get(system="livechat", external_id=external_id).ticket


# The export's conventions, for comparing ---------------------------------------------


def login(user) -> str:
    return user.email or user.get_username()


def person(user) -> dict:
    return {"id": login(user), "name": user.get_full_name() or user.get_username()}


def opened_periods(ticket: Ticket) -> list[dict]:
    """The periods the ticket was not solved, from the status on its CREATED event and its
    STATUS_CHANGED events, as the exporter computes `opened`."""
    categories = dict(TicketStatus.objects.values_list("pk", "category"))
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    solved = categories[created.new_value["status"]["id"]] == "solved"
    periods = [] if solved else [{"from": unix(created.created_at)}]
    for event in ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).order_by("id"):
        now_solved = categories[event.new_value["id"]] == "solved"
        if solved and not now_solved:
            periods.append({"from": unix(event.created_at)})
        elif now_solved and not solved:
            periods[-1]["to"] = unix(event.created_at)
        solved = now_solved
    return periods


def exported_events(ticket: Ticket) -> list[dict]:
    source_type = mappings.SOURCE_TYPES
    requester = ticket.requester
    opening_author = (
        {"id": requester.email, "name": requester.name, "type": "client"}
        if requester
        else {**person(ticket.creator), "type": "agent"}
    )
    events = [
        {
            "author": opening_author,
            "date": unix(ticket.created_at),
            "is_private": False,
            "message": ticket.message,
            "type": "message",
            "source": {"type": source_type[ticket.source]},
        }
    ]
    for reply in ticket.replies.order_by("created_at", "id"):
        author = (
            {**person(reply.author_agent), "type": "agent"}
            if reply.author_agent
            else {"id": reply.author_contact.email, "name": reply.author_contact.name,
                  "type": "client"}
        )  # fmt: skip
        events.append(
            {
                "author": author,
                "date": unix(reply.created_at),
                "is_private": reply.kind == Reply.Kind.NOTE,
                "message": reply.text,
                "type": "message",
                "source": {"type": source_type[reply.source]},
            }
        )
    users = get_user_model().objects
    for event in ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED):
        if event.new_value is None:  # unassigned: the export lists assignments only
            continue
        events.append(
            {
                "to": person(users.get(pk=event.new_value["id"])),
                "author": person(event.actor),
                "date": unix(event.created_at),
                "type": "assignee_changed",
            }
        )
    return sorted(events, key=lambda event: event["date"])


def as_livechat(ticket: Ticket) -> dict:
    """The ticket as /compat/livechat/tickets writes it (apart from its id)."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    first_agent_reply = (
        ticket.replies.filter(kind=Reply.Kind.REPLY, author_agent__isnull=False)
        .order_by("created_at")
        .first()
    )
    written = {
        "subject": ticket.subject,
        "status": mappings.livechat_status(ticket.status.category, is_spam=ticket.is_spam),
        "modified": unix(ticket.updated_at),
        "requester": {"mail": ticket.requester.email, "name": ticket.requester.name}
        if ticket.requester
        else {},
        "groups": mappings.groups_of(ticket.team_id),
        "source": {"type": mappings.SOURCE_TYPES[ticket.source]},
        "opened": opened_periods(ticket),
        "firstResponse": {
            "date": unix(ticket.first_response_at),
            "author": person(first_agent_reply.author_agent),
        }
        if first_agent_reply
        else {},
        "tags": sorted(ticket.tags.names()),
        "events": exported_events(ticket),
    }
    if ticket.assignee:
        written["assignee"] = person(ticket.assignee)
    kept_url = TicketSourceUrl.objects.filter(ticket=ticket).first()
    if kept_url is not None:
        written["source"]["url"] = kept_url.url
    return written


def comparable(ticket_object: dict) -> dict:
    """A file's ticket object as the export writes it back: no id, tags sorted, and
    `facebook`, which no source of ours matches, as `lc2` (it is kept as api)."""
    kept = copy.deepcopy(ticket_object)
    del kept["id"]
    kept["tags"] = sorted(kept.get("tags", []))
    for source in [kept["source"], *(event.get("source", {}) for event in kept["events"])]:
        if source.get("type") == "facebook":
            source["type"] = "lc2"
    return kept


# The document's sample ----------------------------------------------------------------


class TestTheDocumentsSample:
    def test_imports_with_its_times_people_and_history(
        self, department, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            out, err = run(SAMPLE)

        assert "Created 1, skipped 0 (imported before), failed 0." in out
        assert "1/1" in err
        ticket = imported("5FUED")
        assert ticket.subject == "My new shoes are broken"
        assert ticket.message.startswith("Hello,\n\nIt seems that my new shoes are broken.")
        assert ticket.source == Source.EMAIL
        assert ticket.department == department
        assert ticket.team is None
        assert ticket.status_id == FixedStatus.OPEN
        assert not ticket.is_spam
        assert sorted(ticket.tags.names()) == ["feedback", "sales", "support"]
        assert (ticket.requester.email, ticket.requester.name) == (
            "mary.brown@email.com",
            "Mary Brown",
        )
        assert ticket.client.name == "Mary Brown"
        assert ticket.created_at == at(1384554260)
        assert ticket.updated_at == at(1384790802)
        assert ticket.first_response_at is None and ticket.resolved_at is None
        jane, john = ticket.assignee, ticket.replies.get().author_agent
        assert (jane.email, jane.get_full_name()) == ("jane.doe@mycompany.com", "Jane Doe")
        assert (john.email, john.get_full_name()) == ("john.doe@mycompany.com", "John Doe")
        note = ticket.replies.get()
        assert note.kind == Reply.Kind.NOTE and note.source == Source.API
        assert note.created_at == at(1384554322)
        history = list(
            ticket.events.order_by("id").values_list("kind", "created_at", "channel", "actor")
        )
        assert history == [
            ("created", at(1384554260), "import", None),
            ("assigned", at(1384554270), "import", john.pk),
            ("note_added", at(1384554322), "import", john.pk),
            ("tags_changed", at(1384790802), "import", None),
        ]
        # Nothing is emailed, nor queued to be.
        assert callbacks == []
        assert mailoutbox == []

    def test_exported_again_it_is_the_same_apart_from_its_id(self):
        run(SAMPLE)

        assert as_livechat(imported("5FUED")) == comparable(the_ticket(SAMPLE))

    def test_unknown_agents_become_former_agents_who_keep_their_names(self):
        run(SAMPLE)

        for address, name in [
            ("jane.doe@mycompany.com", "Jane Doe"),
            ("john.doe@mycompany.com", "John Doe"),
        ]:
            user = get_user_model().objects.get(email=address)
            assert user.username == address
            assert user.get_full_name() == name
            assert user.is_staff and not user.is_active and not user.is_superuser
            assert not user.has_usable_password()


# The three file shapes, re-runs, counts ----------------------------------------------


class TestFiles:
    def test_a_list_response_a_single_ticket_and_an_array(self):
        out, _ = run(SAMPLE, SOLVED, ARRAY)

        assert "Created 4, skipped 0 (imported before), failed 0." in out
        assert set(ImportedTicket.objects.values_list("external_id", flat=True)) == {
            "5FUED",
            "7KQ2M",
            "PEND1",
            "SPAM9",
        }
        assert Ticket.objects.count() == 4

    def test_running_again_skips_what_was_imported(self):
        def rows():
            return [
                model.objects.count()
                for model in (Ticket, Reply, TicketEvent, Contact, Client, get_user_model())
            ]

        run(SAMPLE, ARRAY)
        before = rows()

        out, err = run(SAMPLE, ARRAY)

        assert "Created 0, skipped 3 (imported before), failed 0." in out
        assert "3/3" in err
        assert rows() == before
        out, _ = run(SOLVED, SAMPLE)
        assert "Created 1, skipped 1 (imported before), failed 0." in out

    def test_the_same_ticket_twice_in_one_run_is_imported_once(self, tmp_path):
        twice = tmp_path / "twice.json"
        twice.write_text(json.dumps([the_ticket(SOLVED), the_ticket(SOLVED)]))

        out, _ = run(twice)

        assert "Created 1, skipped 1 (imported before), failed 0." in out
        assert Ticket.objects.count() == 1

    def test_a_malformed_ticket_fails_alone_with_its_id_and_reason(self):
        out, error = run_failing(MIXED, SOLVED)

        assert "Created 2, skipped 0 (imported before), failed 2." in out
        assert (
            "  BAD01 (" + str(MIXED) + "): events[0].date: expected a Unix time in seconds "
            "(a whole number), got 'yesterday'."
        ) in out
        assert f"  ticket 3 ({MIXED}): id: expected the ticket's id, got None." in out
        assert error == "2 tickets and 0 files failed."
        assert set(ImportedTicket.objects.values_list("external_id", flat=True)) == {
            "GOOD1",
            "7KQ2M",
        }

    def test_malformed_files_are_reported_and_the_others_import(self, tmp_path):
        broken = tmp_path / "broken.json"
        broken.write_text('{"tickets": [')
        shapeless = tmp_path / "shapeless.json"
        shapeless.write_text('{"pages": 1}')
        wrong_list = tmp_path / "wrong_list.json"
        wrong_list.write_text('{"tickets": "none"}')
        latin = tmp_path / "latin.json"
        latin.write_bytes('{"id": "é"}'.encode("latin-1"))
        missing = tmp_path / "missing.json"

        out, error = run_failing(broken, SOLVED, shapeless, wrong_list, latin, missing)

        assert "Created 1, skipped 0 (imported before), failed 0." in out
        assert f"  {broken}: not JSON (line 1, column 14: Expecting value)." in out
        assert (
            f'  {shapeless}: expected LiveChat\'s list response ({{"pages", "total", '
            '"tickets": [...]}), one ticket object or a JSON array of tickets.'
        ) in out
        assert f"  {wrong_list}: tickets: expected a list of tickets, got 'none'." in out
        assert f"  {latin}: not JSON (not UTF-8 text)." in out
        assert f"  {missing}: No such file or directory" in out
        assert error == "0 tickets and 5 files failed."
        assert Ticket.objects.count() == 1

    def test_nothing_is_left_of_a_ticket_that_fails_half_way(self, tmp_path):
        ticket = the_ticket(SOLVED)
        ticket["tags"] = ["x" * 101]  # refused by the last service call
        path = tmp_path / "late_failure.json"
        path.write_text(json.dumps(ticket))
        users = get_user_model().objects.count()

        out, _ = run_failing(path)

        assert f"  7KQ2M ({path}): tags: A tag has at most 100 characters." in out
        assert not Ticket.objects.exists()
        assert not Reply.objects.exists() and not TicketEvent.objects.exists()
        assert not Contact.objects.exists() and not Client.objects.exists()
        assert not Team.objects.exists()
        assert get_user_model().objects.count() == users
        assert not ImportedTicket.objects.exists()

    def test_without_a_department_nothing_starts(self, department):
        department.delete()

        with pytest.raises(CommandError, match="There is no department"):
            run(SOLVED)

    def test_only_known_systems(self):
        with pytest.raises(CommandError, match="invalid choice: 'zendesk'"):
            call_command("import_tickets", "zendesk", str(SOLVED))

    def test_the_progress_bar_on_a_terminal(self):
        class Terminal(io.StringIO):
            def isatty(self):
                return True

        err = Terminal()
        call_command("import_tickets", "livechat", str(ARRAY), stdout=io.StringIO(), stderr=err)

        assert err.getvalue().endswith(
            "\r[" + "." * 30 + "] 0/2\r[" + "#" * 15 + "." * 15 + "] 1/2\r[" + "#" * 30 + "] 2/2\n"
        )


# Mappings -----------------------------------------------------------------------------


def ticket_with(**changes) -> dict:
    """The solved fixture ticket with some fields replaced."""
    ticket = the_ticket(SOLVED)
    ticket.update(changes)
    return ticket


def import_one(ticket: dict) -> Ticket:
    assert import_object(ticket) is True
    return imported(ticket["id"])


def message(date, text="More", *, agent=None, client=None, private=False, source="mail"):
    author = (
        {"id": agent, "name": "", "type": "agent"}
        if agent
        else {"id": client, "name": "", "type": "client"}
    )
    return {
        "type": "message",
        "author": author,
        "date": date,
        "is_private": private,
        "message": text,
        "source": {"type": source},
    }


class TestStatuses:
    """open -> Open (Customer Replied after the client's reply), pending -> On Hold (Answered
    after an agent's), solved -> Closed; spam -> marked spam."""

    OPENING = {
        "type": "message",
        "author": {"id": "sam@shop.example", "name": "Sam", "type": "client"},
        "date": T,
        "message": "Help",
        "source": {"type": "mail"},
    }

    def status_ticket(self, status, *events, opened=None):
        return {
            "id": f"S-{status}-{len(events)}",
            "status": status,
            "modified": T + 1000,
            "requester": {"mail": "sam@shop.example", "name": "Sam"},
            "source": {"type": "mail"},
            "opened": opened if opened is not None else [{"from": T}],
            "events": [self.OPENING, *events],
        }

    @pytest.mark.parametrize(
        ("status", "events", "expected"),
        [
            ("open", [], FixedStatus.OPEN),
            ("open", [message(T + 5, agent="amy@ours.example")], FixedStatus.OPEN),
            (
                "open",
                [
                    message(T + 5, agent="amy@ours.example"),
                    message(T + 9, client="sam@shop.example"),
                ],
                FixedStatus.CUSTOMER_REPLIED,
            ),
            ("pending", [], FixedStatus.ON_HOLD),
            ("pending", [message(T + 5, client="sam@shop.example")], FixedStatus.ON_HOLD),
            (
                "pending",
                [
                    message(T + 5, agent="amy@ours.example"),
                    message(T + 6, "note", agent="amy@ours.example", private=True),
                ],
                FixedStatus.ANSWERED,
            ),
        ],
    )
    def test_open_and_pending(self, status, events, expected):
        ticket = import_one(self.status_ticket(status, *events))

        assert ticket.status_id == expected
        assert ticket.resolved_at is None
        assert opened_periods(ticket) == [{"from": T}]
        assert as_livechat(ticket)["status"] == status
        if expected != FixedStatus.OPEN:
            change = ticket.events.get(kind="status_changed")
            assert change.created_at == at(T + 1000) and change.channel == "import"

    def test_solved(self):
        ticket = import_one(self.status_ticket("solved", opened=[{"from": T, "to": T + 50}]))

        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at == ticket.status_changed_at == at(T + 50)
        assert opened_periods(ticket) == [{"from": T, "to": T + 50}]

    @pytest.mark.parametrize(
        ("opened", "status"), [([{"from": T}], FixedStatus.OPEN), ([], FixedStatus.CLOSED)]
    )
    def test_spam_keeps_the_status_its_periods_give(self, opened, status):
        ticket = import_one(self.status_ticket("spam", opened=opened))

        assert ticket.is_spam and ticket.status_id == status
        spam = ticket.events.get(kind="spam_marked")
        assert spam.created_at == at(T + 1000)
        assert as_livechat(ticket)["status"] == "spam"

    def test_a_ticket_created_solved_starts_closed(self):
        ticket = import_one(self.status_ticket("open", opened=[{"from": T + 100}]))

        created = ticket.events.get(kind="created")
        assert created.new_value["status"]["id"] == FixedStatus.CLOSED
        assert opened_periods(ticket) == [{"from": T + 100}]
        assert ticket.status_id == FixedStatus.OPEN and ticket.resolved_at is None

    def test_periods_closed_and_reopened_in_the_same_second(self):
        opened = [{"from": T, "to": T + 10}, {"from": T + 10, "to": T + 10}, {"from": T + 10}]
        ticket = import_one(self.status_ticket("open", opened=opened))

        assert opened_periods(ticket) == opened
        assert ticket.status_id == FixedStatus.OPEN

    def test_a_status_the_periods_do_not_end_in_is_reached_at_modified(self):
        ticket = import_one(self.status_ticket("solved", opened=[{"from": T}]))

        assert ticket.status_id == FixedStatus.CLOSED
        assert opened_periods(ticket) == [{"from": T, "to": T + 1000}]

    def test_replies_do_not_reopen_what_the_periods_keep_solved(self):
        events = [
            message(T + 100, client="sam@shop.example"),
            message(T + 200, agent="a@o.example"),
        ]
        ticket = import_one(
            self.status_ticket("solved", *events, opened=[{"from": T, "to": T + 50}])
        )

        assert opened_periods(ticket) == [{"from": T, "to": T + 50}]
        assert ticket.replies_count == 2 and ticket.first_response_at == at(T + 200)


class TestSources:
    @pytest.mark.parametrize(
        ("livechat", "ours"),
        [
            ("mail", Source.EMAIL),
            ("agent-app-manual", Source.WEB),
            ("chat-window", Source.PORTAL),
            ("lc2", Source.API),
            ("facebook", Source.API),
        ],
    )
    def test_ticket_and_message_sources(self, livechat, ours):
        ticket = ticket_with(source={"type": livechat})
        ticket["events"][2]["source"] = {"type": livechat}

        created = import_one(ticket)

        assert created.source == ours
        reply = created.replies.get(created_at=at(T + 600))
        assert reply.source == ours

    def test_the_source_url_is_kept(self):
        created = import_one(
            ticket_with(source={"type": "chat-window", "url": "https://shop.example/help"})
        )

        assert created.source_url.url == "https://shop.example/help"

    def test_without_a_url_none_is_kept(self):
        created = import_one(ticket_with(source={"type": "chat-window"}))

        assert not TicketSourceUrl.objects.filter(ticket=created).exists()

    def test_a_message_without_a_source_has_the_tickets(self):
        ticket = ticket_with(source={"type": "mail"})
        del ticket["events"][2]["source"]

        created = import_one(ticket)

        assert created.replies.get(created_at=at(T + 600)).source == Source.EMAIL


class TestGroups:
    def test_no_group(self):
        assert import_one(ticket_with(groups=[0])).team is None
        assert import_one(ticket_with(id="no-groups", groups=[])).team is None

    def test_a_group_with_one_of_our_team_ids_is_that_team(self):
        team = factories.TeamFactory(name="Billing")

        assert import_one(ticket_with(groups=[team.pk])).team == team

    def test_another_group_gets_a_team_named_after_it_once(self):
        first = import_one(ticket_with(groups=[9999]))
        second = import_one(ticket_with(id="again", groups=[0, 9999, 5]))

        assert first.team.name == "LiveChat group 9999"
        assert second.team == first.team
        assert Team.objects.count() == 1
        assert first.events.get(kind="created").created_at == at(T)


class TestPeople:
    def test_agents_are_found_by_email_any_case_or_username(self):
        amy = factories.AgentFactory(email="Amy.Agent@Ours.Example")
        bob = factories.AgentFactory(username="bob.boss@ours.example", email="")
        users = get_user_model().objects.count()

        ticket = import_one(ticket_with(assignee=None))

        assert ticket.replies.filter(author_agent=amy).count() == 3
        assign = ticket.events.filter(kind="assigned").order_by("id").first()
        assert assign.actor == bob and assign.new_value["id"] == amy.pk
        # Only the agent nobody knows is new: Carl, a former agent now.
        assert get_user_model().objects.count() == users + 1
        carl = get_user_model().objects.get(email="carl.former@ours.example")
        assert not carl.is_active and carl.get_full_name() == "Carl Former"

    def test_the_final_assignee_is_set_at_modified(self):
        ticket = import_one(ticket_with(assignee=None))

        assert ticket.assignee is None
        unassigned = ticket.events.filter(kind="assigned").order_by("id").last()
        assert unassigned.new_value is None and unassigned.created_at == at(T + 9000)

    def test_a_former_agent_is_found_not_made_again(self):
        carl = factories.AgentFactory(email="carl.former@ours.example", is_active=False)

        ticket = import_one(ticket_with())

        assigned = [e.new_value["id"] for e in ticket.events.filter(kind="assigned")]
        assert carl.pk in assigned
        assert get_user_model().objects.filter(email="carl.former@ours.example").count() == 1

    def test_a_login_taken_as_a_username_by_a_non_agent(self):
        factories.UserFactory(username="carl.former@ours.example", email="other@x.example")

        carl = agent_for_login("carl.former@ours.example", "Carl Former")

        assert carl.username == "carl.former@ours.example-2"
        assert carl.email == "carl.former@ours.example"
        assert carl.is_staff and not carl.is_active

    def test_a_login_that_is_not_an_address_names_the_agent_by_username(self):
        agent = agent_for_login("jdoe", "")

        assert (agent.username, agent.email, agent.get_full_name()) == ("jdoe", "", "")

    def test_the_requester_by_the_new_requester_rule(self):
        known = factories.ContactFactory(email="Sam.Client@shop.example")
        ticket = import_one(ticket_with())
        assert ticket.requester == known and ticket.client == known.client

        domain = factories.ClientDomainFactory(domain="store.example")
        other = import_one(
            ticket_with(id="by-domain", requester={"mail": "pat@store.example", "name": "Pat"})
        )
        assert other.client == domain.client
        assert (other.requester.email, other.requester.name) == ("pat@store.example", "Pat")

    def test_another_client_who_writes_joins_the_tickets_client(self):
        ticket = ticket_with()
        ticket["events"][4]["author"] = {"id": "kim@shop.example", "name": "Kim", "type": "client"}

        created = import_one(ticket)

        kim = created.replies.get(created_at=at(T + 5400)).author_contact
        assert (kim.email, kim.name, kim.client) == ("kim@shop.example", "Kim", created.client)

    def test_without_a_requester_the_opening_client_is_the_requester(self):
        ticket = import_one(ticket_with(requester={}))

        assert ticket.requester.email == "sam.client@shop.example"

    def test_a_ticket_an_agent_opened_without_a_requester(self):
        ticket = ticket_with(requester={"mail": None})
        ticket["events"][0]["author"] = {"id": "amy.agent@ours.example", "type": "agent"}

        created = import_one(ticket)

        assert created.requester is None
        assert created.client.name == "Unknown senders"
        assert created.creator.email == "amy.agent@ours.example"
        assert as_livechat(created)["events"][0]["author"]["type"] == "agent"


# Times and history --------------------------------------------------------------------


class TestTimesAndHistory:
    def test_every_time_is_kept_to_the_second(self):
        run(SOLVED)
        ticket = imported("7KQ2M")

        assert ticket.created_at == at(T)
        assert ticket.first_response_at == at(T + 600)
        assert ticket.last_reply_at == at(T + 7100)
        assert ticket.status_changed_at == ticket.resolved_at == at(T + 7200)
        assert ticket.updated_at == at(T + 9000)
        assert [unix(r.created_at) for r in ticket.replies.order_by("created_at")] == [
            T + 600,
            T + 620,
            T + 5400,
            T + 7100,
        ]
        assert ticket.replies_count == 3
        history = list(ticket.events.order_by("id").values_list("kind", "created_at"))
        assert [(kind, unix(moment) - T) for kind, moment in history] == [
            ("created", 0),
            ("assigned", 60),
            ("reply_added", 600),
            ("note_added", 620),
            ("status_changed", 3600),
            ("reply_added", 5400),
            ("status_changed", 5400),
            ("assigned", 5500),
            ("assigned", 7000),
            ("reply_added", 7100),
            ("status_changed", 7200),
            ("tags_changed", 9000),
        ]
        assert set(ticket.events.values_list("channel", flat=True)) == {"import"}
        assert ticket.team.name == "LiveChat group 7"

    def test_each_file_exports_back_the_same_apart_from_ids(self):
        run(SAMPLE, SOLVED, ARRAY)

        for path in (SAMPLE, SOLVED, ARRAY):
            for ticket_object in tickets_in(load(path)):
                exported = as_livechat(imported(ticket_object["id"]))
                expected = comparable(ticket_object)
                if expected["groups"] != [0]:  # a group lands in a team of its own id
                    expected["groups"] = exported["groups"]
                if expected["requester"] == {}:  # the opening client became the requester
                    expected["requester"] = exported["requester"]
                assert exported == expected, ticket_object["id"]

    def test_modified_later_than_anything_the_file_tells(self):
        """Something changed at `modified` that the file does not say: the ticket's last
        update is then, with no event to name it."""
        ticket = import_one(ticket_with(tags=[]))

        assert ticket.updated_at == at(T + 9000)
        assert unix(ticket.events.order_by("id").last().created_at) == T + 7200
        assert not ticket.events.filter(created_at__gt=at(T + 7200)).exists()


# Malformed tickets --------------------------------------------------------------------


def broken(change) -> dict:
    ticket = the_ticket(SOLVED)
    (
        (
            lambda t: t["source"].update(url="https://x.example/" + "a" * 2000),
            "source.url: longer than 2000",
        ),
    )
    ((lambda t: t["source"].update(url=5), "source.url: expected text, got 5."),)
    change(ticket)
    return ticket


MALFORMED = [
    (lambda t: t.clear() or t.update({"x": 1}), "id: expected the ticket's id, got None."),
    (lambda t: t.update(id=""), "id: expected the ticket's id, got ''."),
    (lambda t: t.update(id="x" * 101), "id: longer than 100 characters"),
    (lambda t: t.update(status="closed"), "status: expected one of open, pending, solved, spam"),
    (lambda t: t.pop("status"), "status: missing."),
    (lambda t: t.update(modified="soon"), "modified: expected a Unix time in seconds"),
    (lambda t: t.update(modified=True), "modified: expected a Unix time in seconds"),
    (lambda t: t.update(modified=-5), "modified: expected a Unix time in seconds"),
    (lambda t: t.update(source={"type": "telegram"}), "source.type: unknown source 'telegram'"),
    (lambda t: t.pop("source"), "source: missing."),
    (lambda t: t.update(requester={"mail": "not an address"}), "requester.mail: expected an email"),
    (lambda t: t.update(requester="sam"), "requester: expected an object, got 'sam'."),
    (lambda t: t.update(assignee={"name": "Amy"}), "assignee.id: missing."),
    (lambda t: t.update(groups=[7, "x"]), "groups[1]: expected a group id, got 'x'."),
    (lambda t: t.update(groups=[2**40]), "groups[0]: expected a group id"),
    (lambda t: t.update(tags=["ok", 3]), "tags[1]: expected text, got 3."),
    (lambda t: t.update(events={}), "events: expected a list, got {}."),
    (lambda t: t.update(events=[]), "events: no message, so no opening message."),
    (lambda t: t["events"].__setitem__(1, "x"), "events[1]: expected an object, got 'x'."),
    (lambda t: t["events"][0].__setitem__("is_private", True), "only agents write private"),
    (lambda t: t["events"][2].__setitem__("is_private", "no"), "events[2].is_private: expected"),
    (lambda t: t["events"][2].__setitem__("message", "  "), "events[2].message: empty."),
    (lambda t: t["events"][2].pop("author"), "events[2].author: missing."),
    (lambda t: t["events"][2].update(message="a\x00b"), "events[2].message: contains a NUL"),
    (
        lambda t: t["events"][2]["author"].__setitem__("type", "bot"),
        "events[2].author.type: expected client or agent, got 'bot'.",
    ),
    (
        lambda t: t["events"][4]["author"].__setitem__("id", "Sam"),
        "events[4].author.id: expected an email address, got 'Sam'.",
    ),
    (lambda t: t["events"][1].pop("date"), "events[1].date: missing."),
    (lambda t: t["events"][1].update(to={"name": "x"}), "events[1].to.id: missing."),
    (lambda t: t["events"][3].update(date=T - 1), "events[3].date: before the opening message."),
    (lambda t: t["events"][7].update(date=T + 9001), "events[7].date: after the ticket's modified"),
    (
        lambda t: t["events"][2].update(source={"type": "pigeon"}),
        "events[2].source.type: unknown source 'pigeon'",
    ),
    (lambda t: t.update(opened=[{"to": T}]), "opened[0].from: missing."),
    (lambda t: t.update(opened=[{"from": T}, {"from": T + 5}]), "opened[0].to: missing"),
    (lambda t: t.update(opened=[{"from": T + 5, "to": T}]), "opened[0].to: before its start."),
    (
        lambda t: t.update(opened=[{"from": T, "to": T + 9}, {"from": T + 5}]),
        "opened[1].from: before the previous period ends.",
    ),
    (lambda t: t.update(opened=[{"from": T - 5}]), "opened[0].from: before the opening message."),
    (lambda t: t.update(opened=[{"from": T, "to": T + 9999}]), "opened[0]: after the ticket's"),
    (lambda t: t["events"][0].update(author={"id": "a@o.example", "type": "agent"},
                                     is_private=True), "events[0]: the opening message is private."),
]  # fmt: skip


class TestMalformedTickets:
    @pytest.mark.parametrize(("change", "message"), MALFORMED)
    def test_a_clear_message_and_nothing_imported(self, change, message):
        ticket = broken(change)

        with pytest.raises(MalformedTicket) as error:
            parse_ticket(ticket)
        assert message in str(error.value)
        with pytest.raises(MalformedTicket):
            import_object(ticket)
        assert not Ticket.objects.exists()

    def test_not_an_object(self):
        with pytest.raises(MalformedTicket, match=r"^ticket: expected an object, got \[1\]\.$"):
            parse_ticket([1])

    def test_what_is_left_out_or_defaulted(self):
        ticket = the_ticket(SOLVED)
        ticket["events"].insert(3, {"type": "rating", "date": T + 610, "rate": "good"})
        for key in ("subject", "opened", "tags", "groups", "firstResponse"):
            ticket.pop(key)

        parsed = parse_ticket(ticket)

        assert parsed.subject == "(no subject)"
        assert parsed.tags == () and parsed.group == 0
        assert [(p.start, p.end) for p in parsed.opened] == [(at(T), None)]
        assert len(parsed.events) == 7  # the rating is not one of them
