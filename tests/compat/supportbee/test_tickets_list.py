"""GET /compat/supportbee/tickets.json and /tickets/search.json: 15 a page, every parameter
of document 001, the envelope, and a fixed number of queries."""

import datetime

import pytest
from django.db import connection

from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, Reply, Ticket

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def ticket_at(minutes: float, **fields) -> Ticket:
    """A ticket created and last active at `minutes` after T0."""
    fields.setdefault("department", factories.CategoryFactory())
    return factories.TicketFactory(created_at=at(minutes), updated_at=at(minutes), **fields)


def listed_ids(client, query: str = "", path: str = "tickets.json") -> list[int]:
    response = client.get(f"{BASE}/{path}{'?' + query if query else ''}")
    assert response.status_code == 200, response.content
    return [ticket["id"] for ticket in body(response)["tickets"]]


class TestPages:
    def test_15_a_page_newest_activity_first(self, supportbee):
        tickets = [ticket_at(minutes) for minutes in range(20)]

        first = body(supportbee.get(f"{BASE}/tickets.json"))
        second = body(supportbee.get(f"{BASE}/tickets.json?page=2"))

        assert {key: first[key] for key in first if key != "tickets"} == {
            "total": 20,
            "current_page": 1,
            "per_page": 15,
            "total_pages": 2,
        }
        assert [t["id"] for t in first["tickets"]] == [t.pk for t in tickets[::-1][:15]]
        assert [t["id"] for t in second["tickets"]] == [t.pk for t in tickets[4::-1]]
        assert second["current_page"] == 2
        assert body(supportbee.get(f"{BASE}/tickets.json?page=3"))["tickets"] == []

    def test_per_page(self, supportbee):
        tickets = [ticket_at(minutes) for minutes in range(3)]

        page = body(supportbee.get(f"{BASE}/tickets.json?per_page=2&page=2"))

        assert (page["per_page"], page["total_pages"], page["total"]) == (2, 2, 3)
        assert [t["id"] for t in page["tickets"]] == [tickets[0].pk]
        assert len(listed_ids(supportbee, "per_page=99")) == 3
        assert len(listed_ids(supportbee, "per_page=1")) == 1

    def test_no_ticket(self, supportbee):
        assert body(supportbee.get(f"{BASE}/tickets.json")) == {
            "total": 0,
            "current_page": 1,
            "per_page": 15,
            "total_pages": 1,
            "tickets": [],
        }

    def test_same_activity_the_newest_id_first(self, supportbee):
        first, second = ticket_at(1), ticket_at(1)

        assert listed_ids(supportbee) == [second.pk, first.pk]

    @pytest.mark.parametrize(
        "query",
        [
            "per_page=100",
            "per_page=0",
            "per_page=x",
            "page=0",
            "page=x",
            "spam=yes",
            "archived=maybe",
            "replies=1",
            "max_replies=-1",
            "max_replies=x",
            "assigned_user=someone",
            "assigned_user=999999",
            "assigned_group=yours",
            "assigned_group=999999",
            "starred=1",
            "label=a%00b",
            f"assigned_user={2**64}",
            f"assigned_group={2**64}",
            f"max_replies={2**64}",
            f"page={2**64}",
        ],
    )
    def test_a_bad_value_is_a_400_naming_the_parameter(self, supportbee, query):
        response = supportbee.get(f"{BASE}/tickets.json?{query}")

        assert response.status_code == 400
        name = query.split("=")[0]
        answer = body(response)
        assert set(answer) == {"error", "errors"}
        assert list(answer["errors"]) == [name]
        assert answer["error"].startswith(f"{name}:")

    def test_max_replies_with_replies_false_is_a_400(self, supportbee):
        response = supportbee.get(f"{BASE}/tickets.json?replies=false&max_replies=2")

        assert response.status_code == 400
        assert body(response)["errors"] == {"max_replies": ["cannot be used with replies=false."]}


