"""tickets.changes: the reactions to a change run once per change, in rounds, inside its
transaction, and see what rules did as done by the rule."""

import pytest

from tests import factories
from tickets import changes, services
from tickets.models import Channel, Priority, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

RULE = {"kind": "trigger", "id": 7, "name": "Urgent when angry"}


@pytest.fixture
def rounds(monkeypatch):
    """The rounds the reactions are given, with the reaction `react` installed."""
    seen: list[changes.Round] = []
    handlers = []

    def record(round_):
        seen.append(round_)
        for handler in handlers:
            handler(round_)

    monkeypatch.setattr(changes, "reactions", lambda: [record])
    return seen, handlers


def test_one_round_per_change_with_every_event(rounds, agent):
    seen, _ = rounds
    ticket = factories.TicketFactory()
    services.update_ticket(
        ticket=ticket, actor=agent, channel=Channel.WEB, subject="New subject", priority=3
    )
    assert len(seen) == 1
    assert seen[0].number == 1
    assert sorted(event.kind for event in seen[0].events) == [
        TicketEvent.Kind.PRIORITY_CHANGED,
        TicketEvent.Kind.SUBJECT_CHANGED,
    ]
    assert all(event.pk for event in seen[0].events)


def test_a_bulk_action_is_one_round_over_all_its_tickets(rounds, agent):
    seen, _ = rounds
    tickets = factories.TicketFactory.create_batch(3)
    services.apply_bulk_action(
        actor=agent,
        tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]),
        action=services.BulkAction.PRIORITY,
        value=Priority.URGENT,
        channel=Channel.WEB,
    )
    assert len(seen) == 1
    assert sorted(seen[0].ticket_ids) == sorted(t.pk for t in tickets)


def test_what_a_rule_does_is_a_next_round_recorded_as_the_rule(rounds, agent):
    seen, handlers = rounds

    def escalate(round_):
        for ticket_id in round_.ticket_ids:
            if changes.once(("escalate", ticket_id)):
                with changes.acting_as(RULE):
                    services.update_ticket(
                        ticket=Ticket.objects.get(pk=ticket_id),
                        actor=None,
                        channel=Channel.SYSTEM,
                        priority=Priority.URGENT,
                    )

    handlers.append(escalate)
    ticket = factories.TicketFactory(priority=Priority.NORMAL)
    services.update_ticket(ticket=ticket, actor=agent, channel=Channel.WEB, subject="Angry")

    assert [r.number for r in seen] == [1, 2]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    by_rule = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_CHANGED)
    assert by_rule.rule == RULE
    assert by_rule.actor_name == "Trigger “Urgent when angry”"
    assert ticket.events.get(kind=TicketEvent.Kind.SUBJECT_CHANGED).rule is None


def test_a_reaction_that_would_loop_is_stopped_and_nothing_is_kept(rounds, agent):
    _, handlers = rounds

    def flip(round_):
        for ticket_id in round_.ticket_ids:
            ticket = Ticket.objects.get(pk=ticket_id)
            with changes.acting_as(RULE):
                services.update_ticket(
                    ticket=ticket,
                    actor=None,
                    channel=Channel.SYSTEM,
                    priority=Priority.HIGH if ticket.priority != Priority.HIGH else Priority.NORMAL,
                )

    handlers.append(flip)
    ticket = factories.TicketFactory(subject="Before")
    with pytest.raises(RuntimeError, match="rounds"):
        services.update_ticket(ticket=ticket, actor=agent, channel=Channel.WEB, subject="After")
    ticket.refresh_from_db()
    assert ticket.subject == "Before"
    assert not ticket.events.exists()


def test_once_is_per_change():
    with changes.atomic():
        assert changes.once("key")
        assert not changes.once("key")
    with changes.atomic():
        assert changes.once("key")


def test_acting_as_needs_a_change():
    with pytest.raises(RuntimeError), changes.acting_as(RULE):
        pass
