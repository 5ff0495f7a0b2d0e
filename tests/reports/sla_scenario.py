"""SLA targets met, breached, running and stopped around three UTC days, 2026-01-10 to
2026-01-12, as the SLA clock leaves them on tickets (built directly, at fixed times)."""

from __future__ import annotations

import datetime

from sla.models import SlaTargetKind, TargetState
from tests import factories

from .scenario import at

FIRST, RESOLUTION = SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION
HOUR = datetime.timedelta(hours=1)


class SlaScenario:
    """Standard (position 0) and VIP (position 1) policies.

    Standard, first response: met on the 10th (t1); breached on the 10th and met late
    (t2, Ann's); met late on the 11th before the breach was recorded (t4, Bob's: breached
    at its due time); running, due after the range (t5); breached on a spam ticket (t10).
    Standard, resolution: met on the 11th exactly when due (t3); breached on the 12th
    and still running (t6, Sales, no assignee); stopped unmet (t11).
    VIP, first response: met at the 12th's last second (t7); met at the 13th's first
    instant (t8, after the range in UTC, on the 12th in New York); breached just before
    the range (t9).
    """

    def __init__(self) -> None:
        self.standard = factories.SlaPolicyFactory(name="Standard", position=0)
        self.vip = factories.SlaPolicyFactory(name="VIP", position=1)
        self.support = factories.CategoryFactory(name="Support")
        self.sales = factories.CategoryFactory(name="Sales")
        self.company = factories.ClientFactory(name="Acme Inc")
        self.ann = factories.AgentFactory(first_name="Ann", last_name="Able", username="ann")
        self.bob = factories.AgentFactory(first_name="Bob", last_name="Baker", username="bob")

        self.t1 = self.target(
            self.standard, FIRST, due=at(10, 9), met=at(10, 8, 30), tags=["billing"]
        )
        self.t2 = self.target(
            self.standard, FIRST, due=at(10, 10), breached=at(10, 10), met=at(10, 11),
            assignee=self.ann, subject="Printer on fire",
        )  # fmt: skip
        self.t3 = self.target(self.standard, RESOLUTION, due=at(11, 12), met=at(11, 12))
        self.t4 = self.target(
            self.standard, FIRST, due=at(11, 9), met=at(11, 9, 30), assignee=self.bob
        )
        self.t5 = self.target(self.standard, FIRST, due=at(13, 20))
        self.t6 = self.target(
            self.standard, RESOLUTION, due=at(12, 8), breached=at(12, 8), department=self.sales
        )
        self.t7 = self.target(self.vip, FIRST, due=at(13, 9), met=at(12, 23, 59, 59))
        self.t8 = self.target(self.vip, FIRST, due=at(13, 9), met=at(13))
        self.t9 = self.target(self.vip, FIRST, due=at(9, 23, 59), breached=at(9, 23, 59))
        self.t10 = self.target(
            self.standard, FIRST, due=at(10, 12), breached=at(10, 12), is_spam=True
        )
        self.t11 = self.target(self.standard, RESOLUTION, due=at(11, 18), state=TargetState.STOPPED)

    def target(
        self,
        policy,
        kind,
        *,
        due,
        met=None,
        breached=None,
        state=None,
        tags=(),
        **ticket_fields,
    ):
        ticket_fields.setdefault("department", self.support)
        ticket = factories.TicketFactory(
            client=self.company, created_at=due - 2 * HOUR, tags=list(tags), **ticket_fields
        )
        extra = {"state": state} if state else {}
        return factories.TicketSlaTargetFactory(
            ticket=ticket,
            policy=policy,
            kind=kind,
            started_at=due - HOUR,
            due_at=due,
            met_at=met,
            breached_at=breached,
            **extra,
        )