class TestFilters:
    def test_spam_left_out_unless_asked(self, supportbee):
        kept, spam = ticket_at(1), ticket_at(2, is_spam=True)

        assert listed_ids(supportbee) == [kept.pk]
        assert listed_ids(supportbee, "spam=false") == [kept.pk]
        assert listed_ids(supportbee, "spam=true") == [spam.pk, kept.pk]

    def test_archived(self, supportbee):
        active, archived = ticket_at(1), ticket_at(2, active_state=ActiveState.ARCHIVED)

        assert listed_ids(supportbee) == [active.pk]
        assert listed_ids(supportbee, "archived=false") == [active.pk]
        assert listed_ids(supportbee, "archived=true") == [archived.pk]
        assert listed_ids(supportbee, "archived=any") == [archived.pk, active.pk]
        assert body(supportbee.get(f"{BASE}/tickets.json?archived=any"))["total"] == 2

    def test_replies_and_max_replies(self, supportbee):
        none, one, two = ticket_at(1), ticket_at(2, replies_count=1), ticket_at(3, replies_count=2)

        assert listed_ids(supportbee, "replies=true") == [two.pk, one.pk]
        assert listed_ids(supportbee, "replies=false") == [none.pk]
        assert listed_ids(supportbee, "max_replies=1") == [one.pk, none.pk]
        assert listed_ids(supportbee, "replies=true&max_replies=1") == [one.pk]
        assert body(supportbee.get(f"{BASE}/tickets.json?replies=true"))["total"] == 2

    def test_assigned_user(self, supportbee, agent, other_agent):
        mine = ticket_at(1, assignee=agent)
        theirs = ticket_at(2, assignee=other_agent)
        nobodys = ticket_at(3)

        assert listed_ids(supportbee, "assigned_user=me") == [mine.pk]
        assert listed_ids(supportbee, f"assigned_user={other_agent.pk}") == [theirs.pk]
        assert listed_ids(supportbee, "assigned_user=none") == [nobodys.pk]

    def test_assigned_user_a_former_agent(self, supportbee, other_agent):
        other_agent.is_active = False
        other_agent.save()
        theirs = ticket_at(1, assignee=other_agent)

        assert listed_ids(supportbee, f"assigned_user={other_agent.pk}") == [theirs.pk]

    def test_assigned_user_me_is_the_calling_agent(
        self, supportbee, other_supportbee, agent, other_agent
    ):
        mine = ticket_at(1, assignee=agent)
        theirs = ticket_at(2, assignee=other_agent)

        assert listed_ids(supportbee, "assigned_user=me") == [mine.pk]
        assert listed_ids(other_supportbee, "assigned_user=me") == [theirs.pk]

    def test_assigned_group(self, supportbee, agent):
        ours, other = factories.TeamFactory(), factories.TeamFactory()
        ours.members.add(agent)
        in_ours, in_other = ticket_at(1, team=ours), ticket_at(2, team=other)
        ticket_at(3)

        assert listed_ids(supportbee, "assigned_group=mine") == [in_ours.pk]
        assert listed_ids(supportbee, f"assigned_group={other.pk}") == [in_other.pk]

    def test_starred_per_agent(self, supportbee, other_supportbee, agent, other_agent):
        starred_by_me = ticket_at(1, assignee=agent)
        assigned_to_me = ticket_at(2, assignee=agent)
        starred_by_them = ticket_at(3, assignee=other_agent)
        services.set_star(ticket=starred_by_me, agent=agent, starred=True)
        services.set_star(ticket=starred_by_them, agent=other_agent, starred=True)

        assert listed_ids(supportbee, "starred=true") == [starred_by_me.pk]
        assert listed_ids(supportbee, "starred=false") == [assigned_to_me.pk]
        assert listed_ids(other_supportbee, "starred=true") == [starred_by_them.pk]
        assert listed_ids(other_supportbee, "starred=false") == []

    def test_label(self, supportbee):
        billing = ticket_at(1, tags=["billing"])
        ticket_at(2, tags=["login"])

        assert listed_ids(supportbee, "label=Billing") == [billing.pk]
        assert listed_ids(supportbee, "label=nothing") == []

    def test_combined(self, supportbee, agent):
        wanted = ticket_at(1, assignee=agent, tags=["billing"], replies_count=1)
        ticket_at(2, assignee=agent, tags=["billing"])
        ticket_at(3, tags=["billing"], replies_count=1)

        assert listed_ids(supportbee, "assigned_user=me&label=billing&replies=true") == [wanted.pk]


class TestSearch:
    def test_query_finds_by_subject_message_and_reply(self, supportbee, agent):
        by_subject = ticket_at(1, subject="Printer on fire")
        by_message = ticket_at(2, message="The printer smokes")
        by_reply = ticket_at(3)
        services.post_reply(
            ticket=by_reply, text="Unplug the printer", author=agent, channel=Channel.API
        )
        Ticket.objects.filter(pk=by_reply.pk).update(updated_at=at(3))
        ticket_at(4, subject="Something else")

        page = body(supportbee.get(f"{BASE}/tickets/search.json?query=printer"))

        assert [t["id"] for t in page["tickets"]] == [by_reply.pk, by_message.pk, by_subject.pk]
        assert (page["total"], page["per_page"], page["current_page"]) == (3, 15, 1)

    def test_pages_and_spam(self, supportbee):
        found = [ticket_at(minutes, subject="printer") for minutes in range(3)]
        spam = ticket_at(5, subject="printer", is_spam=True)

        assert listed_ids(supportbee, "query=printer&per_page=2&page=2", "tickets/search.json") == [
            found[0].pk
        ]
        assert listed_ids(
            supportbee, "query=printer&spam=true&per_page=1", "tickets/search.json"
        ) == [spam.pk]

    @pytest.mark.parametrize("query", ["", "query=", "query=%20%20", "query=x&per_page=100"])
    def test_without_a_query_or_bad_a_400(self, supportbee, query):
        response = supportbee.get(f"{BASE}/tickets/search.json?{query}")

        assert response.status_code == 400
        assert set(body(response)) == {"error", "errors"}


