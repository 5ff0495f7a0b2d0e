"""Idempotency-Key on POST /api/tickets and POST /api/tickets/{id}/replies: a retry gets the
first answer, never a second ticket or reply."""

import datetime
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from tests import factories
from tickets.models import IdempotencyKey, Reply, Ticket, TicketEvent

from .conftest import KeyClient, body

POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def params(department, client_company):
    return {
        "ticket_clientid": client_company.pk,
        "ticket_categoryid": department.pk,
        "ticket_subject": "Cannot log in",
        "ticket_message": "I get an error",
        "ticket_priority": "high",
    }


def create(api, params, key=None, fmt="json"):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post("/api/tickets", params, format=fmt, **headers)


def reply(api, ticket, text, key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post(
        f"/api/tickets/{ticket.pk}/replies", {"ticketreply_text": text}, format="json", **headers
    )


@pytest.mark.django_db
class TestReplays:
    @pytest.mark.parametrize("fmt", ["json", "multipart"])
    def test_a_retry_gets_the_first_answer_and_makes_nothing(self, api, params, fmt):
        first = create(api, params, "key-1", fmt)
        assert first.status_code == 201
        assert "Idempotent-Replayed" not in first
        retry = create(api, params, "key-1", fmt)
        assert retry.status_code == 201
        assert retry["Idempotent-Replayed"] == "true"
        assert body(retry) == body(first)
        assert Ticket.objects.count() == 1
        assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 1

    def test_without_the_header_each_request_counts(self, api, params):
        assert create(api, params).status_code == 201
        assert create(api, params).status_code == 201
        assert Ticket.objects.count() == 2
        assert not IdempotencyKey.objects.exists()

    def test_the_same_values_written_otherwise_are_the_same_request(self, api, params):
        raw = '{"ticket_subject": "Cannot log in", "ticket_message": "I get an error", '
        raw += f'"ticket_priority": "high", "ticket_clientid": {params["ticket_clientid"]}, '
        raw += f'"ticket_categoryid": {params["ticket_categoryid"]}}}'
        first = create(api, params, "same")
        retry = api.post(
            "/api/tickets", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
        )
        assert retry["Idempotent-Replayed"] == "true"
        assert body(retry) == body(first)
        assert Ticket.objects.count() == 1

    def test_a_reply_is_posted_once(self, api, ticket):
        first = reply(api, ticket, "We are on it.", "reply-1")
        retry = reply(api, ticket, "We are on it.", "reply-1")
        assert (first.status_code, retry.status_code) == (201, 201)
        assert body(retry) == body(first)
        assert retry["Idempotent-Replayed"] == "true"
        ticket.refresh_from_db()
        assert Reply.objects.filter(ticket=ticket).count() == 1
        assert ticket.replies_count == 1

    def test_what_is_stored(self, api, api_key, params):
        response = create(api, params, "stored")
        record = IdempotencyKey.objects.get()
        assert (record.user, record.key, record.method, record.path) == (
            api_key.agent,
            "stored",
            "POST",
            "/api/tickets",
        )
        assert (record.response_status, record.response_body) == (201, body(response))
        assert len(record.request_hash) == 64

    def test_keys_belong_to_their_agent(self, api, params):
        create(api, params, "shared-name")
        other = KeyClient(factories.ApiKeyFactory(agent=factories.AgentFactory()).raw_key)
        response = create(other, params, "shared-name")
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
        assert Ticket.objects.count() == 2


@pytest.mark.django_db
class TestErrorsAreStored:
    def test_a_validation_error_is_replayed(self, api, params):
        invalid = {**params, "ticket_priority": "soon"}
        first = create(api, invalid, "invalid")
        assert first.status_code == 422
        retry = create(api, invalid, "invalid")
        assert retry.status_code == 422
        assert retry["Idempotent-Replayed"] == "true"
        assert body(retry) == body(first)
        # A corrected request is a new request: it needs a new key.
        assert create(api, params, "invalid").status_code == 422
        assert create(api, params, "corrected").status_code == 201

    def test_a_reply_to_a_missing_ticket_is_replayed_as_404(self, api):
        missing = Ticket(pk=999999)
        assert reply(api, missing, "Hello", "lost").status_code == 404
        retry = reply(api, missing, "Hello", "lost")
        assert (retry.status_code, retry["Idempotent-Replayed"]) == (404, "true")

    def test_a_failed_service_call_leaves_nothing_behind(self, api, params, client_company):
        other_client = factories.ClientFactory()
        project = factories.ProjectFactory(client=other_client)
        wrong = {**params, "ticket_projectid": project.pk}
        assert create(api, wrong, "wrong-project").status_code == 422
        assert not Ticket.objects.exists()
        assert not TicketEvent.objects.exists()
        assert IdempotencyKey.objects.get().response_status == 422


@pytest.mark.django_db
class TestMisuse:
    def test_the_same_key_for_another_body_is_422_and_does_nothing(self, api, params):
        create(api, params, "reused")
        response = create(api, {**params, "ticket_subject": "Another"}, "reused")
        assert response.status_code == 422
        assert "Idempotent-Replayed" not in response
        assert "used for a different request" in body(response)["errors"]["Idempotency-Key"][0]
        assert Ticket.objects.count() == 1

    def test_the_same_key_for_another_path_is_422(self, api, ticket):
        other = factories.TicketFactory()
        assert reply(api, ticket, "Same text", "path").status_code == 201
        assert reply(api, other, "Same text", "path").status_code == 422
        assert not Reply.objects.filter(ticket=other).exists()

    @pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there", "with space"])
    def test_a_bad_key_is_422(self, api, params, key):
        response = create(api, params, key)
        assert response.status_code == 422
        assert (
            "1 to 255 visible ASCII characters without spaces"
            in body(response)["errors"]["Idempotency-Key"][0]
        )
        assert not Ticket.objects.exists()

    def test_refusals_before_the_view_are_not_stored(self, params):
        agent = factories.AgentFactory(is_active=False)
        stale = KeyClient(factories.ApiKeyFactory(agent=agent).raw_key)
        assert create(stale, params, "refused").status_code == 401
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
class TestExpiry:
    def test_an_expired_key_is_ignored_and_pruned(self, api, params):
        start = timezone.now()
        with freeze_time(start):
            create(api, params, "old")
            create(api, params, "recent-enough")
        with freeze_time(start + datetime.timedelta(hours=23, minutes=59)):
            assert create(api, params, "recent-enough")["Idempotent-Replayed"] == "true"
        with freeze_time(start + datetime.timedelta(hours=24, seconds=1)):
            again = create(api, {**params, "ticket_subject": "Different"}, "old")
            assert again.status_code == 201
            assert "Idempotent-Replayed" not in again
            assert Ticket.objects.count() == 3
            # The new use replaced the old one; the other expired key goes.
            out = io.StringIO()
            call_command("prune_idempotency_keys", stdout=out)
        assert "Deleted 1 expired idempotency key(s)." in out.getvalue()
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["old"]


# Concurrency (PostgreSQL: SQLite runs one write transaction at a time) -----------------------


def _run(target, results, index):
    try:
        results[index] = target()
    finally:
        connection.close()


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_make_one_ticket(api_key, params):
    """Both start at once, again and again: each key makes exactly one ticket, and the
    other request gets either the replay or a 409 (its twin still running)."""
    if not POSTGRESQL:
        return
    for attempt in range(5):
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def send(key=f"race-{attempt}", barrier=barrier):
            barrier.wait(timeout=10)
            return create(KeyClient(api_key.raw_key), params, key)

        threads = [threading.Thread(target=_run, args=(send, results, i)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        codes = sorted(
            (r.status_code, r.get("Idempotent-Replayed")) for r in results if r is not None
        )
        assert codes in ([(201, None), (201, "true")], [(201, None), (409, None)]), codes
    assert Ticket.objects.count() == 5
    assert IdempotencyKey.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_request_still_running_turns_its_retry_away_with_409(api, api_key, ticket):
    """The first reply waits for the ticket's row, which another transaction holds; its
    retry meanwhile is a 409, and once it has finished the retry replays its answer."""
    if not POSTGRESQL:
        return
    holding, release = threading.Event(), threading.Event()

    def hold_the_ticket():
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=ticket.pk)
            holding.set()
            release.wait(timeout=30)
        return None

    results: list = [None, None]
    holder = threading.Thread(target=_run, args=(hold_the_ticket, results, 0))
    holder.start()
    assert holding.wait(timeout=10)
    first = threading.Thread(
        target=_run,
        args=(lambda: reply(KeyClient(api_key.raw_key), ticket, "On it", "slow"), results, 1),
    )
    first.start()
    try:
        deadline = time.monotonic() + 4
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, "the first request never waited"
            time.sleep(0.02)
        retry = reply(api, ticket, "On it", "slow")
        assert retry.status_code == 409
        assert "still in progress" in body(retry)["message"]
    finally:
        release.set()
        holder.join(timeout=30)
        first.join(timeout=30)
    assert results[1].status_code == 201
    replayed = reply(api, ticket, "On it", "slow")
    assert (replayed.status_code, replayed["Idempotent-Replayed"]) == (201, "true")
    assert body(replayed) == body(results[1])
    assert Reply.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_server_error_is_not_stored_and_the_retry_runs(api, ticket):
    """A reply that gives up waiting for the ticket's row (the database's lock timeout, a
    503) stores nothing: the retry with the same key runs and posts the reply."""
    if not POSTGRESQL:
        return
    holding, release = threading.Event(), threading.Event()

    def hold_the_ticket():
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=ticket.pk)
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=_run, args=(hold_the_ticket, [None], 0))
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        failed = reply(api, ticket, "On it", "retry-me")
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
    assert failed.status_code == 503
    assert not IdempotencyKey.objects.exists()
    retry = reply(api, ticket, "On it", "retry-me")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Reply.objects.filter(ticket=ticket).count() == 1
