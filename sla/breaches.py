"""Recording breaches: each running target that passes its due time unmet is marked
breached and recorded in its ticket's history (tickets.services.record_sla_breach, with
the policy as the actor), once.

The due targets are read through the partial index of running, unbreached targets by due
time, so a run reads the targets that are due and nothing else. Each breach is its own
change: the ticket's row is locked first (the order in which the services lock, so that
a run and an agent's change cannot deadlock), then a conditional UPDATE claims the
target; a second run at the same moment waits for the lock, then claims nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tickets import changes, services
from tickets.models import Ticket

from .models import SlaTargetKind, TargetState, TicketSlaTarget

BATCH = 200


def due_targets(now: datetime.datetime):
    """The running targets of active policies that are due and not yet recorded breached."""
    return (
        TicketSlaTarget.objects.filter(
            state=TargetState.ACTIVE,
            breached_at__isnull=True,
            due_at__lte=now,
            policy__is_active=True,
        )
        .select_related("policy")
        .order_by("due_at", "pk")
    )


def record_due_breaches(*, now: datetime.datetime | None = None) -> int:
    """Record every breach due at `now` (default: now); returns how many it recorded."""
    now = now or timezone.now()
    recorded = 0
    seen: set[int] = set()
    while True:
        batch = [target for target in due_targets(now)[:BATCH] if target.pk not in seen]
        if not batch:
            return recorded
        for target in batch:
            seen.add(target.pk)
            recorded += record_breach(target, now=now)


def record_breach(target: TicketSlaTarget, *, now: datetime.datetime) -> bool:
    """Record one target's breach, unless another run did; True when this one did."""
    with changes.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=target.ticket_id).first()
        if ticket is None:
            return False
        claimed = TicketSlaTarget.objects.filter(
            pk=target.pk,
            state=TargetState.ACTIVE,
            breached_at__isnull=True,
            due_at__lte=now,
        ).update(breached_at=now)
        if not claimed:
            return False
        assert target.due_at is not None
        with changes.acting_as(target.policy.as_rule()):
            services.record_sla_breach(
                ticket=ticket,
                target=SlaTargetKind(target.kind).label,
                due_at=target.due_at,
                at=now,
            )
    return True
