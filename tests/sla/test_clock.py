"""sla.clock: the targets a change sets, pauses, resumes, meets and stops, counted in
business hours across a clock change and a holiday, and the ticket's next breach."""

import datetime

import pytest
from freezegun import freeze_time

from sla.models import SlaTargetKind, TargetState
from tests import factories
from tickets import services
from tickets.models import Channel, Priority, Ticket, TicketStatus
from tickets.statuses import FixedStatus

from .conftest import london

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
FIRST, NEXT, RESOLUTION = (
    SlaTargetKind.FIRST_RESPONSE,
    SlaTargetKind.NEXT_RESPONSE,
    SlaTargetKind.RESOLUTION,
)


def targets(ticket: Ticket) -> dict[str, object]:
    return {target.kind: target for target in ticket.sla_targets.all()}


def status(pk: int) -> TicketStatus:
    return TicketStatus.objects.get(pk=pk)


class TestBusinessHours:
    def test_the_spring_clock_change_moves_the_due_time_an_hour_in_utc(self, calendar, new_ticket):
        factories.SlaPolicyFactory(calendar=calendar, targets={"first_response": 4 * 60})
        # Friday 27 March 2026, 16:00 GMT; the clocks go forward on Sunday 29 March.
        with freeze_time(london(2026, 3, 27, 16)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        first = targets(ticket)[FIRST]
        # One hour on Friday, three on Monday from 9:00 BST: Monday 12:00 BST = 11:00 UTC.
        assert first.due_at == datetime.datetime(2026, 3, 30, 11, tzinfo=UTC)
        assert first.state == TargetState.ACTIVE
        assert first.started_at == london(2026, 3, 27, 16)
        assert ticket.sla_due_at == first.due_at
        assert ticket.sla_policy_id == first.policy_id

    def test_a_holiday_is_skipped(self, new_ticket):
        calendar = factories.BusinessCalendarFactory(holidays=[datetime.date(2026, 3, 30)])
        factories.SlaPolicyFactory(calendar=calendar, targets={"first_response": 4 * 60})
        with freeze_time(london(2026, 3, 27, 16)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        assert ticket.sla_due_at == london(2026, 3, 31, 12)

    def test_the_autumn_clock_change(self, calendar, new_ticket):
        factories.SlaPolicyFactory(calendar=calendar, targets={"resolution": 9 * 60})
        # Friday 23 October 2026, 15:00 BST; the clocks go back on Sunday 25 October.
        with freeze_time(london(2026, 10, 23, 15)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        # Two hours on Friday, seven on Monday from 9:00 GMT: Monday 16:00 GMT.
        assert ticket.sla_due_at == datetime.datetime(2026, 10, 26, 16, tzinfo=UTC)

    def test_calendar_hours_run_through_nights_and_weekends(self, calendar, new_ticket):
        factories.SlaPolicyFactory(calendar=calendar, targets={"first_response": (4 * 60, False)})
        with freeze_time(london(2026, 3, 27, 16)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        assert ticket.sla_due_at == london(2026, 3, 27, 20)

    def test_a_policy_without_calendar_counts_calendar_hours(self, new_ticket):
        factories.SlaPolicyFactory(targets={"first_response": 90})
        with freeze_time(london(2026, 3, 28, 23)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        assert ticket.sla_due_at == london(2026, 3, 29, 0, 30)


class TestCoverage:
    def test_the_first_matching_policy_by_position_wins(self, calendar, new_ticket, department):
        urgent = factories.SlaPolicyFactory(
            position=1, priorities=[Priority.URGENT], targets={"first_response": 30}
        )
        factories.SlaPolicyFactory(position=2, departments=[department])
        everything = factories.SlaPolicyFactory(position=3)
        with freeze_time(london(2026, 3, 25, 10)):
            normal = new_ticket()
            pressing = new_ticket(priority=Priority.URGENT)
        pressing.refresh_from_db()
        normal.refresh_from_db()
        assert pressing.sla_policy_id == urgent.pk
        assert normal.sla_policy_id != everything.pk  # the department's policy comes first
        assert normal.sla_policy.departments.get() == department

    def test_tags_choose_a_policy(self, new_ticket):
        vip = factories.SlaPolicyFactory(position=1, tags=["vip"], targets={"resolution": 60})
        factories.SlaPolicyFactory(position=2)
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
            services.add_tags(ticket=ticket, tags=["VIP"], actor=None, channel=Channel.API)
        ticket.refresh_from_db()
        assert ticket.sla_policy_id == vip.pk
        assert set(targets(ticket)) == {RESOLUTION}

    def test_a_new_priority_gives_the_new_policy_s_time_less_the_time_used(
        self, calendar, new_ticket, agent
    ):
        factories.SlaPolicyFactory(
            position=1,
            calendar=calendar,
            priorities=[Priority.URGENT],
            targets={"first_response": 60},
        )
        normal = factories.SlaPolicyFactory(
            position=2, calendar=calendar, targets={"first_response": 4 * 60}
        )
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
        ticket.refresh_from_db()
        assert ticket.sla_policy_id == normal.pk
        with freeze_time(london(2026, 3, 25, 10, 20)):
            services.update_ticket(
                ticket=ticket, actor=agent, channel=Channel.WEB, priority=Priority.URGENT
            )
        ticket.refresh_from_db()
        # Twenty minutes used of the urgent hour: due at 11:00.
        assert ticket.sla_due_at == london(2026, 3, 25, 11)
        assert targets(ticket)[FIRST].target_seconds == 3600

    def test_no_matching_policy_removes_the_running_targets(self, new_ticket, agent):
        factories.SlaPolicyFactory(priorities=[Priority.URGENT])
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket(priority=Priority.URGENT)
            services.update_ticket(
                ticket=ticket, actor=agent, channel=Channel.WEB, priority=Priority.NORMAL
            )
        ticket.refresh_from_db()
        assert ticket.sla_policy_id is None
        assert ticket.sla_due_at is None
        assert not ticket.sla_targets.exists()

    def test_spam_has_no_targets(self, new_ticket, agent):
        factories.SlaPolicyFactory()
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
            services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert (ticket.sla_policy_id, ticket.sla_due_at) == (None, None)


class TestPauses:
    def test_pending_pauses_and_open_resumes_with_the_business_time_left(
        self, calendar, new_ticket, agent
    ):
        factories.SlaPolicyFactory(calendar=calendar, targets={"resolution": 4 * 60})
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
        with freeze_time(london(2026, 3, 25, 11)):
            services.change_status(
                ticket=ticket, status=status(FixedStatus.ON_HOLD), actor=agent, channel=Channel.WEB
            )
        ticket.refresh_from_db()
        resolution = targets(ticket)[RESOLUTION]
        assert resolution.state == TargetState.PAUSED
        assert resolution.remaining_seconds == 3 * 3600
        assert resolution.paused_at == london(2026, 3, 25, 11)
        assert ticket.sla_due_at is None  # nothing runs
        # Resumed on Thursday at 16:00: one hour that day, two on Friday from 9:00.
        with freeze_time(london(2026, 3, 26, 16)):
            services.change_status(
                ticket=ticket, status=status(FixedStatus.OPEN), actor=agent, channel=Channel.WEB
            )
        ticket.refresh_from_db()
        resolution = targets(ticket)[RESOLUTION]
        assert resolution.state == TargetState.ACTIVE
        assert (resolution.paused_at, resolution.remaining_seconds) == (None, None)
        assert resolution.due_at == london(2026, 3, 27, 11)
        assert ticket.sla_due_at == resolution.due_at

    def test_solved_meets_the_resolution_and_stops_the_rest(self, new_ticket, agent):
        factories.SlaPolicyFactory()
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
        with freeze_time(london(2026, 3, 25, 10, 30)):
            services.change_status(
                ticket=ticket, status=status(FixedStatus.CLOSED), actor=agent, channel=Channel.WEB
            )
        ticket.refresh_from_db()
        found = targets(ticket)
        assert found[RESOLUTION].state == TargetState.MET
        assert found[RESOLUTION].met_at == london(2026, 3, 25, 10, 30)
        assert found[FIRST].state == TargetState.STOPPED
        assert ticket.sla_due_at is None

    def test_a_ticket_opened_on_hold_starts_paused(self, new_ticket):
        factories.SlaPolicyFactory(targets={"resolution": 60})
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket(status=status(FixedStatus.ON_HOLD))
        ticket.refresh_from_db()
        resolution = targets(ticket)[RESOLUTION]
        assert (resolution.state, resolution.remaining_seconds) == (TargetState.PAUSED, 3600)
        assert ticket.sla_due_at is None


class TestResponses:
    def test_replies_meet_and_start_the_response_targets(
        self, calendar, new_ticket, agent, contact
    ):
        factories.SlaPolicyFactory(
            calendar=calendar,
            targets={"first_response": 60, "next_response": 120, "resolution": 8 * 60},
        )
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
        with freeze_time(london(2026, 3, 25, 10, 30)):
            services.post_reply(ticket=ticket, text="Looking", author=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        found = targets(ticket)
        assert found[FIRST].state == TargetState.MET
        assert found[FIRST].met_at == london(2026, 3, 25, 10, 30)
        assert NEXT not in found
        # Answered is a pending status: the resolution waits for the client.
        assert found[RESOLUTION].state == TargetState.PAUSED
        assert ticket.sla_due_at is None

        with freeze_time(london(2026, 3, 25, 16)):
            services.post_reply(
                ticket=ticket, text="Still broken", author=contact, channel=Channel.EMAIL
            )
        with freeze_time(london(2026, 3, 25, 16, 30)):
            services.post_reply(ticket=ticket, text="Hello?", author=contact, channel=Channel.EMAIL)
        ticket.refresh_from_db()
        next_response = targets(ticket)[NEXT]
        # Counted from the first unanswered message: one hour today, one tomorrow.
        assert next_response.started_at == london(2026, 3, 25, 16)
        assert next_response.due_at == london(2026, 3, 26, 10)
        assert ticket.sla_due_at == next_response.due_at

        with freeze_time(london(2026, 3, 26, 9, 15)):
            services.post_reply(ticket=ticket, text="Fixed", author=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        next_response = targets(ticket)[NEXT]
        assert next_response.state == TargetState.MET
        assert next_response.breached_at is None

        with freeze_time(london(2026, 3, 26, 11)):
            services.post_reply(
                ticket=ticket, text="No, it is not", author=contact, channel=Channel.EMAIL
            )
        ticket.refresh_from_db()
        next_response = targets(ticket)[NEXT]
        assert (next_response.state, next_response.started_at) == (
            TargetState.ACTIVE,
            london(2026, 3, 26, 11),
        )

    def test_a_note_meets_nothing(self, new_ticket, agent):
        factories.SlaPolicyFactory()
        with freeze_time(london(2026, 3, 25, 10)):
            ticket = new_ticket()
            services.post_reply(
                ticket=ticket, text="Internal", kind="note", author=agent, channel=Channel.WEB
            )
        assert targets(ticket)[FIRST].state == TargetState.ACTIVE


class TestCost:
    def test_without_an_active_policy_a_change_costs_no_query(
        self, new_ticket, agent, django_assert_num_queries
    ):
        from sla import clock
        from tickets import changes

        factories.SlaPolicyFactory(is_active=False)
        ticket = new_ticket()
        events = list(ticket.events.all())
        with django_assert_num_queries(0):
            clock.react(changes.Round(events=events, number=1))
        ticket.refresh_from_db()
        assert ticket.sla_policy_id is None

    @pytest.mark.parametrize("count", [2, 8])
    def test_a_bulk_action_costs_the_same_for_any_number_of_tickets(
        self, count, new_ticket, agent, django_assert_num_queries, monkeypatch
    ):
        from sla import clock
        from tickets import changes

        factories.SlaPolicyFactory(priorities=[Priority.URGENT], targets={"first_response": 30})
        factories.SlaPolicyFactory(targets={"first_response": 120})
        with freeze_time(london(2026, 3, 25, 10)):
            tickets = [new_ticket() for _ in range(count)]
        # The change's round, kept for the clock to be given it alone, counted.
        rounds: list[changes.Round] = []
        monkeypatch.setattr(changes, "reactions", lambda: [rounds.append])
        with freeze_time(london(2026, 3, 25, 10)):
            services.apply_bulk_action(
                tickets=Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets]),
                action=services.BulkAction.PRIORITY,
                value=Priority.URGENT,
                actor=agent,
                channel=Channel.WEB,
            )
        (change,) = rounds
        assert len(change.ticket_ids) == count
        # The tickets, their targets, one UPDATE of the targets and one of the tickets (the
        # policies are cached: the local-memory cache's clock is frozen too).
        with freeze_time(london(2026, 3, 25, 10)), django_assert_num_queries(4):
            clock.react(change)
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.sla_due_at == london(2026, 3, 25, 10, 30)
