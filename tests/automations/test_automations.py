"""Automations: each acts once per ticket and state, set-based, through the services and
as itself; and the set-based services they use keep the tickets as the others do."""

import datetime

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from automations import runs
from automations.models import Automation, AutomationFiring
from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, Priority, Ticket, TicketEvent, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def days_ago(days):
    return NOW - datetime.timedelta(days=days)


def pending_ticket(days, **fields):
    return factories.TicketFactory(
        status_id=FixedStatus.ON_HOLD,
        status_changed_at=days_ago(days),
        updated_at=days_ago(days),
        created_at=days_ago(days + 1),
        **fields,
    )


@pytest.fixture
def close_after_a_week(db):
    return factories.AutomationFactory(
        name="Close pending for 7 days",
        since=Automation.Since.PENDING,
        hours=7 * 24,
        actions=[{"action": "set_status", "value": FixedStatus.CLOSED}],
    )


def test_closes_tickets_pending_for_a_week_as_itself(close_after_a_week):
    old = pending_ticket(8)
    recent = pending_ticket(6)
    open_old = factories.TicketFactory(status_changed_at=days_ago(30))
    with freeze_time(NOW):
        [result] = runs.run_automations()
    assert result.tickets == 1
    for ticket in (old, recent, open_old):
        ticket.refresh_from_db()
    assert old.status_id == FixedStatus.CLOSED
    assert old.resolved_at == NOW
    assert old.updated_at == NOW
    assert (recent.status_id, open_old.status_id) == (FixedStatus.ON_HOLD, FixedStatus.OPEN)
    [event] = TicketEvent.objects.filter(ticket=old)
    assert event.kind == Kind.STATUS_CHANGED
    assert event.old_value == {"id": FixedStatus.ON_HOLD, "name": "On Hold"}
    assert event.new_value == {"id": FixedStatus.CLOSED, "name": "Closed"}
    assert event.rule == {
        "kind": "automation",
        "id": close_after_a_week.pk,
        "name": "Close pending for 7 days",
    }
    assert (event.actor, event.channel) == (None, Channel.SYSTEM)
    assert event.actor_name == "Automation “Close pending for 7 days”"


def test_fires_once_per_state_and_again_after_the_state_changed(agent):
    automation = factories.AutomationFactory(
        since=Automation.Since.UPDATED,
        hours=24,
        actions=[{"action": "add_tags", "value": ["stale"]}],
    )
    ticket = factories.TicketFactory(updated_at=days_ago(2), created_at=days_ago(3))
    with freeze_time(NOW):
        assert runs.run(automation).tickets == 1
    with freeze_time(NOW + datetime.timedelta(days=3)):
        # Its own change moved "updated" on: a day later it is stale again, once.
        assert runs.run(automation).tickets == 1
        assert runs.run(automation).tickets == 0
    assert AutomationFiring.objects.filter(ticket=ticket).count() == 2
    tag_events = TicketEvent.objects.filter(ticket=ticket, kind=Kind.TAGS_CHANGED)
    assert tag_events.count() == 1  # the second firing found the tag there already


def test_a_ticket_fires_again_once_it_entered_the_state_again(close_after_a_week, agent):
    close_after_a_week.actions = [{"action": "set_priority", "value": "urgent"}]
    close_after_a_week.save()
    ticket = pending_ticket(8)
    with freeze_time(NOW):
        assert runs.run(close_after_a_week).tickets == 1
        assert runs.run(close_after_a_week).tickets == 0
    later = NOW + datetime.timedelta(days=1)
    with freeze_time(later):
        services.update_ticket(
            ticket=ticket, priority=Priority.NORMAL, actor=agent, channel=Channel.WEB
        )
        open_status = TicketStatus.objects.get(pk=FixedStatus.OPEN)
        services.change_status(ticket=ticket, status=open_status, actor=agent, channel=Channel.WEB)
        on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
        services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.WEB)
    with freeze_time(later + datetime.timedelta(days=6)):
        assert runs.run(close_after_a_week).tickets == 0
    with freeze_time(later + datetime.timedelta(days=8)):
        assert runs.run(close_after_a_week).tickets == 1
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT


