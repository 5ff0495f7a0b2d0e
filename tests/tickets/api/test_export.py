"""GET /api/incremental/tickets: the tickets changed since a moment, page by page behind a
cursor, none skipped and none given twice unless changed again."""

import base64
import datetime
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.api.export import SETTLE, ExportMetaSchema
from tickets.models import ActiveState, Channel, Priority, Ticket

from .conftest import body

POSTGRESQL = connection.vendor == "postgresql"
URL = "/api/incremental/tickets"
NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)


def unix(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def minutes_ago(minutes: float) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


@pytest.fixture
def _now():
    with freeze_time(NOW):
        yield


def export(api, **params):
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return body(response)


def exported_ids(page) -> list[int]:
    return [ticket["id"] for ticket in page["data"]]


def follow(api, first_page, limit) -> list[int]:
    """Every ticket id the export gives from its first page on, following the cursors."""
    page, seen = first_page, exported_ids(first_page)
    while not page["meta"]["end_of_stream"]:
        page = export(api, cursor=page["meta"]["after_cursor"], limit=limit)
        seen += exported_ids(page)
    return seen


@pytest.mark.django_db
@pytest.mark.usefixtures("_now")
class TestExport:
    def test_gives_tickets_changed_since_start_time_oldest_change_first(self, api):
        old = factories.TicketFactory(updated_at=minutes_ago(120))
        later = factories.TicketFactory(updated_at=minutes_ago(10))
        first = factories.TicketFactory(updated_at=minutes_ago(50))
        page = export(api, start_time=unix(minutes_ago(60)))
        assert exported_ids(page) == [first.pk, later.pk]
        assert old.pk not in exported_ids(page)
        assert page["meta"]["end_of_stream"] is True

    def test_a_ticket_changed_exactly_at_start_time_is_given(self, api):
        ticket = factories.TicketFactory(updated_at=minutes_ago(30))
        assert exported_ids(export(api, start_time=unix(minutes_ago(30)))) == [ticket.pk]

    def test_tickets_are_in_the_shape_of_the_ticket_endpoint(self, api, ticket):
        ticket.tags.set(["billing", "VIP"])
        ticket.assignee = factories.AgentFactory()
        ticket.team = factories.TeamFactory()
        ticket.requester = factories.ContactFactory(client=ticket.client)
        ticket.updated_at = minutes_ago(5)
        ticket.save()
        [exported] = export(api, start_time=0)["data"]
        assert exported == body(api.get(f"/api/tickets/{ticket.pk}"))["data"]

    def test_archived_and_spam_tickets_come_with_their_state(self, api):
        archived = factories.TicketFactory(
            active_state=ActiveState.ARCHIVED, updated_at=minutes_ago(3)
        )
        spam = factories.TicketFactory(is_spam=True, updated_at=minutes_ago(2))
        data = export(api, start_time=0)["data"]
        assert [(row["id"], row["archived"], row["spam"]) for row in data] == [
            (archived.pk, True, False),
            (spam.pk, False, True),
        ]
        assert data[0]["active_state"] == "archived"

    def test_pages_follow_the_cursor_each_ticket_once(self, api):
        tickets = [factories.TicketFactory(updated_at=minutes_ago(100 - i)) for i in range(7)]
        first = export(api, start_time=0, limit=3)
        assert len(first["data"]) == 3
        assert first["meta"]["end_of_stream"] is False
        assert follow(api, first, 3) == [ticket.pk for ticket in tickets]

    def test_tickets_changed_at_one_moment_are_split_by_id(self, api):
        moment = minutes_ago(20)
        tickets = factories.TicketFactory.create_batch(5, updated_at=moment)
        before = factories.TicketFactory(updated_at=moment - datetime.timedelta(microseconds=1))
        after = factories.TicketFactory(updated_at=moment + datetime.timedelta(microseconds=1))
        first = export(api, start_time=0, limit=2)
        expected = [before.pk, *sorted(ticket.pk for ticket in tickets), after.pk]
        assert follow(api, first, 2) == expected

    def test_meta_is_what_the_schema_declares(self, api, ticket):
        meta = export(api, start_time=0)["meta"]
        assert list(meta) == list(ExportMetaSchema().fields)
        assert isinstance(meta["after_cursor"], str)
        assert isinstance(meta["end_of_stream"], bool)

    def test_a_full_last_page_says_end_of_stream(self, api):
        factories.TicketFactory.create_batch(4, updated_at=minutes_ago(5))
        page = export(api, start_time=0, limit=4)
        assert len(page["data"]) == 4
        assert page["meta"]["end_of_stream"] is True

    def test_after_url_is_the_next_call(self, api):
        factories.TicketFactory.create_batch(3, updated_at=minutes_ago(5))
        first = export(api, start_time=0, limit=2)
        url = urlsplit(first["meta"]["after_url"])
        assert url.scheme == "http"
        assert url.path == URL
        second = api.get(f"{url.path}?{url.query}")
        assert body(second) == export(api, cursor=first["meta"]["after_cursor"], limit=2)
        assert len(body(second)["data"]) == 1

    def test_at_the_end_the_cursor_waits_for_later_changes(self, api, agent, ticket):
        ticket.updated_at = minutes_ago(30)
        ticket.save()
        page = export(api, start_time=0)
        assert exported_ids(page) == [ticket.pk]
        cursor = page["meta"]["after_cursor"]
        empty = export(api, cursor=cursor)
        assert empty["data"] == []
        assert empty["meta"] == {**page["meta"], "end_of_stream": True}
        # The ticket changes again: it comes again, after the cursor.
        services.update_ticket(
            ticket=ticket, priority=Priority.URGENT, actor=agent, channel=Channel.API
        )
        with freeze_time(NOW + 2 * SETTLE):
            again = export(api, cursor=cursor)
        assert exported_ids(again) == [ticket.pk]
        assert again["data"][0]["priority"] == "urgent"

    def test_a_ticket_changed_while_paging_is_not_lost(self, api, agent):
        tickets = [factories.TicketFactory(updated_at=minutes_ago(50 - i)) for i in range(4)]
        first = export(api, start_time=0, limit=2)
        assert exported_ids(first) == [tickets[0].pk, tickets[1].pk]
        # Between two pages, a ticket not given yet changes: it moves to the end.
        services.update_ticket(
            ticket=Ticket.objects.get(pk=tickets[2].pk),
            subject="Moved on",
            actor=agent,
            channel=Channel.API,
        )
        with freeze_time(NOW + 2 * SETTLE):
            rest = follow(api, export(api, cursor=first["meta"]["after_cursor"], limit=2), 2)
        assert rest == [tickets[3].pk, tickets[2].pk]

    def test_the_last_moments_wait_until_they_settle(self, api):
        settled = factories.TicketFactory(updated_at=NOW - SETTLE - datetime.timedelta(seconds=1))
        fresh = factories.TicketFactory(updated_at=NOW - datetime.timedelta(seconds=1))
        page = export(api, start_time=0)
        assert exported_ids(page) == [settled.pk]
        assert page["meta"]["end_of_stream"] is True
        with freeze_time(NOW + SETTLE):
            later = export(api, cursor=page["meta"]["after_cursor"])
        assert exported_ids(later) == [fresh.pk]

    def test_deleted_tickets_are_not_exported(self, api, agent):
        kept = factories.TicketFactory(updated_at=minutes_ago(5))
        gone = factories.TicketFactory(updated_at=minutes_ago(4))
        services.delete_ticket(ticket=gone, actor=agent, channel=Channel.API)
        assert exported_ids(export(api, start_time=0)) == [kept.pk]

    def test_a_page_runs_a_fixed_number_of_queries(self, api, django_assert_num_queries):
        team = factories.TeamFactory()
        first = factories.TicketFactory(
            updated_at=minutes_ago(90), tags=["a"], team=team, requester=factories.ContactFactory()
        )
        export(api, start_time=0)  # the first request of a key also records its last use
        # key, tickets, the teams and requesters prefetched, tags, CC contacts; PostgreSQL
        # also reads the oldest writing transaction
        expected = 7 if POSTGRESQL else 6
        with django_assert_num_queries(expected):
            assert exported_ids(export(api, start_time=0)) == [first.pk]
        for minute in range(60):
            factories.TicketFactory(
                updated_at=minutes_ago(80 - minute),
                tags=["b", "c"],
                team=team,
                requester=factories.ContactFactory(),
            )
        with django_assert_num_queries(expected):
            assert len(export(api, start_time=0, limit=1000)["data"]) == 61


@pytest.mark.django_db
@pytest.mark.usefixtures("_now")
class TestExportErrors:
    @pytest.mark.parametrize(
        ("params", "field", "says"),
        [
            ({}, "start_time", "Give start_time"),
            ({"start_time": "yesterday"}, "start_time", "whole number of seconds"),
            ({"start_time": "-5"}, "start_time", "whole number of seconds"),
            ({"start_time": "1.5"}, "start_time", "whole number of seconds"),
            ({"start_time": "²"}, "start_time", "whole number of seconds"),
            ({"start_time": "99999999999999999999"}, "start_time", "whole number of seconds"),
            ({"start_time": str(unix(NOW) + 60)}, "start_time", "is in the future"),
            ({"start_time": "0", "cursor": "MTox"}, "cursor", "not both"),
            ({"cursor": "not a cursor"}, "cursor", "not one this export gave"),
            ({"cursor": base64.urlsafe_b64encode(b"2:1:1").decode()}, "cursor", "not one"),
            ({"cursor": base64.urlsafe_b64encode(b"1:x:1").decode()}, "cursor", "not one"),
            (
                {"cursor": base64.urlsafe_b64encode(b"1:" + b"9" * 30 + b":1").decode()},
                "cursor",
                "not one",
            ),
            (
                {"cursor": base64.urlsafe_b64encode(b"1:1:" + b"9" * 30).decode()},
                "cursor",
                "not one",
            ),
            ({"start_time": "0", "limit": "0"}, "limit", "from 1 to 1000"),
            ({"start_time": "0", "limit": "1001"}, "limit", "from 1 to 1000"),
            ({"start_time": "0", "limit": "ten"}, "limit", "from 1 to 1000"),
        ],
    )
    def test_bad_parameters_are_422_with_a_clear_message(self, api, params, field, says):
        response = api.get(URL, params)
        assert response.status_code == 422, response.content
        errors = body(response)["errors"]
        assert list(errors) == [field]
        assert says in errors[field][0]
        assert body(response)["message"] == errors[field][0]

    def test_now_is_not_the_future(self, api):
        assert export(api, start_time=unix(NOW))["data"] == []

    def test_an_empty_parameter_counts_as_not_given(self, api, ticket):
        ticket.updated_at = minutes_ago(1)
        ticket.save()
        assert exported_ids(export(api, start_time=0, cursor="", limit="")) == [ticket.pk]

    def test_needs_a_key(self, anonymous):
        assert anonymous.get(URL, {"start_time": 0}).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_never_passes_a_change_that_may_still_commit(api):
    """On PostgreSQL a transaction that has written but not committed holds the export back
    at its start: a ticket it changes is stamped after that, and must not be passed."""
    if not POSTGRESQL:
        return
    ready, release = threading.Event(), threading.Event()

    def write_and_wait():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT txid_current()")  # has written: holds a transaction id
                ready.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=write_and_wait)
    real_now = datetime.datetime.now(datetime.UTC)  # the holder's transaction starts after
    before = factories.TicketFactory(updated_at=real_now - datetime.timedelta(minutes=10))
    after = factories.TicketFactory(updated_at=real_now + datetime.timedelta(minutes=10))
    later = real_now + datetime.timedelta(hours=1)
    holder.start()
    try:
        assert ready.wait(timeout=30)
        with freeze_time(later):
            held = export(api, start_time=0)
        assert exported_ids(held) == [before.pk]
        assert held["meta"]["end_of_stream"] is True
    finally:
        release.set()
        holder.join(timeout=30)
    with freeze_time(later):
        assert exported_ids(export(api, cursor=held["meta"]["after_cursor"])) == [after.pk]
