"""Running the automations: every few minutes, over every ticket, set-based.

An automation acts on the tickets whose conditions hold and whose moment (created,
updated, status changed, pending since, waiting since) lies at least its hours back. It
acts once per ticket and state: each firing is kept (AutomationFiring) with that moment,
and the candidates leave out the tickets fired on with the same moment, so that the same
automation acts again only once the moment moved on (the ticket was updated, changed
status, waited again).

One run reads the candidates in id order, BATCH at a time, each batch in its own
transaction: its rows are locked and re-checked by the same query, its firings written in
one INSERT and its actions done set-based (tickets.services.many) where they can be. Spam
and archived tickets are left alone. A run acts on at most AUTOMATIONS_MAX_TICKETS_PER_RUN
tickets of each automation: a new rule that matches a large backlog works through it over
the next runs (the candidates leave out the tickets fired on), a bounded batch at a time.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets import changes
from tickets.models import ActiveState, Ticket
from tickets.statuses import StatusCategory

from . import actions, rules
from .models import Automation, AutomationFiring

logger = logging.getLogger("automations")

BATCH = 1000

Since = Automation.Since

# The moment each kind of automation counts its hours from, as a ticket's column.
MOMENTS = {
    Since.CREATED: F("created_at"),
    Since.UPDATED: F("updated_at"),
    # A ticket whose status never changed has had it since it was created.
    Since.STATUS_CHANGED: Coalesce("status_changed_at", "created_at", output_field=DateTimeField()),
    Since.PENDING: Coalesce("status_changed_at", "created_at", output_field=DateTimeField()),
    Since.WAITING: F("waiting_since"),
}


def candidates(
    automation: Automation, now: datetime.datetime | None = None, *, after: int = 0
) -> QuerySet[Ticket]:
    """The tickets the automation would act on now, with their `moment`; those with ids
    above `after` (a run goes through them in id order: the bound is given to the firings
    too, so that the database reads only theirs from there on)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=automation.hours)
    tickets = (
        Ticket.objects.annotate(moment=MOMENTS[Since(automation.since)])
        .filter(rules.state_q(automation.conditions))
        .filter(moment__lte=cutoff, is_spam=False, active_state=ActiveState.ACTIVE)
        .filter(pk__gt=after)
    )
    if automation.since == Since.PENDING:
        tickets = tickets.filter(status__category=StatusCategory.PENDING)
    fired = AutomationFiring.objects.filter(
        automation=automation, ticket=OuterRef("pk"), state=OuterRef("moment"), ticket__gt=after
    )
    return tickets.filter(~Exists(fired))


@dataclass
class RunResult:
    automation: str
    tickets: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.automation}: {self.tickets} tickets in {self.seconds:.1f} s"


def run(automation: Automation, now: datetime.datetime | None = None) -> RunResult:
    """One run of one automation over every ticket, acting on at most
    AUTOMATIONS_MAX_TICKETS_PER_RUN of them."""
    started = time.monotonic()
    now = now or timezone.now()
    last_pk = 0
    total = 0
    limit = settings.AUTOMATIONS_MAX_TICKETS_PER_RUN
    while total < limit:
        with changes.atomic():
            rows = list(
                candidates(automation, now, after=last_pk)  # type: ignore[misc]  # `moment` is annotated
                .order_by("pk")
                .select_for_update(of=("self",))
                .values_list("pk", "moment")[: min(BATCH, limit - total)]
            )
            if not rows:
                break
            last_pk = rows[-1][0]
            AutomationFiring.objects.bulk_create(
                [
                    AutomationFiring(
                        automation=automation, ticket_id=pk, state=moment, fired_at=now
                    )
                    for pk, moment in rows
                ],
                ignore_conflicts=True,
            )
            with changes.acting_as(automation.reference()):
                actions.apply_to_many(automation, [pk for pk, _ in rows])
        total += len(rows)
    return RunResult(automation.name, total, time.monotonic() - started)


def run_automations(now: datetime.datetime | None = None) -> list[RunResult]:
    """Run every active automation in order of position; one that fails is logged and
    the others still run."""
    results = []
    for automation in Automation.objects.filter(is_active=True).order_by("position", "pk"):
        try:
            results.append(run(automation, now))
        except Exception:
            logger.exception("The automation %r failed.", automation.name)
    return results