def conversation(index, department, agent, team):
    ticket = factories.TicketFactory(
        department=department,
        requester=factories.ContactFactory(),
        assignee=agent,
        team=team,
        tags=["billing", "login"],
        created_at=at(index),
        updated_at=at(index),
    )
    ticket.cc.add(factories.ContactFactory(client=ticket.client))
    services.post_reply(ticket=ticket, text="On it", author=agent, channel=Channel.API)
    services.post_reply(
        ticket=ticket, text="Note", kind=Reply.Kind.NOTE, author=agent, channel=Channel.API
    )
    factories.AttachmentFactory(ticket=ticket)
    services.set_star(ticket=ticket, agent=agent, starred=True)
    return ticket


class TestFastPath:
    """A fixed number of queries, whatever the page holds."""

    @pytest.mark.parametrize("count", [1, 15])
    def test_a_page_in_a_fixed_number_of_queries(
        self, supportbee, django_assert_num_queries, department, agent, count
    ):
        team = factories.TeamFactory()
        for index in range(count):
            conversation(index, department, agent, team)
        supportbee.get(f"{BASE}/tickets.json")  # the key's time of use, written once a minute

        # The key, the count, the page, the tags, the CC, the stars, the reply figures
        # and the files.
        with django_assert_num_queries(8):
            response = supportbee.get(f"{BASE}/tickets.json")
        assert len(body(response)["tickets"]) == count

    @pytest.mark.parametrize("count", [1, 15])
    def test_filtered_too(self, supportbee, django_assert_num_queries, department, agent, count):
        team = factories.TeamFactory()
        team.members.add(agent)
        for index in range(count):
            conversation(index, department, agent, team)
        supportbee.get(f"{BASE}/tickets.json")

        with django_assert_num_queries(8):
            response = supportbee.get(
                f"{BASE}/tickets.json?assigned_user=me&assigned_group=mine&starred=true"
                "&label=billing&replies=true&max_replies=3&archived=any&spam=true"
            )
        assert len(body(response)["tickets"]) == count

    @pytest.mark.parametrize("count", [1, 15])
    def test_search_too(self, supportbee, django_assert_num_queries, department, agent, count):
        team = factories.TeamFactory()
        for index in range(count):
            conversation(index, department, agent, team)
        supportbee.get(f"{BASE}/tickets.json")

        # On PostgreSQL the search plans its statements serially (a savepoint, the setting
        # and its release), reads the query's words, counts through the terms, and picks
        # walking or listing from the planner's estimates (tickets.search).
        with django_assert_num_queries(15 if connection.vendor == "postgresql" else 8):
            response = supportbee.get(f"{BASE}/tickets/search.json?query=subject")
        assert len(body(response)["tickets"]) == count


class TestTotals:
    """Each filter's total is exact: read from the counts kept by triggers on PostgreSQL
    (tickets.counts), counted on SQLite; in a fixed number of queries either way."""

    @pytest.fixture
    def mixed(self, agent, other_agent):
        team = factories.TeamFactory()
        team.members.add(agent)
        for index, fields in enumerate(
            [
                {"assignee": agent, "team": team, "replies_count": 1, "tags": ["billing"]},
                {"assignee": agent, "replies_count": 3, "tags": ["Export"]},
                {"assignee": other_agent, "team": team, "tags": ["billing", "export"]},
                {"replies_count": 2, "tags": ["billing"]},
                {"is_spam": True, "assignee": agent, "tags": ["billing"]},
                {"active_state": ActiveState.ARCHIVED, "team": team, "tags": ["billing"]},
                {"active_state": ActiveState.ARCHIVED, "replies_count": 1},
                {},
            ]
        ):
            ticket_at(index, **fields)
        return team

    @pytest.mark.parametrize(
        ("query", "queries"),
        [
            ("assigned_user=none", 8),
            ("assigned_user=me&archived=any", 8),
            ("assigned_user={other_agent}&spam=true", 9),  # the agent must exist
            ("assigned_group=mine", 8),
            ("assigned_group={team}&archived=true", 9),  # the team must exist
            ("replies=true", 8),
            ("replies=false&spam=true&archived=any", 8),
            ("max_replies=1&archived=any", 8),
            ("replies=true&max_replies=2&assigned_user=none", 8),
            ("label=billing", 8),
            ("label=BILLING&archived=any&spam=true", 8),
            # "Export" and "export" are two tags on different tickets: two tags' counts
            # could count a ticket twice, so the sum is not taken and the list counts.
            ("label=export", 9 if connection.vendor == "postgresql" else 8),
            ("label=billing&assigned_user=me", 8),
        ],
    )
    def test_exact_in_a_fixed_number_of_queries(
        self, supportbee, django_assert_num_queries, mixed, other_agent, query, queries
    ):
        query = query.format(other_agent=other_agent.pk, team=mixed.pk)
        everything = set(listed_ids(supportbee, f"{query}&per_page=99"))

        with django_assert_num_queries(queries):
            page = body(supportbee.get(f"{BASE}/tickets.json?{query}&per_page=1"))
        assert page["total"] == page["total_pages"] == len(everything) > 0
