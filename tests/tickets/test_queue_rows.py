"""The queue's rows (issue 17): the latest message's preview and who wrote it, kept by the
services and filled by migration 0018; the unread mark; the time waited; "1-25 of N"."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import counts, services, visits
from tickets.models import Channel, Reply, Ticket, TicketVisit
from tickets.statuses import FixedStatus
from tickets.views.queue import PAGE_SIZE

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
ALL = {"active_state": "active"}


@pytest.fixture(autouse=True)
def _no_cached_counts():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme():
    return factories.ClientFactory(name="Acme")


@pytest.fixture
def rita(acme):
    return factories.ContactFactory(client=acme, name="Rita Requester")


def opened_by_email(acme, rita, **kwargs) -> Ticket:
    return services.create_ticket(
        client=acme,
        department=factories.CategoryFactory(),
        subject="Printer on fire",
        message="It started smoking this morning.",
        requester=rita,
        actor=None,
        channel=Channel.EMAIL,
        **kwargs,
    )


class TestLatestMessage:
    def test_the_opening_message_then_each_public_reply_not_the_notes(self, acme, rita, agent):
        ticket = opened_by_email(acme, rita)
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "It started smoking this morning."
        assert ticket.last_message_from_client
        services.post_reply(ticket=ticket, text="We are on it.", author=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert (ticket.last_message_preview, ticket.last_message_from_client) == (
            "We are on it.",
            False,
        )
        services.post_reply(
            ticket=ticket,
            text="Internal only",
            kind=Reply.Kind.NOTE,
            author=agent,
            channel=Channel.WEB,
        )
        services.post_reply(ticket=ticket, text="x" * 500, author=rita, channel=Channel.EMAIL)
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "x" * 200
        assert ticket.last_message_from_client

    def test_an_agents_new_ticket_is_not_the_clients_message(self, acme, agent):
        ticket = services.create_ticket(
            client=acme,
            department=factories.CategoryFactory(),
            subject="Phoned in",
            message="Rita called about the printer.",
            actor=agent,
            channel=Channel.WEB,
        )
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "Rita called about the printer."
        assert not ticket.last_message_from_client

    def test_deleting_the_latest_reply_brings_back_the_one_before(self, acme, rita, agent):
        ticket = opened_by_email(acme, rita)
        reply = services.post_reply(
            ticket=ticket, text="We are on it.", author=agent, channel=Channel.WEB
        )
        services.delete_reply(reply=reply, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "It started smoking this morning."
        assert ticket.last_message_from_client

    def test_editing_the_opening_message_shows_until_somebody_replies(self, acme, rita, agent):
        ticket = opened_by_email(acme, rita)
        services.update_ticket(
            ticket=ticket, actor=agent, channel=Channel.WEB, message="Smoke, then flames."
        )
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "Smoke, then flames."
        services.post_reply(ticket=ticket, text="Call 112.", author=agent, channel=Channel.WEB)
        services.update_ticket(ticket=ticket, actor=agent, channel=Channel.WEB, message="Fire.")
        ticket.refresh_from_db()
        assert ticket.last_message_preview == "Call 112."

    def test_the_migration_fills_existing_tickets(self, acme, rita, agent):
        by_email = opened_by_email(acme, rita)
        services.post_reply(ticket=by_email, text="Answered.", author=agent, channel=Channel.WEB)
        services.post_reply(ticket=by_email, text="Still broken.", author=rita, channel="email")
        unanswered = opened_by_email(acme, rita)
        by_agent = factories.TicketFactory(creator=agent, message="Opened for them.")
        Ticket.objects.update(last_message_preview="", last_message_from_client=False)
        migration = importlib.import_module("tickets.migrations.0018_queue_previews_visits")
        # The backfill reads only the editor's connection (an editor cannot open inside
        # the test's transaction on SQLite).
        migration.fill_previews(None, SimpleNamespace(connection=connection))
        filled = {
            ticket.pk: (ticket.last_message_preview, ticket.last_message_from_client)
            for ticket in Ticket.objects.all()
        }
        assert filled == {
            by_email.pk: ("Still broken.", True),
            unanswered.pk: ("It started smoking this morning.", True),
            by_agent.pk: ("Opened for them.", False),
        }

    def test_a_large_database_is_filled_by_the_command_newest_first(
        self, acme, rita, agent, monkeypatch
    ):
        from django.core.management import call_command

        from tickets import previews

        tickets = [opened_by_email(acme, rita) for _ in range(5)]
        services.post_reply(ticket=tickets[0], text="Answered.", author=agent, channel="web")
        Ticket.objects.update(last_message_preview="", last_message_from_client=False)
        migration = importlib.import_module("tickets.migrations.0018_queue_previews_visits")
        monkeypatch.setattr(migration, "LARGE_DATABASE", 4)
        migration.fill_previews(None, SimpleNamespace(connection=connection))
        assert not Ticket.objects.exclude(last_message_preview="").exists()
        monkeypatch.setattr(previews, "BATCH", 2)
        call_command("fill_message_previews", verbosity=0)
        filled = dict(Ticket.objects.values_list("pk", "last_message_preview"))
        assert filled[tickets[0].pk] == "Answered."
        assert all(filled[ticket.pk] for ticket in tickets)


class TestUnreadMark:
    def test_the_clients_message_is_unread_until_the_assignee_opens_the_ticket(
        self, client, acme, rita, agent, other_agent
    ):
        with freeze_time(T0):
            ticket = opened_by_email(acme, rita, assignee=agent)
        client.force_login(agent)
        response = client.get(reverse("queue"))
        assert response.context["unread_ids"] == {ticket.pk}
        assert 'class="is-unread" data-unread' in response.content.decode()
        # Another agent's visit does not count: the mark is for the assignee.
        client.force_login(other_agent)
        with freeze_time(T0 + datetime.timedelta(minutes=5)):
            assert client.get(reverse("ticket", args=[ticket.pk])).status_code == 200
        client.force_login(agent)
        assert client.get(reverse("queue")).context["unread_ids"] == {ticket.pk}
        with freeze_time(T0 + datetime.timedelta(minutes=10)):
            assert client.get(reverse("ticket", args=[ticket.pk])).status_code == 200
        response = client.get(reverse("queue"))
        assert response.context["unread_ids"] == set()
        assert "data-unread" not in response.content.decode()
        # The client writes again: unread again.
        with freeze_time(T0 + datetime.timedelta(minutes=20)):
            services.post_reply(ticket=ticket, text="Hello?", author=rita, channel=Channel.EMAIL)
        assert client.get(reverse("queue")).context["unread_ids"] == {ticket.pk}

    def test_our_own_reply_is_never_unread_nor_an_unassigned_ticket(self, acme, rita, agent):
        answered = opened_by_email(acme, rita, assignee=agent)
        services.post_reply(ticket=answered, text="Done.", author=agent, channel=Channel.WEB)
        unassigned = opened_by_email(acme, rita)
        tickets = list(Ticket.objects.filter(pk__in=[answered.pk, unassigned.pk]))
        assert visits.unread_ids(tickets) == set()

    def test_a_visit_is_one_row_per_agent_and_ticket(self, acme, rita, agent):
        ticket = opened_by_email(acme, rita, assignee=agent)
        with freeze_time(T0):
            visits.record_visit(ticket=ticket, agent=agent)
        with freeze_time(T0 + datetime.timedelta(hours=1)):
            visits.record_visit(ticket=ticket, agent=agent)
        assert list(TicketVisit.objects.values_list("visited_at", flat=True)) == [
            T0 + datetime.timedelta(hours=1)
        ]


class TestRowsAndTotal:
    def test_a_row_shows_requester_preview_and_time_waited(self, signed_in, agent, acme, rita):
        with freeze_time(T0):
            ticket = opened_by_email(acme, rita, assignee=agent)
        with freeze_time(T0 + datetime.timedelta(hours=3, minutes=10)):
            html = signed_in.get(reverse("queue")).content.decode()
        assert 'title="Rita Requester, Acme">Rita Requester<' in html
        assert 'title="Printer on fire">Printer on fire</a>' in html
        assert "It started smoking this morning.</span>" in html
        assert ">3 h</span>" in html
        assert f'href="/tickets/{ticket.pk}/"' in html

    def test_one_to_n_of_the_total(self, signed_in, agent):
        for _ in range(PAGE_SIZE + 2):
            factories.TicketFactory(assignee=agent)
        factories.TicketFactory(status_id=FixedStatus.CLOSED, assignee=agent)
        # Not a built-in view (those wait for the sidebar's counts): counted on the page.
        response = signed_in.get(reverse("queue"), {"assignee": "me", "status": ["1", "3"]})
        assert response.context["total"] == counts.QueueTotal(PAGE_SIZE + 2, exact=True)
        total = f'<span id="queue-total">{PAGE_SIZE + 2}</span>'
        assert f"1\N{EN DASH}{PAGE_SIZE} of {total}" in response.content.decode()
        second = signed_in.get(
            reverse("queue"), {"assignee": "me", "status": ["1", "3"], "page": 2}
        )
        assert f"{PAGE_SIZE + 1}\N{EN DASH}{PAGE_SIZE + 2} of {total}" in second.content.decode()

    def test_past_the_limit_it_says_more_than(self, signed_in, agent, monkeypatch):
        monkeypatch.setattr(counts, "QUEUE_COUNT_LIMIT", 3)
        for _ in range(5):
            factories.TicketFactory(assignee=agent, tags=["vip"])
        # Tags are counted by no table that also counts the assignee: a bounded count.
        response = signed_in.get(reverse("queue"), {"assignee": "me", "tags": "vip"})
        assert response.context["total"] == counts.QueueTotal(3, exact=False)
        assert '1\N{EN DASH}5 of <span id="queue-total">more than 3</span>' in (
            response.content.decode()
        )

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, None),  # status and assignee: no one table counts both
            (ALL, {"is_spam": False, "active_state": "active"}),
            (
                {"status": "3", "priority": ["high", "urgent"]},
                {"is_spam": False, "active_state": "active", "status_id__in": [3]},
            ),
            ({"assignee": "unassigned", "active_state": "all"}, {"is_spam": False}),
            ({"search": "printer"}, None),
            ({"tags": "vip"}, None),
        ],
    )
    def test_which_filters_the_count_tables_answer(self, signed_in, params, expected):
        from django.http import QueryDict

        from tickets.filters import QueueFilter
        from tickets.views.queue import default_params

        request = signed_in.get(reverse("queue"), params).wsgi_request
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        filterset = QueueFilter(
            default_params(query), queryset=Ticket.objects.all(), request=request
        )
        filterset.is_valid()
        found = counts.queue_counted_filters(filterset)
        if expected is None or params == {}:
            if params == {}:
                # "Me" and any open status: TicketWorkloadCount has no status column.
                assert found is not None and "assignee_id" in found
                assert counts.counted_total(found) is None
            else:
                assert found is None
            return
        found.pop("priority__in", None)
        found.pop("assignee_id", None)
        assert found == expected

    def test_count_tables_and_bounded_count_agree(self, signed_in, agent, other_agent):
        for status in (FixedStatus.OPEN, FixedStatus.ON_HOLD, FixedStatus.CLOSED):
            factories.TicketFactory(status_id=status, assignee=agent)
            factories.TicketFactory(status_id=status, assignee=other_agent)
        factories.TicketFactory(is_spam=True)
        # Every priority: the same tickets, but not a built-in view, so counted here.
        every = {"priority": ["normal", "high", "urgent"]}
        for params, expected in (
            (ALL, 6),
            ({"status": "open"}, 4),
            ({"status": "closed"}, 2),
            ({"status": ["1", "3"]}, 4),
            ({"assignee": "me"}, 3),
            ({"assignee": "me", "status": "open"}, 2),
            ({"spam": "1"}, 1),
        ):
            total = signed_in.get(reverse("queue"), {**params, **every}).context["total"]
            assert total == counts.QueueTotal(expected, exact=True), params

    def test_a_built_in_views_total_is_its_sidebar_count(
        self, signed_in, agent, django_assert_num_queries
    ):
        for _ in range(3):
            factories.TicketFactory(assignee=agent)
        with CaptureQueriesContext(connection) as uncached:
            response = signed_in.get(reverse("queue"))
        # Read now: the next request starts a new log of queries.
        uncached_count = len(uncached.captured_queries)
        # Not counted by the page: the sidebar's counts bring it.
        assert response.context["total"] == counts.QueueTotal(0, exact=False, pending=True)
        html = response.content.decode()
        assert '1\N{EN DASH}3 of <span id="queue-total">…</span>' in html
        assert 'hx-get="/queue/counts/?assignee=me&amp;status=open"' in html
        counted = signed_in.get(reverse("queue_counts")).content.decode()
        assert '<span id="queue-total" hx-swap-oob="true">3</span>' in counted
        factories.TicketFactory(assignee=agent)  # within the cache's few seconds
        with django_assert_num_queries(uncached_count):
            response = signed_in.get(reverse("queue"))
        # The sidebar's number, as the sidebar shows it.
        assert response.context["total"] == counts.QueueTotal(3, exact=True)
        assert '<span id="queue-total">3</span>' in response.content.decode()


class TestQueryCount:
    """The new columns cost no query per row: one for the page's total, one for its marks."""

    def make(self, count, agent, acme):
        for _ in range(count):
            ticket = factories.TicketFactory(
                client=acme,
                assignee=agent,
                requester=factories.ContactFactory(client=acme),
                waiting_since=T0,
                last_message_from_client=True,
                last_message_preview="Any news?",
            )
            factories.ReplyFactory(ticket=ticket)

    @pytest.mark.parametrize("params", [{}, ALL, {"search": "subject"}])
    def test_fixed(self, signed_in, agent, acme, django_assert_num_queries, params):
        self.make(2, agent, acme)
        with CaptureQueriesContext(connection) as small:
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["unread_ids"]) == 2
        self.make(PAGE_SIZE + 3, agent, acme)
        with django_assert_num_queries(len(small.captured_queries)):
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["unread_ids"]) == PAGE_SIZE

    def test_pinned(self, signed_in, agent, acme, django_assert_num_queries):
        self.make(3, agent, acme)
        # session, user, statuses, agents, rows (with status, client, assignee, requester),
        # the page's unread marks, pinned tickets, saved views, stars of the rows,
        # departments, clients, teams, the bulk action bar's teams and departments, and
        # the agent's permissions (own and their groups', for the bar's Delete); the
        # total is the sidebar's count, fetched after the page; the bell's unread count
        with django_assert_num_queries(17):
            signed_in.get(reverse("queue"))
