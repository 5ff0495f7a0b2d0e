"""TicketHiddenSearchTerm: the terms of the spam and archived tickets, kept exact by
PostgreSQL's triggers (migration 0017) whatever hides, shows or changes a ticket, and the
search totals counted with it."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, Ticket, TicketHiddenSearchTerm
from tickets.search import filtered_search_totals

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def assert_mirror_exact() -> None:
    """The table holds exactly the terms of the hidden tickets, with their flag and state
    (PostgreSQL); elsewhere it stays empty."""
    actual = sorted(
        TicketHiddenSearchTerm.objects.values_list("term", "ticket_id", "is_spam", "active_state")
    )
    if not POSTGRESQL:
        assert actual == []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.term, s.ticket_id, t.is_spam, t.active_state "
            "FROM tickets_ticketsearchterm AS s JOIN tickets_ticket AS t ON t.id = s.ticket_id "
            "WHERE t.is_spam OR t.active_state <> 'active'"
        )
        expected = sorted(cursor.fetchall())
    assert actual == expected


def hidden_terms_of(ticket: Ticket) -> set[str]:
    return set(TicketHiddenSearchTerm.objects.filter(ticket=ticket).values_list("term", flat=True))


def test_hiding_and_showing_a_ticket_moves_its_terms(agent):
    ticket = factories.TicketFactory(subject="Printer jammed", message="Refund please")
    other = factories.TicketFactory(subject="Printer fine")
    assert_mirror_exact()
    assert hidden_terms_of(ticket) == set()
    services.archive(ticket=ticket, actor=agent, channel=Channel.API)
    assert_mirror_exact()
    if POSTGRESQL:
        assert {"printer", "jam", "refund"} <= hidden_terms_of(ticket)
        assert hidden_terms_of(other) == set()
    services.mark_spam(
        ticket=Ticket.objects.get(pk=ticket.pk), is_spam=True, actor=agent, channel=Channel.API
    )
    assert_mirror_exact()
    services.restore(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent, channel=Channel.API)
    assert_mirror_exact()  # still spam: still hidden, as active spam
    services.mark_spam(
        ticket=Ticket.objects.get(pk=ticket.pk), is_spam=False, actor=agent, channel=Channel.API
    )
    assert_mirror_exact()
    assert hidden_terms_of(ticket) == set()


def test_the_conversation_of_a_hidden_ticket_is_followed(agent):
    ticket = factories.TicketFactory(subject="Invoice", active_state=ActiveState.ARCHIVED)
    assert_mirror_exact()
    services.post_reply(ticket=ticket, text="The webhook failed", author=agent, channel=Channel.API)
    assert_mirror_exact()
    if POSTGRESQL:
        assert "webhook" in hidden_terms_of(ticket)
    services.update_ticket(
        ticket=Ticket.objects.get(pk=ticket.pk), subject="Receipt", actor=agent, channel=Channel.API
    )
    assert_mirror_exact()
    if POSTGRESQL:
        assert "invoic" not in hidden_terms_of(ticket)
        assert "receipt" in hidden_terms_of(ticket)
    reply = ticket.replies.get()
    services.delete_reply(reply=reply, actor=agent, channel=Channel.API)
    assert_mirror_exact()


def test_a_ticket_created_hidden_and_deleted(agent):
    spam = factories.TicketFactory(subject="Cheap watches", is_spam=True)
    assert_mirror_exact()
    if POSTGRESQL:
        assert "watch" in hidden_terms_of(spam)
    services.delete_ticket(ticket=spam, actor=agent, channel=Channel.API)
    assert_mirror_exact()
    assert not TicketHiddenSearchTerm.objects.exists()


def test_a_bulk_update_of_many_tickets(agent):
    tickets = [factories.TicketFactory(subject=f"Refund number {n}") for n in range(6)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:4]]).update(
        active_state=ActiveState.ARCHIVED
    )
    assert_mirror_exact()
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[2:]]).update(is_spam=True)
    assert_mirror_exact()
    Ticket.objects.update(active_state=ActiveState.ACTIVE, is_spam=False)
    assert_mirror_exact()


@pytest.mark.parametrize(
    "filters",
    [
        {"is_spam": False, "active_state": ActiveState.ACTIVE},
        {"is_spam": False},
        {"active_state": ActiveState.ACTIVE},
        {"is_spam": True},
        {"active_state": ActiveState.ARCHIVED},
        {"is_spam": True, "active_state": ActiveState.ARCHIVED},
        {},
    ],
)
def test_search_totals_by_state_are_exact(filters):
    words = ["refund", "printer refund"]
    for n in range(12):
        factories.TicketFactory(
            subject="Refund" + (" printer" if n % 2 else ""),
            is_spam=n % 3 == 0,
            active_state=ActiveState.ARCHIVED if n % 4 == 0 else ActiveState.ACTIVE,
        )
    factories.TicketFactory(subject="Unrelated")
    for text in words:
        queryset = Ticket.objects.filter(**filters)
        total, _ = filtered_search_totals(queryset, text, filters=filters)
        assert total == queryset.search(text).count(), (text, filters)


def test_the_demo_datas_bulk_load_keeps_it_exact():
    """seed_demo writes its tickets, replies and archived and spam states in bulk (COPY)."""
    with freeze_time(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)):
        call_command(
            "seed_demo",
            "--tickets",
            "60",
            "--seed",
            "3",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    hidden = Ticket.objects.filter(Q(is_spam=True) | ~Q(active_state=ActiveState.ACTIVE))
    assert hidden.exists()
    assert_mirror_exact()
    if POSTGRESQL:
        assert TicketHiddenSearchTerm.objects.values("ticket").distinct().count() == hidden.count()
