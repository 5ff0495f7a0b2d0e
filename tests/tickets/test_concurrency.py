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


@pytest.mark.django_db(transaction=True)
def test_two_agents_replying_at_once_against_one_version_post_once(monkeypatch):
    """The stale-version check runs under the ticket's row lock: the second agent's
    reply waits for the first, then sees it and is held back, instead of both passing
    the check before either has posted."""
    from django.test import Client

    from tickets import presence

    ticket = factories.TicketFactory()
    first, second = factories.AgentFactory.create_batch(2)
    version = presence.format_version(presence.version_of(ticket, []))
    checked = threading.Event()
    real_changes_since = presence.changes_since

    def changes_since(ticket, version, agent):
        changes = real_changes_since(ticket, version, agent)
        if agent.pk == first.pk:
            checked.set()
            # Give the second agent every chance to check too before this reply posts.
            threading.Event().wait(0.5)
        return changes

    monkeypatch.setattr(presence, "changes_since", changes_since)
    statuses = {}

    def reply_as(agent, wait_for=None):
        def post():
            if wait_for is not None:
                wait_for.wait(10)
            http = Client()
            http.force_login(agent)
            response = http.post(
                f"/tickets/{ticket.pk}/reply/",
                {"kind": "reply", "text": f"From {agent.username}", "version": version},
            )
            statuses[agent.pk] = response.status_code

        return post

    run_in_threads(reply_as(first), reply_as(second, wait_for=checked))

    assert Reply.objects.filter(ticket=ticket).count() == 1
    assert Reply.objects.get(ticket=ticket).author_agent == first
    assert statuses[second.pk] == 422
