"""sla.breaches: each breach is recorded once, in the history with the policy as its
actor, and emailed to the assignee; only due targets are read."""

import pytest
from freezegun import freeze_time

from sla import breaches
from sla.models import SlaTargetKind, TargetState, TicketSlaTarget
from tests import factories
from tests.tickets.test_concurrency import run_in_threads
from tickets import services
from tickets.models import Channel, TicketEvent

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return factories.SlaPolicyFactory(name="Standard", targets={"first_response": 60})


def test_a_breach_is_recorded_once_with_the_policy_as_actor(
    policy, new_ticket, agent, mailoutbox, django_capture_on_commit_callbacks
):
    agent.email = "alice@example.test"
    agent.save(update_fields=["email"])
    with freeze_time(london(2026, 3, 25, 10)):
        ticket = new_ticket()
    with freeze_time(london(2026, 3, 25, 10, 59)):
        assert breaches.record_due_breaches() == 0
    with (
        freeze_time(london(2026, 3, 25, 11, 1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert breaches.record_due_breaches() == 1
        assert breaches.record_due_breaches() == 0
    target = ticket.sla_targets.get()
    assert target.breached_at == london(2026, 3, 25, 11, 1)
    assert target.state == TargetState.ACTIVE  # still owed
    (event,) = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_BREACHED)
    assert event.rule == {"kind": "sla_policy", "id": policy.pk, "name": "Standard"}
    assert event.actor is None and event.channel == Channel.SYSTEM
    assert event.actor_name == "SLA policy “Standard”"
    assert event.change().new == "First response was due 25 Mar 2026 11:00"
    (message,) = mailoutbox
    assert "alice@example.test" in message.to[0]
    assert "SLA breached (first response)" in message.subject
    assert "was due 25 Mar 2026 11:00" in message.body
    # The ticket still sorts as breached: its next due time has passed.
    ticket.refresh_from_db()
    assert ticket.sla_due_at == london(2026, 3, 25, 11)


def test_a_stale_run_claims_nothing(policy, new_ticket):
    with freeze_time(london(2026, 3, 25, 10)):
        ticket = new_ticket()
    target = ticket.sla_targets.get()
    later = london(2026, 3, 25, 12)
    assert breaches.record_breach(target, now=later) is True
    assert breaches.record_breach(target, now=later) is False  # another run's old read
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 1


def test_met_paused_and_inactive_targets_are_not_breached(policy, new_ticket, agent):
    with freeze_time(london(2026, 3, 25, 10)):
        answered = new_ticket()
        services.post_reply(ticket=answered, text="On it", author=agent, channel=Channel.WEB)
        new_ticket()
    policy.is_active = False
    policy.save(update_fields=["is_active"])
    other = factories.SlaPolicyFactory(targets={"resolution": 60})
    with freeze_time(london(2026, 3, 25, 10)):
        covered = new_ticket()
    with freeze_time(london(2026, 3, 26, 10)):
        assert breaches.record_due_breaches() == 1
    assert covered.sla_targets.get().breached_at is not None
    assert covered.sla_targets.get().policy_id == other.pk


def test_the_run_reads_the_due_targets_only(policy, new_ticket, django_assert_num_queries):
    with freeze_time(london(2026, 3, 25, 10)):
        for _ in range(3):
            new_ticket()
    with freeze_time(london(2026, 3, 25, 10, 30)), django_assert_num_queries(1):
        assert breaches.record_due_breaches() == 0
    assert "due_at" in str(breaches.due_targets(london(2026, 3, 25, 10, 30)).query)


def test_the_breach_task_records_and_needs_no_worker(policy, new_ticket):
    from sla import tasks

    with freeze_time(london(2026, 3, 25, 10)):
        new_ticket()
    with freeze_time(london(2026, 3, 25, 12)):
        result = tasks.record_breaches.enqueue()
    assert result.return_value == "1 breaches recorded"
    assert not tasks.can_schedule()  # the immediate backend of the tests: no chain


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_record_each_breach_once(department, client_company, agent):
    factories.SlaPolicyFactory(targets={"first_response": 1})
    with freeze_time(london(2026, 3, 25, 10)):
        ticket = services.create_ticket(
            client=client_company,
            department=department,
            subject="Down",
            message="All down",
            actor=agent,
            channel=Channel.WEB,
        )
    counts: list[int] = []

    def run() -> None:
        counts.append(breaches.record_due_breaches(now=london(2026, 3, 25, 11)))

    run_in_threads(run, run)
    assert sorted(counts) == [0, 1]
    assert (
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_BREACHED).count() == 1
    )
    target = TicketSlaTarget.objects.get(ticket=ticket)
    assert (target.kind, target.breached_at) == (
        SlaTargetKind.FIRST_RESPONSE,
        london(2026, 3, 25, 11),
    )


def test_the_ticket_page_shows_the_breach_and_the_targets(policy, new_ticket, client, agent):
    with freeze_time(london(2026, 3, 25, 10)):
        ticket = new_ticket()
    with freeze_time(london(2026, 3, 25, 12)):
        breaches.record_due_breaches()
        client.force_login(agent)
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "SLA target breached" in page
    assert "SLA policy “Standard”" in page
    assert "First response was due 25 Mar 2026 11:00" in page
    assert 'data-sla-target="first_response"' in page
    assert "1 h 00 min overdue" in page
    assert "Breached</span>" in page
