import datetime
import io
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce
from django.http import QueryDict
from freezegun import freeze_time
from taggit.models import Tag

from tests.tickets.test_compat_counts import assert_counts_exact as assert_compat_counts_exact
from tests.tickets.test_counts import assert_counts_exact
from tickets import canned, custom_fields
from tickets.filters import canonical_query
from tickets.models import (
    ActiveState,
    CannedResponse,
    Category,
    Client,
    Contact,
    CustomField,
    Project,
    Rating,
    Reply,
    SavedView,
    Source,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.permissions import Action, Role, may, role_of
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def seed(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with freeze_time(NOW):
        call_command("seed_demo", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def base_data_counts() -> dict[str, int]:
    return {
        "categories": Category.objects.count(),
        "clients": Client.objects.count(),
        "contacts": Contact.objects.count(),
        "projects": Project.objects.count(),
        "users": get_user_model().objects.count(),
        "teams": Team.objects.count(),
        "memberships": Team.members.through.objects.count(),
        "tags": Tag.objects.count(),
        "custom_fields": CustomField.objects.count(),
        "canned_responses": CannedResponse.objects.count(),
        "saved_views": SavedView.objects.count(),
        "supervisors": Group.objects.get(name="Supervisor").user_set.count(),
        "administrators": Group.objects.get(name="Administrator").user_set.count(),
        "agents": Group.objects.get(name="Agent").user_set.count(),
    }


def snapshot() -> list[tuple]:
    """Everything about the tickets except their ids, in a stable order."""
    tickets = []
    for ticket in Ticket.objects.select_related(
        "department", "client", "requester", "assignee", "team", "project"
    ).order_by("created_at", "subject"):
        replies = [
            (r.kind, r.text, r.author_agent_id, r.author_contact_id, r.source, r.created_at)
            for r in ticket.replies.order_by("created_at", "id")
        ]
        events = [
            (e.kind, e.actor_id, e.actor_contact_id, e.channel, e.old_value, e.created_at)
            for e in ticket.events.order_by("created_at", "id")
        ]
        tickets.append(
            (
                ticket.subject, ticket.message, ticket.status_id, ticket.priority, ticket.source,
                ticket.active_state, ticket.department.name, ticket.client.name,
                ticket.requester.email, ticket.assignee_id, ticket.team_id, ticket.project_id,
                ticket.is_spam, ticket.due_at, ticket.custom_fields, ticket.created_at,
                ticket.updated_at, ticket.status_changed_at, ticket.first_response_at,
                ticket.resolved_at, ticket.replies_count, ticket.last_reply_at,
                sorted(ticket.tags.names()), replies, events,
            )
        )  # fmt: skip
    return tickets


def test_creates_the_base_data_tickets_and_the_demo_login():
    stdout, stderr = seed("--tickets", "30", "--seed", "7")

    assert Ticket.objects.count() == 30
    assert "Sign in as demo / demo" in stdout
    assert "30/30 tickets" in stderr
    demo = get_user_model().objects.get(username="demo")
    assert demo.is_staff and demo.is_superuser and demo.check_password("demo")
    alice = get_user_model().objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser and alice.check_password("demo")
    assert Category.objects.filter(type=Category.Type.TICKET).count() == 5
    assert Category.objects.exclude(type=Category.Type.TICKET).count() >= 2
    assert Client.objects.filter(contacts__isnull=False, projects__isnull=False).exists()
    assert Team.objects.filter(members=alice).exists()
    assert Tag.objects.count() >= 10
    assert set(CustomField.objects.values_list("type", flat=True)) == set(CustomField.Type.values)


def test_the_demo_has_canned_responses_saved_views_and_a_supervisor():
    seed("--tickets", "10", "--seed", "7")
    demo, alice, bob = (
        get_user_model().objects.get(username=name) for name in ("demo", "alice", "bob")
    )
    for response in CannedResponse.objects.all():
        canned.check_placeholders(response.text)  # raises on a placeholder we do not know
    assert CannedResponse.objects.filter(owner=None, department=None).count() >= 2
    assert CannedResponse.objects.filter(owner=None, department__name="Billing").exists()
    assert CannedResponse.objects.filter(owner=demo).exists()
    for view in SavedView.objects.all():
        assert view.query == canonical_query(QueryDict(view.query))
    assert SavedView.objects.filter(owner=demo, is_shared=True).count() == 2
    assert alice.has_perm("tickets.delete_ticket")
    assert alice.has_perm("tickets.change_cannedresponse")
    assert not bob.has_perm("tickets.delete_ticket")
    grace = get_user_model().objects.get(username="grace")
    assert [role_of(user) for user in (demo, grace, alice, bob)] == [
        Role.ADMINISTRATOR,
        Role.ADMINISTRATOR,
        Role.SUPERVISOR,
        Role.AGENT,
    ]
    assert may(grace, Action.ADD_CATEGORY) and not may(alice, Action.ADD_CATEGORY)
    assert bob.groups.filter(name=Role.AGENT).exists()


def test_the_same_seed_gives_the_same_tickets_and_another_seed_does_not():
    seed("--tickets", "30", "--seed", "7")
    first = snapshot()
    Ticket.objects.all().delete()

    seed("--tickets", "30", "--seed", "7")
    assert snapshot() == first
    Ticket.objects.all().delete()

    seed("--tickets", "30", "--seed", "8")
    assert snapshot() != first


def test_running_again_adds_tickets_but_no_base_data():
    seed("--tickets", "30", "--seed", "1")
    counts = base_data_counts()

    stdout, _ = seed("--tickets", "30", "--seed", "2")

    assert Ticket.objects.count() == 60
    assert base_data_counts() == counts
    assert "Sign in as demo / demo" in stdout


def test_if_empty_adds_tickets_only_to_an_empty_database():
    seed("--tickets", "30", "--seed", "1", "--if-empty")
    assert Ticket.objects.count() == 30
    replies = Reply.objects.count()

    stdout, _ = seed("--tickets", "30", "--seed", "2", "--if-empty")

    assert Ticket.objects.count() == 30
    assert Reply.objects.count() == replies
    assert "none added" in stdout


@pytest.mark.parametrize("option", [["--tickets", "-1"], ["--batch-size", "0"], ["--workers", "0"]])
def test_bad_options_are_refused(option):
    with pytest.raises(CommandError):
        seed(*option)
    assert not Ticket.objects.exists()


def assert_consistent(now: datetime.datetime = NOW) -> None:
    """The denormalized fields and the history agree with the replies, as the services keep them."""
    assert_counts_exact()
    assert_compat_counts_exact()
    tickets = {t.pk: t for t in Ticket.objects.select_related("status", "department")}
    replies = defaultdict(list)
    for reply in Reply.objects.order_by("created_at", "id"):
        replies[reply.ticket_id].append(reply)
    events = defaultdict(list)
    for event in TicketEvent.objects.order_by("created_at", "id"):
        events[event.ticket_id].append(event)
    ratings = {r.ticket_id: r for r in Rating.objects.all()}

    # The counters, computed by the database.
    aggregates = Ticket.objects.annotate(
        public=Count("replies", filter=Q(replies__kind=Reply.Kind.REPLY)),
        last_public=Max("replies__created_at", filter=Q(replies__kind=Reply.Kind.REPLY)),
        first_agent=Min(
            "replies__created_at",
            filter=Q(replies__kind=Reply.Kind.REPLY, replies__author_agent__isnull=False),
        ),
    )
    for row in aggregates:
        assert row.replies_count == row.public, row.pk
        assert row.last_reply_at == row.last_public, row.pk
        assert row.first_response_at == row.first_agent, row.pk

    for pk, ticket in tickets.items():
        history = events[pk]
        kinds = [e.kind for e in history]
        assert kinds.count(TicketEvent.Kind.CREATED) == 1
        assert history[0].kind == TicketEvent.Kind.CREATED
        assert history[0].created_at == ticket.created_at
        assert history[0].new_value["status"] == {"id": 1, "name": "Open"}

        # Status history: a chain from Open to the ticket's status.
        changes = [e for e in history if e.kind == TicketEvent.Kind.STATUS_CHANGED]
        previous = FixedStatus.OPEN
        for change in changes:
            assert change.old_value["id"] == previous != change.new_value["id"]
            previous = change.new_value["id"]
        assert previous == ticket.status_id
        assert ticket.status_changed_at == (changes[-1].created_at if changes else None)
        closings = [c for c in changes if c.new_value["id"] == FixedStatus.CLOSED]
        if ticket.status.is_closed:
            assert ticket.resolved_at == closings[-1].created_at
        else:
            assert ticket.resolved_at is None

        # Every reply and note has its event, by the same author at the same time.
        added = {
            e.new_value["reply_id"]: e
            for e in history
            if e.kind in (TicketEvent.Kind.REPLY_ADDED, TicketEvent.Kind.NOTE_ADDED)
        }
        assert set(added) == {r.pk for r in replies[pk]}
        for reply in replies[pk]:
            event = added[reply.pk]
            expected = (
                TicketEvent.Kind.NOTE_ADDED if reply.is_note else TicketEvent.Kind.REPLY_ADDED
            )
            assert event.kind == expected
            assert event.created_at == reply.created_at
            assert (event.actor_id, event.actor_contact_id) == (
                reply.author_agent_id,
                reply.author_contact_id,
            )
            if reply.author_contact_id:
                assert reply.author_contact.client_id == ticket.client_id
                assert not reply.is_note
            else:
                assert reply.author_agent_id is not None

        # Time runs forward and stops now; updated_at is the last change (a rating too).
        assert ticket.updated_at == max(e.created_at for e in history)
        for moment in [*[e.created_at for e in history], *[r.created_at for r in replies[pk]]]:
            assert ticket.created_at <= moment <= now
        assert ticket.due_at is None or ticket.due_at <= now

        assignments = [e for e in history if e.kind == TicketEvent.Kind.ASSIGNED]
        if assignments:
            assert assignments[-1].new_value["id"] == ticket.assignee_id
        assert (TicketEvent.Kind.ARCHIVED in kinds) == (ticket.active_state == ActiveState.ARCHIVED)
        assert (TicketEvent.Kind.SPAM_MARKED in kinds) == ticket.is_spam
        assert (TicketEvent.Kind.RATED in kinds) == (pk in ratings)

        assert ticket.department.type == Category.Type.TICKET
        assert ticket.requester.client_id == ticket.client_id
        assert ticket.project is None or ticket.project.client_id == ticket.client_id
        assert all(c.client_id == ticket.client_id for c in ticket.cc.all())
        custom_fields.validate_values(ticket.custom_fields)

    for pk, rating in ratings.items():
        ticket = tickets[pk]
        assert ticket.status.is_closed
        assert ticket.assignee_id is not None and rating.agent_id == ticket.assignee_id
        assert ticket.resolved_at <= rating.created_at <= now
        assert rating.contact_id == ticket.requester_id


def test_the_generated_tickets_are_consistent_and_varied():
    seed("--tickets", "300", "--seed", "3")

    assert_consistent()
    tickets = Ticket.objects.all()
    assert tickets.count() == 300
    # Portal tickets are made by clients in the portal, which the demo does not simulate.
    assert set(tickets.values_list("source", flat=True)) == set(Source.values) - {Source.PORTAL}
    assert set(tickets.values_list("priority", flat=True)) == {1, 2, 3}
    closed = tickets.filter(status__is_closed=True).count()
    assert 0.5 * 300 <= closed <= 0.8 * 300
    assert tickets.filter(status__is_closed=False).exclude(status=FixedStatus.OPEN).exists()
    assert tickets.filter(active_state=ActiveState.ARCHIVED).exists()
    assert tickets.filter(is_spam=True).exists()
    assert tickets.filter(assignee__isnull=True).exists()
    assert tickets.exclude(custom_fields={}).exists()
    assert tickets.filter(tags__isnull=False).exists()
    assert Reply.objects.filter(kind=Reply.Kind.NOTE).exists()
    assert Reply.objects.filter(author_contact__isnull=False).exists()
    reopened = TicketEvent.objects.filter(
        kind=TicketEvent.Kind.STATUS_CHANGED, old_value__id=FixedStatus.CLOSED
    )
    assert reopened.exists()
    ratings = Rating.objects.all()
    assert 0.15 * closed <= ratings.count() <= 0.45 * closed
    assert ratings.filter(value=Rating.Value.GOOD).count() > ratings.count() / 2
    oldest = tickets.aggregate(oldest=Min("created_at"))["oldest"]
    assert NOW - datetime.timedelta(days=181) <= oldest < NOW - datetime.timedelta(days=150)
    # Waiting for us exactly while in an open status, since entering it (as the services).
    waiting = tickets.filter(status__category="open")
    assert waiting.exists()
    assert not waiting.filter(waiting_since__isnull=True).exists()
    assert not tickets.exclude(status__category="open").filter(waiting_since__isnull=False).exists()
    assert not waiting.exclude(waiting_since=Coalesce("status_changed_at", "created_at")).exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_write_the_same_tickets_as_one():
    """Batches are seeded by their number, so the result does not depend on the workers.

    On PostgreSQL the two workers are separate processes with their own connections;
    SQLite always writes with one.
    """
    seed("--tickets", "40", "--seed", "5", "--batch-size", "10", "--workers", "2")
    assert Ticket.objects.count() == 40
    assert_consistent()
    parallel = snapshot()
    Ticket.objects.all().delete()

    seed("--tickets", "40", "--seed", "5", "--batch-size", "10", "--workers", "1")

    assert sorted(snapshot(), key=repr) == sorted(parallel, key=repr)


def test_workers_connect_without_the_request_timeouts():
    """A batch may wait for the count rows another worker holds longer than a request may
    (the lock timeout), so the workers' connections lift both timeouts."""
    from django.db import connection

    from tickets.management.commands.seed_demo import without_timeouts

    options = without_timeouts(connection)["OPTIONS"].get("options", "")
    assert options.endswith("-c statement_timeout=0 -c lock_timeout=0")
    if connection.vendor == "postgresql":
        import psycopg

        database = connection.settings_dict
        with psycopg.connect(
            dbname=database["NAME"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            user=database["USER"],
            options=options,
        ) as worker:
            assert worker.execute("SHOW lock_timeout").fetchone() == ("0",)
            assert worker.execute("SHOW statement_timeout").fetchone() == ("0",)
        # The settings' own timeouts are still in force for requests.
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone() != ("0",)
