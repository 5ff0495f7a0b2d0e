"""TicketCount: kept exact by PostgreSQL's triggers whatever writes the tickets."""

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce

from tests import factories
from tickets import counts, services
from tickets.models import ActiveState, Channel, Priority, Reply, Ticket, TicketCount, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

COLUMNS = sorted(counts.COUNTED_COLUMNS)


def assert_counts_exact() -> None:
    """Every combination's TicketCount equals a GROUP BY over the tickets (PostgreSQL);
    other databases keep no counts and always COUNT."""
    if connection.vendor != "postgresql":
        assert counts.counted_total({}) is None
        assert not TicketCount.objects.exists()
        return
    grouped = (
        Ticket.objects.order_by()
        .annotate(counted_project=Coalesce("project_id", 0))
        .values_list(*[c if c != "project_id" else "counted_project" for c in COLUMNS])
        .annotate(n=Count("pk"))
    )
    expected = {row[:-1]: row[-1] for row in grouped}
    kept = {
        row[:-1]: row[-1]
        for row in TicketCount.objects.exclude(count=0).values_list(*COLUMNS, "count")
    }
    assert kept == expected
    assert counts.counted_total({}) == Ticket.objects.count()


def test_created_tickets_are_counted(agent):
    factories.TicketFactory.create_batch(3)
    project = factories.ProjectFactory()
    services.create_ticket(
        client=project.client,
        department=factories.CategoryFactory(),
        project=project,
        subject="Printer on fire",
        message="Really.",
        actor=agent,
        channel=Channel.WEB,
    )
    assert_counts_exact()


def test_bulk_created_tickets_are_counted():
    client, department = factories.ClientFactory(), factories.CategoryFactory()
    Ticket.objects.bulk_create(
        Ticket(subject=f"#{n}", message=".", client=client, department=department, priority=p)
        for n, p in enumerate([Priority.NORMAL, Priority.HIGH, Priority.HIGH, Priority.URGENT])
    )
    assert_counts_exact()


def test_every_counted_change_moves_the_ticket(agent):
    ticket = factories.TicketFactory()
    other_client = factories.ClientFactory()
    project = factories.ProjectFactory(client=other_client)
    services.change_status(
        ticket=ticket, status=TicketStatus.objects.get(pk=FixedStatus.CLOSED), actor=agent,
        channel=Channel.WEB,
    )  # fmt: skip
    assert_counts_exact()
    services.update_ticket(
        ticket=ticket, priority=Priority.URGENT, client=other_client, project=project,
        department=factories.CategoryFactory(), actor=agent, channel=Channel.WEB,
    )  # fmt: skip
    assert_counts_exact()
    services.archive(ticket=ticket, actor=agent, channel=Channel.WEB)
    services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
    assert_counts_exact()
    services.update_ticket(ticket=ticket, project=None, actor=agent, channel=Channel.WEB)
    assert_counts_exact()


def test_changes_to_other_columns_leave_the_counts_alone(agent):
    ticket = factories.TicketFactory()
    before = list(TicketCount.objects.values_list("pk", "count"))
    # A note changes the last-updated time but none of the counted columns.
    services.post_reply(
        ticket=ticket, author=agent, text="On it.", kind=Reply.Kind.NOTE, channel=Channel.WEB
    )
    Ticket.objects.filter(pk=ticket.pk).update(subject="Renamed")
    assert list(TicketCount.objects.values_list("pk", "count")) == before
    assert_counts_exact()


def test_queryset_updates_and_deletes_are_counted():
    factories.TicketFactory.create_batch(4, priority=Priority.HIGH)
    factories.TicketFactory.create_batch(2)
    Ticket.objects.filter(priority=Priority.HIGH).update(
        active_state=ActiveState.ARCHIVED, status_id=FixedStatus.ON_HOLD
    )
    assert_counts_exact()
    Ticket.objects.filter(priority=Priority.HIGH)[:1].get().delete()
    Ticket.objects.filter(priority=Priority.NORMAL).delete()
    assert_counts_exact()


def test_a_rolled_back_change_is_not_counted():
    factories.TicketFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.TicketFactory.create_batch(2)
        Ticket.objects.update(priority=Priority.URGENT)
        raise RuntimeError
    assert_counts_exact()


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status_id": FixedStatus.OPEN},
        {"priority": Priority.HIGH, "active_state": ActiveState.ACTIVE},
        {"project_id": None},
        {"is_spam": False, "status_id": FixedStatus.CLOSED},
    ],
)
def test_the_total_matches_a_count(filters):
    factories.TicketFactory.create_batch(3, priority=Priority.HIGH)
    factories.TicketFactory(status_id=FixedStatus.CLOSED, project=factories.ProjectFactory())
    factories.TicketFactory(is_spam=True)
    queryset = Ticket.objects.filter(**filters)
    assert counts.total(queryset, filters) == queryset.count()


def test_a_filter_on_another_column_is_counted_by_count(agent):
    factories.TicketFactory.create_batch(2, creator=agent)
    factories.TicketFactory()
    assert counts.counted_total({"creator_id": agent.pk}) is None
    assert counts.total(Ticket.objects.filter(creator=agent), None) == 2


def test_an_empty_queryset_totals_zero_without_a_query(django_assert_num_queries):
    factories.TicketFactory()
    with django_assert_num_queries(0):
        assert counts.total(Ticket.objects.none(), {}) == 0