def test_conditions_narrow_the_tickets(close_after_a_week):
    close_after_a_week.conditions = [
        {"field": "priority", "op": "is_not", "value": "urgent"},
        {"field": "tags", "op": "not_contains", "value": "keep"},
    ]
    close_after_a_week.save()
    plain = pending_ticket(8)
    urgent = pending_ticket(8, priority=Priority.URGENT)
    kept = pending_ticket(8, tags=["Keep"])
    spam = pending_ticket(8, is_spam=True)
    archived = pending_ticket(8, active_state=ActiveState.ARCHIVED)
    with freeze_time(NOW):
        runs.run(close_after_a_week)
    closed = set(Ticket.objects.filter(status_id=FixedStatus.CLOSED).values_list("pk", flat=True))
    assert closed == {plain.pk}
    assert {urgent.pk, kept.pk, spam.pk, archived.pk}.isdisjoint(closed)


def test_waiting_for_us(agent):
    automation = factories.AutomationFactory(
        since=Automation.Since.WAITING,
        hours=4,
        actions=[{"action": "set_priority", "value": "high"}],
    )
    waiting = factories.TicketFactory(waiting_since=NOW - datetime.timedelta(hours=5))
    answered = factories.TicketFactory(waiting_since=None, updated_at=days_ago(3))
    with freeze_time(NOW):
        runs.run(automation)
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert (waiting.priority, answered.priority) == (Priority.HIGH, Priority.NORMAL)


def test_hours_since_created_and_since_the_status_changed():
    created = factories.AutomationFactory(
        since=Automation.Since.CREATED, hours=48, actions=[{"action": "add_tags", "value": ["c"]}]
    )
    status = factories.AutomationFactory(
        since=Automation.Since.STATUS_CHANGED,
        hours=48,
        actions=[{"action": "add_tags", "value": ["s"]}],
    )
    never_changed = factories.TicketFactory(created_at=days_ago(3), status_changed_at=None)
    changed_lately = factories.TicketFactory(created_at=days_ago(3), status_changed_at=days_ago(1))
    with freeze_time(NOW):
        runs.run_automations()
    assert sorted(Ticket.objects.get(pk=never_changed.pk).tags.names()) == ["c", "s"]
    assert sorted(Ticket.objects.get(pk=changed_lately.pk).tags.names()) == ["c"]
    assert created.firings.count() == 2
    assert status.firings.count() == 1


