"""Two agents changing one ticket at the same moment lose nothing.

The services lock the ticket row (select_for_update on PostgreSQL; SQLite runs
IMMEDIATE transactions, which queue writers) so denormalized counters stay exact.
"""

import threading

import pytest
from django.db import close_old_connections, connection

from tests import factories
from tickets import services
from tickets.models import Channel, Reply, Ticket, TicketEvent

REPLIES_PER_AGENT = 5


def run_in_threads(*targets):
    errors = []

    def wrap(target):
        def run():
            try:
                target()
            except Exception as error:  # reported by the assert below
                errors.append(error)
            finally:
                close_old_connections()
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_keep_replies_count_exact():
    ticket = factories.TicketFactory()
    agents = factories.AgentFactory.create_batch(2)

    def replies_by(agent):
        def post():
            for number in range(REPLIES_PER_AGENT):
                services.post_reply(
                    ticket=Ticket.objects.get(pk=ticket.pk),
                    text=f"Reply {number} by {agent.username}",
                    author=agent,
                    channel=Channel.WEB,
                )

        return post

    run_in_threads(*(replies_by(agent) for agent in agents))

    ticket.refresh_from_db()
    assert Reply.objects.filter(ticket=ticket).count() == 2 * REPLIES_PER_AGENT
    assert ticket.replies_count == 2 * REPLIES_PER_AGENT
    assert ticket.events.filter(kind=TicketEvent.Kind.REPLY_ADDED).count() == 2 * REPLIES_PER_AGENT


@pytest.mark.django_db(transaction=True)
def test_concurrent_tag_and_priority_changes_both_land():
    ticket = factories.TicketFactory()
    first, second = factories.AgentFactory.create_batch(2)

    run_in_threads(
        lambda: services.set_tags(
            ticket=Ticket.objects.get(pk=ticket.pk), tags=["vip"], actor=first, channel=Channel.WEB
        ),
        lambda: services.update_ticket(
            ticket=Ticket.objects.get(pk=ticket.pk), priority=3, actor=second, channel=Channel.WEB
        ),
    )

    ticket.refresh_from_db()
    assert list(ticket.tags.names()) == ["vip"]
    assert ticket.priority == 3
    assert set(ticket.events.values_list("kind", flat=True)) == {"tags_changed", "priority_changed"}
