"""sla.recompute (manage.py recompute_sla): the open tickets get their targets as if the
clocks had run; solved and spam tickets lose theirs."""

import io

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from sla.models import SlaTargetKind, TargetState
from tests import factories
from tickets.models import Priority, Reply
from tickets.statuses import FixedStatus

from .conftest import london

pytestmark = pytest.mark.django_db


def test_open_tickets_get_their_targets(calendar, contact):
    urgent = factories.SlaPolicyFactory(
        position=1,
        calendar=calendar,
        priorities=[Priority.URGENT],
        targets={"first_response": 60, "next_response": 60, "resolution": 8 * 60},
    )
    factories.SlaPolicyFactory(position=2, calendar=calendar, targets={"resolution": 16 * 60})
    waiting = factories.TicketFactory(priority=Priority.URGENT, created_at=london(2026, 3, 25, 10))
    answered = factories.TicketFactory(
        priority=Priority.URGENT,
        client=contact.client,
        created_at=london(2026, 3, 25, 10),
        first_response_at=london(2026, 3, 25, 12),
        last_reply_at=london(2026, 3, 25, 14),
    )
    factories.ReplyFactory(
        ticket=answered, author_contact=contact, author_agent=None, kind=Reply.Kind.REPLY
    )
    on_hold = factories.TicketFactory(
        status_id=FixedStatus.ON_HOLD,
        created_at=london(2026, 3, 25, 10),
        status_changed_at=london(2026, 3, 25, 11),
    )
    closed = factories.TicketFactory(status_id=FixedStatus.CLOSED, sla_due_at=london(2026, 3, 1))
    spam = factories.TicketFactory(is_spam=True)
    out = io.StringIO()
    with freeze_time(london(2026, 3, 25, 15)):
        call_command("recompute_sla", "--batch", "2", stdout=out)
    assert "3 open tickets" in out.getvalue()

    waiting.refresh_from_db()
    found = {t.kind: t for t in waiting.sla_targets.all()}
    assert set(found) == {SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION}
    assert found[SlaTargetKind.FIRST_RESPONSE].due_at == london(2026, 3, 25, 11)
    # Past due before the clocks ran: breached at its due time, silently.
    assert found[SlaTargetKind.FIRST_RESPONSE].breached_at == london(2026, 3, 25, 11)
    assert not waiting.events.exists()
    assert waiting.sla_due_at == london(2026, 3, 25, 11)
    assert waiting.sla_policy_id == urgent.pk

    answered.refresh_from_db()
    found = {t.kind: t for t in answered.sla_targets.all()}
    assert found[SlaTargetKind.FIRST_RESPONSE].state == TargetState.MET
    assert found[SlaTargetKind.FIRST_RESPONSE].breached_at == london(2026, 3, 25, 11)
    assert found[SlaTargetKind.NEXT_RESPONSE].started_at == london(2026, 3, 25, 14)
    assert answered.sla_due_at == london(2026, 3, 25, 15)

    on_hold.refresh_from_db()
    (resolution,) = on_hold.sla_targets.all()
    assert resolution.state == TargetState.PAUSED
    assert resolution.remaining_seconds == 15 * 3600
    assert on_hold.sla_due_at is None

    closed.refresh_from_db()
    assert closed.sla_due_at is None and not closed.sla_targets.exists()
    assert not spam.sla_targets.exists()


def test_recomputing_twice_changes_nothing(calendar):
    factories.SlaPolicyFactory(calendar=calendar)
    ticket = factories.TicketFactory(created_at=london(2026, 3, 25, 10))
    with freeze_time(london(2026, 3, 25, 10, 30)):
        call_command("recompute_sla", stdout=io.StringIO())
        first = list(ticket.sla_targets.values_list("kind", "due_at", "state"))
        call_command("recompute_sla", stdout=io.StringIO())
    assert list(ticket.sla_targets.values_list("kind", "due_at", "state")) == first