def test_a_run_works_in_bounded_batches(
    close_after_a_week, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(runs, "BATCH", 10)
    tickets = [pending_ticket(8) for _ in range(25)]
    with freeze_time(NOW):
        result = runs.run(close_after_a_week)
    assert result.tickets == 25
    assert Ticket.objects.filter(status_id=FixedStatus.CLOSED).count() == 25
    assert TicketEvent.objects.filter(kind=Kind.STATUS_CHANGED, ticket__in=tickets).count() == 25
    # Set-based: a batch costs the same few statements whatever its size.
    for ticket in tickets:
        ticket.status_id = FixedStatus.ON_HOLD
        ticket.status_changed_at = days_ago(9)
        ticket.save(update_fields=["status", "status_changed_at"])
    with freeze_time(NOW), django_assert_max_num_queries(3 * 14 + 2):
        assert runs.run(close_after_a_week).tickets == 25


def test_a_run_acts_on_a_bounded_number_and_the_next_runs_go_on(
    close_after_a_week, monkeypatch, settings
):
    monkeypatch.setattr(runs, "BATCH", 4)
    settings.AUTOMATIONS_MAX_TICKETS_PER_RUN = 10
    tickets = [pending_ticket(8) for _ in range(23)]
    closed = Ticket.objects.filter(status_id=FixedStatus.CLOSED)
    with freeze_time(NOW):
        assert [runs.run(close_after_a_week).tickets for _ in range(4)] == [10, 10, 3, 0]
    assert closed.count() == 23
    assert sorted(closed.values_list("pk", flat=True)) == sorted(t.pk for t in tickets)
    assert AutomationFiring.objects.filter(automation=close_after_a_week).count() == 23


def test_the_email_to_the_requester_of_each_ticket(
    close_after_a_week, mailoutbox, django_capture_on_commit_callbacks
):
    close_after_a_week.actions = [
        {"action": "set_status", "value": FixedStatus.CLOSED},
        {
            "action": "email_requester",
            "value": {
                "subject": "Closed: {{ ticket.subject }}",
                "body": "We closed #{{ ticket.id }} ({{ ticket.status }}).",
            },
        },
    ]
    close_after_a_week.save()
    contact = factories.ContactFactory(email="ann@x.example")
    ticket = pending_ticket(8, requester=contact, client=contact.client, subject="Lost keys")
    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
        runs.run(close_after_a_week)
    [email] = mailoutbox
    assert email.to == ["ann@x.example"]
    assert email.subject == "Closed: Lost keys"
    assert email.body == f"We closed #{ticket.pk} (Closed)."


def test_triggers_see_what_an_automation_did(close_after_a_week):
    factories.TriggerFactory(
        conditions=[{"field": "status", "op": "changed_to", "value": FixedStatus.CLOSED}],
        actions=[{"action": "add_tags", "value": ["auto-closed"]}],
    )
    ticket = pending_ticket(8)
    with freeze_time(NOW):
        runs.run(close_after_a_week)
    assert list(Ticket.objects.get(pk=ticket.pk).tags.names()) == ["auto-closed"]


def test_the_command_runs_every_active_automation(close_after_a_week, capsys):
    factories.AutomationFactory(name="Off", is_active=False)
    pending_ticket(8)
    with freeze_time(NOW):
        call_command("run_automations")
    out = capsys.readouterr().out
    assert "Close pending for 7 days: 1 tickets" in out
    assert "Off" not in out


def test_the_command_without_an_automation(capsys):
    call_command("run_automations")
    assert capsys.readouterr().out == "No active automation.\n"


def test_hours_below_one_are_refused():
    from django.core.exceptions import ValidationError

    automation = Automation(name="Now", hours=0, actions=[{"action": "add_tags", "value": ["x"]}])
    with pytest.raises(ValidationError):
        automation.full_clean()


def test_an_automation_may_not_use_the_conditions_on_a_change():
    from django.core.exceptions import ValidationError

    automation = Automation(
        name="Odd",
        hours=1,
        conditions=[{"field": "status", "op": "changed"}],
        actions=[{"action": "add_tags", "value": ["x"]}],
    )
    with pytest.raises(ValidationError, match="the operator of status is one of is, is_not"):
        automation.full_clean()


# The set-based services ---------------------------------------------------------------


def test_change_status_of_many_keeps_the_times_as_change_status_does(agent):
    closed = factories.TicketFactory(
        status_id=FixedStatus.CLOSED, resolved_at=days_ago(1), waiting_since=None
    )
    waiting = factories.TicketFactory(waiting_since=days_ago(2))
    on_hold = factories.TicketFactory(status_id=FixedStatus.ON_HOLD, waiting_since=None)
    open_status = TicketStatus.objects.get(pk=FixedStatus.OPEN)
    with freeze_time(NOW):
        changed = services.change_status_of_many(
            ticket_ids=[closed.pk, waiting.pk, on_hold.pk],
            status=open_status,
            actor=agent,
            channel=Channel.WEB,
        )
    assert changed == sorted([closed.pk, on_hold.pk])
    for ticket in (closed, waiting, on_hold):
        ticket.refresh_from_db()
    assert (closed.resolved_at, closed.status_changed_at, closed.waiting_since) == (None, NOW, NOW)
    assert waiting.waiting_since == days_ago(2)  # unchanged: it was open already
    assert on_hold.waiting_since == NOW
    event = TicketEvent.objects.get(ticket=closed)
    assert (event.actor, event.channel) == (agent, Channel.WEB)
    assert event.old_value == {"id": FixedStatus.CLOSED, "name": "Closed"}


def test_closing_many_stamps_resolved_only_for_the_newly_closed(agent):
    already = factories.TicketFactory(status_id=4, resolved_at=None)
    solved = factories.TicketFactory(status_id=FixedStatus.CLOSED, resolved_at=days_ago(5))
    closed_status = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
    with freeze_time(NOW):
        changed = services.change_status_of_many(
            ticket_ids=[already.pk, solved.pk],
            status=closed_status,
            actor=None,
            channel=Channel.SYSTEM,
        )
    assert changed == [already.pk]
    already.refresh_from_db()
    solved.refresh_from_db()
    assert (already.resolved_at, already.waiting_since) == (NOW, None)
    assert solved.resolved_at == days_ago(5)


@pytest.mark.parametrize("field", ["priority", "department", "team", "assignee"])
def test_set_field_of_many_records_what_the_per_ticket_services_record(field, agent, other_agent):
    values = {
        "priority": Priority.URGENT,
        "department": factories.CategoryFactory(name="Billing"),
        "team": factories.TeamFactory(name="Tier 2"),
        "assignee": other_agent,
    }
    one, many = factories.TicketFactory(assignee=agent), factories.TicketFactory(assignee=agent)
    if field == "priority":
        services.update_ticket(ticket=one, priority=values[field], actor=agent, channel=Channel.WEB)
    elif field == "department":
        services.update_ticket(
            ticket=one, department=values[field], actor=agent, channel=Channel.WEB
        )
    elif field == "team":
        services.set_team(ticket=one, team=values[field], actor=agent, channel=Channel.WEB)
    else:
        services.assign(ticket=one, assignee=values[field], actor=agent, channel=Channel.API)
    changed = services.set_field_of_many(
        ticket_ids=[many.pk], field=field, value=values[field], actor=agent, channel=Channel.WEB
    )
    assert changed == [many.pk]
    by_one = TicketEvent.objects.get(ticket=one)
    by_many = TicketEvent.objects.get(ticket=many)
    assert (by_many.kind, by_many.new_value) == (by_one.kind, by_one.new_value)
    if field != "department":  # the two tickets' departments differ
        assert by_many.old_value == by_one.old_value
    one.refresh_from_db()
    many.refresh_from_db()
    column = field if field == "priority" else f"{field}_id"
    assert getattr(many, column) == getattr(one, column)
    # Again: nothing left to change.
    assert (
        services.set_field_of_many(
            ticket_ids=[many.pk], field=field, value=values[field], actor=agent, channel=Channel.WEB
        )
        == []
    )


def test_set_field_of_many_to_nobody(agent):
    ticket = factories.TicketFactory(assignee=agent, updated_at=days_ago(1))
    with freeze_time(NOW):
        services.set_field_of_many(
            ticket_ids=[ticket.pk], field="assignee", value=None, actor=None, channel=Channel.SYSTEM
        )
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.updated_at) == (None, NOW)
    assert TicketEvent.objects.get(ticket=ticket).new_value is None


def test_an_automation_only_within_business_hours(close_after_a_week):
    calendar = factories.BusinessCalendarFactory()  # Monday to Friday, 9 to 17 in London
    close_after_a_week.conditions = [{"field": "business_hours", "op": "is", "value": calendar.pk}]
    close_after_a_week.save()
    pending_ticket(8)
    saturday = NOW + datetime.timedelta(days=4)
    with freeze_time(saturday):
        assert runs.run(close_after_a_week).tickets == 0
    with freeze_time(saturday + datetime.timedelta(days=2)):  # Monday noon
        assert runs.run(close_after_a_week).tickets == 1
